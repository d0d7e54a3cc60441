# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migrations module's planning on three test-driver hosts (each its own test:///FILE); the
migrations themselves run on real daemons (integration target module_migrations)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.modules import migrations as migrations_module

libvirt = pytest.importorskip("libvirt")

NODE = """<node>
  <cpu><mhz>2000</mhz><model>i686</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores>
  <threads>1</threads></cpu>
  <memory>%d</memory>
  %s
</node>"""
DOMAIN = """<domain type='test'><name>%s</name><memory unit='MiB'>%d</memory><os><type>hvm</type></os>%s</domain>"""
METADATA = """<metadata><virtops:instance xmlns:virtops="urn:virtops:libvirt:instance:1">%s</virtops:instance></metadata>"""


def domain(name, memory_mb, **metadata):
    entries = "".join("<virtops:%s>%s</virtops:%s>" % (key, value, key) for key, value in sorted(metadata.items()))
    return DOMAIN % (name, memory_mb, METADATA % entries if entries else "")


@pytest.fixture
def fleet(tmp_path):
    """Three hosts: a (to empty: db1 and web), b (db2 of the same anti-affinity group), c (small)."""
    layout = dict(a=(8192, [domain("db1", 512, anti_affinity="db"), domain("web", 1024)]),
                  b=(4096, [domain("db2", 512, anti_affinity="db")]),
                  c=(2048, []))
    hosts = []
    for name, (memory_mb, domains) in sorted(layout.items()):
        path = tmp_path / ("%s.xml" % name)
        path.write_text(NODE % (memory_mb * 1024, "".join(domains)))
        hosts.append(dict(uri="test://%s" % path, name=name))
    return hosts


def test_drain_plan_in_check_mode_names_every_decision_and_moves_nothing(fleet, run_module):
    result = run_module(migrations_module, hosts=fleet, drain=["a"], _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] and not result.get("failed")
    moves = dict((m["name"], (m["destination"], m["kind"], m["why"])) for m in result["plan"]["moves"])
    # web (larger) first: b has 4096 - 512 (db2) = 3584 left, c 2048: web to b; then db1: b holds db2
    assert moves == {"web": ("b", "live", "most memory left"),
                     "db1": ("c", "live", "most memory left (1 host with more refused)")}
    assert result["plan"]["complete"] and result["results"] == [] and result["moved"] == []
    assert result["diff"] == {"before": "web: a\ndb1: a\n", "after": "web: b\ndb1: c\n"}
    assert result["actions"] == ["migrate 2 guest(s): web to b, db1 to c"]
    again = run_module(migrations_module, hosts=fleet, drain=["a"], _ansible_check_mode=True)
    assert again["plan"] == result["plan"]  # the same facts give the same plan


def test_a_guest_without_a_place_stops_the_drain_naming_every_candidate(fleet, run_module):
    fleet[2]["memory_mb"] = 1000  # c: 488 MiB left beyond the reserve
    result = run_module(migrations_module, hosts=fleet, drain=["a"], _ansible_check_mode=True)
    assert result["failed"] and result["changed"] is False and result["actions"] == []
    assert result["msg"] == (
        "1 guest(s) have no place, so nothing was moved (allow_partial: true moves the others): db1: no host can "
        "take it (b holds db2 of db1's anti-affinity group db; c has 488 MiB left beyond the 512 MiB reserve, db1 "
        "needs 512 MiB)")
    partial = run_module(migrations_module, hosts=fleet, drain=["a"], allow_partial=True, _ansible_check_mode=True)
    assert [m["name"] for m in partial["plan"]["moves"]] == ["web"]
    assert [item["name"] for item in partial["left"]] == ["db1"]


def test_maintenance_and_patterns(fleet, run_module):
    result = run_module(migrations_module, hosts=fleet, drain=["a"], instances=["d*"], exclude=["web"],
                        _ansible_check_mode=True)
    assert [m["name"] for m in result["plan"]["moves"]] == ["db1"]
    nothing = run_module(migrations_module, hosts=fleet, drain=["c"], _ansible_check_mode=True)
    assert nothing["changed"] is False and nothing["plan"]["moves"] == [] and nothing["empty"] == {"c": True}


def test_rebalance_plan(fleet, run_module):
    fleet[2]["memory_mb"] = 8192  # c as large as a: web (from a) evens them out
    result = run_module(migrations_module, hosts=fleet, rebalance=dict(spread_pct=5, max_moves=3),
                        memory_reserve_mb=0, _ansible_check_mode=True)
    assert result["spread_pct"]["before"] > result["spread_pct"]["after"]
    assert [(m["name"], m["source"], m["destination"]) for m in result["plan"]["moves"]][:1] == [("web", "a", "c")]
    assert len(result["plan"]["moves"]) <= 3
    assert all(m["kind"] == "live" for m in result["plan"]["moves"])


@pytest.mark.parametrize("options, message", [
    (dict(max_parallel=0), "max_parallel must be between 1 and 64, got 0"),
    (dict(max_inbound=65), "max_inbound must be between 1 and 64, got 65"),
    (dict(memory_reserve_mb=-1), "memory_reserve_mb must be 0 or more, got -1"),
    (dict(migrate_options=dict(name="x", kind="block")),
     "migrate_options: kind, name is decided for each move; it takes the options of virtops.libvirt.migrate but "
     "name, dest_uri, peer_uri, kind"),
    (dict(migrate_options=dict(bandwith_mib=3)),
     "migrate_options: bandwith_mib: no such option; it takes the options of virtops.libvirt.migrate but name, "
     "dest_uri, peer_uri, kind"),
    (dict(migrate_options=dict(bandwidth_mib="fast")), "migrate_options are not valid for virtops.libvirt.migrate"),
    (dict(drain=["nowhere"]), "drain names nowhere, which is not one of the hosts that answered (a, b, c)"),
    (dict(drain=None, rebalance=dict(spread_pct=101)), "rebalance.spread_pct must be between 0 and 100, got 101"),
    (dict(drain=None, rebalance=dict(max_moves=0)), "rebalance.max_moves must be at least 1, got 0"),
    (dict(rebalance=dict(max_moves=2)), "parameters are mutually exclusive: drain|rebalance"),
    (dict(policies=[dict(name="p")]), "policies[0] (p): give instances (name patterns) or metadata"),
    (dict(policies=[dict(name="p", instances=["web"], migrate_options=dict(kind="block"))]),
     "policies[0].migrate_options: kind is decided for each move"),
    (dict(policies=[dict(name="p", instances=["web"], migrate_options=dict(bandwidth_mib="fast"))]),
     "policy p's migrate_options are not valid for virtops.libvirt.migrate"),
])
def test_bad_options_are_refused_before_anything(fleet, run_module, options, message):
    args = dict(hosts=fleet, drain=["a"])
    args.update(options)
    args = dict((key, value) for key, value in args.items() if value is not None)
    result = run_module(migrations_module, **args)
    assert result["failed"] and message in result["msg"] and "exception" not in result
    assert result.get("changed", False) is False


def test_hosts_given_twice_or_unreachable(fleet, run_module, tmp_path):
    twice = run_module(migrations_module, hosts=fleet + [dict(fleet[0])], drain=["a"])
    assert twice["failed"] and "is a, which hosts already lists" in twice["msg"]
    gone = "qemu+unix:///system?socket=%s" % (tmp_path / "none.sock")
    result = run_module(migrations_module, hosts=fleet + [dict(uri=gone)], drain=["a"], _ansible_check_mode=True)
    assert list(result["unreachable"]) == [gone] and result["plan"]["complete"]
    empty = run_module(migrations_module, hosts=[dict(uri="  ")], drain=["a"])
    assert empty["failed"] and "hosts[0].uri is empty" in empty["msg"]


def test_each_move_takes_the_first_policy_that_selects_its_guest(fleet, run_module):
    """test:/// cannot migrate: each move fails, and its result still names the policy it ran with."""
    policies = [dict(name="databases", metadata=dict(anti_affinity="db"), migrate_options=dict(bandwidth_mib=64)),
                dict(name="everything-w", instances=["w*", "db*"], migrate_options=dict(strategy="auto"))]
    result = run_module(migrations_module, hosts=fleet, drain=["a"], policies=policies)
    chosen = dict((item["name"], item["policy"]) for item in result["results"])
    assert chosen == {"db1": "databases", "web": "everything-w"}, result
