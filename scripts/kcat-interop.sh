#!/usr/bin/env bash
# Interoperability with an outside Kafka client: starts `flywheel broker` as its own process, then has kcat
# (Debian package) list its metadata, produce keyed messages, consume them back, and consume them again as a
# member of a consumer group. Exits non-zero on the first mismatch.
#
# Usage: scripts/kcat-interop.sh [path-to-flywheel-binary]   (default: .build/debug/flywheel)
set -euo pipefail

FLYWHEEL="${1:-.build/debug/flywheel}"
COUNT=10000
WORK="$(mktemp -d)"
BROKER_PID=""
cleanup() {
    # Only ever a real pid: `kill 0` would signal this whole process group (the caller included).
    if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v kcat >/dev/null || { echo "kcat-interop: kcat is not installed (apt-get install -y kcat)" >&2; exit 1; }
[ -x "$FLYWHEEL" ] || { echo "kcat-interop: $FLYWHEEL not built (swift build)" >&2; exit 1; }

"$FLYWHEEL" broker --brokers 3 --topic interop:3 --bootstrap-file "$WORK/bootstrap" --log-level warning \
    >"$WORK/broker.out" 2>"$WORK/broker.err" &
BROKER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/bootstrap" ] && break; sleep 0.1; done
[ -s "$WORK/bootstrap" ] || { echo "kcat-interop: broker did not start" >&2; cat "$WORK/broker.err" >&2; exit 1; }
BOOTSTRAP="$(cat "$WORK/bootstrap")"
echo "kcat-interop: flywheel broker (pid $BROKER_PID) at $BOOTSTRAP"

checks=0
fail() { echo "kcat-interop: FAILED: $*" >&2; exit 1; }
pass() { checks=$((checks + 1)); echo "kcat-interop: ok - $*"; }

# 1. Metadata: three brokers, the interop topic with three partitions, Flywheel's default topics.
kcat -b "$BOOTSTRAP" -L -J >"$WORK/metadata.json"
python3 - "$WORK/metadata.json" <<'PY' || fail "metadata"
import json, sys
meta = json.load(open(sys.argv[1]))
topics = {t["topic"]: len(t["partitions"]) for t in meta["topics"]}
assert len(meta["brokers"]) == 3, meta["brokers"]
assert topics.get("interop") == 3, topics
assert "flywheel.requests" in topics and "flywheel.dead-letter" in topics, topics
PY
pass "metadata lists 3 brokers, topic interop with 3 partitions, and Flywheel's topics"

# 2. Produce COUNT keyed messages with kcat (key:value per line), acks=all.
seq 1 "$COUNT" | awk '{ printf "key-%d:value-%d\n", $1 % 101, $1 }' >"$WORK/sent.txt"
kcat -b "$BOOTSTRAP" -P -t interop -K: -X acks=all -l "$WORK/sent.txt"
pass "kcat produced $COUNT keyed messages"

# 3. Consume them back (no group) until the end of every partition.
kcat -b "$BOOTSTRAP" -C -t interop -o beginning -e -q -f '%k:%s\n' >"$WORK/received.txt"
[ "$(wc -l <"$WORK/received.txt")" -eq "$COUNT" ] || fail "expected $COUNT messages, got $(wc -l <"$WORK/received.txt")"
cmp <(sort "$WORK/sent.txt") <(sort "$WORK/received.txt") || fail "consumed messages differ from produced ones"
pass "kcat consumed all $COUNT messages back, keys and values intact"

# 4. Same key, same partition: the broker partitioned by key consistently.
kcat -b "$BOOTSTRAP" -C -t interop -o beginning -e -q -f '%k %p\n' | sort -u | awk '{print $1}' | uniq -d >"$WORK/split.txt"
[ ! -s "$WORK/split.txt" ] || fail "keys spread over several partitions: $(head -3 "$WORK/split.txt")"
pass "every key stayed in one partition"

# 5. As a consumer-group member (balanced consumer): joins, gets all partitions, reads everything.
timeout 60 kcat -b "$BOOTSTRAP" -G "interop-group-$$" -o beginning -c "$COUNT" -q -f '%s\n' \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 interop >"$WORK/group.txt" \
    || fail "group consumer did not read $COUNT messages"
[ "$(sort -u "$WORK/group.txt" | wc -l)" -eq "$COUNT" ] || fail "group consumer read $(sort -u "$WORK/group.txt" | wc -l) distinct messages"
pass "kcat joined a consumer group and read all $COUNT messages"

# 6. The broker shuts down cleanly on SIGTERM.
kill -TERM "$BROKER_PID"
wait "$BROKER_PID" && status=0 || status=$?
[ "$status" -eq 0 ] || fail "flywheel broker exited with $status on SIGTERM"
BROKER_PID=""
pass "flywheel broker stopped cleanly on SIGTERM"

echo "kcat-interop: $checks checks passed"
