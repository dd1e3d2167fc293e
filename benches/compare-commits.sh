#!/usr/bin/env bash
# Compares the divan benchmarks of two commits in one sitting: builds both benchmark
# binaries, then runs them alternately (old, new, old, new, ...) so that the machine's
# noise falls on both alike, and prints each benchmark's median per round and the
# ratio new/old of the medians of medians. Each binary runs in its own checkout, so
# that it reads the scenario files of its own commit (a scenario's format may have
# changed in between).
#
#   benches/compare-commits.sh OLD_COMMIT [NEW_COMMIT (default: the work tree)] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1
new=${2:-}
rounds=${3:-4}
work=$(mktemp -d)
trap 'for d in old new; do git worktree remove --force "$work/$d" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT

build() { # DIR OUT [TARGET]: builds the benchmark binary of the checkout in DIR (into
    # the target folder TARGET when given) and copies it to OUT (the bench target's
    # executable: the build may list modsim's own binary after it). A temporary
    # checkout builds into a folder of its own even when CARGO_TARGET_DIR is set:
    # sharing one, cargo took the second checkout's sources as fresh and both sides
    # ran the first's binary.
    local bin
    bin=$(cd "$1" && CARGO_TARGET_DIR=${3:-${CARGO_TARGET_DIR:-$1/target}} \
        cargo bench --locked --bench engine --no-run --message-format json 2>/dev/null |
        grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
    cp "$bin" "$2"
}
git worktree add --detach "$work/old" "$old" >/dev/null 2>&1
build "$work/old" "$work/bench-old" "$work/old/target"
dir_old=$work/old
if [ -n "$new" ]; then
    git worktree add --detach "$work/new" "$new" >/dev/null 2>&1
    dir_new=$work/new
    build "$dir_new" "$work/bench-new" "$work/new/target"
else
    dir_new=$PWD
    build "$dir_new" "$work/bench-new"
fi
for round in $(seq "$rounds"); do
    for v in old new; do
        dir=dir_$v
        (cd "${!dir}" && "$work/bench-$v" --bench flagship_replication review_queue_mm10 2>/dev/null) |
            awk -v v="$v" '/flagship_replication|review_queue_mm10/ { n=$2; m=$9 " " $10; print v, n, m }'
    done
done | tee "$work/rounds.txt"
python3 - "$work/rounds.txt" <<'PY'
import statistics, sys
unit = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
times = {}
for line in open(sys.argv[1]):
    version, name, value, u = line.split()
    times.setdefault(name, {}).setdefault(version, []).append(float(value) * unit[u])
for name, by in times.items():
    old, new = statistics.median(by["old"]), statistics.median(by["new"])
    print(f"{name}: old {old*1e3:.3f} ms, new {new*1e3:.3f} ms, new/old {new/old:.3f}")
PY
