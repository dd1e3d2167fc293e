"""The reduced flagship in SimPy: a platform, a regulator and a block, one year by the hour.

The same model as benches/peers/reduced-flagship.toml (read it for the story and the
numbers), written the way an analyst would write it in SimPy in a notebook: a class
holding the state of one replication, a generator per process (the hourly clock, each
order's preparation, handling and deadline, each compliance action, the cleanup, the
verification of a block), plain Python for the draws.

One dependency: SimPy (`python3 -m pip install simpy==4.1.2`, or let
benches/peers/flagship.py make its virtual environment). Python 3.11's `random` has
no Poisson or binomial draws, so the two exact samplers below are written out (the
algorithms numpy uses) rather than taking numpy as a second dependency;
benches/peers/flagship.py tests them against SciPy's distributions first.

Usage: python3 simpy_flagship.py [--replications N] [--seed S] [--out DIR]
writes DIR/replications.csv and DIR/blocks.csv (modsim's column names, a subset) and
prints one JSON line with the seconds the replications took (imports excluded).

Semantics: this follows modsim's model (src/model/) where the design brief leaves a
choice open.
 - Time is in hours. The violating stock, uploads, views, public complaints and the
   crawler's samples are counts, drawn over the interval since the last change of
   state (`catch_up`, called first by every process that wakes up) with the state
   that held during it: Poisson and binomial draws, exact for Poisson processes.
   The hourly clock only bounds those intervals and checks the ladder. Within an
   interval: views and complaints on the stock live at its start, then uploads, then
   the crawler's samples on the stock after them, then the cleanup's sweep.
 - Findings (complaints and violating samples) are recorded when they are drawn. The
   first findings after an order start the preparation of the next one (exponential,
   mean 3 days), which lists every finding pending when it is issued.
 - Each order draws whether the platform handles it (30%) and, if so, its handling
   time; handling takes down as many live items as the order listed. A deadline
   (24 hours) passes missed unless the order was handled by then.
 - The ladder is checked at every hour, when a deadline is missed, when an action is
   completed and when a step's wait runs out. Steps are climbed in order; a step
   whose condition holds fires, unless every action of its `unless` is done, in which
   case the regulator stands down and counts afresh from then. Findings and missed
   deadlines count within (now - window, now], and not before the ladder (re)started.
 - A block takes effect when it is decided: access falls to the VPN share (uploads
   and views with it). The cleanup (12 hours later) sweeps the stock live when it
   starts at 2,000 a day, in whole items (the fraction carried over); the stock
   swept, it takes down what was left of its count. Once the cleanup and the
   commitment are done, verification runs 2 days on the crawler's samples (the true
   prevalence if there were none); measured prevalence at most 0.02% passes, else it
   starts again. The lifting is processed in 12 to 48 hours (uniform); access comes
   back, the ladder restarts at the notice, and no step fires at that instant.
 - A block in force at the horizon is censored; its duration runs to the horizon.
"""
import argparse
import bisect
import csv
import json
import math
import random
import time
from pathlib import Path

import simpy

HORIZON = 365 * 24  # hours
DAY = 24
Z90 = 1.2815515655446004  # 90th percentile of the standard normal


def lognormal(rng, median, p90):
    """A lognormal given as people elicit it: its median and 90th percentile."""
    return rng.lognormvariate(math.log(median), (math.log(p90) - math.log(median)) / Z90)


# Platform: one category of violating content, nothing flagged (no review queue).
UPLOADS_PER_DAY = 100_000
VIOLATING_SHARE = 0.0025
CATALOGUE_ITEMS = 20_000_000
INITIAL_STOCK = 12_000
VIEWS_PER_ITEM_PER_DAY = 34
VPN_SHARE = 0.2
ORDER_COMPLIANCE = 0.3
HANDLING_MEDIAN, HANDLING_P90 = 5 * DAY, 20 * DAY

# Regulator.
CRAWLER_SAMPLES_PER_DAY = 500
COMPLAINTS_PER_VIOLATING_VIEW = 0.00001
ORDER_PREPARATION_MEAN = 3 * DAY
ORDER_DEADLINE = 24
MAX_PREVALENCE = 0.0002
VERIFICATION_PERIOD = 2 * DAY
PROCESSING_MIN, PROCESSING_MAX = 12, 48

# The ladder: (name, condition, unless). Conditions: ("findings", count, window),
# ("missed", count, window), ("after", step, wait); a step waits only for the one
# before it.
LADDER = [
    ("notice", ("findings", 100, 30 * DAY), ()),
    ("second-notice", ("after", 0, 7 * DAY), ("commitment",)),
    ("block", ("missed", 10, 30 * DAY), ("commitment",)),
]
RESTART_AT = 0  # after a lifting: the notice

# The playbook: what sets each action in motion, and its delay.
PLAYBOOK = {
    "commitment": ("second-notice", lambda rng: lognormal(rng, 10 * DAY, 30 * DAY)),
    "cleanup": ("block", lambda rng: 12),
}
CLEANUP_ITEMS_PER_DAY = 2_000
REQUIRED_FOR_UNBLOCK = ("cleanup", "commitment")


def poisson(rng, mean):
    """An exact Poisson draw, by numpy's algorithms: inversion below a mean of 10,
    Hormann's transformed rejection with squeeze (PTRS, 1993) above."""
    if mean <= 0:
        return 0
    if mean < 10:
        u = rng.random()
        k, p = 0, math.exp(-mean)
        cdf = p
        while u > cdf and p > 0:
            k += 1
            p *= mean / k
            cdf += p
        return k
    slam, loglam = math.sqrt(mean), math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -mean + k * loglam - math.lgamma(k + 1):
            return k


def binomial(rng, n, p):
    """An exact binomial draw by inversion, for the small n x p of the crawler."""
    if n == 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    u = rng.random()
    k, q = 0, (1 - p) ** n
    cdf = q
    while u > cdf and k < n:
        q *= (n - k) / (k + 1) * p / (1 - p)
        k += 1
        cdf += q
    return k


class CountLog:
    """Counts over time, for "N within a window" conditions."""

    def __init__(self):
        self.times, self.totals = [], []

    def add(self, t, n):
        self.times.append(t)
        self.totals.append((self.totals[-1] if self.totals else 0) + n)

    def since(self, t):
        """How many were added in (t, now]."""
        i = bisect.bisect_right(self.times, t)
        before = self.totals[i - 1] if i else 0
        return (self.totals[-1] if self.totals else 0) - before


class Replication:
    def __init__(self, rng):
        self.env = simpy.Environment()
        self.rng = rng
        # Content.
        self.visible = INITIAL_STOCK
        self.clean = CATALOGUE_ITEMS - INITIAL_STOCK
        self.access = 1.0
        self.last_catch_up = 0.0
        # Regulator: findings, orders, the ladder.
        self.findings = CountLog()
        self.missed = CountLog()
        self.pending_findings = 0
        self.order_in_preparation = False
        self.level = None  # the last step fired since the ladder (re)started
        self.ladder_start = 0.0
        self.fired_at = [None] * len(LADDER)
        # Platform: actions, cleanup; the block in force.
        self.started = set()
        self.done = set()
        self.sweep = None
        self.block = None
        self.lifted_at = None
        # Outcomes.
        self.exposure = 0.0
        self.found = self.orders_issued = self.orders_missed = self.warnings = 0
        self.blocks = []  # (start, end or None)

    # The count processes.

    def catch_up(self):
        """Draws the counts over the interval since the last call, with the state that held during it."""
        now = self.env.now
        days = (now - self.last_catch_up) / DAY
        if days <= 0:
            return
        self.last_catch_up = now
        rng = self.rng
        views = self.visible * VIEWS_PER_ITEM_PER_DAY * self.access * days
        self.exposure += views
        found = poisson(rng, views * COMPLAINTS_PER_VIOLATING_VIEW)
        uploads = UPLOADS_PER_DAY * self.access * days
        self.visible += poisson(rng, uploads * VIOLATING_SHARE)
        self.clean += uploads * (1 - VIOLATING_SHARE)
        samples = poisson(rng, CRAWLER_SAMPLES_PER_DAY * days)
        hits = binomial(rng, samples, self.prevalence())
        found += hits
        if self.block and self.block["verification"] is not None:
            self.block["verification"][0] += samples
            self.block["verification"][1] += hits
        if self.sweep:
            self.sweep_for(days)
        if found:
            self.record_findings(found)

    def prevalence(self):
        return self.visible / (self.visible + self.clean)

    def clock(self):
        """The hourly step: bounds the count intervals and checks the ladder."""
        while self.env.now < HORIZON:
            yield self.env.timeout(1)
            self.catch_up()
            self.check_ladder()

    # Findings and orders.

    def record_findings(self, n):
        self.found += n
        self.findings.add(self.env.now, n)
        self.pending_findings += n
        if not self.order_in_preparation:
            self.order_in_preparation = True
            self.env.process(self.prepare_order())

    def prepare_order(self):
        yield self.env.timeout(self.rng.expovariate(1 / ORDER_PREPARATION_MEAN))
        self.catch_up()
        self.order_in_preparation = False
        order = {"items": self.pending_findings, "handled": False}
        self.pending_findings = 0
        self.orders_issued += 1
        self.env.process(self.order_deadline(order))
        if self.rng.random() < ORDER_COMPLIANCE:
            self.env.process(self.handle_order(order, lognormal(self.rng, HANDLING_MEDIAN, HANDLING_P90)))

    def order_deadline(self, order):
        yield self.env.timeout(ORDER_DEADLINE)
        self.catch_up()
        if not order["handled"]:
            self.orders_missed += 1
            self.missed.add(self.env.now, 1)
            self.check_ladder()

    def handle_order(self, order, delay):
        yield self.env.timeout(delay)
        self.catch_up()
        order["handled"] = True
        self.visible -= min(order["items"], self.visible)

    # The ladder.

    def condition_met(self, j):
        now = self.env.now
        kind, a, b = LADDER[j][1]
        if kind == "after":
            fired = self.fired_at[a]
            return fired is not None and fired >= self.ladder_start and now >= fired + b
        log = self.findings if kind == "findings" else self.missed
        return log.since(max(now - b, self.ladder_start)) >= a

    def check_ladder(self):
        """Fires every step whose condition holds, in order, until one does not."""
        if self.lifted_at == self.env.now:
            return
        while self.block is None:
            j = 0 if self.level is None else self.level + 1
            if j >= len(LADDER) or not self.condition_met(j):
                return
            unless = LADDER[j][2]
            if unless and all(a in self.done for a in unless):
                self.level, self.ladder_start = None, self.env.now  # stand down
                return
            self.fire(j)

    def fire(self, j):
        name = LADDER[j][0]
        self.level = j
        self.fired_at[j] = self.env.now
        if name == "block":
            self.impose_block()
        else:
            self.warnings += 1
        self.trigger(name)
        self.try_start_verification()
        if j + 1 < len(LADDER) and LADDER[j + 1][1][0] == "after":
            self.env.process(self.recheck_after(LADDER[j + 1][1][2]))

    def recheck_after(self, wait):
        yield self.env.timeout(wait)
        self.catch_up()
        self.check_ladder()

    # The playbook.

    def trigger(self, event):
        for action, (on, delay) in PLAYBOOK.items():
            if on == event and action not in self.started:
                self.started.add(action)
                self.env.process(self.take_action(action, delay(self.rng)))

    def take_action(self, action, delay):
        yield self.env.timeout(delay)
        self.catch_up()
        if action == "cleanup":
            yield from self.cleanup()
        self.complete(action)

    def complete(self, action):
        self.done.add(action)
        self.try_start_verification()
        self.check_ladder()

    def cleanup(self):
        """Sweeps the stock live now; `catch_up` takes down what each interval sweeps."""
        stock = self.visible
        if stock == 0:
            return
        self.sweep = {"remaining": stock, "carry": 0.0, "ran_out": self.env.event()}
        yield self.env.timeout(stock / CLEANUP_ITEMS_PER_DAY * DAY) | self.sweep["ran_out"]
        self.catch_up()
        self.visible -= min(self.sweep["remaining"], self.visible)
        self.sweep = None

    def sweep_for(self, days):
        sweep = self.sweep
        budget = CLEANUP_ITEMS_PER_DAY * days + sweep["carry"]
        take = min(math.floor(budget), sweep["remaining"], self.visible)
        sweep["carry"] = budget - math.floor(budget)
        self.visible -= take
        sweep["remaining"] -= take
        if self.visible == 0:
            sweep["remaining"] = 0
        if sweep["remaining"] == 0 and not sweep["ran_out"].triggered:
            sweep["ran_out"].succeed()

    # The block.

    def impose_block(self):
        self.block = {"start": self.env.now, "verification": None, "verifying": False}
        self.access = VPN_SHARE

    def try_start_verification(self):
        block = self.block
        if block and not block["verifying"] and all(a in self.done for a in REQUIRED_FOR_UNBLOCK):
            block["verifying"] = True
            self.env.process(self.verify())

    def verify(self):
        block = self.block
        while True:
            block["verification"] = [0, 0]  # samples, violating samples
            yield self.env.timeout(VERIFICATION_PERIOD)
            self.catch_up()
            samples, hits = block["verification"]
            block["verification"] = None
            measured = hits / samples if samples else self.prevalence()
            if measured <= MAX_PREVALENCE:
                break
        yield self.env.timeout(self.rng.uniform(PROCESSING_MIN, PROCESSING_MAX))  # the regulator processes the lifting
        self.catch_up()
        self.blocks.append((block["start"], self.env.now))
        self.block = None
        self.access = 1.0
        self.lifted_at = self.env.now
        self.level = RESTART_AT - 1 if RESTART_AT > 0 else None  # steps below it count as fired
        self.ladder_start = self.env.now
        self.check_ladder()

    def run(self):
        self.env.run(until=self.env.process(self.clock()))
        self.catch_up()
        if self.block:
            self.blocks.append((self.block["start"], None))  # censored


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--out", type=Path, default=Path("simpy-flagship"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows, block_rows = [], []
    began = time.perf_counter()
    for r in range(args.replications):
        rep = Replication(random.Random(args.seed * 1_000_003 + r))
        rep.run()
        first = rep.blocks[0][0] / DAY if rep.blocks else ""
        blocked_days = 0.0
        for b, (start, end) in enumerate(rep.blocks, 1):
            duration = ((HORIZON if end is None else end) - start) / DAY
            blocked_days += duration
            end_days = "" if end is None else end / DAY
            block_rows.append([r, b, start / DAY, end_days, duration, str(end is None).lower()])
        rows.append([r, int(bool(rep.blocks)), len(rep.blocks), first, blocked_days, rep.exposure,
                     rep.found, rep.orders_issued, rep.orders_missed, rep.warnings])
    seconds = time.perf_counter() - began
    with open(args.out / "replications.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["replication", "blocked", "blocks", "time_to_first_block_days", "days_blocked", "exposure",
                    "findings", "orders_issued", "orders_missed", "warnings"])
        w.writerows(rows)
    with open(args.out / "blocks.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["replication", "block", "start", "end", "duration_days", "censored"])
        w.writerows(block_rows)
    print(json.dumps({"replications": args.replications, "seconds": seconds}))


if __name__ == "__main__":
    main()
