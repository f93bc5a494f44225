#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the kcat interoperability script against a
# `flywheel broker` process, then the Swift test suite (unit tests and end-to-end tests on the embedded broker).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build --build-tests
bash scripts/kcat-interop.sh .build/debug/flywheel
# One test at a time: the broker-fault test takes brokers down and up, and librdkafka 2.0.2's mock broker aborts the
# process if, meanwhile, another test's connection has taken the port it listens on again
# (rdkafka_mock.c: "Failed to create mock broker listener"). Serial runs also keep the timing tests honest.
swift test --skip-build --no-parallel
