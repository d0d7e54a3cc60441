# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which disks a snapshot takes, the document it is created with, and what the images say about
a snapshot (its image, whether anything was written since) on real qcow2 files (no libvirt)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import subprocess

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.snapshots import (
    SnapshotPlan, check_snapshot_name, holds_writes, in_creation_order, snapshot_disks, snapshot_image,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.snapshot import DomainSnapshot

DOMAIN = """<domain type='qemu'><name>g</name><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/root.qcow2'/><target dev='vda'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/data.raw'/><target dev='vdb'/></disk>
<disk type='file' device='cdrom'><source file='/i/seed.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='rbd/vol'>
<host name='10.0.0.1' port='6789'/></source><target dev='vdc'/></disk>
<disk type='block' device='disk'><source dev='/dev/sdx'/><target dev='vdd'/></disk>
<disk type='file' device='disk'><source file='/i/shared.raw'/><target dev='vde'/><shareable/></disk>
</devices></domain>"""
FILE_DISKS = """<domain type='qemu'><name>g</name><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/root.qcow2'/><target dev='vda'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/data.raw'/><target dev='vdb'/></disk>
</devices></domain>"""
qemu_img_missing = shutil.which("qemu-img") is None


def test_disks_that_cannot_have_an_overlay_are_refused_by_name_with_the_reason():
    with pytest.raises(VirtopsError) as raised:
        snapshot_disks(DomainConfig.from_xml(DOMAIN), None, "refuse")
    message = str(raised.value)
    assert "vdc: a network disk (rbd)" in message
    assert "vdd: a block device (/dev/sdx)" in message
    assert "vde: shareable" in message
    assert "unsupported_disks: skip" in message


def test_skip_leaves_them_out_and_names_them_cdroms_are_never_taken():
    disks, left_out = snapshot_disks(DomainConfig.from_xml(DOMAIN), None, "skip")
    assert [disk.target_dev for disk in disks] == ["vda", "vdb"]
    assert [entry.split(":")[0] for entry in left_out] == ["sda", "vdc", "vdd", "vde"]
    assert left_out[0] == "sda: a cdrom"


def test_disks_asked_for_by_target():
    disks, _left = snapshot_disks(DomainConfig.from_xml(DOMAIN), ["vdb"], "refuse")
    assert [disk.target_dev for disk in disks] == ["vdb"]
    with pytest.raises(VirtopsError, match="disk sda cannot be snapshotted: it is a cdrom"):
        snapshot_disks(DomainConfig.from_xml(DOMAIN), ["sda"], "refuse")
    with pytest.raises(VirtopsError, match=r"the instance has no disk vdz \(it has: vda, vdb, sda, vdc, vdd, vde\)"):
        snapshot_disks(DomainConfig.from_xml(DOMAIN), ["vdz"], "refuse")


def test_names_that_would_make_odd_file_names_are_refused():
    check_snapshot_name("before-upgrade_2.1")
    for bad in ("", "-x", "a/b", "a b", "x" * 65, "../up"):
        with pytest.raises(VirtopsError, match="is not allowed"):
            check_snapshot_name(bad)


def test_the_document_takes_the_chosen_disks_as_external_overlays_and_says_no_for_the_others():
    config = DomainConfig.from_xml(FILE_DISKS)
    disks, _left = snapshot_disks(config, ["vda"], "refuse")
    plan = SnapshotPlan("g", "s1", disks, config.disks, False, "before")
    document = DomainSnapshot.from_xml(plan.xml)
    assert document.name == "s1" and document.description == "before" and document.memory is None
    assert [(d.name, d.snapshot, d.source_file) for d in document.disks] == [
        ("vda", "external", "/i/g-vda.s1.qcow2"), ("vdb", "no", None)]
    assert document.external_disks() == {"vda": "/i/g-vda.s1.qcow2"}


def test_a_memory_snapshot_names_its_state_file_beside_the_first_disk():
    config = DomainConfig.from_xml(FILE_DISKS)
    disks, _left = snapshot_disks(config, None, "refuse")
    plan = SnapshotPlan("g", "s2", disks, disks, True, None)
    document = DomainSnapshot.from_xml(plan.xml)
    assert (document.memory, document.memory_file) == ("external", "/i/g.s2.memory")
    assert plan.files() == ["/i/g-vda.s2.qcow2", "/i/g-vdb.s2.qcow2", "/i/g.s2.memory"]


def test_snapshots_ordered_by_creation_time_then_name():
    def xml(name, created):
        return "<domainsnapshot><name>%s</name><creationTime>%d</creationTime></domainsnapshot>" % (name, created)
    snapshots = dict(b=(xml("b", 20), []), a=(xml("a", 20), []), old=(xml("old", 10), ["a", "b"]))
    assert in_creation_order(snapshots) == ["old", "a", "b"]


def _qemu_img(*args):
    subprocess.run(("qemu-img",) + args, check=True, capture_output=True)


@pytest.mark.skipif(qemu_img_missing, reason="needs qemu-img")
def test_the_snapshot_image_is_the_overlay_backing_file_and_writes_into_an_overlay_are_seen(tmp_path):
    base, overlay = tmp_path / "base.qcow2", tmp_path / "g-vda.s1.qcow2"
    _qemu_img("create", "-q", "-f", "qcow2", str(base), "4M")
    _qemu_img("create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2", str(overlay))
    assert snapshot_image(str(overlay)) == (str(base), "qcow2")
    assert not holds_writes(str(overlay))
    subprocess.run(["qemu-io", "-c", "write -z 0 64k", str(overlay)], check=True, capture_output=True)
    assert holds_writes(str(overlay)), "zeroes written into the overlay are a write too"
    with pytest.raises(VirtopsError, match="has no backing file"):
        snapshot_image(str(base))
