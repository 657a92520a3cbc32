#!/usr/bin/env bash
# Installs citywatch (edge-agent, aggregator) with its systemd units, users and example configuration.
# Idempotent: a second run changes nothing, and existing configuration is never overwritten.
#
# Usage: Deploy/install.sh [--root DIR] [--bin-dir DIR | --no-build] [--with-model] [--help]
#
#   (default)       swift build -c release --static-swift-stdlib --product edge-agent / aggregator in
#                   the repository this script belongs to, then install into /
#   --root DIR      install into DIR instead of / (a staging tree; tests). Users are created in
#                   DIR/etc/passwd with `systemd-sysusers --root DIR`; systemctl is not called.
#   --bin-dir DIR   install DIR/edge-agent and DIR/aggregator (already built; no build)
#   --no-build      install the last release build (.build/release) without building
#   --with-model    also fetch the neural person detector and ONNX Runtime (scripts/fetch-model.sh,
#                   pinned and checksummed) into /usr/local/share/citywatch/models, the agent's default
#                   `detector.model_directory`; CITYWATCH_MODEL_ARCH=aarch64 stages an ARM box's copy
#
# Installs:
#   /usr/local/bin/{edge-agent,aggregator}                     0755, replaced atomically
#   /etc/systemd/system/{edge-agent,edge-agent@,aggregator}.service
#   /usr/lib/sysusers.d/citywatch.conf                         group citywatch, users citywatch-agent
#                                                              and citywatch-aggregator
#   /etc/citywatch/{edge-agent,aggregator,city}.yaml           0640 root:citywatch; NAME.yaml.example
#                                                              beside an existing one instead
#   /etc/citywatch/edge-agent/{README,NAME.yaml.example}       configs of edge-agent@NAME.service
#   /etc/citywatch/scenarios/                                  the scenario library, first install only
#   /etc/citywatch/tls/                                        0750 root:citywatch, for the aggregator's PKI
#   /var/lib/citywatch/{edge-agent,aggregator}/                the services' state directories
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "install.sh: $*" >&2; exit 1; }

root=/
bin_dir=
build=yes
with_model=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a directory"; bin_dir=$2; build=no; shift 2 ;;
    --bin-dir=*) bin_dir=${1#--bin-dir=}; build=no; shift ;;
    --no-build) build=no; shift ;;
    --with-model) with_model=yes; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done

[ -n "$root" ] || die "--root needs a directory"
mkdir -p "$root"
root=$(cd "$root" && pwd)
R=${root%/}                     # prefix for every installed path: "" when installing into /
on_host=no; [ -z "$R" ] && on_host=yes
is_root=no; [ "$(id -u)" -eq 0 ] && is_root=yes
[ $on_host = no ] || [ $is_root = yes ] || die "installing into / needs root (or use --root DIR)"
# Ownership only where it means something: as root on the real system.
own() { [ $on_host = yes ] && [ $is_root = yes ]; }

changes=0
say() { echo "  $*"; }
tmp=
trap 'if [ -n "$tmp" ]; then rm -rf "$tmp"; fi' EXIT

# --- binaries --------------------------------------------------------------------------------------
if [ $build = yes ]; then
  command -v swift >/dev/null || die "swift not found (or give --bin-dir DIR with built binaries)"
  echo "== building (release, static Swift standard library)"
  for product in edge-agent aggregator; do
    (cd "$repo" && swift build -c release --static-swift-stdlib --product "$product")
  done
  bin_dir=$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)
elif [ -z "$bin_dir" ]; then
  bin_dir=$repo/.build/release
fi
for product in edge-agent aggregator; do
  if [ ! -f "$bin_dir/$product" ] || [ ! -x "$bin_dir/$product" ]; then die "$bin_dir/$product: no executable there"; fi
done

# install_file SRC DEST MODE [OWNER:GROUP]: copies SRC over DEST through a temporary file in DEST's
# directory and a rename (atomic: a running binary or a reader never sees half a file); leaves an
# identical DEST alone apart from its mode and owner.
install_file() {
  local src=$1 dest=$2 mode=$3 owner=${4:-}
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"
    if [ -n "$owner" ]; then chown "$owner" "$dest"; fi
    say "unchanged  $dest"
    return
  fi
  tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
  cp "$src" "$tmp"
  chmod "$mode" "$tmp"
  if [ -n "$owner" ]; then chown "$owner" "$tmp"; fi
  mv -f "$tmp" "$dest"
  tmp=
  say "installed  $dest"
  changes=$((changes + 1))
}

# install_dir DIR MODE [OWNER:GROUP]
install_dir() {
  local dir=$1 mode=$2 owner=${3:-}
  if [ ! -d "$dir" ]; then mkdir -p "$dir"; say "created    $dir/"; changes=$((changes + 1)); fi
  chmod "$mode" "$dir"
  if [ -n "$owner" ]; then chown "$owner" "$dir"; fi
}

config_owner=; own && config_owner=root:citywatch

# install_config SRC DEST: the example becomes DEST unless DEST exists: then it is kept as it is and
# the example goes to DEST.example.
install_config() {
  local src=$1 dest=$2
  if [ -e "$dest" ]; then
    if cmp -s "$src" "$dest"; then
      say "unchanged  $dest"
    else
      say "kept       $dest (yours; not overwritten): the current example is $dest.example"
      install_file "$src" "$dest.example" 0640 "$config_owner"
    fi
  else
    install_file "$src" "$dest" 0640 "$config_owner"
  fi
}

echo "== installing into $root"

# --- users (first: the group owns the configuration) ---------------------------------------------
install_dir "$R/usr/lib/sysusers.d" 0755
install_file "$repo/Deploy/sysusers.d/citywatch.conf" "$R/usr/lib/sysusers.d/citywatch.conf" 0644
install_dir "$R/etc" 0755
if command -v systemd-sysusers >/dev/null; then
  if [ $on_host = yes ]; then
    systemd-sysusers citywatch.conf
  else
    systemd-sysusers --root "$root" citywatch.conf
  fi
  say "users      citywatch-agent, citywatch-aggregator (group citywatch): systemd-sysusers"
elif [ $on_host = yes ]; then
  # No systemd-sysusers (unusual with systemd): the same with shadow-utils.
  getent group citywatch >/dev/null || groupadd --system citywatch
  for user in citywatch-agent citywatch-aggregator; do
    getent passwd "$user" >/dev/null ||
      useradd --system --gid citywatch --home-dir /var/lib/citywatch --no-create-home \
        --shell /usr/sbin/nologin --comment "citywatch ${user#citywatch-}" "$user"
  done
  say "users      citywatch-agent, citywatch-aggregator (group citywatch): useradd"
else
  say "skipped    users (no systemd-sysusers to run against $root)"
fi

# --- binaries and units -----------------------------------------------------------------------------
install_dir "$R/usr/local/bin" 0755
for product in edge-agent aggregator; do
  install_file "$bin_dir/$product" "$R/usr/local/bin/$product" 0755
done
units_before=$changes
install_dir "$R/etc/systemd/system" 0755
for unit in edge-agent.service edge-agent@.service aggregator.service; do
  install_file "$repo/systemd/$unit" "$R/etc/systemd/system/$unit" 0644
done
units_changed=$((changes - units_before))

# --- configuration ----------------------------------------------------------------------------------
group_owner=; own && group_owner=root:citywatch
install_dir "$R/etc/citywatch" 0755                 # ConfigurationDirectory= of the units
install_config "$repo/Deploy/config/edge-agent.yaml" "$R/etc/citywatch/edge-agent.yaml"
install_config "$repo/Deploy/config/aggregator.yaml" "$R/etc/citywatch/aggregator.yaml"
install_config "$repo/Deploy/scenarios/city.yaml" "$R/etc/citywatch/city.yaml"
install_dir "$R/etc/citywatch/tls" 0750 "$group_owner"

install_dir "$R/etc/citywatch/edge-agent" 0750 "$group_owner"
install_file "$repo/Deploy/config/edge-agent-instance.yaml" "$R/etc/citywatch/edge-agent/NAME.yaml.example" 0640 "$config_owner"
readme=$(mktemp)
cat > "$readme" <<'EOF'
Configurations of edge-agent@NAME.service, one file per agent: NAME.yaml (root:citywatch 0640).

  cp NAME.yaml.example river-1.yaml     # then replace NAME with river-1 in it and edit
  systemctl enable --now edge-agent@river-1

Each instance has its own state directory (/var/lib/citywatch/edge-agent-NAME), admin socket
(/run/edge-agent-NAME/admin.sock) and needs its own agent_id and metrics port.
EOF
install_file "$readme" "$R/etc/citywatch/edge-agent/README" 0644 "$group_owner"
rm -f "$readme"

scenarios=$R/etc/citywatch/scenarios
if [ -e "$scenarios" ]; then
  say "kept       $scenarios/ (yours; the library of this version is $repo/Deploy/scenarios)"
else
  tmp=$(mktemp -d "$R/etc/citywatch/.scenarios.XXXXXX")
  cp -R "$repo/Deploy/scenarios/." "$tmp/"
  find "$tmp" -type d -exec chmod 0750 {} +
  find "$tmp" -type f -exec chmod 0640 {} +
  if [ -n "$group_owner" ]; then chown -R "$group_owner" "$tmp"; fi
  mv "$tmp" "$scenarios"
  tmp=
  say "installed  $scenarios/ (the scenario library, $(find "$scenarios" -name '*.yaml' ! -path "$scenarios/city.yaml" | wc -l) scenarios)"
  changes=$((changes + 1))
fi

# --- person detector (optional) ---------------------------------------------------------------------
if [ $with_model = yes ]; then
  models=$R/usr/local/share/citywatch/models
  if CITYWATCH_MODEL_DIR=$models "$repo/scripts/fetch-model.sh" --print-paths --no-testdata >/dev/null 2>&1; then
    say "kept       $models/ (verified)"
  else
    CITYWATCH_MODEL_DIR=$models "$repo/scripts/fetch-model.sh" --no-testdata --prune-venv >/dev/null \
      || die "fetching the person detector failed (see above)"
    rm -rf "$models/downloads" "$models/venv-pip"
    say "installed  $models/ (person detector and ONNX Runtime; docs/MODELS.md)"
    changes=$((changes + 1))
  fi
fi

# --- state ------------------------------------------------------------------------------------------
# systemd creates and owns these (StateDirectory=); made here too so that certificates can be put in
# place (edge-agent enroll) before the first start.
install_dir "$R/var/lib/citywatch" 0755
agent_owner=; aggregator_owner=
if own; then agent_owner=citywatch-agent:citywatch; aggregator_owner=citywatch-aggregator:citywatch; fi
install_dir "$R/var/lib/citywatch/edge-agent" 0750 "$agent_owner"
install_dir "$R/var/lib/citywatch/aggregator" 0750 "$aggregator_owner"

# --- systemd ----------------------------------------------------------------------------------------
if [ $on_host = yes ] && [ -d /run/systemd/system ]; then
  if [ $units_changed -gt 0 ]; then
    systemctl daemon-reload
    say "reloaded   systemd (systemctl daemon-reload)"
  fi
elif [ $on_host = yes ]; then
  say "skipped    systemctl daemon-reload (systemd is not running)"
fi

echo "== done: $( [ $changes -eq 0 ] && echo "nothing changed" || echo "$changes change(s)")"
if [ $changes -gt 0 ] && [ $on_host = yes ]; then
  cat <<EOF
Next: edit /etc/citywatch/*.yaml, put the certificates in place (systemd/README.md), then
  systemctl enable --now edge-agent        # or edge-agent@NAME, or aggregator
Running services keep the old binaries until restarted: systemctl try-restart edge-agent aggregator 'edge-agent@*'
EOF
fi
