# Sourced by the scripts: the Debian packages citywatch needs to build and test.
APT_PACKAGES=(libzstd-dev zlib1g-dev pkg-config)

install_deps() {
  "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh" "${APT_PACKAGES[@]}"
}
