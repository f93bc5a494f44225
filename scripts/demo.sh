#!/usr/bin/env bash
# The main job: installs what is missing, builds Flywheel in release mode and runs `flywheel demo` — the whole loop
# on the embedded broker with the bundled drifting SEA stream. Extra arguments go to `flywheel demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product flywheel
exec .build/release/flywheel demo "$@"
