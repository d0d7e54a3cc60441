# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned moves run in parallel within three bounds: in total, out of each source, into each
destination (KubeVirt's defaults are 5 in total and 2 outbound per node; Nova runs one migration
per host at a time, so 1 inbound is the default here).

A move starts as soon as a slot is free in all three, in the plan's order (a move whose source or
destination is busy does not hold back the ones behind it). One move failing does not stop the
others. When a migration fails and the guest still runs on its source, the destination is asked
whether it still answers: if not, it takes nothing more, and the moves waiting for it are planned
again (elsewhere, or reported as left with every candidate's reason); if it does, the failure was
the guest's own and only that guest stays. The peak of each bound is measured as moves start.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait


class BoundedExecution:
    """Runs ``moves`` (the planner's) with ``run_move(move) -> result`` (a dict with ``failed`` and
    ``runs_on``, never raising) under the bounds; ``destination_answers(name) -> bool`` decides
    whether a failed destination stays in the plan."""

    def __init__(self, planner, moves, run_move, destination_answers, total=5, outbound=2, inbound=1):
        for name, value in (("total", total), ("outbound", outbound), ("inbound", inbound)):
            if value < 1:
                raise ValueError("the %s bound must be at least 1, got %d" % (name, value))
        self.planner = planner
        self.pending = list(moves)
        self.run_move = run_move
        self.destination_answers = destination_answers
        self.bounds = dict(total=total, outbound=outbound, inbound=inbound)
        self.outbound, self.inbound = {}, {}
        self.peak = dict(total=0, outbound={}, inbound={})
        self.results = []
        self.left = []
        self.replanned = []
        self.failed_destinations = []

    def _startable(self, move, running):
        return (running < self.bounds["total"]
                and self.outbound.get(move["source"], 0) < self.bounds["outbound"]
                and self.inbound.get(move["destination"], 0) < self.bounds["inbound"])

    def _count(self, move, step):
        for counts, host, kind in ((self.outbound, move["source"], "outbound"),
                                   (self.inbound, move["destination"], "inbound")):
            counts[host] = counts.get(host, 0) + step
            if step > 0:
                self.peak[kind][host] = max(self.peak[kind].get(host, 0), counts[host])

    def run(self):
        running = {}
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.bounds["total"]) as pool:
            while self.pending or running:
                for move in list(self.pending):
                    if self._startable(move, len(running)):
                        self.pending.remove(move)
                        self._count(move, 1)
                        running[pool.submit(self._timed, move, started)] = move
                        self.peak["total"] = max(self.peak["total"], len(running))
                if not running:  # nothing runs and nothing can start: cannot happen with bounds >= 1
                    break
                done = wait(list(running), return_when=FIRST_COMPLETED).done
                for future in sorted(done, key=lambda f: running[f]["name"]):
                    move = running.pop(future)
                    self._count(move, -1)
                    result = future.result()
                    self.results.append(result)
                    if result.get("failed"):
                        self._after_failure(move, result)
        return self

    def _timed(self, move, started):
        begun = time.monotonic()
        result = self.run_move(move)
        ended = time.monotonic()
        result.update(started_s=round(begun - started, 3), ended_s=round(ended - started, 3),
                      duration_s=round(ended - begun, 3))
        return result

    def _after_failure(self, move, result):
        destination = move["destination"]
        if destination in (result.get("runs_on") or []):
            return  # it arrived; what failed came after (the result says what)
        self.planner.undo(move)
        if destination in self.failed_destinations or self.destination_answers(destination):
            return
        self.failed_destinations.append(destination)
        self.planner.fail_destination(destination)
        waiting = [other for other in self.pending if other["destination"] == destination]
        for other in waiting:
            self.pending.remove(other)
            self.planner.undo(other)
        for other in waiting:
            plan = self.planner.place([other["name"]])
            for new in plan.moves:
                new["why"] = "planned again: %s failed as a destination; %s" % (destination, new["why"])
                new["replaced_from"] = destination
                self.pending.append(new)
                self.replanned.append(new)
            for unplaced in plan.unplaced:
                unplaced["reason"] = "its destination %s failed and %s" % (
                    destination, unplaced["reason"] if unplaced["reason"] != "no host can take it"
                    else "no other host can take it")
                self.left.append(unplaced)
