#!/usr/bin/env bash
# Fault trials for the output folder: a finished run is never lost and no staging
# folder outlives the next command, whatever happens to a run.
#
#   - kills at random moments (SIGKILL and SIGTERM) during `modsim run`, each followed
#     by a check that the previous results are whole (in place, or hidden by a
#     half-done swap that the next command settles) and by a rerun that must succeed
#     and leave nothing beside the folder;
#   - concurrent runs to one folder, one of them killed, all others must succeed;
#   - a full disk on a small tmpfs, for `run` and `report`, where the machine allows
#     mounting one (skipped, saying so, where it does not).
#
# Prints one line `fault trials: N trials, S staging folders left, L results lost` and
# fails unless S and L are 0. Uses $MODSIM, else the debug binary `cargo test` built
# (building it if needed). FAULT_SEED makes the random moments repeatable.
#
#   scripts/fault-trials.sh
set -uo pipefail
cd "$(dirname "$0")/.."

target_dir=$(realpath "${CARGO_TARGET_DIR:-target}")
modsim=${MODSIM:-$target_dir/debug/modsim}
if [ ! -x "$modsim" ]; then
    cargo build --locked --quiet || exit 1
    modsim=$target_dir/debug/modsim
fi
seed=${FAULT_SEED:-$$}
RANDOM=$seed
work=$(mktemp -d "${TMPDIR:-/tmp}/modsim-faults-XXXXXX")
disk=""
cleanup() {
    if [ -n "$disk" ]; then umount "$disk" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

scenario=scenarios/tiktok-indonesia-2018.toml
args=(--seed 7 --replications 5 --threads 2)
trials=0
staging=0
lost=0
refused=0

# The files of a folder, one a line, with the SHA-256 of each table (run.json and the
# report record wall times, so only their presence is compared).
listing() {
    (cd "$1" && find . -type f | sort | while read -r f; do
        case $f in
            *.csv) echo "$(sha256sum "$f" | cut -d' ' -f1) $f" ;;
            *) echo "$f" ;;
        esac
    done)
}

# Whether `dir` holds results identical to the reference run's.
whole() {
    [ -d "$1" ] && [ "$(listing "$1")" = "$reference" ]
}

# Whether `dir` holds the reference run's tables and a run.json: usable, if without
# its report.
usable() {
    [ -f "$1/run.json" ] && [ "$(listing "$1" | grep '\.csv$')" = "$(echo "$reference" | grep '\.csv$')" ]
}

# How many staging, swap or lock entries are left in `dir`.
leftovers() {
    find "$1" -maxdepth 1 -name '.*' ! -name . | wc -l
}

ms_now() { date +%s%3N; }

started=$(ms_now)
"$modsim" run "$scenario" "${args[@]}" --out "$work/reference" >/dev/null || exit 1
duration=$(($(ms_now) - started + 50))
reference=$(listing "$work/reference")

# --- Kills at random moments, each followed by a rerun.
kills=$work/kills
mkdir -p "$kills"
"$modsim" run "$scenario" "${args[@]}" --out "$kills/r" >/dev/null || exit 1
for i in $(seq 1 30); do
    signal=KILL
    if [ $((i % 2)) -eq 0 ]; then signal=TERM; fi
    delay=$((RANDOM % duration))
    "$modsim" run "$scenario" "${args[@]}" --out "$kills/r" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' "$delay")"
    kill -s "$signal" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    trials=$((trials + 1))
    # A terminated run removes its own staging folder; a killed one cannot.
    if [ "$signal" = TERM ] && [ "$(leftovers "$kills")" -ne 0 ]; then
        echo "trial $i: SIGTERM after ${delay} ms left $(ls -A "$kills" | grep '^\.' | tr '\n' ' ')" >&2
        staging=$((staging + 1))
    fi
    if ! whole "$kills/r" && ! { [ ! -e "$kills/r" ] && whole "$kills/.r.previous"; }; then
        echo "trial $i: SIG$signal after ${delay} ms left no whole results" >&2
        lost=$((lost + 1))
    fi
    if ! "$modsim" run "$scenario" "${args[@]}" --out "$kills/r" >/dev/null 2>"$work/err"; then
        echo "trial $i: the rerun failed: $(cat "$work/err")" >&2
        lost=$((lost + 1))
    elif ! whole "$kills/r"; then
        echo "trial $i: the rerun's results are not whole" >&2
        lost=$((lost + 1))
    fi
    if [ "$(leftovers "$kills")" -ne 0 ]; then
        echo "trial $i: left after the rerun: $(ls -A "$kills" | grep '^\.' | tr '\n' ' ')" >&2
        staging=$((staging + 1))
    fi
done

# --- Concurrent runs to one folder; one of each round is killed.
together=$work/together
mkdir -p "$together"
for round in $(seq 1 4); do
    pids=()
    for _ in 1 2 3 4; do
        "$modsim" run "$scenario" "${args[@]}" --out "$together/r" >/dev/null 2>"$work/err-$round-${#pids[@]}" &
        pids+=($!)
    done
    victim=${pids[$((RANDOM % 4))]}
    sleep "$(printf '0.%03d' $((RANDOM % duration)))"
    kill -s KILL "$victim" 2>/dev/null
    for pid in "${pids[@]}"; do
        trials=$((trials + 1))
        if ! wait "$pid" 2>/dev/null && [ "$pid" != "$victim" ]; then
            echo "round $round: a concurrent run failed: $(cat "$work"/err-"$round"-*)" >&2
            lost=$((lost + 1))
        fi
    done
    if ! whole "$together/r"; then
        echo "round $round: the folder is not whole after concurrent runs" >&2
        lost=$((lost + 1))
    fi
    # The killed run's staging folder goes with the next command.
    "$modsim" report "$together/r" >/dev/null 2>&1 || lost=$((lost + 1))
    if [ "$(leftovers "$together")" -ne 0 ]; then
        echo "round $round: left: $(ls -A "$together" | grep '^\.' | tr '\n' ' ')" >&2
        staging=$((staging + 1))
    fi
done

# --- A full disk: every run or report either succeeds whole or leaves the folder as it was.
full=skipped
mkdir -p "$work/disk"
if mount -t tmpfs -o size=4m tmpfs "$work/disk" 2>/dev/null; then
    disk=$work/disk
    full="done"
    "$modsim" run "$scenario" "${args[@]}" --out "$disk/r" >/dev/null || exit 1
    for i in $(seq 1 12); do
        trials=$((trials + 1))
        # Fill the disk, then give back a random amount up to 1 MiB.
        head -c 8M /dev/zero >"$disk/filler" 2>/dev/null
        size=$(stat -c %s "$disk/filler")
        truncate -s $((size - (RANDOM % 256) * 4096)) "$disk/filler"
        before=$(cd "$disk/r" && find . -type f | sort | xargs sha256sum)
        if [ $((i % 2)) -eq 0 ]; then
            command=(report "$disk/r")
        else
            command=(run "$scenario" "${args[@]}" --out "$disk/r")
        fi
        if "$modsim" "${command[@]}" >/dev/null 2>&1; then
            whole "$disk/r" || { echo "disk trial $i: ${command[0]} succeeded, results not whole" >&2; lost=$((lost + 1)); }
        else
            refused=$((refused + 1))
            # Either the folder is as it was, or (a run whose report did not fit) its
            # tables and run.json are in place and the error said so.
            after=$(cd "$disk/r" 2>/dev/null && find . -type f | sort | xargs sha256sum)
            if [ "$before" != "$after" ] && ! usable "$disk/r"; then
                echo "disk trial $i: a failed ${command[0]} changed the folder" >&2
                lost=$((lost + 1))
            fi
        fi
        if [ "$(leftovers "$disk")" -ne 0 ]; then
            echo "disk trial $i: left: $(ls -A "$disk" | grep '^\.' | tr '\n' ' ')" >&2
            staging=$((staging + 1))
        fi
        rm -f "$disk/filler"
    done
fi

echo "fault trials: $trials trials, $staging staging folders left, $lost results lost"
if [ "$full" = skipped ]; then
    full="skipped, mount -t tmpfs is not permitted here"
else
    full="$refused of 12 commands failed for want of space"
fi
echo "  (seed $seed; kills during runs of ${duration} ms; full disk: $full)"
[ "$staging" -eq 0 ] && [ "$lost" -eq 0 ]
