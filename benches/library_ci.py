#!/usr/bin/env python3
"""The scenario library's outcomes before and after a change that alters results.

A faster sampler draws other numbers from the same streams, so the outputs of a fixed
seed change; what must not change is what they estimate. This runs every scenario in
scenarios/ with two modsim binaries (same seed, same replications) and compares every
metric of summary.csv that varies between replications:

- the two means (for durations with censored replications, the Kaplan-Meier
  medians), and whether the new one lies in the old run's 95% CI ("in CI");
- z, a paired test of the difference: replication r of both runs shares every stream
  the change left alone, so the per-replication differences (replications.csv) show
  a shift far smaller than either CI; z is their mean over its standard error.

With nothing wrong, |z| > 1.96 for about 5% of metrics by chance (fewer, since a
scenario's metrics move together); |z| > 3.5 (less than 1 in 2,000 by chance) is
flagged as a real difference. The summary line counts both.

    benches/library_ci.py BEFORE AFTER [REPLICATIONS]   (default 1000)

BEFORE and AFTER are modsim binaries or git commits (a commit is built in a temporary
worktree, with CARGO_TARGET_DIR if set); a commit runs its own checkout's scenario
files, a binary this checkout's.
"""
import csv
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
Z95 = 1.959963984540054


def binary(spec, tmp):
    """(modsim binary, folder whose scenarios it runs) for a path or a commit."""
    if os.access(spec, os.X_OK) and Path(spec).is_file():
        return Path(spec).resolve(), ROOT
    tree = Path(tmp) / f"tree-{spec}"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), spec], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=tree, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", tree / "target"))
    built = Path(tmp) / f"modsim-{spec}"
    built.write_bytes((target / "release" / "modsim").read_bytes())
    built.chmod(0o755)
    return built, tree


def run(modsim, tree, scenario, replications, out):
    """summary.csv by metric, and replications.csv by column."""
    subprocess.run([str(modsim), "run", str(tree / "scenarios" / scenario), "--replications",
                    str(replications), "--threads", "2", "--no-charts", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    summary = {r["metric"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    rows = list(csv.DictReader(open(out / "replications.csv")))
    return summary, {c: [float(r[c] or "nan") for r in rows] for c in rows[0]}


def paired_z(old, new):
    """Mean over standard error of the per-replication differences (0 if none differ)."""
    d = [b - a for a, b in zip(old, new) if not (math.isnan(a) or math.isnan(b))]
    if len(d) < 2 or all(x == 0 for x in d):
        return 0.0
    mean = sum(d) / len(d)
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
    return mean / (sd / math.sqrt(len(d))) if sd > 0 else math.copysign(math.inf, mean)


def estimate(row):
    """A summary row's mean (its median when censored), or None if it does not vary."""
    low, high = row["ci95_low"], row["ci95_high"]
    value = row["mean"] or row["median"]
    if not (value and low and high) or float(high) <= float(low):
        return None
    return float(value)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    replications = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    worktrees = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            (before, tree_before), (after, tree_after) = (binary(s, tmp) for s in sys.argv[1:3])
            worktrees = [t for t in (tree_before, tree_after) if t != ROOT]
            compare(before, tree_before, after, tree_after, replications, Path(tmp))
        finally:
            for t in worktrees:
                subprocess.run(["git", "worktree", "remove", "--force", str(t)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def compare(before, tree_before, after, tree_after, replications, tmp):
    compared = outside = over_z = flagged = 0
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        old, old_reps = run(before, tree_before, path.name, replications, tmp / "before")
        new, new_reps = run(after, tree_after, path.name, replications, tmp / "after")
        print(f"\n{path.stem}: {replications} replications")
        print(f"  {'metric':<28}{'before':>13}{'after':>13}{'difference':>12}{'in CI':>7}{'z':>8}")
        for metric, row in old.items():
            mean_a, mean_b = estimate(row), metric in new and estimate(new[metric])
            if mean_a is None or mean_b is None or mean_b is False:
                continue
            inside = float(row["ci95_low"]) <= mean_b <= float(row["ci95_high"]) or mean_b == mean_a
            paired = metric in old_reps and metric in new_reps
            z = paired_z(old_reps[metric], new_reps[metric]) if paired else float("nan")
            diff = (mean_b - mean_a) / abs(mean_a) * 100 if mean_a else 0.0
            compared += 1
            outside += not inside
            over_z += abs(z) > Z95
            flagged += abs(z) > 3.5
            mark = "  <-- differs" if abs(z) > 3.5 else ""
            print(f"  {metric:<28}{mean_a:>13.5g}{mean_b:>13.5g}{diff:>+11.2f}%{'yes' if inside else 'no':>7}"
                  f"{z:>+8.2f}{mark}")
    print(f"\n{compared} metrics compared: {outside} outside the old run's 95% CI; paired |z| > 1.96 "
          f"for {over_z} ({over_z / compared:.0%}; about 5% by chance), |z| > 3.5 for {flagged}")


if __name__ == "__main__":
    main()
