#!/usr/bin/env python3
"""Peer benchmark: one review-queue model in modsim, SimPy, Ciw and salabim.

Usage: python3 benches/peers/run.py [--seeds N] [--items N]

Makes a virtual environment in benches/peers/.venv with pinned versions of the peers,
builds modsim in release mode, and runs every implementation in its own process:
 - speed: items per second of the first seed's run (wall clock of the whole process,
   start-up included), and its peak memory (max resident set size);
 - correctness: the mean wait in queue, averaged over N seeds, against Erlang C
   (one run of a million items at utilisation 0.95 varies by 3-4%).
Then the ratios against modsim. modsim runs the model as an ordinary scenario file
(benches/review-queue.toml) through `modsim run`, one thread, with its tables and
report but without charts (`--no-charts`: the peers draw none either).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEERS = {"SimPy": ("simpy==4.1.2", "simpy_queue.py"), "Ciw": ("ciw==3.2.7", "ciw_queue.py"), "salabim": ("salabim==26.0.9", "salabim_queue.py")}
LAMBDA, MU, SERVERS = 95 / 60, 1 / 6, 10  # per minute


def erlang_c_wait() -> float:
    a = LAMBDA / MU
    below = sum(a**k / math.factorial(k) for k in range(SERVERS))
    top = a**SERVERS / math.factorial(SERVERS) * SERVERS / (SERVERS - a)
    return top / (below + top) / (SERVERS * MU - LAMBDA)


def timed(cmd):
    """Runs cmd; returns (stdout, wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err}")
    return out, wall, usage.ru_maxrss / 1024


def python_env() -> Path:
    env_dir = HERE / ".venv"
    python = env_dir / "bin" / "python"
    if not python.exists():
        venv.create(env_dir, with_pip=True)
    pins = [pin for pin, _ in PEERS.values()]
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    return python


def modsim_runs(seeds: int):
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "modsim"
    scenario = ROOT / "benches" / "review-queue.toml"
    with tempfile.TemporaryDirectory() as tmp:
        # Speed: one replication of ~1,000,000 items, best of three.
        best = None
        for _ in range(3):
            _, wall, rss = timed([str(binary), "run", str(scenario), "--threads", "1", "--replications", "1", "--no-charts", "--out", f"{tmp}/speed"])
            best = (wall, rss) if best is None or wall < best[0] else best
        rows = {r["metric"]: r for r in csv.DictReader(open(f"{tmp}/speed/summary.csv"))}
        items = float(rows["items_reviewed"]["mean"])
        # Correctness: `seeds` replications, each with its own streams.
        timed([str(binary), "run", str(scenario), "--threads", "1", "--replications", str(seeds), "--no-charts", "--out", f"{tmp}/waits"])
        rows = {r["metric"]: r for r in csv.DictReader(open(f"{tmp}/waits/summary.csv"))}
        wait = float(rows["mean_review_wait_hours"]["mean"]) * 60
    return items, best[0], best[1], wait


def peer_runs(python: Path, script: str, seeds: int, items: int):
    first = None
    waits = []
    for seed in range(1, seeds + 1):
        out, wall, rss = timed([str(python), str(HERE / script), str(seed), str(items)])
        result = json.loads(out)
        waits.append(result["mean_wait_min"])
        if first is None:
            first = (result["items"], wall, rss)
    return first[0], first[1], first[2], sum(waits) / len(waits)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    exact = erlang_c_wait()
    python = python_env()
    results = {"modsim": modsim_runs(max(args.seeds, 20))}
    for name, (_, script) in PEERS.items():
        results[name] = peer_runs(python, script, args.seeds, args.items)
    print(f"M/M/10, utilisation 0.95, {args.items:,} items, Erlang C mean wait {exact:.3f} min")
    print(f"{'implementation':<15}{'items/s':>14}{'peak MiB':>10}{'mean wait':>11}{'vs Erlang C':>13}{'check':>7}")
    for name, (items, wall, rss, wait) in results.items():
        off = (wait - exact) / exact
        ok = "ok" if abs(off) < 0.03 else "FAIL"
        print(f"{name:<15}{items / wall:>14,.0f}{rss:>10.0f}{wait:>11.3f}{off:>+12.1%}{ok:>7}")
    m_items, m_wall, m_rss, _ = results["modsim"]
    print("ratios against modsim (speed: modsim / peer; memory: peer / modsim)")
    for name, (items, wall, rss, _) in results.items():
        if name != "modsim":
            print(f"  {name:<13} {(m_items / m_wall) / (items / wall):>8.0f}x faster {rss / m_rss:>8.1f}x the memory")


if __name__ == "__main__":
    main()
