#!/usr/bin/env bash
# Runs the benchmark suites in a release build. Usage: scripts/bench.sh [wire|vision|ingest|spool|drain|scenarios] [--json] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_test_deps  # bench ingest starts a PostgreSQL server of its own
suite="${1:-wire}"
shift || true
swift build -c release --product bench >/dev/null
swift build -c release --product aggregator >/dev/null
swift build -c release --product edge-agent >/dev/null
.build/release/bench "$suite" "$@"
