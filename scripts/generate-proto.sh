#!/usr/bin/env bash
# Regenerates the committed Swift code for the .proto files under Proto/.
#
# Needs Debian's protoc (`apt-get install protobuf-compiler`) and protoc-gen-swift built once from the
# same swift-protobuf version the package resolves (1.39.x):
#   git clone <swift-protobuf> /tmp/swift-protobuf && cd /tmp/swift-protobuf && git checkout 1.39.0
#   swift build -c release --product protoc-gen-swift
#   export PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/release/protoc-gen-swift
# The generated files are committed so that no build runs the protoc plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "generate-proto: protoc-gen-swift not found; set PROTOC_GEN_SWIFT" >&2; exit 1; }
command -v protoc >/dev/null || { echo "generate-proto: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

protoc --plugin=protoc-gen-swift="$plugin" -I Proto \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  --swift_out=Sources/Shared/Wire/Generated Proto/citywatch/v1/batch.proto
protoc --plugin=protoc-gen-swift="$plugin" -I Proto \
  --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores \
  --swift_out=Benchmarks/bench/Generated Proto/bench/row_batch.proto
protoc --plugin=protoc-gen-swift="$plugin" -I Proto \
  --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores \
  --swift_out=Sources/EdgeAgent/Spool/Generated Proto/citywatch/spool/v1/record.proto
echo "generated: Sources/Shared/Wire/Generated, Benchmarks/bench/Generated, Sources/EdgeAgent/Spool/Generated"
