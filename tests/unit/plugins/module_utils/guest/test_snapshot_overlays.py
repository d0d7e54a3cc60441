# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A disk asked for by its image while a snapshot's overlay sits on it is that overlay: the
definition keeps the overlay (going back to the image would hide what was written since and write
into an image the overlay is built on)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import subprocess

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import (
    follow_snapshot_overlay, follow_snapshot_overlays, image_chain,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import DiskConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

LIVE = """<domain type='qemu'><name>g</name><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/g-vda.s2.qcow2' index='3'/>
<backingStore type='file' index='2'><format type='qcow2'/><source file='/i/g-vda.s1.qcow2'/>
<backingStore type='file' index='1'><format type='raw'/><source file='/i/root.raw'/><backingStore/></backingStore>
</backingStore><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/data.raw'/><target dev='vdb'/></disk>
</devices></domain>"""


def _asked(path, fmt="raw", target="vda"):
    return DiskConfig(type="file", source_file=path, format=fmt, target_dev=target)


def test_the_image_below_a_snapshots_overlays_is_the_disk_on_the_overlay():
    existing = DomainConfig.from_xml(LIVE).disks[0]
    assert image_chain(existing, False) == ["/i/g-vda.s2.qcow2", "/i/g-vda.s1.qcow2", "/i/root.raw"]
    asked = _asked("/i/root.raw")
    assert follow_snapshot_overlay(asked, existing, False)
    assert (asked.type, asked.source_file, asked.format) == ("file", "/i/g-vda.s2.qcow2", "qcow2")
    assert not asked.changes(existing), "the definition is left as it is"


def test_another_image_is_a_change_as_before():
    existing = DomainConfig.from_xml(LIVE).disks[0]
    asked = _asked("/i/other.raw")
    assert not follow_snapshot_overlay(asked, existing, False)
    assert asked.source_file == "/i/other.raw" and asked.changes(existing)


def test_each_disk_of_a_domain_is_matched_by_target():
    desired = DomainConfig(disks=[_asked("/i/root.raw"), _asked("/i/data.raw", target="vdb")])
    follow_snapshot_overlays(desired, DomainConfig.from_xml(LIVE), False)
    assert [disk.source_file for disk in desired.disks] == ["/i/g-vda.s2.qcow2", "/i/data.raw"]


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
def test_a_shut_off_domain_shows_no_chain_and_the_images_headers_name_it(tmp_path):
    base, overlay = str(tmp_path / "root.qcow2"), str(tmp_path / "g-vda.s1.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", base, "1M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", overlay], check=True)
    existing = DiskConfig(type="file", source_file=overlay, format="qcow2", target_dev="vda")
    assert not follow_snapshot_overlay(_asked(base, "qcow2"), existing, is_local=False), "remote: no file read"
    asked = _asked(base, "qcow2")
    assert follow_snapshot_overlay(asked, existing, is_local=True)
    assert asked.source_file == overlay
