#!/usr/bin/env bash
# Times the flagship (1,000 replications of 365 days, 2 threads, no charts) with an
# older modsim binary and this checkout's release build in one sitting, alternated
# (old, new, old, new, ...) so that a busy machine slows both alike; prints each run,
# the medians of wall and CPU time (user + system), and the ratios old/new.
#
# Each binary plays the flagship of its own checkout (the scenario format may differ
# between commits). To get an older binary: `git worktree add --detach DIR COMMIT`,
# then `cargo build --release` in DIR with a target directory of its own.
#
# Usage: benches/run-two.sh OLD_MODSIM OLD_CHECKOUT [REPLICATIONS (1000)] [ROUNDS (5)]
set -euo pipefail
cd "$(dirname "$0")/.."
old_bin=$(realpath "$1")
old_tree=$(realpath "$2")
reps=${3:-1000}
rounds=${4:-5}
cargo build --release --locked --quiet
target=${CARGO_TARGET_DIR:-target}
new_bin=$(realpath "$target/release/modsim")
scenario=scenarios/tiktok-indonesia-2018.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for _ in $(seq "$rounds"); do
    for v in old new; do
        bin=${v}_bin tree=$PWD
        [ "$v" = old ] && tree=$old_tree
        /usr/bin/time -f "$v %e %U %S" -o "$out/time" "${!bin}" run "$tree/$scenario" \
            --replications "$reps" --threads 2 --no-charts --out "$out/$v" >/dev/null 2>&1
        cat "$out/time"
    done
done | tee "$out/rounds.txt"
python3 - "$out/rounds.txt" "$reps" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    version, wall, user, system = line.split()
    runs.setdefault(version, []).append((float(wall), float(user) + float(system)))
wall = {v: statistics.median(w for w, _ in r) for v, r in runs.items()}
cpu = {v: statistics.median(c for _, c in r) for v, r in runs.items()}
print(f"flagship, {sys.argv[2]} replications of 365 days, 2 threads, no charts "
      f"(medians of {len(runs['old'])} alternated runs)")
for v in ("old", "new"):
    print(f"  {v}: {wall[v]:6.2f} s wall, {cpu[v]:6.2f} s CPU")
print(f"  old/new: {wall['old'] / wall['new']:.2f}x wall, {cpu['old'] / cpu['new']:.2f}x CPU")
PY
