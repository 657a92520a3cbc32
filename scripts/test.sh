#!/usr/bin/env bash
# The whole test suite (what CI runs): installs what it needs, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_test_deps
install_python_deps
install_model
swift build --build-tests
# The browser, API-fuzzing, CPU-bound differential and neural-network suites (Chromium, schemathesis,
# the naive scenario evaluator, ONNX Runtime) run on their own after the rest: on a 2-core machine they
# would otherwise starve the suites that start and time real processes.
heavy='DashboardTests|OperationsAPITests|EngineVersusNaiveTests|NeuralPersonDetectorTests|NeuralConfirmationTests|RealFootageTests'
swift test --skip-build --skip "$heavy"
swift test --skip-build --filter "$heavy"
