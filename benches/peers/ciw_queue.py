"""The benchmark's review queue in Ciw, written as Ciw's documentation does it.

Same model as simpy_queue.py. Ciw keeps a record per item, which is how it is used.
"""
import json
import sys

import ciw

ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000


def main(seed):
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=95 / 60)],
        service_distributions=[ciw.dists.Exponential(rate=1 / 6)],
        number_of_servers=[10],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(ITEMS, method="Finish")
    records = sorted(sim.get_all_records(), key=lambda r: r.arrival_date)
    kept = records[len(records) // 10:]
    mean_wait = sum(r.waiting_time for r in kept) / len(kept)
    print(json.dumps({"items": len(records), "mean_wait_min": mean_wait}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
