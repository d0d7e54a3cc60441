# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A definition read back as the domain module's typed options: built again, the same document."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.guest.definition_options import definition_options
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import DEFINITION_SPEC, creation_defaults
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig
from ansible_collections.virtops.libvirt.tests.unit.plugins.module_utils.guest.test_domain_spec import build

# Nearly every typed option, with values Nova writes.
EVERY_OPTION = dict(
    uuid="7b1e3f5c-4a2d-4f3e-9c1b-2d3e4f5a6b7c", title="db-1", description="primary database",
    memory_mb=2048, current_memory_mb=1024, vcpus=4, current_vcpus=2, metadata={"role": "db"},
    arch="x86_64", machine="pc-q35-7.2", pcie_root_ports=4,
    firmware="uefi", uefi=dict(secure_boot=True, enrolled_keys=True, nvram="/var/lib/libvirt/qemu/nvram/db-1.fd"),
    boot=dict(devices=["hd", "network"], menu=True, menu_timeout=3000),
    cpu=dict(mode="host-passthrough", topology=dict(sockets=1, cores=2, threads=2),
             features=[dict(name="vmx", policy="disable")],
             numa=[dict(cpus="0-1", memory_mb=1024, mem_access="shared"), dict(cpus="2-3", memory_mb=1024)],
             maxphysaddr=dict(mode="emulate", bits=42)),
    features=dict(acpi=True, apic=True, smm=True, pmu=False, ioapic="qemu",
                  hyperv=dict(relaxed=True, vapic=True, spinlocks_retries=8191, vendor_id="virtops")),
    disks=[
        dict(path="/var/lib/libvirt/images/db-1.qcow2", path_type="file", format="qcow2", cache="none", io="native",
             discard="unmap", serial="db-1-root", iotune=dict(total_iops_sec=500), address=dict(pci="0000:00:0a.0")),
        dict(path="/dev/mapper/db-1-data", path_type="block", format="raw", bus="scsi", wwn="5000c500a1b2c3d4",
             blockio=dict(logical_block_size=512, physical_block_size=4096),
             address=dict(controller=0, bus=0, target=0, unit=1)),
        dict(rbd=dict(pool="volumes", image="volume-1", monitors=["10.0.0.1", "10.0.0.2:6790"])),
        dict(nfs=dict(server="nfs.example", path="/export/volume-2.qcow2", user="+107"), format="qcow2"),
        dict(nbd=dict(server="nbd.example:10810", export="volume-3")),
        dict(nbd=dict(socket="/run/nbd/volume-4.sock")),
        dict(iscsi=dict(portal="10.0.0.3", iqn="iqn.2010-10.org.openstack:volume-5", lun=1), bus="scsi",
             shareable=True),
        dict(url="https://images.example/rescue.iso?token=1", device="cdrom", bus="sata"),
        dict(device="cdrom", bus="sata"),
    ],
    interfaces=[
        dict(network="default", mac="52:54:00:00:00:01", queues=2, rx_queue_size=512, mtu=1450,
             bandwidth=dict(inbound=dict(average=1000, burst=2000)), address=dict(pci="0000:00:03.0"), packed=True),
        dict(bridge="br0", mac="52:54:00:00:00:02", vlan=dict(tags=[10, 20], native=10),
             virtualport=dict(type="openvswitch", interfaceid="1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9")),
        dict(direct=dict(dev="eth0", mode="passthrough"), mac="52:54:00:00:00:03", model="e1000e"),
        dict(vhostuser=dict(path="/run/vhu.sock", mode="server"), mac="52:54:00:00:00:04"),
        dict(ethernet=True, target_dev="tap-db-1", mac="52:54:00:00:00:05"),
        dict(hostdev=dict(pci="0000:81:00.1"), mac="52:54:00:00:00:06"),
    ],
    serials=[dict(type="pty", log_file="/var/log/db-1.log", log_append=True),
             dict(type="file", path="/var/log/db-1-port1.log", append=True),
             dict(type="tcp", host="127.0.0.1", port=4555, mode="bind", protocol="telnet")],
    graphics=dict(type="spice", listen="0.0.0.0", image_compression="auto_glz", streaming_mode="filter", secure=True),
    guest_agent=True,
    controllers=[dict(type="usb", model="qemu-xhci"), dict(type="virtio-serial", ports=8)],
    clock=dict(offset="utc", timers=[dict(name="rtc", tickpolicy="catchup"), dict(name="hpet", present=False)]),
    memballoon=dict(stats_period=10, autodeflate=True, free_page_reporting=True),
    tpm=dict(model="tpm-crb", persistent_state=True),
    filesystems=[dict(source="/srv/share", target="share", queue_size=1024, address=dict(pci="0000:00:0c.0"))],
    watchdog=dict(model="i6300esb", action="poweroff"), panic=dict(model="isa"), video=dict(model="virtio", heads=1),
    inputs=[dict(type="tablet")], vsock=dict(model="virtio", cid=5), rng=dict(rate_bytes=1024, rate_period=1000),
    hostdevs=[dict(pci="0000:06:00.0", driver="vfio", address=dict(pci="0000:00:0b.0")),
              dict(mdev="c2177883-f1bb-47f0-914d-32a22e3a8804")],
    memory_backing=dict(hugepages=dict(pages=[dict(size_kib=2048, nodeset="0-1")]), source="memfd", access="shared",
                        locked=True),
    iothreads=2,
    cputune=dict(shares=2048, vcpupin=[dict(vcpu=0, cpuset="0"), dict(vcpu=1, cpuset="1")], emulatorpin="2-3",
                 iothreadpin=[dict(iothread=1, cpuset="4")], vcpusched=[dict(vcpus="0", scheduler="fifo", priority=1)],
                 emulatorsched=dict(scheduler="idle")),
    vcpu_placement="static", vcpu_cpuset="0-7", perf_events=["cmt", "cpu_cycles"],
    numatune=dict(mode="strict", nodeset="0", memnodes=[dict(cellid=0, mode="strict", nodeset="0")]),
    memtune=dict(hard_limit_mb=4096, soft_limit_mb=3072),
    launch_security=dict(type="sev-snp", cbitpos=51, reduced_phys_bits=1, vcek=True),
    sysinfo=dict(manufacturer="OpenStack Foundation", product="OpenStack Nova", serial="db-1"),
    on_poweroff="destroy", on_reboot="restart", on_crash="coredump-destroy",
)


# The typed options EVERY_OPTION leaves out, and why: a new option is read back, or named here.
NOT_IN_EVERY_OPTION = {
    "virt_type": "the test driver's domains are of type test",
    "devices_exclusive": "says how lists are compared, not what a definition holds",
    "devices_xml": "whole device elements: read back as what no typed option asks for",
    "serial_console": "serials holds the same ports (one port reads back as serial_console)",
}


def test_every_typed_option_is_read_back_or_named():
    given = set(EVERY_OPTION) | set(NOT_IN_EVERY_OPTION)
    assert sorted(set(DEFINITION_SPEC) - given) == []
    assert sorted(given - set(DEFINITION_SPEC)) == []


def _defined(conn, **values):
    """The document a new domain of ``values`` gets, as libvirt's parser gives it back."""
    return DomainConfig.from_xml(creation_defaults(build(conn, **values)).to_xml())


def test_every_option_read_back_builds_the_same_document(conn):
    document = _defined(conn, **EVERY_OPTION)
    options, untyped = definition_options(document)
    assert untyped == []
    assert _defined(conn, **options).to_xml() == document.to_xml()


def test_options_read_back_are_the_ones_given(conn):
    options, _untyped = definition_options(_defined(conn, **EVERY_OPTION))
    for name in ("uuid", "memory_mb", "current_memory_mb", "vcpus", "current_vcpus", "metadata", "firmware",
                 "cputune", "numatune", "memtune", "perf_events", "vsock", "sysinfo", "serials"):
        assert options[name] == EVERY_OPTION[name], name
    assert options["disks"][2]["rbd"] == dict(pool="volumes", image="volume-1", monitors=["10.0.0.1", "10.0.0.2:6790"])
    assert options["disks"][4]["nbd"] == dict(server="nbd.example:10810", export="volume-3")
    assert options["disks"][7]["url"] == "https://images.example/rescue.iso?token=1"
    assert options["interfaces"][0]["address"] == dict(pci="0000:00:03.0")
    assert options["interfaces"][5]["hostdev"] == dict(pci="0000:81:00.1", managed=True)
    assert options["hostdevs"][0]["pci"] == "0000:06:00.0"
    assert options["graphics"]["secure"] is True


def test_a_new_definition_keeps_what_the_document_lacks(conn):
    """No ACPI, no serial port: the options say so, or a new definition would get both."""
    document = DomainConfig.from_xml("<domain type='test'><name>spec-test</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>"
                                     "<os><type>hvm</type></os></domain>")
    options, untyped = definition_options(document)
    assert (options["features"], options["serial_console"], untyped) == (dict(acpi=False, apic=False), dict(type="none"), [])
    assert _defined(conn, **options).to_xml() == document.to_xml()


def test_what_no_option_asks_for_is_named():
    document = DomainConfig.from_xml(
        "<domain type='kvm'><name>spice</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
        "<cpu mode='custom'><model>Haswell</model><vendor>Intel</vendor></cpu>"
        "<perf><event name='cmt' enabled='no'/></perf>"
        "<devices><graphics type='vnc' passwd='s3cret'/><graphics type='spice'/>"
        "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
        "<sound model='ich9'/><memory model='dimm'><target><size>524288</size></target></memory>"
        "<disk type='network'><source protocol='sheepdog' name='volume'/><target dev='vda'/></disk></devices>"
        "</domain>")
    options, untyped = definition_options(document)
    assert [note.split(":")[0] for note in untyped] == [
        "cpu/vendor", "perf/event[cmt]", "devices/disk[vda]", "devices/graphics", "devices/graphics",
        "devices/channel[com.redhat.spice.0]", "devices/sound", "devices/memory"]
    assert "s3cret" not in repr(options) + repr(untyped)
    assert options["graphics"] == dict(type="vnc")
