#!/usr/bin/env bash
# Prints SHA-256 sums of every table, chart and report that the library scenarios
# produce at a fixed seed: run (every scenario), compare (variants), a one-axis and a
# two-axis sweep. A refactoring that must not change behaviour keeps these sums:
#
#   scripts/output-hashes.sh > before.txt   # on the old commit
#   scripts/output-hashes.sh > after.txt    # on the new one
#   diff before.txt after.txt
#
# run.json is hashed without its wall time and speed, the fields that differ between runs,
# and the output folder's path is replaced by OUT, so that sums made in two checkouts or
# two folders compare.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
modsim=$(realpath "${CARGO_TARGET_DIR:-target}")/release/modsim
work=${OUTPUT_HASHES_DIR:-/tmp/modsim-output-hashes}
rm -rf "$work"
mkdir -p "$work"
common=(--seed 11 --replications 40 --threads 2)
for scenario in scenarios/*.toml; do
    name=$(basename "$scenario" .toml)
    $modsim run "$scenario" "${common[@]}" --out "$work/run-$name" >"$work/run-$name.stdout"
    $modsim trace "$scenario" --seed 11 --replication 3 >"$work/trace-$name.txt"
    $modsim check "$scenario" >"$work/check-$name.txt"
done
$modsim compare scenarios/tiktok-indonesia-2018.toml "${common[@]}" --out "$work/compare" >/dev/null
$modsim compare scenarios/never-complies.toml scenarios/registration-block-2022.toml "${common[@]}" \
    --out "$work/compare-files" >/dev/null
$modsim sweep scenarios/tiktok-indonesia-2018.toml --vary platform.review.moderators=20,60,200 \
    --target block_probability\<0.5 "${common[@]}" --out "$work/sweep-1" >/dev/null
$modsim sweep scenarios/registration-block-2022.toml --vary "platform.review.moderators=20..80 step 30" \
    --vary platform.detection.false_positive_rate=0.0005,0.005 "${common[@]}" --out "$work/sweep-2" >/dev/null
cd "$work"
# The terminal summary ends with the wall time; drop that line's figures.
for f in run-*.stdout; do sed -i -E 's/, [0-9.]+ s$//' "$f"; done
for f in run-*.stdout $(find . -name run.json); do sed -i "s|$work|OUT|g" "$f"; done
find . -type f ! -name run.json -print0 | sort -z | xargs -0 sha256sum
for f in $(find . -name run.json | sort); do
    echo "$(grep -v -e wall_time_seconds -e replications_per_second "$f" | sha256sum | cut -d' ' -f1)  $f"
done
