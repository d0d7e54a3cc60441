# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The placement planner's decisions on synthetic facts, including every refusal message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import Guest, Host, Planner


def hosts(*names, **kwargs):
    memory = kwargs.pop("memory_mb", 4096)
    return [Host(name, memory, **kwargs) for name in names]


def where(plan):
    return dict((move["name"], move["destination"]) for move in plan.moves)


def test_drain_spreads_largest_first_by_memory_left():
    guests = [Guest("g1", 1024, "a"), Guest("g2", 512, "a"), Guest("g3", 256, "a"), Guest("x", 1024, "b")]
    plan = Planner(hosts("a", "b", "c"), guests).drain(["a"])
    assert [m["name"] for m in plan.moves] == ["g1", "g2", "g3"]
    # c has 4096 left, b 3072: g1 to c; then both have 3072 and b comes first by name; then c.
    assert where(plan) == {"g1": "c", "g2": "b", "g3": "c"}
    assert plan.complete and all(m["source"] == "a" and m["kind"] == "live" for m in plan.moves)


def test_the_same_facts_give_the_same_plan_whatever_their_order():
    rng = random.Random(7)
    facts = [Guest("g%02d" % i, rng.choice([256, 512, 1024]), rng.choice("abcd"),
                   anti_affinity=["db"] if i % 5 == 0 else []) for i in range(30)]
    plans = []
    for _round in range(5):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        host_list = hosts("a", "b", "c", "d", memory_mb=16384)
        rng.shuffle(host_list)
        plans.append(Planner(host_list, shuffled).drain(["a"]).as_dict())
    assert all(plan == plans[0] for plan in plans)


def test_pack_fills_the_fullest_host_that_fits():
    guests = [Guest("big", 3000, "b"), Guest("mid", 1000, "c"), Guest("g", 900, "a")]
    plan = Planner(hosts("a", "b", "c"), guests, objective="pack").drain(["a"])
    assert where(plan) == {"g": "b"}
    assert plan.moves[0]["why"] == "least memory left that fits"


def test_memory_reserve_and_a_guest_no_host_takes_names_every_candidate():
    guests = [Guest("huge", 4000, "a"), Guest("x", 3500, "b")]
    plan = Planner(hosts("a", "b", "c", memory_mb=4096) + [Host("m", 8192, maintenance="new disks")],
                   guests, reserve_mb=512).drain(["a"])
    assert plan.moves == [] and not plan.complete
    [unplaced] = plan.unplaced
    assert unplaced["name"] == "huge" and unplaced["reason"] == "no host can take it"
    assert unplaced["candidates"] == {
        "b": "has 84 MiB left beyond the 512 MiB reserve, huge needs 4000 MiB",
        "c": "has 3584 MiB left beyond the 512 MiB reserve, huge needs 4000 MiB",
        "m": "is in maintenance (new disks)",
    }


def test_free_memory_the_host_reports_bounds_it_too():
    plan = Planner([Host("a", 4096), Host("b", 8192, free_mb=600)], [Guest("g", 512, "a")],
                   reserve_mb=128).drain(["a"])
    assert plan.unplaced[0]["candidates"]["b"] == "has 472 MiB left beyond the 128 MiB reserve, g needs 512 MiB"


def test_planned_arrivals_count_against_a_destination():
    guests = [Guest("g%d" % i, 1024, "a") for i in range(4)]
    plan = Planner(hosts("a") + hosts("b", "c", memory_mb=2048), guests).drain(["a"])
    assert sorted(where(plan).values()) == ["b", "b", "c", "c"]


def test_a_host_in_maintenance_takes_nothing():
    plan = Planner(hosts("a", "b") + [Host("c", 65536, maintenance="firmware")], [Guest("g", 256, "a")]).drain(["a"])
    assert where(plan) == {"g": "b"}


def test_anti_affinity_pair_never_shares_a_host():
    guests = [Guest("db1", 512, "a", anti_affinity=["db"]), Guest("db2", 512, "a", anti_affinity=["db"]),
              Guest("db3", 512, "c", anti_affinity=["db"])]
    plan = Planner(hosts("a", "b", "c"), guests).drain(["a"])
    assert where(plan) == {"db1": "b"}
    assert plan.unplaced[0]["name"] == "db2"
    assert plan.unplaced[0]["candidates"] == {"b": "holds db1 of db2's anti-affinity group db",
                                              "c": "holds db3 of db2's anti-affinity group db"}


def test_affinity_group_moves_together_and_follows_members_that_stay():
    guests = [Guest("web1", 512, "a", affinity=["web"]), Guest("web2", 512, "a", affinity=["web"]),
              Guest("app1", 256, "a", affinity=["app"]), Guest("app2", 256, "c", affinity=["app"])]
    plan = Planner(hosts("a", "b", "c"), guests).drain(["a"])
    moves = where(plan)
    assert moves["web1"] == moves["web2"]
    assert moves["app1"] == "c" and plan.moves[-1]["why"] == "where its affinity group runs"


def test_affinity_group_that_does_not_fit_anywhere_stays_whole():
    guests = [Guest("w1", 3000, "a", affinity=["w"]), Guest("w2", 3000, "a", affinity=["w"])]
    plan = Planner(hosts("a", "b", "c"), guests).drain(["a"])
    assert plan.moves == [] and [u["name"] for u in plan.unplaced] == ["w1", "w2"]
    assert plan.unplaced[0]["candidates"]["b"] == "has 4096 MiB left beyond the 0 MiB reserve, w1, w2 need 6000 MiB"


def test_affinity_with_anti_affinity_conflict_is_named():
    guests = [Guest("p", 256, "a", affinity=["x"], anti_affinity=["y"]),
              Guest("q", 256, "a", affinity=["x"], anti_affinity=["y"])]
    plan = Planner(hosts("a", "b"), guests).drain(["a"])
    assert "p and q share an affinity group and the anti-affinity group y" in plan.unplaced[0]["reason"]


def test_cpu_the_destination_cannot_run():
    guests = [Guest("g", 256, "a", cpu_model="Skylake-Server", cpu_features=["avx512f", "pku"])]
    host_list = [Host("a", 4096), Host("b", 4096, cpu_models=["Skylake-Server"], cpu_features=["avx512f"]),
                 Host("c", 4096, cpu_models=["Broadwell"], cpu_features=["avx512f", "pku"]),
                 Host("d", 1024, cpu_models=["Skylake-Server", "Broadwell"], cpu_features=["avx512f", "pku"])]
    plan = Planner(host_list, guests).drain(["a"])
    assert where(plan) == {"g": "d"}
    assert plan.moves[0]["why"] == "most memory left (2 hosts with more refused)"
    refused = Planner(host_list[:3], guests).drain(["a"]).unplaced[0]["candidates"]
    assert refused == {"b": "lacks CPU features pku", "c": "cannot run CPU model Skylake-Server"}


def test_storage_must_be_shared_for_live_but_not_for_block():
    guests = [Guest("g", 256, "a", storage=["dir:/srv/shared"])]
    host_list = [Host("a", 4096, storage=["dir:/srv/shared"]), Host("b", 8192),
                 Host("c", 2048, storage=["dir:/srv/shared"])]
    assert where(Planner(host_list, guests).drain(["a"])) == {"g": "c"}
    assert where(Planner(host_list, guests, kind="block").drain(["a"])) == {"g": "b"}
    only_b = Planner(host_list[:2], guests).drain(["a"])
    assert only_b.unplaced[0]["candidates"] == {"b": "does not share the guest's storage dir:/srv/shared"}


def test_allowed_hosts_by_pattern():
    guests = [Guest("g", 256, "a", allowed=["rack2-*"])]
    host_list = hosts("a", "rack1-x", "rack2-y", memory_mb=2048) + [Host("rack1-big", 65536)]
    assert where(Planner(host_list, guests).drain(["a"])) == {"g": "rack2-y"}
    refused = Planner(host_list[:2], guests).drain(["a"]).unplaced[0]["candidates"]
    assert refused == {"rack1-x": "is not in g's allowed hosts (rack2-*)"}


def test_shut_off_guest_moves_offline_without_memory_and_saved_ones_stay():
    guests = [Guest("off", 100000, "a", state="shutoff"), Guest("saved", 256, "a", state="saved"),
              Guest("crashed", 256, "a", state="crashed")]
    plan = Planner(hosts("a", "b"), guests).drain(["a"])
    assert plan.moves == [dict(name="off", source="a", destination="b", kind="offline", memory_mb=100000,
                               why="most memory left")]
    reasons = dict((u["name"], u["reason"]) for u in plan.unplaced)
    assert reasons == {"saved": "saved has a managed-save image: start it (it then moves live) or discard "
                                "the saved state",
                       "crashed": "crashed is crashed and cannot be migrated"}


def test_a_failed_destination_takes_nothing_more():
    planner = Planner(hosts("a", "b", "c"), [Guest("g1", 256, "a"), Guest("g2", 256, "a")])
    planner.close(["a"])
    planner.fail_destination("c")
    plan = planner.place(["g1", "g2"])
    assert set(where(plan).values()) == {"b"}
    lone = Planner(hosts("a", "c"), [Guest("g", 256, "a")])
    lone.close(["a"])
    lone.fail_destination("c")
    assert lone.place(["g"]).unplaced[0]["candidates"] == {"c": "failed as a destination in this run"}


def test_new_instances_are_placed_and_existing_ones_stay():
    planner = Planner(hosts("a", "b"), [Guest("old", 512, "a", anti_affinity=["web"])])
    plan = planner.place([Guest("new1", 512, anti_affinity=["web"]), Guest("new2", 512, anti_affinity=["web"]),
                          Guest("old", 512)])
    assert where(plan) == {"new1": "b"}
    assert [m["kind"] for m in plan.moves] == ["create"]
    reasons = dict((u["name"], u["reason"]) for u in plan.unplaced)
    assert reasons == {"old": "already exists on a", "new2": "no host can take it"}


def test_rebalance_from_one_host_to_a_spread_within_bound_with_fewest_moves():
    guests = [Guest("g%d" % i, 512, "a") for i in range(6)]
    planner = Planner(hosts("a", "b", "c"), guests)
    plan = planner.rebalance(spread_pct=15, max_moves=10)
    assert len(plan.moves) == 4  # 2 per host: no fewer moves can even out six equal guests
    assert sorted(where(plan).values()) == ["b", "b", "c", "c"]
    assert plan.spread_pct <= 15


def test_rebalance_respects_max_moves_and_stops_when_nothing_helps():
    guests = [Guest("g%d" % i, 512, "a") for i in range(6)]
    assert len(Planner(hosts("a", "b", "c"), guests).rebalance(spread_pct=0, max_moves=1).moves) == 1
    one_big = [Guest("big", 3000, "a")]
    assert Planner(hosts("a", "b"), one_big).rebalance(spread_pct=0, max_moves=5).moves == []


def test_rebalance_repairs_anti_affinity_first():
    guests = [Guest("db1", 256, "a", anti_affinity=["db"]), Guest("db2", 256, "a", anti_affinity=["db"])]
    plan = Planner(hosts("a", "b"), guests).rebalance(spread_pct=100, max_moves=3)
    assert where(plan) == {"db2": "b"}
    assert plan.moves[0]["why"].startswith("repairs anti-affinity group db")


def test_bad_facts_are_refused():
    with pytest.raises(ValueError, match="host a is given twice"):
        Planner(hosts("a", "a"), [])
    with pytest.raises(ValueError, match="guest g is on z, which is not one of the hosts"):
        Planner(hosts("a"), [Guest("g", 1, "z")])
    with pytest.raises(ValueError, match="objective must be one of spread, pack"):
        Planner(hosts("a"), [], objective="fill")
    with pytest.raises(ValueError, match="cannot empty q: not one of the hosts"):
        Planner(hosts("a"), []).drain(["q"])


def test_a_pinned_move_counts_on_its_destination_and_is_explained():
    planner = Planner(hosts("a", "b", "c", memory_mb=1024), [Guest("g", 512, "a", anti_affinity=["x"]),
                                                             Guest("h", 512, "a", anti_affinity=["x"])])
    planner.close(["a"])
    pinned = planner.pin("g", "c", "a copy is already on c")
    assert pinned == dict(name="g", source="a", destination="c", kind="live", memory_mb=512,
                          why="a copy is already on c")
    plan = planner.place(["h"])
    assert where(plan) == {"h": "b"}  # c holds g of the same anti-affinity group, and has 512 MiB left
