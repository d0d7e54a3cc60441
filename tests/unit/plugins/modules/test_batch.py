# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plural modules (common/batch.py), in-process on libvirt's test:///default driver: many
items in one run, each behaving as the singular module does, validated before anything
changes, a failing item not stopping the others, check mode and diff per item."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import uuid

import pytest

from ansible_collections.virtops.libvirt.plugins.modules import config_drives as config_drives_module
from ansible_collections.virtops.libvirt.plugins.modules import disks as disks_module
from ansible_collections.virtops.libvirt.plugins.modules import domains as domains_module
from ansible_collections.virtops.libvirt.plugins.modules import volumes as volumes_module

libvirt = pytest.importorskip("libvirt")

URI = "test:///default"


@pytest.fixture(autouse=True)
def test_driver(conn):
    """The test driver forgets everything when its last connection closes: hold one open."""
    yield conn


@pytest.fixture
def names(test_driver, remove_domains):
    """Domain names for one test, each removed afterwards if it was defined."""
    prefix = "batch-%s" % uuid.uuid4().hex[:6]
    made = ["%s-%d" % (prefix, index) for index in range(6)]
    yield made
    remove_domains(test_driver, made)


def defined(names):
    conn = libvirt.open(URI)
    try:
        return sorted(dom.name() for dom in conn.listAllDomains() if dom.name() in names)
    finally:
        conn.close()


def run_four_ways(run_module, module, **args):
    """check, real, idempotent real, idempotent check: the four results."""
    return [run_module(module, _ansible_check_mode=check, **args) for check in (True, False, False, True)]


def test_domains_four_ways(names, run_module):
    args = dict(defaults=dict(memory_mb=128, vcpus=1, state="running"),
                domains=[dict(name=name) for name in names[:4]] + [dict(name=names[4], memory_mb=256)])
    check, real, again, again_check = run_four_ways(run_module, domains_module, **args)
    assert check["changed"] is True and real["changed"] is True
    assert [item["item"] for item in check["results"]] == names[:5]  # in the order given
    assert [item["index"] for item in real["results"]] == list(range(5))
    assert check["actions"] == real["actions"]
    assert "%s: define" % names[0] in real["actions"] and "%s: start" % names[4] in real["actions"]
    assert all(item["state"] == "running" and not item["failed"] for item in real["results"])
    assert real["results"][4]["domain"]["memory_mb"] == 256  # the item's option beat the default
    assert real["results"][0]["domain"]["memory_mb"] == 128
    assert again["changed"] is False and again_check["changed"] is False
    assert again["actions"] == [] and again["diff"] == [] and again["failed_items"] == []
    assert defined(names) == sorted(names[:5])


def test_check_mode_changes_nothing(names, run_module):
    result = run_module(domains_module, _ansible_check_mode=True, defaults=dict(memory_mb=128),
                        domains=[dict(name=name) for name in names[:3]])
    assert result["changed"] is True
    assert defined(names) == []


def test_diff_per_item_under_its_name(names, run_module):
    domains = [dict(name=name) for name in names[:2]]
    run_module(domains_module, defaults=dict(memory_mb=128), domains=domains)
    result = run_module(domains_module, _ansible_diff=True, defaults=dict(memory_mb=128),
                        domains=[dict(name=names[0]), dict(name=names[1], memory_mb=192)])
    assert result["changed"] is True
    assert [item["changed"] for item in result["results"]] == [False, True]
    assert len(result["diff"]) == 1
    diff = result["diff"][0]
    assert diff["before_header"] == diff["after_header"] == names[1]
    assert diff["before"] == "memory_kib: 131072\n" and diff["after"] == "memory_kib: 196608\n"


def test_a_failing_item_does_not_stop_the_others(names, run_module):
    # The third item asks for a managed save of a domain that does not exist: the domain module
    # refuses that before defining it; the others still run.
    result = run_module(domains_module, workers=1, defaults=dict(memory_mb=128),
                        domains=[dict(name=names[0]), dict(name=names[1]), dict(name=names[2], state="saved"),
                                 dict(name=names[3])])
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 4 domains failed (the others ran): %s: domain %s does not exist"
                                    % (names[2], names[2]))
    assert result["failed_items"] == [dict(item=names[2], msg=result["results"][2]["msg"])]
    assert [item["failed"] for item in result["results"]] == [False, False, True, False]
    assert result["changed"] is True
    assert defined(names) == sorted([names[0], names[1], names[3]])


def test_invalid_items_are_named_and_the_valid_ones_run(names, run_module):
    """Issue 23 item 20: one bad item does not stop the others; each bad one is named."""
    result = run_module(domains_module, defaults=dict(memory_mb=128),
                        domains=[dict(name=names[0]), dict(name=names[1], vcpus="many"),
                                 dict(name=names[2], state="gone"), dict(name=names[3], uri="qemu:///system")])
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("3 of 4 domains failed (the others ran): ")
    outcomes = result["results"]
    assert [item["failed"] for item in outcomes] == [False, True, True, True]
    assert [item["index"] for item in outcomes] == [0, 1, 2, 3]
    assert outcomes[1]["item"] == names[1] and outcomes[1]["actions"] == [] and outcomes[1]["changed"] is False
    assert outcomes[1]["msg"].startswith("domains[1]: not valid, not run: ") and "vcpus" in outcomes[1]["msg"]
    assert "state" in outcomes[2]["msg"] and "running" in outcomes[2]["msg"]  # names the allowed values
    assert "uri" in outcomes[3]["msg"]  # an item cannot choose another hypervisor
    assert [item["item"] for item in result["failed_items"]] == names[1:4]
    assert defined(names) == [names[0]]


def test_on_invalid_stop_runs_nothing(names, run_module):
    result = run_module(domains_module, defaults=dict(memory_mb=128), on_invalid="stop",
                        domains=[dict(name=names[0]), dict(name=names[1], vcpus="many"),
                                 dict(name=names[2], state="gone")])
    assert result["failed"] is True and result["changed"] is False
    msg = result["msg"]
    assert msg.startswith("2 of 3 domains are not valid (nothing was changed, on_invalid: stop): ")
    assert "domains[1]: " in msg and "domains[2]: " in msg and "domains[0]" not in msg
    assert defined(names) == []


def test_an_object_twice_is_refused_for_both_items(names, run_module):
    result = run_module(domains_module, defaults=dict(memory_mb=128),
                        domains=[dict(name=names[0]), dict(name=names[1]), dict(name=names[0], vcpus=2)])
    assert result["failed"] is True
    assert [item["failed"] for item in result["results"]] == [True, False, True]
    assert result["results"][0]["msg"] == ("domains[0]: not valid, not run: %s names %s as domains[2] does; give "
                                           "each object once in a batch" % (names[0], names[0]))
    assert defined(names) == [names[1]]


def test_one_file_in_two_spellings_is_one_object(run_module, tmp_path, monkeypatch):
    """Issue 23 item 6: e.iso and ./e.iso (and a link to it) are one file, never written at once."""
    monkeypatch.chdir(str(tmp_path))
    os.symlink(str(tmp_path / "e.iso"), str(tmp_path / "link.iso"))
    drive = dict(hostname="e", instance_id="e", user_data="#cloud-config\n")
    result = run_module(config_drives_module, config_drives=[
        dict(drive, path=str(tmp_path / "e.iso")), dict(drive, path=str(tmp_path / "." / "e.iso")),
        dict(drive, path=str(tmp_path / "link.iso")), dict(drive, path=str(tmp_path / "other.iso"))])
    assert [item["failed"] for item in result["results"]] == [True, True, True, False]
    assert "give each object once" in result["results"][0]["msg"]
    assert not (tmp_path / "e.iso").exists() and (tmp_path / "other.iso").exists()


def test_the_singular_modules_rules_apply_to_each_item(names, run_module):
    result = run_module(domains_module, domains=[dict(name=names[0], xml="<domain/>", memory_mb=128)])
    assert result["failed"] is True
    assert "domains[0]: " in result["msg"] and "mutually exclusive" in result["msg"]


@pytest.mark.parametrize("workers", [0, 33])
def test_workers_out_of_range(names, run_module, workers):
    result = run_module(domains_module, workers=workers, domains=[dict(name=names[0], memory_mb=128)])
    assert result["failed"] is True
    assert result["msg"] == "workers must be between 1 and 32, got %d" % workers


def test_many_workers_define_each_domain_once(run_module):
    prefix = "batch-%s" % uuid.uuid4().hex[:6]
    many = ["%s-%02d" % (prefix, index) for index in range(24)]
    try:
        first = run_module(domains_module, workers=8, defaults=dict(memory_mb=64),
                           domains=[dict(name=name) for name in many])
        assert first["changed"] is True and first["failed_items"] == []
        assert sorted(first["actions"]) == sorted("%s: define" % name for name in many)
        again = run_module(domains_module, workers=8, defaults=dict(memory_mb=64),
                           domains=[dict(name=name) for name in many])
        assert again["changed"] is False
        assert defined(many) == sorted(many)
    finally:
        removed = run_module(domains_module, defaults=dict(state="absent"), domains=[dict(name=name) for name in many])
        assert removed["changed"] is True
        assert defined(many) == []


@pytest.fixture
def pool():
    """A transient directory pool of the test driver."""
    name = "batch-%s" % uuid.uuid4().hex[:6]
    conn = libvirt.open(URI)
    obj = conn.storagePoolCreateXML(
        "<pool type='dir'><name>%s</name><target><path>/%s</path></target></pool>" % (name, name), 0)
    yield name
    for vol in obj.listAllVolumes():
        vol.delete(0)
    obj.destroy()
    conn.close()


def test_volumes_of_one_pool(pool, run_module):
    args = dict(defaults=dict(pool=pool, format="raw", capacity_mb=16),
                volumes=[dict(name="a"), dict(name="b", capacity_mb=32), dict(name="c")])
    check, real, again, again_check = run_four_ways(run_module, volumes_module, **args)
    assert check["changed"] and real["changed"]
    assert not again["changed"] and not again_check["changed"]
    assert [item["item"] for item in real["results"]] == ["%s/a" % pool, "%s/b" % pool, "%s/c" % pool]
    assert real["results"][1]["capacity"] == 32 * 1024 * 1024
    # (the test driver cannot resize: check mode shows the item's own decision)
    grown = run_module(volumes_module, _ansible_check_mode=True, defaults=dict(pool=pool, format="raw"),
                       volumes=[dict(name="a", capacity_mb=48), dict(name="b")])
    assert grown["actions"] == ["%s/a: grow to 48 MiB" % pool]
    assert grown["diff"] == [dict(before="capacity_mb: 16\n", after="capacity_mb: 48\n",
                                  before_header="%s/a" % pool, after_header="%s/a" % pool)]


def test_secrets_of_items_stay_out_of_the_result(tmp_path, run_module):
    secret = "hunter2-%s" % uuid.uuid4().hex
    result = run_module(config_drives_module, defaults=dict(user_data="#cloud-config\npassword: %s\n" % secret),
                        config_drives=[dict(path=str(tmp_path / "a.iso"), instance_id="a"),
                                       dict(path=str(tmp_path / "b.iso"), instance_id="b", vendor_data=secret)])
    assert result["changed"] is True and result["failed_items"] == []
    assert (tmp_path / "a.iso").exists() and (tmp_path / "b.iso").exists()
    assert secret not in json.dumps(result)  # invocation included
    assert "module_args" in result["invocation"]


def test_two_network_disks_without_targets_are_two_objects(names, run_module, test_driver):
    """Issue 23 item 13: two NFS (or NBD) disks without a target are not one disk."""
    test_driver.defineXML("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type>"
                          "</os></domain>" % names[0])
    result = run_module(disks_module, _ansible_check_mode=True, defaults=dict(domain=names[0]), disks=[
        dict(nfs=dict(server="127.0.0.1", path="/export/a.raw")), dict(nfs=dict(server="127.0.0.1", path="/export/b.raw")),
        dict(nbd=dict(server="127.0.0.1", export="a")), dict(nbd=dict(server="127.0.0.1", export="b"))])
    assert result.get("failed") is not True, result["msg"]
    assert [item["item"] for item in result["results"]] == [
        "%s:nfs://127.0.0.1/export/a.raw" % names[0], "%s:nfs://127.0.0.1/export/b.raw" % names[0],
        "%s:nbd://127.0.0.1/a" % names[0], "%s:nbd://127.0.0.1/b" % names[0]]
    assert all(item["changed"] for item in result["results"])
    same = run_module(disks_module, _ansible_check_mode=True, defaults=dict(domain=names[0]), disks=[
        dict(nfs=dict(server="127.0.0.1", path="/export/a.raw")),
        dict(nfs=dict(server="127.0.0.1", path="/export/a.raw"), target="vdc")])
    assert [item["failed"] for item in same["results"]] == [True, True]
