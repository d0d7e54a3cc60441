"""Samples the migrations running between the test bed's hosts, several times a second, until a
stop file appears; writes what it saw as JSON (for the fleet tests' bounds).

A migration counts as outbound on the host whose copy of the guest has a migration-out job
(libvirt's job statistics, operation MIGRATION_OUT), and as inbound on the host where a copy of
that guest is active at the same time (the destination's copy exists from the migration's first
step; libvirt gives no job statistics on that side).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import libvirt


def sample(conns):
    outbound, active = {}, {}
    for name, conn in conns.items():
        outbound[name], active[name] = set(), set()
        for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            try:
                guest = dom.name()
                active[name].add(guest)
                stats = dom.jobStats(0)
            except libvirt.libvirtError:
                continue  # gone between listing and asking
            if stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE) != libvirt.VIR_DOMAIN_JOB_NONE and \
                    stats.get("operation") == libvirt.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT:
                outbound[name].add(guest)
    moving = set().union(*outbound.values()) if outbound else set()
    inbound = dict((name, sorted(guests & moving - outbound[name])) for name, guests in active.items())
    return dict((name, sorted(guests)) for name, guests in outbound.items()), inbound


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", action="append", required=True, help="NAME=URI, once per host")
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    conns = dict((spec.split("=", 1)[0], libvirt.open(spec.split("=", 1)[1])) for spec in args.host)
    peak = dict(total=0, outbound={}, inbound={})
    samples = busy = 0
    seen = set()
    deadline = time.monotonic() + args.max_seconds
    while not os.path.exists(args.stop_file) and time.monotonic() < deadline:
        outbound, inbound = sample(conns)
        samples += 1
        total = sum(len(guests) for guests in outbound.values())
        busy += bool(total)
        peak["total"] = max(peak["total"], total)
        for kind, counts in (("outbound", outbound), ("inbound", inbound)):
            for host, guests in counts.items():
                peak[kind][host] = max(peak[kind].get(host, 0), len(guests))
                seen.update(guests)
        time.sleep(args.interval)
    with open(args.out + ".tmp", "w") as handle:
        json.dump(dict(samples=samples, busy_samples=busy, peak=peak, guests_seen_moving=sorted(seen)), handle)
    os.rename(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
