#!/usr/bin/env bash
# How many message sets the embedded broker hands out per fetch: starts `flywheel broker`, writes 2,000 records to a
# one-partition topic as 2,000 single-record message sets (kcat, one record per batch) and 2,000 more to another
# topic as ~20 sets of 100, then reads each topic from the start to its end with kcat and counts the fetch
# responses that carried records (librdkafka's `fetch` debug log: one "Enqueue N message(s)" line per response). librdkafka 2.0.2's mock cluster answers a fetch
# with at most one message set per partition (its source: "FIXME: Multiple messageSets ?"), so a consumer needs one
# fetch per set, and finding the set walks the partition's sets from the oldest (docs/benchmarks.md).
#
# Usage: scripts/broker-fetch-sets.sh [path-to-flywheel-binary]   (default: .build/release/flywheel)
set -euo pipefail
FLYWHEEL="${1:-.build/release/flywheel}"
. "$(dirname "$0")/lib/start-broker.sh"
require_broker_tools broker-fetch-sets "$FLYWHEEL"
WORK="$(mktemp -d)"
start_broker "$FLYWHEEL" "$WORK" single:1 hundreds:1
seq 1 2000 | kcat -b "$BOOTSTRAP" -P -t single -X linger.ms=0 -X batch.num.messages=1
seq 1 2000 | kcat -b "$BOOTSTRAP" -P -t hundreds -X linger.ms=100 -X batch.num.messages=100
for topic in single hundreds; do
    records=$(kcat -b "$BOOTSTRAP" -C -t "$topic" -o beginning -e -d fetch 2>"$WORK/$topic.log" | wc -l)
    fetches=$(grep -cE "Enqueue [0-9]+ message\(s\).* on $topic \[0\]" "$WORK/$topic.log" || true)
    echo "$topic: $records records read in $fetches fetch responses with records"
done
