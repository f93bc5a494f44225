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
# OpenBLAS starts a second thread when the test process loads it, and that thread spins on sched_yield while idle
# (../shared/PLATFORM-NOTES.md): one thread, as the flywheel executables use.
OPENBLAS_NUM_THREADS=1 swift test --skip-build --no-parallel
