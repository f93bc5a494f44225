#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the kcat interoperability script against a
# `flywheel broker` process, then the Swift test suite (unit tests and end-to-end tests on the embedded broker).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build --build-tests
bash scripts/kcat-interop.sh .build/debug/flywheel
swift test --skip-build
