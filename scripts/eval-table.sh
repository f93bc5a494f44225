#!/usr/bin/env bash
# Prints the "beyond river" table of issue 4: every Flywheel model family on every bundled stream at one label delay
# (default 1000), through `flywheel eval`, next to river 0.26.1's best model there (../shared/data/README.md).
# Usage: scripts/eval-table.sh [DELAY]        (builds the release binary first if it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
delay="${1:-1000}"
bin=.build/release/flywheel
[ -x "$bin" ] || swift build -c release --product flywheel >&2

metric() {  # stream task args... -> the accuracy (binary) or MAE (regression) flywheel eval prints
    local stream=$1 task=$2; shift 2
    local key=accuracy; [ "$task" = regression ] && key=MAE
    "$bin" eval --data "streams/data/$stream.csv" --schema "streams/data/$stream.meta.json" --task "$task" \
        --delay "$delay" "$@" | awk -v k="$key" '$1 == k { print $2 }'
}

echo "Prequential, label delay $delay; accuracy (binary) or MAE (friedman_gra). River: ../shared/data/README.md."
echo
echo "| stream | logreg SGD | logreg AdaGrad | logreg Adam | FTRL | MLP 64·32 | k-NN 5 of 1,000 | river logreg/linreg | river best |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for stream in sea_abrupt agrawal_abrupt elec; do
    row="| $stream | $(metric $stream binary --model linear) | $(metric $stream binary --model linear --optimizer adagrad --learning-rate 0.1)"
    row="$row | $(metric $stream binary --model linear --optimizer adam --learning-rate 0.01) | $(metric $stream binary --model ftrl)"
    row="$row | $(metric $stream binary --model mlp) | $(metric $stream binary --model knn)"
    case $stream in
        sea_abrupt) row="$row | 0.8770 | 0.8770 (logreg) |" ;;
        agrawal_abrupt) row="$row | 0.7534 | 0.8861 (hat) |" ;;
        elec) row="$row | 0.7611 | 0.7611 (logreg) |" ;;
    esac
    echo "$row"
done
echo "| friedman_gra (MAE) | $(metric friedman_gra regression --model linear) | $(metric friedman_gra regression --model linear --optimizer adagrad --learning-rate 0.1) | $(metric friedman_gra regression --model linear --optimizer adam --learning-rate 0.01) | – | $(metric friedman_gra regression --model mlp) | $(metric friedman_gra regression --model knn) | 2.326 | 1.977 (arf) |"
