# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 23 (reliability, second pass), the items libvirt's test:///default driver and local files
can show; each test failed before its fix. Migration, networks on a real host and the faults are
proven by the integration targets (module_migrate, module_network, module_reliability)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import shutil
import subprocess
import uuid

import pytest

from ansible_collections.virtops.libvirt.plugins.modules import config_drive as config_drive_module
from ansible_collections.virtops.libvirt.plugins.modules import disk as disk_module
from ansible_collections.virtops.libvirt.plugins.modules import domain as domain_module
from ansible_collections.virtops.libvirt.plugins.modules import domains as domains_module
from ansible_collections.virtops.libvirt.plugins.modules import network as network_module
from ansible_collections.virtops.libvirt.plugins.modules import volume as volume_module

libvirt = pytest.importorskip("libvirt")


def _define(conn, name, disks=(), extra=""):
    devices = "".join("<disk type='file' device='disk'><source file='%s'/><target dev='vd%s' bus='virtio'/>"
                      "</disk>" % (path, chr(ord("a") + index)) for index, path in enumerate(disks))
    return conn.defineXML("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type>"
                          "</os>%s<devices>%s</devices></domain>" % (name, extra, devices))


def _image(path, backing=None):
    qemu_img = shutil.which("qemu-img")
    if qemu_img is None:
        pytest.skip("qemu-img is not installed")
    command = [qemu_img, "create", "-q", "-f", "qcow2" if backing else "raw"]
    if backing:
        command += ["-F", "raw", "-b", backing]
    subprocess.check_call(command + [str(path), "1M"])
    return str(path)


# -- items 1 and 2: remove_storage never deletes an image another domain uses -----------------------
def test_an_image_another_domain_uses_through_a_link_is_kept(conn, names, run_module, tmp_path):
    gone, keeper = names(), names()
    shared = _image(tmp_path / "shared-a.raw")
    os.symlink(shared, str(tmp_path / "shared-link.raw"))
    _define(conn, gone, [shared])
    _define(conn, keeper, [str(tmp_path / "shared-link.raw")]).create()
    result = run_module(domain_module, name=gone, state="absent", remove_storage=True)
    assert result["changed"] is True and result["removed_storage"] == []
    assert result["kept_storage"][0]["used_by"] == [keeper]
    assert os.path.exists(shared)


def test_a_hard_link_is_the_same_image(conn, names, run_module, tmp_path):
    gone, keeper = names(), names()
    shared = _image(tmp_path / "shared-a.raw")
    os.link(shared, str(tmp_path / "hard.raw"))
    _define(conn, gone, [shared])
    _define(conn, keeper, [str(tmp_path / "hard.raw")])
    result = run_module(domain_module, name=gone, state="absent", remove_storage=True)
    assert result["removed_storage"] == [] and os.path.exists(shared)


def test_the_backing_file_of_another_domains_overlay_outside_every_pool_is_kept(conn, names, run_module, tmp_path):
    gone, keeper = names(), names()
    base = _image(tmp_path / "base-a.raw")
    own = _image(tmp_path / "own-a.raw")
    overlay = _image(tmp_path / "ovl-b.qcow2", backing="base-a.raw")  # relative, as Nova writes them
    _define(conn, gone, [base, own])
    _define(conn, keeper, [overlay]).create()
    result = run_module(domain_module, name=gone, state="absent", remove_storage=True)
    assert result["removed_storage"] == [own]
    assert result["kept_storage"] == [dict(source=base, used_by=[keeper], reason="used by domain %s" % keeper)]
    assert os.path.exists(base) and not os.path.exists(own)


# -- item 4: no secret in any spelling in a diff or a result ---------------------------------------------
PASSWORD = "Fz&<'1\"X"


def _spellings(secret):
    escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return [secret, escaped, escaped.replace("'", "&apos;"), json.dumps(secret)[1:-1], json.dumps(escaped)[1:-1]]


@pytest.mark.parametrize("check", [True, False])
def test_a_graphics_password_with_markup_never_shows(conn, names, run_module, check):
    name, batch_name = names(), names()
    options = dict(memory_mb=64, vcpus=1, graphics=dict(type="vnc", password=PASSWORD))
    outputs = [run_module(domain_module, name=name, _ansible_check_mode=check, _ansible_diff=True, **options),
               run_module(domains_module, domains=[dict(name=batch_name, **options)], _ansible_check_mode=check,
                          _ansible_diff=True)]
    if not check:  # an update of an existing definition, and a removal, show it neither
        changed = dict(options, graphics=dict(type="vnc", password=PASSWORD[:7] + "2"))
        outputs.append(run_module(domain_module, name=name, _ansible_diff=True, **changed))
        outputs.append(run_module(domain_module, name=name, state="absent", _ansible_diff=True))
        assert "(hidden)" in outputs[0]["diff"]["after"]
    for output in outputs:
        assert output.get("failed") is not True, output
        text = json.dumps(output)
        for spelling in _spellings(PASSWORD) + _spellings(PASSWORD[:7] + "2"):
            assert spelling not in text


# -- item 12: a concurrent run creating the same object first is no failure ----------------------------
POOL_XML = "<pool type='dir'><name>%s</name><target><path>/%s</path></target></pool>"


def _raced(monkeypatch, klass, method, first):
    """libvirt's ``klass.method`` as two concurrent runs see it: ``first()`` (the other run) creates
    the object just before this run's own call, which then fails as libvirt makes it fail."""
    real = getattr(klass, method)

    def raced(self, *args):
        monkeypatch.setattr(klass, method, real)  # the other run creates it once
        first()
        return real(self, *args)
    monkeypatch.setattr(klass, method, raced)


def test_volume_created_by_a_concurrent_run_first(conn, run_module, monkeypatch):
    name = "rel2-%s" % uuid.uuid4().hex[:8]
    pool = conn.storagePoolCreateXML(POOL_XML % (name, name), 0)
    try:
        volume = "<volume><name>v.img</name><capacity unit='MiB'>16</capacity><target><format type='raw'/></target></volume>"
        _raced(monkeypatch, libvirt.virStoragePool, "createXML", lambda: pool.createXML(volume, 0))
        result = run_module(volume_module, pool=name, name="v.img", capacity_mb=16, format="raw")
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is False and result["actions"] == []
        again = run_module(volume_module, pool=name, name="v.img", capacity_mb=16, format="raw")
        assert again["changed"] is False
    finally:
        pool.destroy()


# Pools, filters and secrets: test:///default lacks the calls; the module_reliability integration
# target runs four concurrent creates of each (and of volumes) on the real libvirtd.
@pytest.mark.parametrize("module, method, args, create", [
    ("network", "networkDefineXML", dict(forward_mode="isolated", state="inactive"),
     lambda conn, name: conn.networkDefineXML("<network><name>%s</name></network>" % name)),
])
def test_defined_by_a_concurrent_run_first(conn, run_module, monkeypatch, module, method, args, create):
    target = importlib.import_module("ansible_collections.virtops.libvirt.plugins.modules.%s" % module)
    name = "rel2-%s" % uuid.uuid4().hex[:8]
    _raced(monkeypatch, libvirt.virConnect, method, lambda: create(conn, name))
    try:
        result = run_module(target, name=name, **args)
        assert not result.get("failed"), result.get("msg")
        assert "define" not in result["actions"]
        assert run_module(target, name=name, **args)["changed"] is False
    finally:
        conn.networkLookupByName(name).undefine()


# -- item 14: detaching a disk whose file is already gone -------------------------------------------------
def test_detaching_a_disk_whose_file_is_gone_is_no_error(conn, names, run_module, tmp_path):
    """test:///default cannot detach: check mode shows the detach; module_reliability does it."""
    name = names()
    image = _image(tmp_path / "gone.raw")
    _define(conn, name, [image])
    os.remove(image)
    detached = run_module(disk_module, domain=name, path=image, state="absent", _ansible_check_mode=True)
    assert not detached.get("failed"), detached.get("msg")
    assert detached["actions"] == ["detach %s from the persistent definition" % image]
    never = run_module(disk_module, domain=name, path=str(tmp_path / "never.raw"), state="absent")
    assert not never.get("failed") and never["changed"] is False


# -- item 15: a config drive's mode and owner are checked before the image is written --------------------
@pytest.mark.parametrize("attributes, message", [
    (dict(mode="bogus"), "mode 'bogus' is neither an octal mode"),
    (dict(owner="no-such-user-virtops"), "user 'no-such-user-virtops' does not exist on this host"),
    (dict(group="no-such-group-virtops"), "group 'no-such-group-virtops' does not exist on this host"),
])
def test_config_drive_attributes_are_checked_before_writing(tmp_path, run_module, attributes, message):
    path = str(tmp_path / "cd.iso")
    result = run_module(config_drive_module, path=path, hostname="h", instance_id="i", **attributes)
    assert result["failed"] is True and message in result["msg"] and result["changed"] is False
    assert not os.path.exists(path)
    good = run_module(config_drive_module, path=path, hostname="h", instance_id="i", mode="u=rw,g=r", owner="root")
    assert not good.get("failed"), good.get("msg")


# -- items 7-9: what a network cannot start with is refused before it is defined -------------------------
def _net(address="10.77.0.1", prefix=24, **ip):
    return dict(address=address, prefix=prefix, **ip)


@pytest.mark.parametrize("options, message", [
    (dict(domain="<&>"), "domain '<&>' is not a valid DNS domain"),
    (dict(bridge="fzbr-0123456789a"), "bridge 'fzbr-0123456789a' is not a Linux interface name"),
    (dict(bridge="fz/br"), "bridge 'fz/br' is not a Linux interface name"),
    (dict(bridge="fz br"), "bridge 'fz br' is not a Linux interface name"),
    (dict(bridge=".."), "bridge '..' is not a Linux interface name"),
    (dict(forward_mode="nat", forward_dev="eth0:1"), "forward_dev 'eth0:1' is not a Linux interface name"),
    (dict(ips=[_net(), _net()]), "ips[1].address 10.77.0.1 is given twice"),
    (dict(ips=[_net(), _net("10.77.0.9")]), "ips[1]: 10.77.0.0/24 overlaps 10.77.0.0/24 of ips[0]"),
    (dict(ips=[_net("ff02::1", 64)]), "ips[0].address ff02::1 is a multicast address"),
    (dict(ips=[_net(prefix=0)]), "ips[0].prefix must be between 1 and 32 for 10.77.0.1, got 0"),
    (dict(ips=[_net("fd00::1", 0)]), "ips[0].prefix must be between 1 and 128 for fd00::1, got 0"),
    (dict(ips=[_net("10.77.0.0")]), "is the network's own address"),
    (dict(ips=[_net("10.77.0.255")]), "is the network's broadcast address"),
    (dict(ips=[_net("0.0.0.0")]), "is the unspecified address"),
    (dict(ips=[_net("127.0.0.2", 8)]), "is a loopback address"),
    (dict(ips=[_net("224.0.0.5")]), "is a multicast address"),
    (dict(ips=[_net("169.254.3.1", 16)]), "is a link-local address"),
    (dict(ips=[_net("fe80::1", 64)]), "is a link-local address"),
    (dict(ips=[_net("::ffff:10.77.0.1", 120)]), "is an IPv4-mapped IPv6 address"),
    (dict(ips=[_net(dhcp_ranges=[dict(start="10.77.0.1", end="10.77.0.9")])]),
     "dhcp_ranges[0]: 10.77.0.1-10.77.0.9 contains the network's own address 10.77.0.1"),
    (dict(ips=[_net(dhcp_ranges=[dict(start="10.77.0.9", end="10.77.0.2")])]), "start 10.77.0.9 comes after end"),
    (dict(ips=[_net(dhcp_ranges=[dict(start="10.77.0.2", end="10.77.0.9"), dict(start="10.77.0.5", end="10.77.0.20")])]),
     "dhcp_ranges[1]: 10.77.0.5-10.77.0.20 overlaps"),
    (dict(ips=[_net(dhcp_hosts=[dict(mac="52:54:00:00:00:01", ip="10.77.0.5"),
                                dict(mac="52:54:00:00:00:02", ip="10.77.0.5")])]), "10.77.0.5 is reserved twice"),
    (dict(ips=[_net(dhcp_hosts=[dict(mac="52:54:00:00:00:01", ip="10.77.0.1")])]),
     "dhcp_hosts[0].ip 10.77.0.1 is the network's own address (its gateway)"),
    (dict(ips=[_net()], dns_hosts=[dict(ip="10.77.0.5", hostnames=["bad host"])]),
     "dns_hosts[0].hostnames[0] 'bad host' is not a valid host name"),
])
def test_what_a_network_cannot_start_with_is_refused_before_defining(conn, run_module, options, message):
    name = "rel2-%s" % uuid.uuid4().hex[:8]
    result = run_module(network_module, name=name, state="inactive", **options)
    assert result.get("failed") is True and message in result["msg"], result["msg"]
    assert result["changed"] is False
    assert name not in conn.listNetworks() + conn.listDefinedNetworks()


def test_a_subnet_another_network_has_is_refused(conn, run_module):
    other, name = "rel2-%s" % uuid.uuid4().hex[:8], "rel2-%s" % uuid.uuid4().hex[:8]
    conn.networkDefineXML("<network><name>%s</name><ip address='10.78.0.1' netmask='255.255.0.0'/></network>" % other)
    try:
        result = run_module(network_module, name=name, state="inactive", ips=[_net("10.78.5.1")])
        assert result.get("failed") is True
        assert "ips: 10.78.5.0/24 overlaps 10.78.0.0/16 of network %s" % other in result["msg"]
    finally:
        conn.networkLookupByName(other).undefine()


def test_a_running_transient_domain_is_removed(conn, run_module):
    """Found by the second pass's tests: removing a transient domain read its persistence after the
    destroy had made it vanish ("no domain with matching uuid")."""
    name = "rel2-%s" % uuid.uuid4().hex[:8]
    conn.createXML("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>"
                   "</domain>" % name, 0)
    result = run_module(domain_module, name=name, state="absent")
    assert not result.get("failed"), result.get("msg")
    assert result["actions"] == ["destroy"]
    assert name not in [dom.name() for dom in conn.listAllDomains()]


# -- items 18 and 19: values refused before anything is asked of libvirt ---------------------------------
@pytest.mark.parametrize("module, args, message", [
    ("domain", dict(name="x", uri=""), "the libvirt URI is empty"),
    ("domain", dict(name="x", timeout=0), "timeout is the seconds each state change may take: between 1 and"),
    ("domain", dict(name="x", timeout=-1), "timeout is the seconds each state change may take: between 1 and"),
    ("migrate", dict(name="x", dest_uri=""), "dest_uri is empty"),
    ("migrate", dict(name="x", dest_uri="test:///default", bandwidth_mib=2 ** 64), "bandwidth_mib must be between"),
    ("migrate", dict(name="x", dest_uri="test:///default", max_downtime_ms=10 ** 12), "max_downtime_ms must be between"),
    ("migrate", dict(name="x", dest_uri="test:///default", downtime_steps=10 ** 6), "downtime_steps must be between"),
    ("disk", dict(domain="x", iscsi=dict(portal="127.0.0.1", iqn="iqn.2026-11.t:<a&>", lun=1)), "is not an iSCSI name"),
    ("disk", dict(domain="x", rbd=dict(pool="rbd<&>", image="i", monitors=["127.0.0.1"])),
     "rbd.pool 'rbd<&>' is not a valid Ceph pool name"),
    ("disk", dict(domain="x", rbd=dict(pool="rbd", image="i/../j", monitors=["127.0.0.1"])),
     "rbd.image 'i/../j' is not a valid RBD image name"),
    ("secret", dict(usage="volume", usage_id="relative/data.luks"), "a volume secret's usage_id is the absolute path"),
    ("qemu_monitor", dict(name="x", command="  ", hmp=True), "command is empty"),
    ("pool", dict(name="x", type="iscsi-direct", hosts=["127.0.0.1"], source_path="iqn.bad name",
                  initiator_iqn="iqn.2026-11.test:i"), "source_path 'iqn.bad name' is not an iSCSI name"),
])
def test_refused_before_libvirt_is_asked(conn, names, run_module, module, args, message):
    if module in ("disk",):
        args = dict(args, domain=names())
        _define(conn, args["domain"])
    target = importlib.import_module("ansible_collections.virtops.libvirt.plugins.modules.%s" % module)
    result = run_module(target, _ansible_check_mode=False, **args)
    assert result.get("failed") is True and message in result["msg"], result["msg"]
    assert not result.get("changed") and "exception" not in result


def test_a_valid_network_with_everything_passes_the_checks(conn, run_module):
    """The checks refuse only what cannot start: a network with DHCP, reservations and DNS hosts
    (IPv4 and IPv6) is defined, and a second run changes nothing."""
    name = "rel2-%s" % uuid.uuid4().hex[:8]
    options = dict(state="inactive", domain="example.internal", bridge="virbr-rel2", ips=[
        _net(dhcp_ranges=[dict(start="10.77.0.100", end="10.77.0.150")],
             dhcp_hosts=[dict(mac="52:54:00:00:00:01", ip="10.77.0.10", name="guest-a")]),
        _net("fd00:77::1", 64)],
        dns_hosts=[dict(ip="10.77.0.20", hostnames=["guest-b", "b.example.internal"])])
    try:
        first = run_module(network_module, name=name, **options)
        assert not first.get("failed"), first.get("msg")
        assert first["changed"] is True
        assert run_module(network_module, name=name, **options)["changed"] is False
    finally:
        conn.networkLookupByName(name).undefine()
    refused = run_module(network_module, name=name, state="inactive",
                         dns_hosts=[dict(ip="127.0.0.1", hostnames=["local"])])
    assert refused.get("failed") is True and "dns_hosts[0].ip 127.0.0.1 is a loopback address" in refused["msg"]
