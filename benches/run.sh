#!/usr/bin/env bash
# Times `modsim run` on the flagship scenario through the release binary, and measures
# its peak memory at 1,000 and 10,000 replications.
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

# Peak resident memory of one run, in MiB.
peak() {
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | python3 -c "import sys; print(int(sys.stdin.read()) / 1024)"
}

one=$(best "$bin" run "$scenario" --replications "$reps" --threads 1 --no-charts --out "$out/one")
two=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --no-charts --out "$out/two")
charts=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --out "$out/charts")
items=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --no-charts \
  --set platform.review.queue_model=items --out "$out/items")
mem_small=$(peak "$bin" run "$scenario" --replications "$reps" --threads 2 --out "$out/mem-small")
mem_large=$(peak "$bin" run "$scenario" --replications "$((reps * 10))" --threads 2 --out "$out/mem-large")
python3 - <<PY
one, two, charts, items, reps = $one, $two, $charts, $items, $reps
small, large = $mem_small, $mem_large
print(f"flagship, {reps} replications of 365 days (best of 3; review queue in cohorts, the automatic choice)")
print(f"  1 thread,  no charts : {one:6.2f} s   {reps/one:6.0f} replications/s")
print(f"  2 threads, no charts : {two:6.2f} s   {reps/two:6.0f} replications/s   speed-up vs 1 thread {one/two:.2f}x")
print(f"  2 threads, charts    : {charts:6.2f} s   charts add {charts - two:+.2f} s")
print(f"  2 threads, item queue: {items:6.2f} s   {items/two:.2f}x the cohort run")
print(f"peak memory: {reps} replications {small:.1f} MiB, {reps*10} replications {large:.1f} MiB ({large/small:.2f}x)")
PY
