#!/usr/bin/env bash
# Times `modsim run` on the flagship scenario through the release binary.
#
# Machines here are shared and noisy, so every figure is also given as a ratio against
# a baseline measured in the same run: the same scenario on one thread.
#
# Usage: benches/run.sh [REPLICATIONS]   (default 1000)
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

one=$(best "$bin" run "$scenario" --replications "$reps" --threads 1 --out "$out/one")
two=$(best "$bin" run "$scenario" --replications "$reps" --threads 2 --out "$out/two")
items=$(python3 -c "
import csv
rows = list(csv.DictReader(open('$out/two/summary.csv')))
print(next(float(r['mean']) for r in rows if r['metric'] == 'items_reviewed'))")
python3 - <<PY
one, two, reps, items = $one, $two, $reps, $items
print(f"flagship, {reps} replications of 365 days (best of 3)")
print(f"  1 thread : {one:6.2f} s   {reps/one:8.0f} replications/s   {reps*items/one/1e6:6.1f} M reviewed items/s")
print(f"  2 threads: {two:6.2f} s   {reps/two:8.0f} replications/s   {reps*items/two/1e6:6.1f} M reviewed items/s")
print(f"  speed-up 2 threads vs 1: {one/two:.2f}x")
PY
