# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounded execution's scheduling: bounds held and reached, failures, re-planning. The moves
here are timed callables (what runs them on libvirt is proven by the integration target)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.execution import BoundedExecution
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import Guest, Host, Planner


class Recorder:
    """Counts what runs at once, as the integration test samples libvirt's jobs."""

    def __init__(self, seconds=0.05, fail=()):
        self.lock = threading.Lock()
        self.now = dict(total=0)
        self.seen = dict(total=0)
        self.seconds = seconds
        self.fail = fail

    def _step(self, key, step):
        self.now[key] = self.now.get(key, 0) + step
        self.seen[key] = max(self.seen.get(key, 0), self.now[key])

    def __call__(self, move):
        with self.lock:
            for key in ("total", "out:" + move["source"], "in:" + move["destination"]):
                self._step(key, 1)
        time.sleep(self.seconds)
        with self.lock:
            for key in ("total", "out:" + move["source"], "in:" + move["destination"]):
                self._step(key, -1)
        failed = move["destination"] in self.fail
        return dict(name=move["name"], failed=failed, runs_on=[move["source"] if failed else move["destination"]])


def planned(sources, destinations, guests_per_source):
    hosts = [Host(name, 65536) for name in sources + destinations]
    guests = [Guest("%s-%d" % (source, i), 512, source) for source in sources for i in range(guests_per_source)]
    planner = Planner(hosts, guests)
    return planner, planner.drain(sources).moves


def test_one_source_six_guests_three_peers_bounds_held_and_reached():
    planner, moves = planned(["a"], ["b", "c", "d"], 6)
    recorder = Recorder()
    execution = BoundedExecution(planner, moves, recorder, lambda name: True, total=3, outbound=2, inbound=1).run()
    assert len(execution.results) == 6 and not any(r["failed"] for r in execution.results)
    assert recorder.seen["out:a"] == 2  # the outbound bound is the tighter one here
    assert all(recorder.seen["in:" + host] == 1 for host in "bcd")
    assert execution.peak == dict(total=2, outbound={"a": 2}, inbound={"b": 1, "c": 1, "d": 1})


def test_two_sources_total_bound_held_and_reached():
    planner, moves = planned(["a", "b"], ["c", "d", "e", "f"], 4)
    recorder = Recorder()
    execution = BoundedExecution(planner, moves, recorder, lambda name: True, total=3, outbound=2, inbound=1).run()
    assert len(execution.results) == 8
    assert recorder.seen["total"] == 3 and execution.peak["total"] == 3
    assert max(recorder.seen["out:a"], recorder.seen["out:b"]) == 2
    assert all(recorder.seen.get("in:" + host, 0) <= 1 for host in "cdef")


def test_a_destination_that_stops_answering_takes_nothing_more_and_its_guests_are_planned_again():
    planner, moves = planned(["a"], ["b", "c"], 4)
    assert sorted(m["destination"] for m in moves) == ["b", "b", "c", "c"]
    execution = BoundedExecution(planner, moves, Recorder(fail=("c",)), lambda name: name != "c",
                                 total=2, outbound=2, inbound=1).run()
    assert execution.failed_destinations == ["c"]
    assert [m["destination"] for m in execution.replanned] == ["b"]
    assert execution.replanned[0]["why"].startswith("planned again: c failed as a destination")
    arrived = [r for r in execution.results if not r["failed"]]
    assert len(arrived) == 3 and len(execution.results) == 4
    assert planner.hosts["c"].used_mb == 0 and planner.hosts["a"].used_mb == 512  # the failed one counts on a


def test_a_guest_failing_on_a_destination_that_answers_leaves_the_destination_in_the_plan():
    planner, moves = planned(["a"], ["b"], 3)
    execution = BoundedExecution(planner, moves, Recorder(fail=("b",)), lambda name: True,
                                 total=2, outbound=2, inbound=1).run()
    assert execution.failed_destinations == [] and execution.replanned == []
    assert len(execution.results) == 3 and all(r["failed"] for r in execution.results)


def test_undo_restores_the_planner_exactly():
    hosts = [Host("a", 4096, free_mb=3000), Host("b", 4096, free_mb=3500)]
    planner = Planner(hosts, [Guest("g", 512, "a", anti_affinity=["x"])])
    before = dict((name, (s.used_mb, s.free_mb, dict((k, v) for k, v in s.anti.items() if v))) for name, s in planner.hosts.items())
    planner.close(["a"])
    [move] = planner.place(["g"]).moves
    assert planner.hosts["b"].free_mb == 2988 and planner.hosts["a"].free_mb == 3512
    planner.undo(move)
    after = dict((name, (s.used_mb, s.free_mb, dict((k, v) for k, v in s.anti.items() if v))) for name, s in planner.hosts.items())
    assert after == before


def test_bounds_below_one_are_refused():
    with pytest.raises(ValueError, match="the inbound bound must be at least 1, got 0"):
        BoundedExecution(None, [], None, None, inbound=0)
