#!/usr/bin/env bash
# The loop against river's best on streams that are not bundled (issue 16): writes them with
# scripts/reference/make_outside_streams.py, runs `flywheel demo` (release) on each, and river 0.26.1's logistic
# regression, softmax regression, one-vs-rest logistic regression, Hoeffding adaptive tree and adaptive random forest
# at the same label delay; prints one markdown row per stream. About 10 minutes, most of it river's forest.
# Usage: scripts/outside-table.sh [DIR] [STREAM...]      (DIR default /tmp/flywheel-outside; pip install river==0.26.1)
#        DELAY=100 scripts/outside-table.sh /tmp/flywheel-outside phishing bananas imagesegments   (river's small real
#        data sets, written by the same script: docs/benchmarks.md, "Shorter label delays"; DELAY default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-/tmp/flywheel-outside}"; shift || true
streams=("$@"); [ ${#streams[@]} -gt 0 ] || streams=(hyperplane rbfdrift sine mixed stagger agrawal_grad led)
bin=.build/release/flywheel
[ -x "$bin" ] || swift build -c release --product flywheel >&2
{ [ -f "$dir/led.csv" ] && [ -f "$dir/${streams[0]}.csv" ]; } || python3 scripts/reference/make_outside_streams.py "$dir" >&2
delay="${DELAY:-1000}"

echo "Label delay $delay; served = what the loop's users got (flywheel demo), river = the best of its five models."
echo
echo "| stream | classes | served | loop's members (best) | river's best | river's models | met |"
echo "|---|---:|---:|---|---|---|---|"
for name in "${streams[@]}"; do
    csv="$dir/$name.csv" meta="$dir/$name.meta.json"
    classes=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1])).get('classes', [0, 1])))" "$meta")
    task=binary; [ "$classes" -gt 2 ] && task=multiclass
    work=$(mktemp -d)
    out=$(cd "$work" && "$OLDPWD/$bin" demo --data "$csv" --schema "$meta" --task "$task" --label-delay "$delay" 2>&1)
    rm -rf "$work"
    served=$(awk '$1 == "served" && $2 == "accuracy" { print $3; exit }' <<< "$out")
    best=$(awk '/^  model +version +accuracy/ { on = 1; next } on && NF == 0 { exit } on { print $3, $1 }' <<< "$out" | sort -rn | head -1)
    river=$(python3 scripts/reference/river_multiclass.py "$csv" "$meta" "$delay" | python3 -c '
import json, sys
print(" ".join("%s=%.4f" % (r["model"], r["accuracy"]) for r in map(json.loads, sys.stdin)))')
    if [ "$task" = binary ]; then
        logreg=$(python3 scripts/reference/river_prequential.py "$csv" "$meta" "$delay" | python3 -c '
import json, sys; print("%.4f" % json.load(sys.stdin)["accuracy"])')
        river="logreg=$logreg $river"
    fi
    top=$(tr ' ' '\n' <<< "$river" | sort -t= -k2 -rn | head -1)
    met=$(python3 -c "import sys; print('yes' if float(sys.argv[1]) >= float(sys.argv[2]) else 'no')" "$served" "${top#*=}")
    echo "| $name | $classes | $served | ${best#* } ${best%% *} | ${top#*=} (${top%%=*}) | $river | $met |"
done
