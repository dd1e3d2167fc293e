#!/usr/bin/env python3
"""The aggregate (cohort) review queue against item mode on the scenario library.

Runs every library scenario, and the peer benchmark's queue at three loads, once with
platform.review.queue_model=items and once with =cohorts (same seed, same
replications: common random numbers), and prints, per headline metric, both means,
the relative difference and the item run's 95% CI half-width as a yardstick.

    benches/cohort_error.py [REPLICATIONS]   (default 1000)
"""
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODSIM = ROOT / "target" / "release" / "modsim"
METRICS = ["blocked", "days_blocked", "exposure", "user_days_lost", "mean_review_wait_hours",
           "mean_review_backlog", "violating_removed", "wrongful_removals"]


def run(scenario, model, replications, extra, out):
    started = time.perf_counter()
    subprocess.run([str(MODSIM), "run", str(scenario), "--replications", str(replications),
                    "--set", f"platform.review.queue_model={model}", "--no-charts", "--out", str(out),
                    *extra], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    rows = {r["metric"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    return rows, seconds


def main():
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    cases = [(p.stem, p, []) for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    queue = ROOT / "benches" / "review-queue.toml"
    for load, uploads in [("0.80", 1920), ("0.95", 2280), ("1.05", 2520)]:
        cases.append((f"M/M/10 at load {load}, 100 days", queue,
                      ["--set", f"platform.uploads_per_day={uploads}", "--set", "scenario.horizon=\"100d\"",
                       "--set", "scenario.warm_up=\"10d\""]))
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario, extra in cases:
            reps = replications if "M/M" not in name else max(replications // 10, 20)
            items, t_items = run(scenario, "items", reps, extra, Path(tmp) / "items")
            cohorts, t_cohorts = run(scenario, "cohorts", reps, extra, Path(tmp) / "cohorts")
            print(f"\n{name}: {reps} replications; items {t_items:.2f} s, cohorts {t_cohorts:.2f} s "
                  f"({t_items / t_cohorts:.1f}x)")
            print(f"  {'metric':<24}{'items':>14}{'cohorts':>14}{'difference':>12}{'items CI +-':>13}")
            for m in METRICS:
                a, b = items[m], cohorts[m]
                mean_a, mean_b = float(a["mean"] or "nan"), float(b["mean"] or "nan")
                half = (float(a["ci95_high"] or "nan") - float(a["ci95_low"] or "nan")) / 2
                diff = (mean_b - mean_a) / abs(mean_a) * 100 if mean_a else float("nan")
                rel_half = half / abs(mean_a) * 100 if mean_a else float("nan")
                print(f"  {m:<24}{mean_a:>14.4g}{mean_b:>14.4g}{diff:>+11.1f}%{rel_half:>12.1f}%")


if __name__ == "__main__":
    main()
