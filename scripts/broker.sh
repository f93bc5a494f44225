#!/usr/bin/env bash
# The main job for now: installs what is missing, builds Flywheel in release mode and runs the embedded Kafka
# broker with Flywheel's topics until Ctrl-C. Extra arguments go to `flywheel broker` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product flywheel
exec .build/release/flywheel broker "$@"
