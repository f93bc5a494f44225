#!/usr/bin/env bash
# Installs what Flywheel needs from Debian (and Python's jsonschema, vowpalwabbit and prometheus_client for the
# tests), if missing.
# Safe to run again; needs root or sudo for apt-get.
set -euo pipefail

packages=(librdkafka-dev libopenblas-dev libsqlite3-dev pkg-config kcat python3 chromium)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c "import jsonschema, referencing" 2>/dev/null; then
    echo "install-deps: installing jsonschema (validates the event contracts in the tests)"
    python3 -m pip install --quiet jsonschema
fi

if ! python3 -m vowpalwabbit --version >/dev/null 2>&1; then
    echo "install-deps: installing vowpalwabbit 9.11.9 (the FTRL tests compare with vw --ftrl)"
    python3 -m pip install --quiet vowpalwabbit==9.11.9
fi

if ! python3 -c "import prometheus_client" 2>/dev/null; then
    echo "install-deps: installing prometheus_client (the metrics test parses /metrics with its text parser)"
    python3 -m pip install --quiet prometheus_client
fi

for library in rdkafka openblas sqlite3; do
    pkg-config --exists "$library" || { echo "install-deps: pkg-config cannot find $library" >&2; exit 1; }
done
echo "install-deps: librdkafka $(pkg-config --modversion rdkafka), OpenBLAS $(pkg-config --modversion openblas), SQLite $(pkg-config --modversion sqlite3), kcat $(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*/\1/p')"
