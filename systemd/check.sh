#!/usr/bin/env bash
# Checks the units offline, as installed: Deploy/install.sh --root into a temporary tree (stub
# binaries), then for edge-agent.service, edge-agent@river-1.service (an instance of the template)
# and aggregator.service:
#   systemd-analyze verify --root=TREE UNIT...                       must print nothing
#   systemd-analyze security --offline=true --root=TREE --threshold=20 UNIT   overall exposure <= 2.0
# Prints each unit's exposure line; exits 1 when a check fails, 77 without systemd-analyze.
# Usage: systemd/check.sh [--keep]   (--keep leaves the tree and prints its path)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found" >&2; exit 77; }
keep=no; [ "${1:-}" = --keep ] && keep=yes

work=$(mktemp -d)
if [ $keep = no ]; then trap 'rm -rf "$work"' EXIT; fi
tree=$work/root
mkdir -p "$work/bin"
for b in edge-agent aggregator; do printf '#!/bin/sh\nexit 0\n' > "$work/bin/$b"; chmod 0755 "$work/bin/$b"; done
"$repo/Deploy/install.sh" --root "$tree" --bin-dir "$work/bin" >/dev/null 2>&1

# Under --root, verify resolves everything inside the tree: the units' commands (ExecStart= is there
# now; ExecReload= is /bin/kill) and what DefaultDependencies=yes requires (sysinit.target).
mkdir -p "$tree/bin" "$tree/usr/lib/systemd/system"
printf '#!/bin/sh\nexit 0\n' > "$tree/bin/kill"; chmod 0755 "$tree/bin/kill"
printf '[Unit]\nDescription=System Initialization (stub for systemd-analyze verify)\n' > "$tree/usr/lib/systemd/system/sysinit.target"

units=(edge-agent.service edge-agent@river-1.service aggregator.service)
status=0
if ! out=$(systemd-analyze verify --root="$tree" "${units[@]}" 2>&1) || [ -n "$out" ]; then
  echo "verify: FAILED"; echo "$out"; status=1
else
  echo "verify: clean (${units[*]})"
fi
for unit in "${units[@]}"; do
  if ! out=$(systemd-analyze security --offline=true --root="$tree" --threshold=20 "$unit" 2>&1); then
    echo "$out" | grep -E '✗|Overall' || echo "$out"
    echo "security $unit: FAILED (exposure above 2.0)"; status=1
  else
    echo "$out" | grep 'Overall exposure'
  fi
done
if [ $keep = yes ]; then echo "tree: $tree"; fi
exit $status
