# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NFS and NBD disks, LUKS encryption and pinned disk addresses: options against the XML this
libvirt (9.0) writes for them, and the refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import DiskConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

from ansible_collections.virtops.libvirt.tests.unit.plugins.module_utils.guest.test_domain_spec import (
    build, change_triples,
)

# What `virsh dumpxml --inactive` printed on this libvirt for such disks (addresses kept).
LIVE_XML = """<domain type='test'><name>spec-test</name><devices>
  <disk type='network' device='disk'><driver name='qemu' type='qcow2'/>
    <source protocol='nfs' name='/srv/export/volume-1.qcow2'><host name='127.0.0.1'/>
      <identity user='root' group='root'/></source>
    <target dev='vda' bus='virtio'/><serial>nfs-1</serial>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x0a' function='0x0'/></disk>
  <disk type='network' device='disk'><driver name='qemu' type='raw'/>
    <source protocol='nbd' name='exp1'><host name='127.0.0.1' port='10809'/></source>
    <target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='3'/></disk>
  <disk type='network' device='disk'><driver name='qemu' type='raw'/>
    <source protocol='nbd' name='exp2'><host transport='unix' socket='/run/nbd.sock'/></source>
    <target dev='vdb' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></disk>
  <controller type='scsi' index='0' model='virtio-scsi'/>
</devices></domain>"""


def _nfs(**values):
    return dict(dict(server="127.0.0.1", path="/srv/export/volume-1.qcow2", user=None, group=None), **values)


def _nbd(**values):
    return dict(dict(server=None, socket=None, export=None, tls=None), **values)


def _address(**values):
    return dict(dict(pci=None, controller=None, bus=None, target=None, unit=None), **values)


def _requested(conn):
    return build(conn, disks=[
        dict(nfs=_nfs(user="root", group="root"), format="qcow2", serial="nfs-1", address=_address(pci="00:0a.0")),
        dict(nbd=_nbd(server="127.0.0.1", export="exp1"), bus="scsi", address=_address(unit=3)),
        dict(nbd=_nbd(socket="/run/nbd.sock", export="exp2")),
    ])


def test_nfs_and_nbd_disks_with_pinned_addresses_match_what_libvirt_writes(conn):
    desired = _requested(conn)
    live = DomainConfig.from_xml(LIVE_XML)
    assert desired.changes(live) == []
    assert [disk.source() for disk in desired.disks] == [
        "nfs://127.0.0.1/srv/export/volume-1.qcow2", "nbd://127.0.0.1:10809/exp1", "nbd+unix:///exp2?socket=/run/nbd.sock"]
    assert [disk.source() for disk in live.disks] == [disk.source() for disk in desired.disks]


def test_each_changed_source_detail_shows_alone(conn):
    live = DomainConfig.from_xml(LIVE_XML)
    desired = build(conn, disks=[
        dict(nfs=_nfs(user="+107"), format="qcow2", address=_address(pci="00:0b.0")),
        dict(nbd=_nbd(server="127.0.0.1", export="exp1"), bus="scsi", address=_address(unit=4)),
    ])
    assert change_triples(desired, live) == [
        ("disks[vda].nfs.user", "root", "+107"), ("disks[vda].address.slot", "0x0a", "0x0b"),
        ("disks[sda].address.unit", 3, 4)]
    desired.apply_to(live)
    text = live.to_xml()
    assert "<identity user=\"+107\" group=\"root\"/>" in text and "unit=\"4\"" in text and "slot=\"0x0b\"" in text


def test_an_nfs_source_always_has_the_identity_libvirts_schema_wants(conn):
    desired = build(conn, disks=[dict(nfs=_nfs())])
    assert "<identity/>" in desired.disks[0].to_xml()
    assert DiskConfig.from_xml(desired.disks[0].to_xml()).nfs_user is None


def test_another_source_drops_the_old_ones_identity_and_encryption():
    live = DiskConfig.from_xml(
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/a.luks'>"
        "<encryption format='luks' engine='qemu'><secret type='passphrase' usage='/srv/a.luks'/></encryption>"
        "</source><target dev='vda' bus='virtio'/></disk>")
    assert live.encryption.secret_usage == "/srv/a.luks" and live.encryption.format == "luks"
    desired = DiskConfig(type="network", source_protocol="nfs", source_name="/e/b.raw", source_hosts=live.source_hosts)
    desired.apply_to(live)
    assert live.encryption is None and live.source_file is None and "encryption" not in live.to_xml()


def test_encryption_round_trips_inside_the_source():
    text = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/a.luks'>"
            "<encryption format='luks'><secret type='passphrase' uuid='0705fc9e-d730-4aac-bd91-593fcfe3e72b'/>"
            "</encryption></source><target dev='vdc' bus='virtio'/></disk>")
    disk = DiskConfig.from_xml(text)
    assert disk.encryption.secret_uuid == "0705fc9e-d730-4aac-bd91-593fcfe3e72b"
    assert "<source file=\"/srv/a.luks\">\n    <encryption format=\"luks\">" in disk.to_xml()


@pytest.mark.parametrize("disk,message", [
    (dict(nfs=_nfs(server="127.0.0.1:2049")), r"nfs.server '127.0.0.1:2049': give the NFS server without a port"),
    (dict(nfs=_nfs(path="export/v.raw")), r"nfs.path 'export/v.raw' is not the absolute path of a file"),
    (dict(nfs=_nfs(path="/export/")), r"nfs.path '/export/' is not the absolute path"),
    (dict(nfs=_nfs(path="/export/../etc/shadow")), r"is not the absolute path"),
    (dict(nfs=_nfs(user="root; rm")), r"nfs.user 'root; rm' is not a user or group name"),
    (dict(nbd=_nbd()), r"disks\[0\].nbd: give exactly one of server .HOST or HOST:PORT. or socket"),
    (dict(nbd=_nbd(server="h", socket="/s")), r"give exactly one of server"),
    (dict(nbd=_nbd(socket="/s", tls=True)), r"nbd.tls needs server"),
    (dict(nbd=_nbd(server="h:99999")), r"nbd.server: port of 'h:99999' is not a number"),
    (dict(path="/a", nfs=_nfs()), r"give one source of path, pool\+volume, iscsi, rbd, nfs, nbd and url, not path and nfs"),
    (dict(path="/a", encryption=dict(format="luks", secret_usage=None, secret_uuid=None)),
     r"disks\[0\].encryption: give exactly one of secret_usage or secret_uuid"),
    (dict(path="/a", encryption=dict(format="luks", secret_usage="/a", secret_uuid=None)),
     r"disks\[0\].encryption.secret: libvirt cannot look up secret '/a' for usage volume"),
    (dict(path="/a", address=_address()), r"disks\[0\].address: give pci .* not neither"),
    (dict(path="/a", address=_address(pci="00:05.0", unit=1)), r"not both"),
    (dict(path="/a", address=_address(unit=1)), r"a virtio disk is a PCI device; give pci, not unit"),
    (dict(path="/a", bus="scsi", address=_address(pci="00:05.0")), r"address.pci: only a virtio disk is a PCI device"),
    (dict(path="/a", bus="scsi", address=_address(unit=-1)), r"address.unit must be at least 0"),
    (dict(path="/a", address=_address(pci="0:5")), r"address.pci '0:5' is not a PCI address"),
])
def test_bad_sources_encryption_and_addresses_are_refused(conn, disk, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, disks=[disk])
