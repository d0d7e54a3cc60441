# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each guest of an evacuated host goes, and the summary of what happened."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.filter.evacuation import evacuation_plan, evacuation_report


def domain(name, state="running", memory_mb=1024, persistent=True):
    return dict(name=name, state=state, memory_mb=memory_mb, persistent=persistent)


def destination(uri, free, hostname=None, peer_uri=None):
    """As the role registers it: the domain_info loop result with its item."""
    return dict(item=dict(uri=uri, peer_uri=peer_uri), host=dict(hostname=hostname or uri, free_memory_mb=free))


def test_larger_guests_first_each_to_the_destination_with_most_memory_left():
    plan = evacuation_plan(
        [domain("small", memory_mb=512), domain("big", memory_mb=4096), domain("mid", memory_mb=2048)],
        [destination("qemu+ssh://a/system", 5000, "a"), destination("qemu+ssh://b/system", 4500, "b", "qemu+tcp://b/system")])
    assert [(m["name"], m["destination"], m["kind"]) for m in plan["moves"]] == [
        ("big", "a", "live"), ("mid", "b", "live"), ("small", "b", "live")]
    assert plan["moves"][1]["args"] == dict(name="mid", dest_uri="qemu+ssh://b/system", kind="live",
                                            peer_uri="qemu+tcp://b/system")
    assert "peer_uri" not in plan["moves"][0]["args"] and plan["left"] == []


def test_each_state_moves_its_way_or_stays_with_the_reason():
    plan = evacuation_plan(
        [domain("run"), domain("pause", "paused"), domain("off", "shutoff"), domain("saved", "saved"),
         domain("crashed", "crashed")],
        [destination("d", 8192)], kind="block")
    assert [(m["name"], m["kind"]) for m in plan["moves"]] == [
        ("off", "offline"), ("pause", "block"), ("run", "block")]
    assert [(item["name"], item["reason"]) for item in plan["left"]] == [
        ("crashed", "a guest in state crashed cannot be migrated"),
        ("saved", "has a managed-save image: start it (it then moves live) or discard the saved state")]
    left_off = evacuation_plan([domain("off", "shutoff")], [destination("d", 8192)], shutoff="leave")
    assert left_off == dict(moves=[], left=[dict(name="off", state="shutoff", reason="shut off, and shutoff is leave")])


def test_a_running_guest_needs_room_beyond_the_reserve_a_shut_off_one_does_not():
    plan = evacuation_plan([domain("run", memory_mb=2048), domain("off", "shutoff", memory_mb=8192)],
                           [destination("d", 2400, "d")], reserve_mb=512)
    assert [m["name"] for m in plan["moves"]] == ["off"]
    assert plan["left"] == [dict(name="run", state="running", reason=(
        "no destination has 2048 MiB free beyond the 512 MiB reserve (most free: d with 2400 MiB)"))]


def test_patterns_choose_and_exclude_guests():
    domains = [domain("web-1"), domain("web-2"), domain("db-1")]
    plan = evacuation_plan(domains, [destination("d", 99999)], instances=["web-*", "db-*"], exclude=["web-2"])
    assert sorted(m["name"] for m in plan["moves"]) == ["db-1", "web-1"]


@pytest.mark.parametrize("args,message", [
    (dict(destinations=[]), "no destination to evacuate to"),
    (dict(destinations=[dict(uri="d")]), r"destinations\[0\] needs uri and host"),
    (dict(kind="offline"), "kind must be one of live, block, got 'offline'"),
    (dict(shutoff="delete"), "shutoff must be one of migrate, leave"),
    (dict(source_hostname="d"), "destination d is the host being evacuated"),
])
def test_bad_input_is_refused_before_anything_moves(args, message):
    call = dict(dict(destinations=[destination("d", 4096, "d")]), **args)
    with pytest.raises(AnsibleFilterError, match=message):
        evacuation_plan([domain("a")], **call)


def test_the_report_says_what_moved_what_failed_and_where_it_runs():
    plan = evacuation_plan([domain("a", memory_mb=2048), domain("b"), domain("s", "saved")], [destination("d", 8192, "d")])
    results = [
        dict(item=plan["moves"][0], changed=True, migrated=True),
        dict(item=plan["moves"][1], failed=True, msg="storage: /srv/b.qcow2 is not shared", runs_on=["src"]),
    ]
    report = evacuation_report(plan, results, [dict(name="b"), dict(name="s")])
    refused = evacuation_report(plan, [results[0], dict(results[1], runs_on=None)], [dict(name="b")], "src-host")
    assert refused["failed"][0]["runs_on"] == ["src-host"]
    assert report["moved"] == [dict(name="a", kind="live", destination="d", changed=True)]
    assert report["failed"] == [dict(name="b", destination="d", msg="storage: /srv/b.qcow2 is not shared", runs_on=["src"])]
    assert report["remaining"] == ["b", "s"]
    assert report["problems"] == [
        "b: migration to d failed (storage: /srv/b.qcow2 is not shared); it runs on src",
        "s (saved) stays: has a managed-save image: start it (it then moves live) or discard the saved state"]
