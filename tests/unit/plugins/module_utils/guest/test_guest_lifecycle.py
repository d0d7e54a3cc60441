# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest, Transition and remove() on libvirt's test:///default driver.

The test driver changes state at once, so every transition, its recorded actions, check mode and
the refusals can be shown here in milliseconds; the real waits are proven by the integration
targets on a real libvirtd.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.recorder import ChangeRecorder
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.lifecycle import Transition, remove
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import Change
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import DiskConfig, GraphicsConfig, IotuneConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

libvirt = pytest.importorskip("libvirt")

DOMAIN_XML = ("<domain type='test'><name>%s</name><memory unit='MiB'>128</memory>"
              "<currentMemory unit='MiB'>128</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os>"
              "<devices><disk type='file' device='disk'><source file='/guest/%s.img'/>"
              "<target dev='vda' bus='virtio'/></disk>"
              "<disk type='file' device='cdrom'><source file='/guest/%s.iso'/><target dev='sda' bus='sata'/>"
              "<readonly/></disk></devices></domain>")


@pytest.fixture
def guest(conn):
    name = "unit-%s" % uuid.uuid4().hex[:8]
    defined = Guest.define(conn, DOMAIN_XML % (name, name, name))
    yield defined
    found = Guest.lookup(conn, name)
    if found is not None:
        if found.is_active():
            found.destroy()
        found.undefine()


def move(guest, target, check_mode=False, force=False):
    result = {}
    state = Transition(guest, ChangeRecorder(result, check_mode, "domain %s" % guest.name), 5, force).to(target)
    return state, result["actions"]


def test_lookup_finds_by_name_and_uuid_and_none_for_missing(conn, guest):
    assert Guest.lookup(conn, guest.name).uuid == guest.uuid
    assert Guest.lookup_uuid(conn, guest.uuid).name == guest.name
    assert Guest.lookup(conn, "virtops-no-such-domain") is None
    assert guest.name in [other.name for other in Guest.all(conn)]


def test_each_transition_records_its_actions(guest):
    assert guest.state() == "shutoff"
    assert move(guest, "running") == ("running", ["start"])
    assert move(guest, "running") == ("running", [])
    assert move(guest, "paused") == ("paused", ["suspend"])
    assert move(guest, "running") == ("running", ["resume"])
    assert move(guest, "saved") == ("saved", ["managed save"])
    assert guest.state() == "saved" and not guest.is_active()
    assert move(guest, "running") == ("running", ["restore managed save"])
    assert move(guest, "paused") == ("paused", ["suspend"])
    # A paused guest cannot act on the power button: resumed first.
    assert move(guest, "shutoff") == ("shutoff", ["resume", "shutdown"])
    assert move(guest, "present") == ("shutoff", [])
    # (shutoff -> paused starts paused, which the test driver does not support: see module_domain)


def test_shutoff_from_saved_restores_first_so_the_memory_is_not_discarded(guest):
    move(guest, "running")
    move(guest, "saved")
    assert move(guest, "shutoff") == ("shutoff", ["restore managed save", "shutdown"])


def test_check_mode_reports_the_actions_and_changes_nothing(guest):
    assert move(guest, "running", check_mode=True) == ("running", ["start"])
    assert guest.state() == "shutoff"
    move(guest, "running")
    assert move(guest, "saved", check_mode=True) == ("saved", ["managed save"])
    assert move(guest, "shutoff", check_mode=True) == ("shutoff", ["shutdown"])
    assert guest.state() == "running"


def test_saving_a_shut_off_guest_is_refused_with_nothing_done(guest):
    with pytest.raises(VirtopsError) as refused:
        move(guest, "saved")
    assert "only a running or paused domain can be saved" in refused.value.msg
    assert guest.state() == "shutoff"


def test_live_changes_go_through_the_fields_live_method(guest):
    move(guest, "running")
    desired = DomainConfig(current_memory_kib=65536, title="web")
    changes = desired.changes(guest.live_config())
    assert [(change.path, change.live.name) for change in changes] == [("title", "title"), ("current_memory_kib", "memory")]
    for change in changes:
        guest.apply_live(change)
    running = guest.live_config()
    assert (running.title, running.current_memory_kib) == ("web", 65536)


def test_only_removable_media_change_live(guest):
    live = guest.inactive_config()
    cdrom = next(disk for disk in live.disks if disk.device == "cdrom")
    disk = next(disk for disk in live.disks if disk.device == "disk")
    cdrom.source_file, disk.source_file = "/guest/other.iso", "/guest/other.img"
    desired = DomainConfig(disks=[cdrom, disk])
    methods = dict((change.path, change.live and change.live.name) for change in desired.changes(guest.inactive_config()))
    assert methods == {"disks[sda].source.file": "media", "disks[vda].source.file": None}


def test_io_limits_and_a_console_password_are_live_changes_of_the_device_that_has_them(guest):
    live = guest.inactive_config()
    disk = next(disk for disk in live.disks if disk.device == "disk")
    disk.iotune = IotuneConfig(total_iops_sec=400, read_bytes_sec=1048576)
    new_disk = DiskConfig(type="file", device="disk", source_file="/guest/new.img", target_dev="vdb",
                          iotune=IotuneConfig(total_iops_sec=100))
    desired = DomainConfig(disks=[disk, new_disk], graphics=[GraphicsConfig(type="vnc", password="n3w")])
    changes = desired.changes(guest.inactive_config())
    owned = dict((change.path, (change.live.name, change.owner)) for change in changes if "iotune" in change.path)
    # each limit is a change of the disk (the target to set it on), whether or not it runs yet
    assert owned == {"disks[vda].iotune.read_bytes_sec": ("iotune", disk), "disks[vda].iotune.total_iops_sec": ("iotune", disk),
                     "disks[vdb].iotune.total_iops_sec": ("iotune", new_disk)}
    password = next(change for change in changes if change.path == "graphics[vnc].password")
    assert (password.live.name, password.after) == ("graphics_password", "(hidden)")
    move(guest, "running")
    running = guest.live_config()
    # vda runs; vdb and a VNC console would come with the next start
    assert [guest.can_apply_live(change, running) for change in changes if change.live] == [True, True, False, False]


def test_pending_restart_fields_are_kept_in_live_metadata_until_restart(guest):
    move(guest, "running")
    assert guest.pending_restart_fields() == []
    guest.mark_pending_restart(["memory_kib", "vcpus"])
    assert guest.pending_restart_fields() == ["memory_kib", "vcpus"]
    move(guest, "shutoff")
    assert guest.pending_restart_fields() == []


def test_remove_keeps_storage_unless_asked_and_records_each_step(guest, conn):
    move(guest, "running")
    result = {}
    removed, kept = remove(guest, ChangeRecorder(result, True, "domain"), False, True)
    assert (removed, result["actions"]) == ([], ["destroy", "undefine"])
    assert [item["reason"] for item in kept] == ["remove_storage is false"] * 2
    assert guest.is_active()  # check mode
    result = {}
    removed, kept = remove(guest, ChangeRecorder(result, True, "domain"), True, True)
    assert removed == ["/guest/%s.img" % guest.name]
    assert kept == [dict(source="/guest/%s.iso" % guest.name, reason="read-only, shareable or not a disk")]
    assert result["actions"] == ["destroy", "undefine", "delete /guest/%s.img" % guest.name]
    name = guest.name
    remove(guest, ChangeRecorder({}, False, "domain"), False, True)
    assert Guest.lookup(conn, name) is None


def test_a_change_unpacks_like_the_triple_it_replaces():
    change = Change("memory_kib", 1, 2, live=None)
    path, before, after = change
    assert (path, before, after) == ("memory_kib", 1, 2) == (change.path, change.before, change.after)
    assert change == ("memory_kib", 1, 2)


def test_every_live_change_the_model_declares_has_its_method_here():
    """A field's LiveChange is the one place a live change is declared: the guest layer must
    carry each one out, and a device's change must name how the running device is found."""
    declared = set()
    for config in (DomainConfig, DiskConfig, GraphicsConfig, IotuneConfig):
        declared.update(field.live for field in config.FIELDS if getattr(field, "live", None) is not None)
    assert set(live.name for live in declared) == set(
        ["title", "description", "memory", "vcpus", "metadata", "media", "iotune", "graphics_password"])
    for live in declared:
        assert callable(getattr(Guest, "_live_" + live.name, None)), live.name
        assert live.action and live.device in (None, ("disks", "target_dev"), ("graphics", "type")), live.name
