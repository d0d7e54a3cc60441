# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 12 (reliability), the items libvirt's test:///default driver can show: each test failed
before its fix. What needs QEMU (saved-while-paused, ACPI re-sends, live detach, pools on disk)
is proven by the integration targets on the real libvirtd."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.recorder import ChangeRecorder
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.lifecycle import Transition
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.secrets import decode_value
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.sources import network_host
from ansible_collections.virtops.libvirt.plugins.modules import config_drive as config_drive_module
from ansible_collections.virtops.libvirt.plugins.modules import disk as disk_module
from ansible_collections.virtops.libvirt.plugins.modules import domain as domain_module
from ansible_collections.virtops.libvirt.plugins.modules import domain_info as domain_info_module
from ansible_collections.virtops.libvirt.plugins.modules import volume as volume_module

libvirt = pytest.importorskip("libvirt")


def _define(conn, name, disks=(), extra=""):
    devices = "".join("<disk type='file' device='disk'><source file='%s'/><target dev='vd%s' bus='virtio'/>"
                      "</disk>" % (path, chr(ord("a") + index)) for index, path in enumerate(disks))
    return conn.defineXML("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type>"
                          "</os>%s<devices>%s</devices></domain>" % (name, extra, devices))


# -- item 1: an image another domain uses is never deleted ----------------------------------------
def test_remove_storage_keeps_an_image_another_domain_lists(conn, names, run_module):
    gone, keeper = names(), names()
    _define(conn, gone, ["/guest/shared-%s.img" % gone, "/guest/own-%s.img" % gone])
    _define(conn, keeper, ["/guest/shared-%s.img" % gone]).create()
    result = run_module(domain_module, name=gone, state="absent", remove_storage=True)
    assert result["changed"] is True
    assert result["removed_storage"] == ["/guest/own-%s.img" % gone]
    assert result["kept_storage"] == [dict(source="/guest/shared-%s.img" % gone, used_by=[keeper],
                                           reason="used by domain %s" % keeper)]


# -- items 2 and 3: one unreadable domain does not break the host ---------------------------------
def test_a_domain_libvirt_wrote_unescaped_is_listed_and_removed(conn, names, run_module):
    bad, other = names(), names()
    conn.defineXML("<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type></os>"
                   "<cpu mode='custom'><model>qemu64</model><feature policy='require' name='a&lt;b'/></cpu>"
                   "<devices><graphics type='vnc' listen='&lt;x&gt;'/></devices></domain>" % bad)
    _define(conn, other)
    listed = run_module(domain_info_module, host=False)
    assert not listed.get("failed"), listed.get("msg")
    assert set([bad, other]) <= set(domain["name"] for domain in listed["domains"])
    assert run_module(domain_module, name=other, title="still works")["changed"] is True
    removed = run_module(domain_module, name=bad, state="absent")
    assert removed["changed"] is True and removed["actions"] == ["undefine"]


def test_xml_with_a_doctype_is_refused(names, run_module, conn):
    name = names()
    result = run_module(domain_module, name=name, xml=(
        "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x 'y'>]><domain type='test'><name>%s</name>"
        "<memory>65536</memory><os><type>hvm</type></os><metadata><a xmlns='urn:a'>&x;</a></metadata></domain>" % name))
    assert result["failed"] is True and "DOCTYPE" in result["msg"] and "exception" not in result
    assert name not in [dom.name() for dom in conn.listAllDomains(0)]


# -- items 6, 7 and 18: clear errors, nothing defined ----------------------------------------------
@pytest.mark.parametrize("args, message", [
    (dict(xml="<domain type='test'><name>NAME</name><memory unit='MiB'>lots</memory></domain>"),
     "xml: memory_kib: 'lots' is not a whole number"),
    (dict(memory_mb=2 ** 50), "memory_mb: 1125899906842624 MiB is beyond what libvirt can count"),
    (dict(memory_mb=1024 * 1024 * 1024), "memory_mb: 1073741824 MiB is more than host"),
    (dict(memory_mb=64, serial_console=dict(type="pty", log_file="/nonexistent-virtops/console.log")),
     "serial_console.log_file: directory /nonexistent-virtops of"),
    (dict(memory_mb=64, graphics=dict(type="vnc", listen="<bad>")),
     "graphics.listen: '<bad>' is neither an IP address nor a host name"),
    (dict(state="saved", memory_mb=64), "a new domain is shut off, and only a running or paused domain can be saved"),
])
def test_bad_definitions_fail_cleanly_before_anything_is_defined(names, run_module, conn, args, message):
    name = names()
    if "xml" in args:
        args = dict(xml=args["xml"].replace("NAME", name))
    for check_mode in (True, False):
        result = run_module(domain_module, name=name, _ansible_check_mode=check_mode, **args)
        assert result["failed"] is True and "exception" not in result
        assert message in result["msg"], result["msg"]
        assert result["changed"] is False
        assert name not in [dom.name() for dom in conn.listAllDomains(0)]


# -- item 19: a run that finds its work done by another run ----------------------------------------
def test_start_tolerates_a_concurrent_run_starting_the_domain_first(conn, names):
    dom = _define(conn, names())
    guest = Guest(conn, dom)
    real_start = guest.start

    def raced_start(paused=False):
        dom.create()  # the other run wins
        real_start(paused)  # libvirt: "Domain ... is already running"
    guest.start = raced_start
    result = dict()
    recorder = ChangeRecorder(result, False, "domain")
    assert Transition(guest, recorder, timeout=5, force=False).to("running") == "running"
    assert result == dict(changed=False, actions=[])


def test_define_tolerates_a_concurrent_run_defining_the_domain_first(conn, names, run_module, monkeypatch):
    name = names()
    real_define = Guest.define.__func__

    def raced_define(cls, connection, xml):
        if "<uuid>" not in xml:
            _define(conn, name)  # the other run defines it first, with its own uuid
        return real_define(cls, connection, xml)
    monkeypatch.setattr(Guest, "define", classmethod(raced_define))
    result = run_module(domain_module, name=name, memory_mb=64, virt_type="qemu", state="running")
    assert not result.get("failed"), result.get("msg")
    assert result["state"] == "running"
    assert "define" not in result["actions"] and "start" in result["actions"]


# -- item 10 where the driver cannot tell a saved image to run: it still ends running ----------------
def test_a_save_taken_while_paused_restores_running(conn, names, run_module):
    name = names()
    dom = _define(conn, name)
    dom.create()
    dom.suspend()
    dom.managedSave(0)
    result = run_module(domain_module, name=name, state="running")
    assert result["state"] == "running" and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING


# -- items 7, 12, 17, 18, 21: the disk module ---------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (dict(path="IMAGE", size_mb=2 ** 70), "size_mb: 1180591620717411303424 MiB is beyond"),
    (dict(path="IMAGE", size_mb=512), "size_mb: a disk can be grown here only while"),
    (dict(iscsi=dict(portal="127.0.0.1", iqn="iqn.2026-11.test:t", lun=-1)), "iscsi.lun must be 0 or more"),
    (dict(rbd=dict(pool="p", image="i", monitors=[])), "rbd.monitors needs at least one Ceph monitor"),
    (dict(path="IMAGE", retries=-1), "timeout and retries cannot be negative"),
])
def test_disk_refusals_change_nothing(conn, names, run_module, tmp_path, args, message):
    name = names()
    image = tmp_path / "extra.img"
    image.write_bytes(b"")
    args = dict((key, str(image) if value == "IMAGE" else value) for key, value in args.items())
    _define(conn, name, ["/guest/root.img"])
    before = conn.lookupByName(name).XMLDesc(0)
    result = run_module(disk_module, domain=name, **args)
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert result["changed"] is False and "exception" not in result
    assert conn.lookupByName(name).XMLDesc(0) == before


@pytest.mark.parametrize("text, host, port", [
    ("::1", "::1", "3260"),
    ("[::1]:3261", "::1", "3261"),
    ("[fe80::1]", "fe80::1", "3260"),
    ("192.0.2.1:3262", "192.0.2.1", "3262"),
    ("portal.example", "portal.example", "3260"),
])
def test_portals_with_ipv6_addresses(text, host, port):
    parsed = network_host(text, "3260", "iscsi.portal")
    assert (parsed.name, parsed.port) == (host, port)


@pytest.mark.parametrize("text", ["[::1", "[::1]x", "::zz", "host:99999", ":3260"])
def test_bad_portals_are_refused(text):
    with pytest.raises(VirtopsError, match="iscsi.portal"):
        network_host(text, "3260", "iscsi.portal")


# -- items 17 and 18: secrets and volumes refused before anything is made -------------------------
@pytest.mark.parametrize("value, encoding, message", [
    ("", "text", "value is empty"),
    ("x" * 65537, "text", "value is 65537 bytes; libvirt carries at most 65536"),
])
def test_secret_values_libvirt_would_refuse_after_defining(value, encoding, message):
    with pytest.raises(VirtopsError, match=message):
        decode_value(value, encoding, "iscsi")


def test_a_volume_label_without_filesystem_is_refused(run_module):
    result = run_module(volume_module, pool="default-pool", name="rel-label.img", capacity_mb=1, label="DATA")
    assert result["failed"] is True and "label names the filesystem" in result["msg"]


# -- items 8, 9 and 22: config drives ---------------------------------------------------------------
def test_config_drive_needs_an_absolute_path(tmp_path, run_module, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_module(config_drive_module, path="relative.iso", instance_id="i-1")
    assert result["failed"] is True and "relative" in result["msg"] and "exception" not in result
    assert os.listdir(str(tmp_path)) == []


def test_a_new_config_drive_is_readable_by_its_owner_only(tmp_path, run_module):
    path = str(tmp_path / "drive.iso")
    result = run_module(config_drive_module, path=path, instance_id="i-1", user_data="#cloud-config\n",
                        vendor_data="shown-nowhere")
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "shown-nowhere" not in repr(result)
    given = str(tmp_path / "given.iso")
    run_module(config_drive_module, path=given, instance_id="i-1", mode="0644")
    assert stat.S_IMODE(os.stat(given).st_mode) == 0o644


def test_config_drive_user_data_with_a_lone_surrogate(tmp_path, run_module):
    result = run_module(config_drive_module, path=str(tmp_path / "d.iso"), instance_id="i-1", user_data=u"bad\ud800")
    assert result["failed"] is True and result["msg"].startswith("option user_data: character U+D800")
    assert os.listdir(str(tmp_path)) == []
