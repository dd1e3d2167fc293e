"""The benchmark's review queue in SimPy, written as SimPy's documentation does it.

Flagged items arrive as a Poisson process (95 an hour), 10 moderators serve them FIFO,
reviews are exponential with mean 6 minutes. Runs until 1,000,000 items are done;
waits of the first 10% of items are left out (warm-up). Prints one JSON line.
"""
import json
import random
import sys

import simpy

ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
WARM_UP = ITEMS // 10
ARRIVALS_PER_MIN = 95 / 60
REVIEW_MEAN_MIN = 6.0
MODERATORS = 10


def main(seed):
    random.seed(seed)
    env = simpy.Environment()
    moderators = simpy.Resource(env, capacity=MODERATORS)
    stats = {"done": 0, "waits": 0.0, "counted": 0}
    finished = env.event()

    def item(index):
        arrived = env.now
        with moderators.request() as request:
            yield request
            if index >= WARM_UP:
                stats["waits"] += env.now - arrived
                stats["counted"] += 1
            yield env.timeout(random.expovariate(1 / REVIEW_MEAN_MIN))
        stats["done"] += 1
        if stats["done"] == ITEMS and not finished.triggered:
            finished.succeed()

    def source():
        index = 0
        while True:
            yield env.timeout(random.expovariate(ARRIVALS_PER_MIN))
            env.process(item(index))
            index += 1

    env.process(source())
    env.run(until=finished)
    print(json.dumps({"items": stats["done"], "mean_wait_min": stats["waits"] / stats["counted"]}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
