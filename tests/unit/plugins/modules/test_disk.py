# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One disk declaration for the domain and disk modules (guest/disks.py): the same options build
the same <disk>, the disk module compares an attached disk through the model's changes(), and
the disk options added with it (ide, url, path_type, packed) - on test:///default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import DISK_OPTIONS, DiskBuilder
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig
from ansible_collections.virtops.libvirt.plugins.modules import disk as disk_module
from ansible_collections.virtops.libvirt.plugins.modules import domain as domain_module

libvirt = pytest.importorskip("libvirt")


def _options(**given):
    """A disk's options as AnsibleModule hands them over: every declared one, None unless given."""
    options = dict((name, spec.get("default")) for name, spec in DISK_OPTIONS.items())
    options.update(given)
    return options


def _define(conn, name, disks=""):
    return conn.defineXML("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type>"
                          "</os><devices>%s</devices></domain>" % (name, disks))


def test_the_domain_and_disk_modules_build_the_same_disk(conn, names, run_module, tmp_path):
    image = tmp_path / "data.img"
    image.write_bytes(b"")
    options = dict(path=str(image), bus="scsi", serial="data-1", cache="none", readonly=True, target="sdb")
    name = names()
    defined = run_module(domain_module, name=name, memory_mb=64, virt_type="qemu", disks=[options], return_xml=True)
    assert not defined.get("failed"), defined.get("msg")
    in_domain = next(disk for disk in DomainConfig.from_xml(defined["xml"]).disks if disk.target_dev == "sdb")
    other = names()
    _define(conn, other)
    attached = run_module(disk_module, domain=other, _ansible_check_mode=True, _ansible_diff=True, **options)
    assert not attached.get("failed"), attached.get("msg")
    built = DiskBuilder(conn, True).build(_options(**options))
    assert attached["diff"]["after"] == built.to_xml()
    assert built.changes(in_domain) == []


def test_an_attached_disk_is_compared_by_the_model(conn, names, run_module, tmp_path):
    image = tmp_path / "data.img"
    image.write_bytes(b"")
    name = names()
    _define(conn, name, "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/>"
                        "<target dev='sdb' bus='sata'/><readonly/></disk>" % image)
    same = run_module(disk_module, domain=name, path=str(image), bus="sata")
    # readonly not given: the attached disk's is not compared, nothing is refused or changed
    assert not same.get("failed") and same["changed"] is False and same["target"] == "sdb", same.get("msg")
    other = run_module(disk_module, domain=name, path=str(image), bus="virtio", readonly=False, format="qcow2")
    assert other["failed"] is True and other["changed"] is False
    assert "with other settings: bus, format, readonly" in other["msg"], other["msg"]


def test_an_ide_cdrom_is_attached_to_the_definition(conn, names, run_module, tmp_path):
    iso = tmp_path / "tools.iso"
    iso.write_bytes(b"")
    name = names()
    _define(conn, name)
    result = run_module(disk_module, domain=name, path=str(iso), device="cdrom", bus="ide", _ansible_check_mode=True,
                        _ansible_diff=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["target"] == "hda" and result["attached"] == ["config"]
    assert "device=\"cdrom\"" in result["diff"]["after"] and "bus=\"ide\"" in result["diff"]["after"]


def test_an_image_on_a_web_server_is_a_read_only_network_disk(conn):
    disk = DiskBuilder(conn, True).build(_options(url="https://images.example:8443/iso/tools.iso?sig=1", device="cdrom"))
    assert (disk.type, disk.source_protocol, disk.source_name, disk.source_query) == (
        "network", "https", "/iso/tools.iso", "sig=1")
    assert [(host.name, host.port) for host in disk.source_hosts] == [("images.example", "8443")]
    assert disk.readonly is True and disk.format == "raw"
    assert disk.source() == "https://images.example:8443/iso/tools.iso?sig=1"
    again = _reparsed(disk)
    assert disk.changes(again) == [] and again.source() == disk.source()
    plain = DiskBuilder(conn, True).build(_options(url="http://images.example/base.img"))
    assert plain.source_hosts[0].port == "80"


def _reparsed(disk):
    """The disk as libvirt would hand it back: formatted and parsed."""
    return type(disk).from_xml(disk.to_xml())


@pytest.mark.parametrize("given, message", [
    (dict(url="https://user:secret@images.example/a.iso"), "without a user or password"),
    (dict(url="gopher://images.example/a.iso"), "is not the URL of an image"),
    (dict(url="https://images.example/"), "is not the URL of an image"),
    (dict(url="https://images.example:99999/a.iso"), "the port is not a number"),
    (dict(url="https://images.example/a.iso", readonly=False), "reads images from a web or FTP server only"),
    (dict(url="https://images.example/a.iso", path="/a"), "give one source of path"),
    (dict(path="/dev/null", path_type="file"), "/dev/null is not a regular file or block device"),
    (dict(path="IMAGE", path_type="block"), "is a file on this host, not a block"),
    (dict(pool="default", path_type="block"), "path_type says what path is; it needs path"),
    (dict(path="IMAGE", bus="sata", packed=True), "packed virtqueues are a virtio disk's"),
])
def test_bad_disk_options_are_refused(conn, tmp_path, given, message):
    image = tmp_path / "data.img"
    image.write_bytes(b"")
    given = dict((key, str(image) if value == "IMAGE" else value) for key, value in given.items())
    with pytest.raises(VirtopsError, match=message):
        DiskBuilder(conn, True).build(_options(**given), "disks[0]")


def test_path_type_block_is_taken_as_given_where_the_host_cannot_be_asked(conn):
    """Through a remote URI a path outside /dev is a file unless path_type says block."""
    remote = DiskBuilder(conn, False)
    disk = remote.build(_options(path="/srv/mpath/volume-1", path_type="block"))
    assert (disk.type, disk.source_dev, disk.source_file) == ("block", "/srv/mpath/volume-1", None)
    assert remote.build(_options(path="/srv/mpath/volume-1")).type == "file"


def test_packed_virtqueues_on_a_virtio_disk(conn, tmp_path):
    image = tmp_path / "data.img"
    image.write_bytes(b"")
    disk = DiskBuilder(conn, True).build(_options(path=str(image), packed=True))
    assert "packed=\"on\"" in disk.to_xml() and _reparsed(disk).packed is True
