#!/usr/bin/env bash
# Prints the loop table of docs/promotion.md and docs/benchmarks.md: `flywheel demo` (release build, label delay
# 1000) on every bundled stream (binary, regression, and waveform's three classes), once per promotion rule, with what was served next to every
# member of the loop and river's best single model at the same delay (streams/data/README.md, shared reference table).
# Each stream's champion changes, and the labels from each true drift to the next change, go to standard error.
# Usage: scripts/promotion-table.sh [RULES]     RULES: space-separated, default "sequential window"
set -euo pipefail
cd "$(dirname "$0")/.."
rules="${1:-sequential window}"
bin=.build/release/flywheel
[ -x "$bin" ] || swift build -c release --product flywheel >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| stream | rule | served | logreg · linreg · softmax | *-finetune | *-fresh | mlp | best member | served − best | decisions (true drifts) | river best |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for stream in sea_abrupt agrawal_abrupt elec friedman_gra waveform; do
    args=(--data "streams/data/$stream.csv" --schema "streams/data/$stream.meta.json")
    case $stream in
        sea_abrupt) drifts=3; river="0.8770 (logreg)"; schema=streams/sea_abrupt.schema.json ;;
        agrawal_abrupt) drifts=3; river="0.8861 (hat)"; schema=streams/agrawal_abrupt.schema.json ;;
        elec) drifts="-"; river="0.7611 (logreg)"; schema=streams/data/elec.meta.json ;;
        friedman_gra) drifts=2; river="1.977 (arf)"; schema=streams/data/friedman_gra.meta.json; args+=(--task regression) ;;
        waveform) drifts=0; river="0.8121 (softmax)"; schema=streams/data/waveform.meta.json; args+=(--task multiclass) ;;
    esac
    args[3]=$schema
    for rule in $rules; do
        out="$work/$stream-$rule.txt"
        OPENBLAS_NUM_THREADS=1 "$bin" demo "${args[@]}" --promotion-rule "$rule" --registry "$work/$stream-$rule.sqlite" \
            > "$out" 2> "$work/$stream-$rule.err" || { echo "demo failed on $stream ($rule):" >&2; tail -5 "$work/$stream-$rule.err" >&2; exit 1; }
        python3 - "$out" "$stream" "$rule" "$drifts" "$river" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
stream, rule, drifts, river = sys.argv[2:6]
regression = "served MAE" in text
served = float(re.search(r"served (?:accuracy|MAE)\s+([0-9.]+)", text).group(1))
members = {}
for name in ["logreg", "logreg-finetune", "logreg-fresh", "mlp", "linreg", "linreg-finetune", "linreg-fresh",
             "softmax", "softmax-finetune", "softmax-fresh"]:
    m = re.search(r"^  " + re.escape(name) + r"\s+\d+\s+([0-9.]+)", text, re.M)
    if m: members[name] = float(m.group(1))
cols = [members.get(n, members.get(n.replace("logreg", "linreg"), members.get(n.replace("logreg", "softmax"))))
        for n in ["logreg", "logreg-finetune", "logreg-fresh", "mlp"]]
best = min(members.values()) if regression else max(members.values())
decisions = len([l for l in text.splitlines() if "decided at " in l and " replaces " in l])
fmt = (lambda v: f"{v:.3f}") if regression else (lambda v: f"{v:.4f}")
gap = served - best
print(f"| {stream} | {rule} | {fmt(served)} | " + " | ".join(fmt(c) if c is not None else "-" for c in cols)
      + f" | {fmt(best)} | {gap:+.4f} | {decisions} ({drifts}) | {river} |")
# Where each champion change was decided, against the stream's true drifts (its .meta.json): the cost of a drift is
# the labels from it to the next decision.
import json
meta = json.load(open(f"streams/data/{stream}.meta.json"))
starts = sorted((meta.get("drift") or {}).get("positions", [])) if isinstance(meta.get("drift"), dict) else []
changes = [int(m.group(1).replace(",", "")) for l in text.splitlines() if " replaces " in l
           for m in [re.search(r"decided at ([0-9,]+)", l)] if m]
notes = []
for start in starts:
    after = [c for c in changes if c > start]
    notes.append(f"drift {start:,}: next change +{after[0] - start:,}" if after else f"drift {start:,}: no change after")
with open(sys.argv[1] + ".changes", "w") as out:
    out.write(f"{stream} {rule}: changes decided at " + ", ".join(f"{c:,}" for c in changes) + ("; " + "; ".join(notes) if notes else "") + "\n")
PY
        cat "$out.changes" >&2
    done
done
