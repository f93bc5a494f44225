#!/usr/bin/env bash
# What an idle consumer costs the embedded broker: starts `flywheel broker`, fills one topic with no message sets,
# one with 2,000 and one with 20,000 single-message sets (kcat, linger 0, one message per batch), then has kcat
# consume each topic from its end with fetch.wait.max.ms=1 for 5 s and prints the broker process's CPU time meanwhile
# (from /proc). The loop's consumers poll the embedded broker like this between records (docs/benchmarks.md).
#
# Usage: scripts/broker-fetch-cost.sh [path-to-flywheel-binary]   (default: .build/release/flywheel)
set -euo pipefail
FLYWHEEL="${1:-.build/release/flywheel}"
. "$(dirname "$0")/lib/start-broker.sh"
require_broker_tools broker-fetch-cost "$FLYWHEEL"
WORK="$(mktemp -d)"
start_broker "$FLYWHEEL" "$WORK" empty:1 sets2k:1 sets20k:1
seq 1 2000 | kcat -b "$BOOTSTRAP" -P -t sets2k -X linger.ms=0 -X batch.num.messages=1
seq 1 20000 | kcat -b "$BOOTSTRAP" -P -t sets20k -X linger.ms=0 -X batch.num.messages=1
ticks() { awk '{print $14 + $15}' "/proc/$BROKER/stat"; }
per_second=$(getconf CLK_TCK)
for topic in empty sets2k sets20k; do
    before=$(ticks)
    timeout 5 kcat -b "$BOOTSTRAP" -C -t "$topic" -o end -q -X fetch.wait.max.ms=1 >/dev/null 2>&1 || true
    after=$(ticks)
    echo "$topic: the broker used $(( (after - before) * 1000 / per_second / 5 )) ms of CPU per second of one idle consumer's 1 ms fetches"
done
