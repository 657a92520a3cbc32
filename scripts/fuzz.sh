#!/usr/bin/env bash
# Fuzzes the batch decoder with libFuzzer (docs/PROTOCOL.md, "Fuzzing").
# Usage: scripts/fuzz.sh [RUNS]   (default 1,000,000 executions; extra libFuzzer flags via FUZZ_FLAGS)
# Builds in .build-fuzz with coverage instrumentation and AddressSanitizer, seeds the corpus with
# real batches (edge-agent synth) and the golden fixtures, and fails on any crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_deps
runs="${1:-1000000}"
swift build --scratch-path .build-fuzz -c debug --product FuzzBatchDecoder \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -D -Xswiftc FUZZING
corpus=.fuzz-corpus
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  swift build --product edge-agent >/dev/null
  .build/debug/edge-agent synth --count 400 --batch-size 20 --out "$corpus" >/dev/null
  .build/debug/edge-agent synth --count 200 --batch-size 10 --compress --seed 7 --out "$corpus" >/dev/null
  cp Tests/SharedTests/Fixtures/golden-batch-v1.pb* "$corpus"/
fi
.build-fuzz/debug/FuzzBatchDecoder "$corpus" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 ${FUZZ_FLAGS:-}
