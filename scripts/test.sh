#!/usr/bin/env bash
# The whole test suite (what CI runs): installs what it needs, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_test_deps
install_python_deps
swift build --build-tests
swift test --skip-build
