"""The benchmark's review queue in salabim, written as salabim's documentation does it.

Same model as simpy_queue.py; salabim's own Resource and components, without
animation or tracing.
"""
import json
import sys

import salabim as sim

ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
WARM_UP = ITEMS // 10
sim.yieldless(False)


class Stats:
    done = 0
    waits = 0.0
    counted = 0


class Item(sim.Component):
    def setup(self, index):
        self.index = index

    def process(self):
        arrived = self.env.now()
        yield self.request(moderators)
        if self.index >= WARM_UP:
            Stats.waits += self.env.now() - arrived
            Stats.counted += 1
        yield self.hold(review.sample())
        self.release()
        Stats.done += 1
        if Stats.done == ITEMS:
            self.env.main().activate()


class Source(sim.Component):
    def process(self):
        index = 0
        while True:
            yield self.hold(interarrival.sample())
            Item(index=index)
            index += 1


env = sim.Environment(trace=False, random_seed=int(sys.argv[1]))
env.suppress_trace_standby(True)
moderators = sim.Resource("moderators", capacity=10, monitor=False)
interarrival = sim.Exponential(60 / 95)
review = sim.Exponential(6)
Source()
env.run()
print(json.dumps({"items": Stats.done, "mean_wait_min": Stats.waits / Stats.counted}))
