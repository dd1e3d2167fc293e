#!/usr/bin/env bash
# Peak memory of `modsim run` on the flagship at SMALL and at FACTOR times as many
# replications (default 1,000 and 100,000), with charts and the report: issue 17's
# target is a ratio within 2x. Takes minutes (the large run is a real one).
#
# Usage: benches/memory.sh [SMALL] [FACTOR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-1000}
factor=${2:-100}
threads=${3:-2}
cargo build --release --locked --quiet
bin=target/release/modsim
scenario=scenarios/tiktok-indonesia-2018.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Peak resident memory of one run in KiB, and its wall time in seconds.
peak() {
  /usr/bin/time -f "%M %e" "$@" 2>&1 >/dev/null | tail -1
}

read -r small_kb small_s < <(peak "$bin" run "$scenario" --replications "$small" --threads "$threads" --out "$out/small")
large=$((small * factor))
read -r large_kb large_s < <(peak "$bin" run "$scenario" --replications "$large" --threads "$threads" --out "$out/large")
python3 - <<PY
small, large = $small, $large
a, b = $small_kb / 1024, $large_kb / 1024
print(f"flagship peak memory, {$threads} threads, charts and report")
print(f"  {small:>7,} replications: {a:6.1f} MiB  ({$small_s:.1f} s)")
print(f"  {large:>7,} replications: {b:6.1f} MiB  ({$large_s:.1f} s)")
print(f"  ratio {b / a:.2f}x; {(b - a) * 1024 * 1024 / (large - small):.0f} bytes per added replication")
PY
