# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which disks a backup takes, and the documents its job starts with (no libvirt)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.job import (
    BackupPlan, _documents, backup_disks,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.backup import DomainBackup, DomainCheckpoint
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

DOMAIN = """<domain type='qemu'><name>g</name><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/root.qcow2'/><target dev='vda'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/data.raw'/><target dev='vdb'/></disk>
<disk type='file' device='cdrom'><source file='/i/seed.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
<disk type='file' device='disk'><source file='/i/shared.raw'/><target dev='vdc'/><shareable/></disk>
<disk type='file' device='disk'><source file='/i/ro.raw'/><target dev='vdd'/><readonly/></disk>
</devices></domain>"""


def test_by_default_every_disk_of_the_instance_own_and_the_others_named_with_the_reason():
    disks, left_out = backup_disks(DomainConfig.from_xml(DOMAIN), None)
    assert [disk.target_dev for disk in disks] == ["vda", "vdb"]
    assert left_out == ["sda: a cdrom", "vdc: shareable (its data is not this instance's alone)", "vdd: read-only"]


def test_disks_asked_for_by_target_and_the_ones_that_cannot_be():
    disks, _left = backup_disks(DomainConfig.from_xml(DOMAIN), ["vdb"])
    assert [disk.target_dev for disk in disks] == ["vdb"]
    with pytest.raises(VirtopsError, match="disk vdc cannot be backed up: it is shareable"):
        backup_disks(DomainConfig.from_xml(DOMAIN), ["vda", "vdc"])
    with pytest.raises(VirtopsError, match=r"the instance has no disk vdz \(it has: vda, vdb, sda, vdc, vdd\)"):
        backup_disks(DomainConfig.from_xml(DOMAIN), ["vdz"])


def test_an_incremental_job_names_the_last_checkpoint_and_makes_the_next():
    base = dict(name="p1", checkpoint="virtops-p1", disks={})
    plan = BackupPlan("p2", "incremental", "changes since p1", [("vda", "/i/root.qcow2", 1024)], base, None)
    backup_xml, checkpoint_xml = _documents(plan, {"vda": "/b/p2/vda.qcow2"})
    backup = DomainBackup.from_xml(backup_xml)
    assert backup.mode == "push" and backup.incremental == "virtops-p1"
    assert [(d.name, d.backup, d.type, d.target_file, d.driver_type) for d in backup.disks] == [
        ("vda", True, "file", "/b/p2/vda.qcow2", "qcow2")]
    checkpoint = DomainCheckpoint.from_xml(checkpoint_xml)
    assert checkpoint.name == "virtops-p2"
    assert [(d.name, d.checkpoint) for d in checkpoint.disks] == [("vda", "bitmap")]


def test_a_full_job_has_no_incremental_element():
    plan = BackupPlan("p1", "full", "there is no earlier backup", [("vda", "/i/root.qcow2", 1024)], None, None)
    backup_xml, _checkpoint = _documents(plan, {"vda": "/b/p1/vda.qcow2"})
    assert "<incremental" not in backup_xml and DomainBackup.from_xml(backup_xml).incremental is None
