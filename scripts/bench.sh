#!/usr/bin/env bash
# Runs the benchmark suites in a release build. Usage: scripts/bench.sh [wire|vision|ingest|spool|drain|scenarios|detector] [--json] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_test_deps  # bench ingest starts a PostgreSQL server of its own
suite="${1:-wire}"
shift || true
if [ "$suite" = detector ]; then install_model; fi  # the model and ONNX Runtime (scripts/fetch-model.sh)
swift build -c release --product bench >/dev/null
swift build -c release --product aggregator >/dev/null
swift build -c release --product edge-agent >/dev/null
.build/release/bench "$suite" "$@"
