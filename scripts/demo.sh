#!/usr/bin/env bash
# The main job: a small city on embedded defaults. One aggregator (SQLite) and three edge agents
# (north, centre, south) with synthetic street and river cameras, plus one camera read through the
# real ffmpeg capture path from a clip made with ffmpeg's lavfi sources. Prints what arrives at the
# aggregator; stops cleanly on Ctrl-C or after --duration seconds (default 60; 0 = until Ctrl-C).
# Usage: scripts/demo.sh [--duration S]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=60
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--duration SECONDS]" >&2; exit 64 ;;
  esac
done
source scripts/deps.sh
install_deps
echo "building (first time: several minutes)…"
swift build --product edge-agent >/dev/null 2>&1 || swift build --product edge-agent
swift build --product aggregator >/dev/null 2>&1 || swift build --product aggregator
root=$PWD
bin=$PWD/.build/debug
demo=$PWD/.demo/city
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

echo "== fleet PKI (the CA and the aggregator's certificate; agents enroll for theirs below)"
"$bin/aggregator" pki init --dir pki --city demo-city >/dev/null

echo "== a 20 s clip for the north bridge camera (ffmpeg lavfi: moving test pattern)"
ffmpeg -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=10" -t 20 -pix_fmt yuv420p bridge.mp4

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
enroll_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
api_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "== a webhook receiver (the operations centre's endpoint; checks each CloudEvent's HMAC)"
head -c 24 /dev/urandom | base64 > ops.secret
python3 "$root/Tests/Tools/webhook_receiver.py" hooks.jsonl ops.secret 2> hooks.log &
pids_hook=$!
trap 'kill "$pids_hook" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "port=" hooks.log && break; sleep 0.1; done
hook_port=$(sed -n 's/^port=//p' hooks.log)
cp "$root/Deploy/demo/city.yaml" city.yaml
cat > aggregator.yaml <<EOF
city: city.yaml
ingest:
  host: 127.0.0.1
  port: $port
  tls: {certificate: pki/server.pem, key: pki/server-key.pem, client_ca: pki/ca.pem}
metrics: {host: 127.0.0.1, port: 0}
store:
  sqlite: {path: events.sqlite}
api: {host: 127.0.0.1, port: $api_port}
enrollment: {host: 127.0.0.1, port: $enroll_port, ca_certificate: pki/ca.pem, ca_key: pki/ca-key.pem}
scenarios:
  directory: $root/Deploy/demo/scenarios
  lateness_s: 10
  webhooks:
    - {name: ops, url: "http://127.0.0.1:$hook_port/hooks/ops", secret_file: ops.secret, backoff_base_ms: 500, backoff_cap_ms: 5000}
EOF
agent_config() {  # agent, then "camera=source" pairs
  local agent=$1; shift
  mkdir -p "$agent"
  {
    echo "agent_id: $agent"
    echo "state_directory: state"
    echo "metrics: {port: 0}"
    echo "shipping:"
    echo "  endpoints: [https://127.0.0.1:$port]"
    echo "  tls: {certificate: state/tls/cert.pem, key: state/tls/key.pem, ca: state/tls/ca.pem}"
    echo "cameras:"
    for pair in "$@"; do echo "  - {id: ${pair%%=*}, source: \"${pair#*=}\"}"; done
  } > "$agent/agent.yaml"
}
agent_config agent-north cam-north-river=synthetic:water cam-north-quay=synthetic:walkers "cam-north-bridge=$demo/bridge.mp4"
agent_config agent-centre cam-centre-square=synthetic:crowd cam-centre-street=synthetic:parking
agent_config agent-south cam-south-yard=synthetic:loiter cam-south-depot=synthetic:smoke

pids=()
stopped() {  # waits up to 20 s for a process to exit after SIGTERM, then kills it
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return; }; sleep 0.1; done
  echo "process $1 did not stop within 20 s: killed" >&2
  kill -9 "$1" 2>/dev/null || true
}
stop() {
  trap - INT TERM
  echo
  echo "== stopping: agents first (they end open events and sync their spools), then the aggregator"
  for pid in "${pids[@]:1}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:1}"; do stopped "$pid"; done
  kill -TERM "${pids[0]}" 2>/dev/null || true
  stopped "${pids[0]}"
  kill -TERM "$pids_hook" 2>/dev/null || true
  report final
  echo "logs and data: $demo"
  exit 0
}
report() {
  python3 - "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:events.sqlite?mode=ro", uri=True)
# `events` is the indexed table; the newest batches wait in `recent_batches` for the indexer.
recent = c.execute("SELECT coalesce(sum(event_count), 0) FROM recent_batches").fetchone()[0]
total = c.execute("SELECT count(*) FROM events").fetchone()[0] + recent
by = c.execute("SELECT district_id, count(*) FROM events GROUP BY district_id ORDER BY district_id").fetchall()
kinds = c.execute("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY count(*) DESC LIMIT 6").fetchall()
print(f"[{sys.argv[1]}] stored {total} events ({recent} not indexed yet) | indexed: " + ", ".join(f"{d}: {n}" for d, n in by) + " | " + ", ".join(f"{k} {n}" for k, n in kinds))
try:
    o = sqlite3.connect("file:operations.sqlite?mode=ro", uri=True)
    acts = o.execute("SELECT scenario_id, count(*) FROM activations GROUP BY scenario_id ORDER BY scenario_id").fetchall()
    cmds = o.execute("SELECT status, count(*) FROM commands GROUP BY status ORDER BY status").fetchall()
    incs = o.execute("SELECT status, count(*) FROM incidents GROUP BY status").fetchall()
    hooks = o.execute("SELECT status, count(*) FROM webhook_deliveries GROUP BY status").fetchall()
    print("    activations: " + (", ".join(f"{s} {n}" for s, n in acts) or "none yet")
          + " | commands: " + (", ".join(f"{s} {n}" for s, n in cmds) or "none")
          + " | incidents: " + (", ".join(f"{s} {n}" for s, n in incs) or "none")
          + " | webhooks: " + (", ".join(f"{s} {n}" for s, n in hooks) or "none"))
except sqlite3.Error:
    o = None
if sys.argv[1] == "final":
    for row in c.execute("SELECT datetime(capture_time_ms/1000, 'unixepoch'), district_id, camera_id, kind, phase, severity FROM events ORDER BY capture_time_ms DESC LIMIT 8"):
        print("   ", *row)
    if o is not None:
        print("  latest activations:")
        for row in o.execute("SELECT datetime(time_ms/1000, 'unixepoch'), scenario_id, summary FROM activations ORDER BY time_ms DESC LIMIT 6"):
            print("   ", *row)
        print("  commands sent to agents (status, agent, camera, type, message):")
        for row in o.execute("SELECT status, agent_id, camera_id, type, message FROM commands ORDER BY issued_at_ms DESC LIMIT 6"):
            print("   ", *row)
EOF
}

echo "== aggregator on 127.0.0.1:$port"
"$bin/aggregator" serve --config aggregator.yaml 2> aggregator.log &
pids+=($!)
for _ in $(seq 100); do grep -q "ingest listening" aggregator.log && grep -q "enrollment listening" aggregator.log && break; sleep 0.1; done
viewer=$("$bin/aggregator" token create --config aggregator.yaml --role viewer --name demo-viewer 2>/dev/null)
token=$("$bin/aggregator" token create --config aggregator.yaml --role operator --name demo-operator 2>/dev/null)
echo "== dashboard (viewer): http://127.0.0.1:$api_port/#token=$viewer"
echo "   to acknowledge and resolve incidents, the operator token: $token"
echo "   ops CLI:   $bin/aggregator activations --api http://127.0.0.1:$api_port --token $viewer"
trap stop INT TERM
for agent in agent-north agent-centre agent-south; do
  enroll_token=$("$bin/aggregator" enroll-token create --config aggregator.yaml --agent "$agent" --ttl 10m 2>/dev/null)
  (cd "$agent" && "$bin/edge-agent" enroll --config agent.yaml --server "https://127.0.0.1:$enroll_port" --token "$enroll_token" --ca ../pki/ca.pem | sed 's/^/== /')
done
for agent in agent-north agent-centre agent-south; do
  (cd "$agent" && exec "$bin/edge-agent" run --config agent.yaml 2> agent.log) &
  pids+=($!)
  echo "== $agent started ($(grep -c 'source:' "$agent/agent.yaml") cameras)"
done
echo "   field CLI: $bin/edge-agent status --config $demo/agent-north/agent.yaml   (also: cameras, events tail -f, snapshot, spool stats)"
echo "== events arriving (Ctrl-C to stop$( [ "$duration" -gt 0 ] && echo ", or after ${duration}s"))"
started=$SECONDS
while [ "$duration" -eq 0 ] || [ $((SECONDS - started)) -lt "$duration" ]; do
  sleep 5
  report "t=$((SECONDS - started))s"
done
stop
