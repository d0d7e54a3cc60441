# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evacuate role's summary of a drain by the migrations module (the planning itself is the
planner's: tests/unit/plugins/module_utils/fleet)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.filter.evacuation import evacuation_report

MOVED = dict(name="a", kind="live", destination="d", failed=False, changed=True, runs_on=["d"])
FAILED = dict(name="b", kind="live", destination="d", failed=True, msg="the copy timed out", runs_on=["src"])
LEFT = dict(name="p", reason="no host can take it",
            candidates={"d": "does not share the guest's storage", "e": "is in maintenance (bios)"})


def test_what_moved_what_failed_and_where_it_runs_and_what_was_left():
    result = dict(failed=True, msg="1 of 2 migration(s) failed", results=[MOVED, FAILED], left=[LEFT],
                  plan=dict(moves=[], unplaced=[LEFT]))
    report = evacuation_report(result, [dict(name="b"), dict(name="p")], "src")
    assert report["moved"] == [dict(name="a", kind="live", destination="d", changed=True)]
    assert report["failed"] == [dict(name="b", destination="d", msg="the copy timed out", runs_on=["src"])]
    assert report["left"] == [dict(name="p", runs_on=["src"], reason=(
        "no host can take it (d does not share the guest's storage; e is in maintenance (bios))"))]
    assert report["remaining"] == ["b", "p"]
    assert report["problems"] == [
        "b: migration to d failed (the copy timed out); it runs on src",
        "p stays: no host can take it (d does not share the guest's storage; e is in maintenance (bios)); it runs on src"]


def test_without_a_partial_plan_nothing_moved_and_every_chosen_guest_is_named():
    result = dict(failed=True, msg="1 guest(s) have no place", results=[], left=[],
                  plan=dict(moves=[dict(name="a", destination="d")], unplaced=[LEFT]))
    report = evacuation_report(result, [dict(name="a"), dict(name="p")], "src")
    assert [item["name"] for item in report["left"]] == ["p", "a"]
    assert report["left"][1]["reason"] == "not moved: other guests have no place (allow a partial plan to move it)"
    assert report["moved"] == [] and len(report["problems"]) == 2


def test_a_drain_that_never_started_is_a_problem():
    report = evacuation_report(dict(failed=True, msg="no host of the fleet answers"), [], "src")
    assert report["problems"] == ["the drain did not start: no host of the fleet answers"]


def test_check_mode_reports_what_would_move():
    result = dict(changed=True, results=[], left=[], plan=dict(moves=[dict(name="a", kind="offline", destination="d")],
                                                               unplaced=[]))
    report = evacuation_report(result, [dict(name="a")], "src")
    assert report["moved"] == [dict(name="a", kind="offline", destination="d", changed=True)]
    assert report["problems"] == []


def test_a_run_with_nothing_to_do():
    report = evacuation_report(dict(changed=False, results=[], left=[], plan=dict(moves=[], unplaced=[])), [], "src")
    assert report == dict(moved=[], failed=[], left=[], remaining=[], problems=[])


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError, match="expected the migrations module's result"):
        evacuation_report(["nope"], [])
