#!/usr/bin/env bash
# Times `modsim run` on the flagship scenario through the release binary, then
# measures its peak memory at 1,000 and 10,000 replications (with benches/memory.sh).
#
# Machines here are shared and noisy, so every figure is also given as a ratio against
# a baseline measured in the same run: the same scenario on one thread.
#
# Usage: benches/run.sh [REPLICATIONS]   (default 1000; the memory check uses 10x that)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-1000}
cargo build --release --locked --quiet
bin=target/release/modsim
scenario=scenarios/tiktok-indonesia-2018.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Best of three, wall-clock seconds.
best() {
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    best=$(python3 -c "t=$t1-$t0; b='$best'; print(min(t, float(b)) if b else t)")
  done
  echo "$best"
}


one=$(best "$bin" run "$scenario" --replications "$reps" --threads 1 --no-charts --out "$out/one")
two=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --no-charts --out "$out/two")
charts=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --out "$out/charts")
items=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --no-charts \
  --set platform.review.queue_model=items --out "$out/items")
python3 - <<PY
one, two, charts, items, reps = $one, $two, $charts, $items, $reps
print(f"flagship, {reps} replications of 365 days (best of 3; review queue in cohorts, the automatic choice)")
print(f"  1 thread,  no charts : {one:6.2f} s   {reps/one:6.0f} replications/s")
print(f"  2 threads, no charts : {two:6.2f} s   {reps/two:6.0f} replications/s   speed-up vs 1 thread {one/two:.2f}x")
print(f"  2 threads, charts    : {charts:6.2f} s   charts add {charts - two:+.2f} s")
print(f"  2 threads, item queue: {items:6.2f} s   {items/two:.2f}x the cohort run")
PY
benches/memory.sh "$reps" 10 2
