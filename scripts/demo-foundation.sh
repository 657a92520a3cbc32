#!/usr/bin/env bash
# The foundation walkthrough: PKI, synthetic events, batch sizes, dictionaries, hostile bodies.
# (The main job, the demo city, is scripts/demo.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_deps
swift build --product edge-agent >/dev/null
swift build --product aggregator >/dev/null
bin=.build/debug
demo=.demo
rm -rf "$demo"
mkdir -p "$demo"

echo "== 1. Fleet PKI: CA + aggregator server certificate, then one client certificate per agent"
$bin/aggregator pki init --dir "$demo/pki" --city demo-city
for agent in agent-north agent-centre agent-south; do
  $bin/aggregator pki issue-agent --dir "$demo/pki" --agent-id "$agent" | grep identity
done

echo
echo "== 2. Synthetic events from a river camera group (wire schema, JSON lines)"
$bin/edge-agent synth --count 6 --agent-id agent-north --seed 1

echo
echo "== 3. 20,000 events shipped as batches of 100: raw protobuf vs zstd bodies"
$bin/edge-agent synth --count 20000 --batch-size 100 --agent-id agent-north --out "$demo/raw" >/dev/null
$bin/edge-agent synth --count 20000 --batch-size 100 --agent-id agent-north --compress --out "$demo/zst" >/dev/null
raw=$(cat "$demo"/raw/* | wc -c); zst=$(cat "$demo"/zst/* | wc -c)
echo "raw protobuf: $raw bytes ($(( raw / 20000 )) B/event); zstd: $zst bytes ($(( zst / 20000 )) B/event)"

echo
echo "== 4. A shared dictionary trained on sample batches from another seed"
$bin/edge-agent synth --count 20000 --batch-size 20 --seed 99 --out "$demo/samples" >/dev/null
$bin/aggregator dictionary train --out "$demo/fleet.dict" "$demo/samples"

echo
echo "== 5. The aggregator's decoder on a good body and on hostile ones"
$bin/aggregator batch inspect "$demo/zst/batch-1.zst"
head -c 300 "$demo/zst/batch-2.zst" > "$demo/truncated.zst"
head -c 4096 /dev/urandom > "$demo/random.bin"
$bin/aggregator batch inspect "$demo/truncated.zst" "$demo/random.bin" || true

echo
echo "== 6. Detection at the edge: synthetic street scenes (events as the agent reports them)"
for scene in walkers parking water; do
  echo "-- synthetic:$scene"
  $bin/edge-agent detect --source "synthetic:$scene" --snapshot-dir "$demo/snapshots" 2>&1 | head -8
done

echo
echo "== 7. The same pipeline on real video decoded by ffmpeg (a clip made with its lavfi sources)"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=10" -t 6 -pix_fmt yuv420p "$demo/clip.mp4"
$bin/edge-agent detect --source "$demo/clip.mp4" --tracks "$demo/tracks.csv" | head -5 || true

echo
echo "Files are in $demo/ (annotated snapshots in $demo/snapshots). Benchmarks: scripts/bench.sh wire|vision. Tests: scripts/test.sh."
