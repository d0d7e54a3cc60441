"""The placement planner at fleet scale, on synthetic facts, against the planner it replaces.

For 50, 500 and 5,000 hosts with 20 guests each (memory 512 to 4096 MiB, every tenth guest in
one of 200 anti-affinity groups, every 25th in one of 100 affinity pairs, a few hosts in
maintenance, hosts of two CPU generations with guests asking for the newer one's features):
empty one host, place 1,000 new instances, rebalance with up to 100 moves. Prints the seconds and
the peak memory (tracemalloc) of each step, how the total grows from one size to the next against
n log n, and - for the drain - the ratio against the peer: the ``evacuation_plan`` filter the
evacuate role used before the planner (memory only, every guest tried against every host), given
the same hosts and guests (kept here as ``previous_plan``, since the role now uses the planner).
Target: 5,000 hosts and 100,000 guests planned in at most 5 seconds.

Usage: python bench/bench_planner.py [--sizes 50,500,5000]   (imports the collection from --root)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import tracemalloc


def facts(planner_module, hosts_count, per_host=20, seed=42):
    Host, Guest = planner_module.Host, planner_module.Guest
    rng = random.Random(seed)
    hosts, guests = [], []
    old, new = ["Broadwell"], ["Broadwell", "Skylake-Server"]
    for index in range(hosts_count):
        name = "hv%05d" % index
        modern = index % 3 != 0
        hosts.append(Host(name, 131072, maintenance="firmware" if index % 97 == 5 else None,
                          cpu_models=new if modern else old,
                          cpu_features=["avx2", "avx512f"] if modern else ["avx2"], storage=["dir:/srv/shared"]))
        for slot in range(per_host):
            number = index * per_host + slot
            needs_new = number % 7 == 0 and modern
            guests.append(Guest("vm%07d" % number, rng.choice([512, 1024, 2048, 4096]), name,
                                anti_affinity=["anti%03d" % (number % 200)] if number % 10 == 0 else [],
                                affinity=["pair%03d" % (number % 100)] if number % 25 == 0 else [],
                                cpu_model="Skylake-Server" if needs_new else "Broadwell",
                                cpu_features=["avx512f"] if needs_new else ["avx2"], storage=["dir:/srv/shared"]))
    return hosts, guests


def previous_plan(domains, destinations, reserve_mb):
    """The evacuate role's planner before this one: larger guests first, each to the destination
    with the most memory left, memory the only rule, every destination tried for every guest."""
    hosts = [dict(name=d["uri"], free_mb=d["host"]["free_memory_mb"]) for d in destinations]
    moves = []
    for domain in sorted(domains, key=lambda d: (-d["memory_mb"], d["name"])):
        fits = [host for host in hosts if host["free_mb"] - reserve_mb >= domain["memory_mb"]]
        if fits:
            best = max(fits, key=lambda host: host["free_mb"])
            best["free_mb"] -= domain["memory_mb"]
            moves.append((domain["name"], best["name"]))
    return moves


def timed(step):
    tracemalloc.start()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."),
                        help="a directory holding ansible_collections/virtops/libvirt")
    parser.add_argument("--sizes", default="50,500,5000")
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.root))
    from ansible_collections.virtops.libvirt.plugins.module_utils.fleet import planner as planner_module

    previous = None
    for size in [int(part) for part in args.sizes.split(",")]:
        hosts, guests = facts(planner_module, size)
        source = hosts[1].name
        planner, built_s, built_peak = timed(lambda: planner_module.Planner(hosts, guests, reserve_mb=1024))
        drain, drain_s, drain_peak = timed(lambda: planner.drain([source]))
        new = [planner_module.Guest("new%05d" % i, 2048, anti_affinity=["anti%03d" % (i % 200)] if i % 4 == 0 else [])
               for i in range(1000)]
        placed, place_s, place_peak = timed(lambda: planner.place(new))
        fresh = planner_module.Planner(hosts, guests, reserve_mb=1024)
        rebalance, rebalance_s, rebalance_peak = timed(lambda: fresh.rebalance(spread_pct=5, max_moves=100))
        total = built_s + drain_s + place_s + rebalance_s
        # The peer: the previous evacuation planner, memory only, on the same source and destinations.
        domains = [dict(name=g.name, state="running", memory_mb=g.memory_mb, persistent=True)
                   for g in guests if g.host == source]
        used = {}
        for guest in guests:
            used[guest.host] = used.get(guest.host, 0) + guest.memory_mb
        destinations = [dict(uri=h.name, host=dict(hostname=h.name, free_memory_mb=h.memory_mb - used.get(h.name, 0)))
                        for h in hosts if h.name != source and not h.maintenance]
        _peer, peer_s, _peer_peak = timed(lambda: previous_plan(domains, destinations, 1024))
        print("%5d hosts, %6d guests: build %.2f s, drain %.3f s (%d moved, %d left; previous planner %.3f s, "
              "ratio %.2f), place 1000 new %.2f s (%d placed), rebalance %.2f s (%d moves, spread %.1f%%); "
              "total %.2f s; peak memory %.1f MiB"
              % (size, len(guests), built_s, drain_s, len(drain.moves), len(drain.unplaced), peer_s,
                 drain_s / peer_s if peer_s else float("nan"), place_s, len(placed.moves), rebalance_s,
                 len(rebalance.moves), rebalance.spread_pct, total,
                 max(built_peak, drain_peak, place_peak, rebalance_peak) / 1048576.0))
        if previous:
            psize, ptotal = previous[0], previous[1]
            growth = total / ptotal if ptotal else float("nan")
            nlogn = (size * math.log(size)) / (psize * math.log(psize))
            print("      growth x%.1f from %d hosts (n log n: x%.1f, n: x%.1f)" % (growth, psize, nlogn, size / psize))
        previous = (size, total)


if __name__ == "__main__":
    main()
