# Sourced by the broker-fetch-*.sh scripts.

# require_broker_tools SCRIPT FLYWHEEL: exits with a message naming SCRIPT and the fix unless kcat is installed and
# FLYWHEEL is built.
require_broker_tools() {
    command -v kcat >/dev/null || { echo "$1: kcat is not installed (apt-get install -y kcat)" >&2; exit 1; }
    [ -x "$2" ] || { echo "$1: $2 not built (swift build -c release --product flywheel)" >&2; exit 1; }
}

# start_broker FLYWHEEL WORK TOPIC... starts `flywheel broker` with the given topics (name:partitions) in the
# background, stops it (and removes WORK) when the script exits, waits for its address and sets BROKER (its pid) and
# BOOTSTRAP (its address).
start_broker() {
    local flywheel="$1" work="$2"
    shift 2
    local topics=()
    for topic in "$@"; do topics+=(--topic "$topic"); done
    "$flywheel" broker "${topics[@]}" --bootstrap-file "$work/bootstrap" --log-level warning >/dev/null 2>&1 &
    BROKER=$!
    trap 'kill "$BROKER" 2>/dev/null || true; rm -rf "'"$work"'"' EXIT
    for _ in $(seq 1 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
    BOOTSTRAP="$(cat "$work/bootstrap")"
}
