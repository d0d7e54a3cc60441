# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From module options to the desired DomainConfig (validation against test:///default)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_local_uri
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import (
    DEFINITION_SPEC, DomainSpecBuilder, creation_defaults, resolve_against_live,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig


def params(**values):
    """Module params as AnsibleModule would pass them: every option present, defaults applied."""
    result = _with_defaults(DEFINITION_SPEC, values)
    result["name"] = "spec-test"
    return result


def _with_defaults(options, value):
    filled = dict((name, spec.get("default")) for name, spec in options.items())
    for name, item in value.items():
        sub = options[name]
        if sub.get("options") and isinstance(item, list):
            item = [_with_defaults(sub["options"], element) for element in item]
        elif sub.get("options") and isinstance(item, dict):
            item = _with_defaults(sub["options"], item)
        filled[name] = item
    return filled


def build(conn, **values):
    return DomainSpecBuilder(conn, params(**values), "test", is_local=False).build()


def build_local_qemu(conn, **values):
    """The desired definition of a qemu domain on a local libvirt (paths are looked at)."""
    return DomainSpecBuilder(conn, params(**values), "qemu", is_local=True).build()


def change_triples(desired, live):
    return [(change.path, change.before, change.after) for change in desired.changes(live)]


def test_disk_targets_are_assigned_per_bus_in_order(conn):
    desired = build(conn, disks=[
        dict(path="/a"), dict(path="/b", target="vdb"), dict(path="/c"),
        dict(path="/d", bus="scsi"), dict(device="cdrom"),
    ])
    assert [d.target_dev for d in desired.disks] == ["vda", "vdb", "vdc", "sda", "sdb"]
    assert [d.target_bus for d in desired.disks] == ["virtio", "virtio", "virtio", "scsi", "sata"]
    # a SCSI disk brings its virtio-scsi controller
    assert [(c.type, c.model) for c in desired.controllers] == [("scsi", "virtio-scsi")]
    assert not isinstance(desired.disks, ExclusiveList)


def test_devices_exclusive_makes_exclusive_lists(conn):
    desired = build(conn, disks=[dict(path="/a")], devices_exclusive=True)
    assert isinstance(desired.disks, ExclusiveList)


def test_only_given_options_are_requested(conn):
    desired = build(conn, memory_mb=64)
    assert desired.memory_kib == 65536
    assert desired.vcpus is None and desired.cpu is None and desired.os is None and desired.disks is None


def test_creation_defaults_fill_what_a_new_domain_needs(conn):
    desired = creation_defaults(build(conn, memory_mb=64))
    assert (desired.features.acpi, desired.features.apic) == (True, True)
    assert desired.vcpus == 1
    assert [s.type for s in desired.serials] == ["pty"] and desired.graphics == []
    assert desired.os.type == "hvm"


def test_cpu_custom_with_features_and_topology(conn):
    desired = build(conn, vcpus=4, cpu=dict(mode="custom", model="qemu64",
                                            features=[dict(name="pcid"), dict(name="vmx", policy="disable")],
                                            topology=dict(sockets=1, cores=2, threads=2)))
    cpu = desired.cpu
    assert (cpu.mode, cpu.match, cpu.model, cpu.fallback) == ("custom", "exact", "qemu64", "forbid")
    assert [(f.name, f.policy) for f in cpu.features] == [("pcid", "require"), ("vmx", "disable")]
    assert (cpu.topology.sockets, cpu.topology.cores, cpu.topology.threads) == (1, 2, 2)


def test_cpu_mode_none_leaves_mode_out(conn):
    cpu = build(conn, cpu=dict(mode="none", topology=dict(sockets=1, cores=1, threads=1))).cpu
    assert cpu.topology.cores == 1
    assert "mode=" not in cpu.to_xml() and "<topology" in cpu.to_xml()


def test_cpu_mode_none_replaces_a_custom_model(conn):
    """Issue 12, item 14: mode none on a custom CPU reported no change and kept the model."""
    live = DomainConfig.from_xml(
        "<domain type='qemu'><name>g</name><cpu mode='custom' match='exact' check='partial'>"
        "<model fallback='forbid'>qemu64</model><feature policy='require' name='pcid'/>"
        "<topology sockets='1' dies='1' cores='1' threads='1'/></cpu></domain>")
    desired = build(conn, cpu=dict(mode="none"))
    assert _cpu_changes(desired, live) == ["cpu.mode", "cpu.features[pcid]"]
    desired.apply_to(live)
    text = live.to_xml()
    assert "<model" not in text and "feature" not in text and "mode=" not in text and "check=" not in text
    assert "<topology" in text  # the guest's topology is not the CPU model's
    assert _cpu_changes(build(conn, cpu=dict(mode="none")), DomainConfig.from_xml(text)) == []


def test_cpu_mode_none_on_a_domain_without_cpu_is_no_change(conn):
    live = DomainConfig.from_xml("<domain type='qemu'><name>g</name></domain>")
    assert _cpu_changes(build(conn, cpu=dict(mode="none")), live) == []


def _cpu_changes(desired, live):
    return [change.path for change in desired.changes(live) if change.path.startswith("cpu")]


def test_nics_without_mac_take_the_live_mac_at_their_position(conn):
    live = DomainConfig.from_xml(
        "<domain><name>n</name><devices>"
        "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/></interface>"
        "<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/><model type='virtio'/></interface>"
        "</devices></domain>")
    desired = build(conn, interfaces=[dict(network="default"), dict(network="default", mac="52:54:00:00:00:01")])
    resolve_against_live(desired, live)
    # The second NIC claims :01 by MAC; the first takes the first MAC nobody asked for.
    assert [i.mac for i in desired.interfaces] == ["52:54:00:00:00:02", "52:54:00:00:00:01"]
    assert [change for change in desired.changes(live) if change[0].startswith("interfaces")] == []
    # A NIC without MAC after one that names its MAC takes the MAC left over (it once became a
    # new, third NIC: it looked for a free MAC at its own position, past the end of the free ones).
    after = build(conn, interfaces=[dict(network="default", mac="52:54:00:00:00:01"), dict(network="default")])
    resolve_against_live(after, live)
    assert [i.mac for i in after.interfaces] == ["52:54:00:00:00:01", "52:54:00:00:00:02"]
    assert [change for change in after.changes(live) if change[0].startswith("interfaces")] == []


def test_missing_nwfilter_is_refused(conn):
    # (the test driver has no nwfilter support; real filters are used in the integration tests)
    with pytest.raises(VirtopsError, match=r"interfaces\[0\]: nwfilter clean-traffic is not defined"):
        build(conn, interfaces=[dict(network="default", filter=dict(name="clean-traffic", parameters={}))])


@pytest.mark.parametrize("uri,local", [
    ("qemu:///system", True), ("test:///default", True), ("qemu+unix:///system?socket=/x", True),
    ("qemu+ssh://root@hv1/system", False), ("qemu+tcp://hv2/system", False),
])
def test_local_uri_detection(uri, local):
    assert is_local_uri(uri) is local


def test_unknown_network_is_refused(conn):
    with pytest.raises(VirtopsError, match=r"interfaces\[0\]: libvirt network nope cannot be used"):
        build(conn, interfaces=[dict(network="nope")])


def test_a_cdrom_without_path_ejects_the_media(conn):
    """Issue 12, item 15: a CD-ROM requested without a path reported no change."""
    live = DomainConfig.from_xml(
        "<domain type='qemu'><name>g</name><devices><disk type='file' device='cdrom'>"
        "<driver name='qemu' type='raw'/><source file='/srv/iso/tools.iso'/>"
        "<target dev='sda' bus='sata'/><readonly/></disk></devices></domain>")
    desired = build(conn, disks=[dict(device="cdrom", target="sda")])
    changes = [change for change in desired.changes(live) if change.path.startswith("disks")]
    assert [(change.path, change.before, change.live.name) for change in changes] == [
        ("disks[sda].source.file", "/srv/iso/tools.iso", "media")]
    desired.apply_to(live)
    text = live.to_xml()
    assert "<source" not in text and "tools.iso" not in text and "<target dev=\"sda\"" in text
    ejected = DomainConfig.from_xml(text)
    assert [change for change in desired.changes(ejected) if change.path.startswith("disks")] == []
    assert ejected.disks[0].source() is None
    # and media goes back in
    inserted = build(conn, disks=[dict(device="cdrom", target="sda", path="/srv/iso/tools.iso")])
    assert [change.path for change in inserted.changes(ejected) if change.path.startswith("disks")] == [
        "disks[sda].source.file"]


def test_cpu_mode_none_accepts_the_model_libvirt_fills_in(conn):
    """libvirt 9.0 writes its default CPU (qemu64 for TCG, check='none', no features) into a
    definition that asked for none: that is no change, or mode none would never settle."""
    live = DomainConfig.from_xml(
        "<domain type='qemu'><name>g</name><cpu mode='custom' match='exact' check='none'>"
        "<model fallback='forbid'>qemu64</model></cpu></domain>")
    assert _cpu_changes(build(conn, cpu=dict(mode="none")), live) == []
    topology = build(conn, vcpus=2, cpu=dict(mode="none", topology=dict(sockets=1, cores=2, threads=1)))
    assert _cpu_changes(topology, live) == ["cpu.topology.sockets", "cpu.topology.dies", "cpu.topology.cores",
                                            "cpu.topology.threads"]


def test_a_block_device_over_a_remote_uri_stays_a_block_disk(conn):
    """Through a remote libvirt the path cannot be looked at here: a pool volume of that path says
    what it is, else a path under /dev/ is a device node; asking again for a live block disk is
    no change (it was once read as a file and would have been converted)."""
    # The test driver keeps its pools in memory: a file volume whose path is under /dev/.
    pool = conn.storagePoolCreateXML("<pool type='dir'><name>virtops-unit-dev</name><target>"
                                     "<path>/dev/virtops-unit</path></target></pool>", 0)
    try:
        pool.createXML("<volume><name>image.raw</name><capacity>1024</capacity></volume>", 0)
        desired = build(conn, disks=[dict(path="/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.x-lun-1"),
                                     dict(path="/srv/images/data.img"),
                                     dict(path="/dev/virtops-unit/image.raw")])
    finally:
        pool.destroy()
    assert [(disk.type, disk.source_dev, disk.source_file) for disk in desired.disks] == [
        ("block", "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.x-lun-1", None),
        ("file", None, "/srv/images/data.img"),
        ("file", None, "/dev/virtops-unit/image.raw"),  # its pool says it is a file
    ]
    live = DomainConfig.from_xml(
        "<domain type='test'><name>spec-test</name><devices><disk type='block' device='disk'>"
        "<driver name='qemu' type='raw'/><source dev='/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.x-lun-1'/>"
        "<target dev='vda' bus='virtio'/></disk></devices></domain>")
    again = build(conn, disks=[dict(path="/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.x-lun-1", format="raw")])
    assert again.changes(live) == []


def test_network_disks_in_the_definition_match_what_libvirt_writes(conn):
    desired = build(conn, disks=[
        dict(iscsi=dict(portal="127.0.0.1", iqn="iqn.2026-11.io.virtops:lun", lun=1, chap_username=None,
                        chap_secret_usage=None, chap_secret_uuid=None), serial="net-1"),
        dict(rbd=dict(pool="volumes", image="volume-1", monitors=["[::1]:6790", "127.0.0.1"], user=None,
                      secret_usage=None, secret_uuid=None), bus="scsi"),
    ])
    live = DomainConfig.from_xml(
        "<domain type='test'><name>spec-test</name><devices>"
        "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
        "<source protocol='iscsi' name='iqn.2026-11.io.virtops:lun/1'><host name='127.0.0.1' port='3260'/></source>"
        "<target dev='vda' bus='virtio'/><serial>net-1</serial></disk>"
        "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
        "<source protocol='rbd' name='volumes/volume-1'><host name='::1' port='6790'/>"
        "<host name='127.0.0.1' port='6789'/></source><target dev='sda' bus='scsi'/></disk>"
        "<controller type='scsi' index='0' model='virtio-scsi'/></devices></domain>")
    assert desired.changes(live) == []
    assert [disk.source() for disk in desired.disks] == ["iscsi://127.0.0.1:3260/iqn.2026-11.io.virtops:lun/1",
                                                         "rbd://volumes/volume-1"]


def test_a_disk_with_two_sources_is_refused(conn):
    with pytest.raises(VirtopsError, match=r"disks\[0\]: give one source of path, pool\+volume, iscsi, rbd, nfs, nbd and url, not path and iscsi"):
        build(conn, disks=[dict(path="/a", iscsi=dict(portal="127.0.0.1", iqn="iqn.x", lun=0, chap_username=None,
                                                      chap_secret_usage=None, chap_secret_uuid=None))])


INTERFACES_XML = """<domain type='test'><name>spec-test</name><devices>
  <interface type='bridge'><mac address='52:54:00:00:00:11'/><source bridge='br-int'/>
    <vlan trunk='yes'><tag id='10' nativeMode='untagged'/><tag id='20'/></vlan>
    <virtualport type='openvswitch'><parameters interfaceid='0d7f5a3e-1c2b-4e5f-8a9b-0c1d2e3f4a5b'/></virtualport>
    <target dev='tap0d7f5a3e-1c'/><model type='virtio'/><driver queues='2' rx_queue_size='512'/><mtu size='1450'/>
    <bandwidth><inbound average='1000' peak='2000' burst='512'/><outbound average='500'/></bandwidth></interface>
  <interface type='direct'><mac address='52:54:00:00:00:12'/><source dev='eth9' mode='passthrough'/><model type='virtio'/></interface>
  <interface type='ethernet'><mac address='52:54:00:00:00:13'/><target dev='vtap-13' managed='yes'/><model type='virtio'/></interface>
  <interface type='vhostuser'><mac address='52:54:00:00:00:14'/><source type='unix' path='/run/vhu.sock' mode='client'/>
    <model type='virtio'/><driver tx_queue_size='1024'/></interface>
  <interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:15'/>
    <source><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source><vlan><tag id='42'/></vlan></interface>
</devices></domain>"""


def test_every_interface_type_and_option_matches_what_libvirt_writes(conn):
    desired = build(conn, interfaces=[
        dict(bridge="br-int", mac="52:54:00:00:00:11", target_dev="tap0d7f5a3e-1c", mtu=1450, queues=2, rx_queue_size=512,
             vlan=dict(tags=[10, 20], native=10),
             virtualport=dict(type="openvswitch", interfaceid="0d7f5a3e-1c2b-4e5f-8a9b-0c1d2e3f4a5b"),
             bandwidth=dict(inbound=dict(average=1000, peak=2000, burst=512), outbound=dict(average=500))),
        dict(direct=dict(dev="eth9", mode="passthrough"), mac="52:54:00:00:00:12"),
        dict(ethernet=True, target_dev="vtap-13", mac="52:54:00:00:00:13"),
        dict(vhostuser=dict(path="/run/vhu.sock"), tx_queue_size=1024, mac="52:54:00:00:00:14"),
        dict(hostdev=dict(pci="03:00.1"), vlan=dict(tags=[42]), mac="52:54:00:00:00:15"),
    ])
    live = DomainConfig.from_xml(INTERFACES_XML)
    assert desired.changes(live) == []
    # One option changed alone shows its own field only.
    changed = build(conn, interfaces=[dict(bridge="br-int", mac="52:54:00:00:00:11", mtu=9000)])
    assert [(c.path, c.before, c.after) for c in changed.changes(live)] == [
        ("interfaces[52:54:00:00:00:11].mtu", 1450, 9000)]
    # Moving an interface from a bridge to a network drops the bridge.
    moved = build(conn, interfaces=[dict(network="default", mac="52:54:00:00:00:11")])
    moved.apply_to(live)
    first = DomainConfig.from_xml(live.to_xml()).interfaces[0]
    assert (first.type, first.source_network, first.source_bridge) == ("network", "default", None)


@pytest.mark.parametrize("interface,message", [
    (dict(bridge="br0", ethernet=True), "give exactly one of network or bridge .or direct, ethernet, vhostuser, hostdev., not bridge and ethernet"),
    (dict(bridge="br0", mtu=20), r"interfaces\[0\].mtu is from 68 to 65535, got 20"),
    (dict(bridge="br0", rx_queue_size=300), "rx_queue_size is 256, 512 or 1024"),
    (dict(bridge="br0", model="", packed=True), "packed virtqueues are a virtio NIC's .model is the hypervisor's default."),
    (dict(bridge="br0", model="", driver="vhost"), "run a virtio NIC .this one is model the hypervisor's default."),
    (dict(bridge="br0", vlan=dict(tags=[5000])), "vlan tag 5000 is not 0 to 4095"),
    (dict(bridge="br0", vlan=dict(tags=[1, 2], native=3)), "vlan.native 3 must be one of vlan.tags"),
    (dict(hostdev=dict(pci="3:0.1")), "hostdev.pci '3:0.1' is not a PCI address"),
    (dict(vhostuser=dict(path="/s"), model="e1000"), "a vhostuser interface is virtio"),
    (dict(bridge="br0", bandwidth=dict(inbound=dict(average=0))), "bandwidth.inbound.average must be at least 1"),
    (dict(bridge="br0", driver="vfio"), r"interfaces\[0\].driver: vfio passes a host NIC through .hostdev.; a bridge interface"),
    (dict(bridge="br0", model="e1000e", driver="vhost"), "the vhost and qemu back ends run a virtio NIC .this one is model e1000e."),
    (dict(hostdev=dict(pci="03:00.1"), driver="qemu"), "run a virtio NIC .this one is a host device."),
    (dict(ethernet=True, target_managed=False), "target_managed says whether libvirt creates the tap device target_dev names; it needs target_dev"),
    (dict(bridge="br0", virtualport=dict(type="openvswitch", instanceid="x")), "virtualport.instanceid is an 802.1Qbg port's .type is openvswitch."),
    (dict(direct=dict(dev="eth0"), virtualport=dict(type="802.1Qbg", managerid=1)),
     "an 802.1Qbg virtualport needs managerid, typeid and typeidversion .missing typeid, typeidversion."),
])
def test_bad_interfaces_are_refused(conn, interface, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, interfaces=[interface])


def test_an_empty_nic_model_leaves_it_to_the_hypervisor(conn):
    """model '' writes no <model> (QEMU's driver names its default when the NIC is defined, as for
    Nova's NICs without a virtio model); on a NIC that has a model it asks for no change."""
    desired = build(conn, interfaces=[dict(bridge="br0", mac="52:54:00:00:05:01", model="")])
    assert desired.interfaces[0].model is None
    assert "<model" not in desired.interfaces[0].to_xml()
    live = DomainConfig.from_xml(
        "<domain type='test'><name>spec-test</name><devices><interface type='bridge'>"
        "<mac address='52:54:00:00:05:01'/><source bridge='br0'/><model type='rtl8139'/></interface>"
        "</devices></domain>")
    assert desired.interfaces[0].changes(live.interfaces[0]) == []


def test_disk_limits_block_sizes_wwn_and_a_lun_match_what_libvirt_writes(conn):
    desired = build(conn, disks=[
        dict(path="/srv/a.img", format="raw", iotune=dict(total_bytes_sec=10485760, read_iops_sec=200),
             blockio=dict(logical_block_size=512, physical_block_size=4096)),
        dict(path="/dev/sdz", device="lun", bus="scsi", wwn="5000c50015ea71ad"),
    ])
    live = DomainConfig.from_xml(
        "<domain type='test'><name>spec-test</name><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/a.img'/>"
        "<blockio logical_block_size='512' physical_block_size='4096'/><target dev='vda' bus='virtio'/>"
        "<iotune><total_bytes_sec>10485760</total_bytes_sec><read_iops_sec>200</read_iops_sec></iotune></disk>"
        "<disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/sdz'/>"
        "<target dev='sda' bus='scsi'/><wwn>5000c50015ea71ad</wwn></disk>"
        "<controller type='scsi' index='0' model='virtio-scsi'/></devices></domain>")
    assert desired.changes(live) == []
    lifted = build(conn, disks=[dict(path="/srv/a.img", format="raw", iotune=dict(total_bytes_sec=0, read_iops_sec=200))])
    assert [(c.path, c.before, c.after) for c in lifted.changes(live)] == [
        ("disks[vda].iotune.total_bytes_sec", 10485760, 0)]
    lifted.apply_to(live)
    assert "total_bytes_sec" not in live.to_xml() and "<read_iops_sec>200</read_iops_sec>" in live.to_xml()


@pytest.mark.parametrize("disk,message", [
    (dict(path="/dev/sdz", device="lun"), "device lun passes SCSI commands through, so it needs bus scsi .got virtio."),
    (dict(path="/srv/a.img", device="lun", bus="scsi"), "device lun needs an iscsi LUN or a block device path"),
    (dict(path="/srv/a.img", wwn="5000c50015ea71ad"), "wwn is only supported on bus scsi"),
    (dict(path="/srv/a.img", bus="scsi", wwn="xyz"), "wwn 'xyz' is not 16 hexadecimal digits"),
    (dict(path="/srv/a.img", iotune=dict(total_iops_sec=10, write_iops_sec=5)),
     "iotune.total_iops_sec cannot be combined with read_iops_sec or write_iops_sec"),
    (dict(path="/srv/a.img", iotune=dict(read_bytes_sec=-1)), "iotune.read_bytes_sec must be 0 .no limit. or more"),
    (dict(path="/srv/a.img", blockio=dict(logical_block_size=4096, physical_block_size=512)),
     "blockio.physical_block_size 512 is smaller than logical_block_size 4096"),
])
def test_bad_disk_tuning_is_refused(conn, disk, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, disks=[disk])


def test_cpu_check_is_compared_only_when_given(conn):
    live = DomainConfig.from_xml("<domain type='test'><name>spec-test</name><cpu mode='custom' match='exact' "
                                 "check='partial'><model fallback='forbid'>qemu64</model></cpu></domain>")
    assert _cpu_changes(build(conn, cpu=dict(mode="custom", model="qemu64")), live) == []
    assert _cpu_changes(build(conn, cpu=dict(mode="custom", model="qemu64", check="full")), live) == ["cpu.check"]


def test_a_tcp_serial_console_matches_what_libvirt_writes_and_replaces_a_pty(conn):
    desired = build(conn, serial_console=dict(type="tcp", port=4555))
    tcp_xml = ("<domain type='test'><name>spec-test</name><devices><serial type='tcp'>"
               "<source mode='bind' host='127.0.0.1' service='4555'/><protocol type='raw'/>"
               "<target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>"
               "<console type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/><protocol type='raw'/>"
               "<target type='serial' port='0'/></console></devices></domain>")
    assert desired.changes(DomainConfig.from_xml(tcp_xml)) == []
    live = DomainConfig.from_xml(tcp_xml)
    build(conn, serial_console=dict(type="pty")).apply_to(live)
    text = live.to_xml()
    assert "<serial type=\"pty\">" in text and "service=" not in text and "<protocol" not in text
    with pytest.raises(VirtopsError, match="serial_console.type=tcp needs serial_console.port, 1 to 65535"):
        build(conn, serial_console=dict(type="tcp"))
    with pytest.raises(VirtopsError, match="serial_console.path is only used with type=file; for a tcp console"):
        build(conn, serial_console=dict(type="tcp", port=1, path="/x"))


def test_the_spice_agent_channel_is_added_kept_and_removed_with_graphics_agent(conn):
    live = DomainConfig.from_xml(
        "<domain><name>s</name><devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
        "</channel></devices></domain>")
    added = build(conn, graphics=dict(type="spice", agent=True))
    resolve_against_live(added, live, None, True)
    assert [(change.path, change.after) for change in added.changes(live) if change.path.startswith("channels")] == [
        ("channels[com.redhat.spice.0].type", "spicevmc"), ("channels[com.redhat.spice.0].target.type", "virtio"),
        ("channels[com.redhat.spice.0].target.name", "com.redhat.spice.0")]
    both = DomainConfig.from_xml(live.to_xml().replace(
        "</devices>", "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel></devices>"))
    removed = build(conn, graphics=dict(type="spice", agent=False))
    resolve_against_live(removed, both, None, False)
    assert [channel.target_name for channel in removed.channels] == ["org.qemu.guest_agent.0"]
    assert [change.path for change in removed.changes(both) if change.path.startswith("channels")] == [
        "channels[com.redhat.spice.0]"]
    with pytest.raises(VirtopsError, match="graphics.agent is a SPICE setting .type is vnc."):
        build(conn, graphics=dict(type="vnc", agent=True))
