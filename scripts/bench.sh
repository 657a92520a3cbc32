#!/usr/bin/env bash
# Runs the benchmark suites in a release build. Usage: scripts/bench.sh [SUITE] [--json] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_deps
suite="${1:-wire}"
shift || true
swift build -c release --product bench >/dev/null
.build/release/bench "$suite" "$@"
