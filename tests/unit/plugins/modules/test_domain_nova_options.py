# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The typed options issue 26 adds for what Nova writes (vCPU placement, real-time and I/O thread
scheduling, perf events, virtiofs shares, several serial ports, pinned NIC and host device
addresses, packed virtqueues, balloon and vTPM settings, SEV-SNP), on test:///default: each
written as libvirt keeps it, idempotent (a second run and a check-mode run change nothing), with
a per-field change when one value moves, and bad values refused saying what is allowed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import DISK, DiskBuilder
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import (
    Option, OptionGroup, argument_spec, between,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig, EmulatorSched
from ansible_collections.virtops.libvirt.plugins.modules import domain as domain_module

libvirt = pytest.importorskip("libvirt")

SECRET = "6dd3e4a5-1d76-44fa-a1ac-d4e6a2d1b1a4"

NOVA_OPTIONS = dict(
    vcpus=8,
    memory_mb=256,
    iothreads=2,
    vcpu_placement="static",
    vcpu_cpuset="0-1,3-5",
    cputune=dict(
        vcpupin=[dict(vcpu=0, cpuset="0")],
        emulatorpin="1",
        iothreadpin=[dict(iothread=1, cpuset="0-7")],
        vcpusched=[dict(vcpus="0-3", scheduler="fifo", priority=1), dict(vcpus="4-7", scheduler="fifo", priority=99)],
        emulatorsched=dict(scheduler="fifo", priority=10),
    ),
    perf_events=["cmt", "mbml"],
    memory_backing=dict(source="memfd", access="shared"),
    filesystems=[dict(source="SHARE", target="share-1", readonly=True)],
    memballoon=dict(stats_period=10, autodeflate=True, free_page_reporting=True),
    tpm=dict(model="tpm-tis", persistent_state=True, secret_uuid=SECRET),
    interfaces=[dict(network="default", mac="52:54:00:aa:bb:01", address=dict(pci="0000:00:03.0"), packed=True)],
    hostdevs=[dict(pci="0000:81:00.1", driver="vfio", address=dict(pci="0000:00:06.0"))],
    serials=[dict(type="tcp", host="127.0.0.1", port=10000), dict(type="tcp", host="127.0.0.1", port=10001),
             dict(type="pty", log_file="/var/log/guest-console.log", log_append=False),
             dict(type="file", path="/var/log/guest-serial.log", append=True)],
)


def _options(share, **changes):
    """NOVA_OPTIONS with the share's directory ``share`` and ``changes`` (None: left out)."""
    options = copy.deepcopy(NOVA_OPTIONS)
    options["filesystems"][0]["source"] = str(share)
    options.update(changes)
    return dict((key, value) for key, value in options.items() if value is not None)


@pytest.fixture
def fresh_name(names):
    """A new domain's name; test:///default keeps what is defined while the ``conn`` fixture holds it open."""
    return names()


def _xml(conn, name):
    return conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)


def test_what_nova_writes_is_defined_once_and_then_left_alone(conn, fresh_name, run_module, tmp_path):
    args = dict(name=fresh_name, virt_type="qemu", **_options(tmp_path))
    first = run_module(domain_module, **args)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True
    config = DomainConfig.from_xml(_xml(conn, fresh_name))
    assert (config.vcpu_placement, config.vcpu_cpuset) == ("static", "0-1,3-5")
    # libvirt keeps one <vcpusched> per vCPU
    assert [(s.vcpus, s.scheduler, s.priority) for s in config.cputune.vcpuscheds] == [
        (str(vcpu), "fifo", 1 if vcpu < 4 else 99) for vcpu in range(8)]
    assert [(pin.iothread, pin.cpuset) for pin in config.cputune.iothreadpins] == [(1, "0-7")]
    assert (config.cputune.emulatorsched.scheduler, config.cputune.emulatorsched.priority) == ("fifo", 10)
    assert [(event.name, event.enabled) for event in config.perf.events] == [("cmt", True), ("mbml", True)]
    share = config.filesystems[0]
    assert (share.type, share.accessmode, share.driver_type, share.source_dir, share.target_dir, share.readonly) == (
        "mount", "passthrough", "virtiofs", str(tmp_path), "share-1", True)
    balloon = config.memballoon
    assert (balloon.stats_period, balloon.autodeflate, balloon.free_page_reporting) == (10, True, True)
    tpm = config.tpms[0]
    assert (tpm.model, tpm.backend_type, tpm.persistent_state, tpm.secret_uuid) == ("tpm-tis", "emulator", True, SECRET)
    nic = config.interfaces[0]
    assert (nic.address.type, nic.address.slot, nic.packed) == ("pci", "0x03", True)
    hostdev = config.hostdevs[0]
    assert (hostdev.driver_name, hostdev.address.slot, hostdev.pci_bus) == ("vfio", "0x06", "0x81")
    assert [(serial.type, serial.target_port, serial.source_service) for serial in config.serials] == [
        ("tcp", 0, "10000"), ("tcp", 1, "10001"), ("pty", 2, None), ("file", 3, None)]
    assert config.serials[2].log_append is False and len(config.consoles) == 1
    assert config.serials[3].source_append is True and config.serials[2].source_append is None
    for check_mode in (True, False):
        again = run_module(domain_module, _ansible_check_mode=check_mode, **copy.deepcopy(args))
        assert not again.get("failed"), again.get("msg")
        assert again["changed"] is False and again["changes"] == [], again["changes"]
    moved = copy.deepcopy(args)
    moved["cputune"]["vcpusched"][1]["priority"] = 50
    moved["memballoon"]["autodeflate"] = False
    changed = run_module(domain_module, _ansible_diff=True, **moved)
    assert changed["changes"] == ["cputune.vcpusched[%d].priority" % vcpu for vcpu in range(4, 8)] + [
        "memballoon.autodeflate"], changed["changes"]
    assert "priority: 50" in changed["diff"]["after"] or "50" in changed["diff"]["after"]


@pytest.mark.parametrize("change, message", [
    (dict(filesystems=[dict(source="/srv/missing-share", target="s")]),
     "filesystems[0].source: directory /srv/missing-share does not exist"),
    (dict(filesystems=[dict(source="/srv/s", target="s")], memory_backing=None),
     "virtiofs needs the guest's memory shared with virtiofsd"),
    (dict(filesystems=[dict(source="/srv/s", target="s", accessmode="mapped")]),
     "virtiofs passes the guest's file owners through; only passthrough"),
    (dict(filesystems=[dict(source="srv", target="s")]), "filesystems[0].source 'srv' is not an absolute path"),
    (dict(filesystems=[dict(source="/srv/s", target="s", queue_size=2048)]), "filesystems[0].queue_size is from 1 to 1024"),
    (dict(cputune=dict(vcpusched=[dict(vcpus="0", scheduler="fifo")])), "scheduler fifo and rr take a priority"),
    (dict(cputune=dict(vcpusched=[dict(vcpus="0", scheduler="batch", priority=3)])), "batch and idle none"),
    (dict(cputune=dict(vcpusched=[dict(vcpus="0-9", scheduler="rr", priority=3)])),
     "cputune.vcpusched[0].vcpus: vCPU 8 does not exist"),
    (dict(cputune=dict(vcpusched=[dict(vcpus="0-3", scheduler="rr", priority=3), dict(vcpus="3", scheduler="idle")])),
     "cputune.vcpusched[1].vcpus: vCPU 3 already has its scheduler"),
    (dict(cputune=dict(iothreadpin=[dict(iothread=3, cpuset="0")])), "I/O thread 3 does not exist; the domain has 2"),
    (dict(cputune=dict(emulatorsched=dict(scheduler="rr", priority=100))), "cputune.emulatorsched.priority is from 1 to 99"),
    (dict(vcpu_placement="auto"), "vcpu_cpuset is for vcpu_placement static"),
    (dict(vcpu_cpuset="0-x"), "vcpu_cpuset: '0-x' is not a CPU or node set"),
    (dict(memballoon=dict(model="none", autodeflate=True)), "memballoon.autodeflate needs a balloon"),
    (dict(tpm=dict(secret_uuid="not-a-uuid")), "tpm.secret_uuid 'not-a-uuid' is not a UUID"),
    (dict(interfaces=[dict(network="default", address=dict(pci="3"))]), "interfaces[0].address.pci '3' is not a PCI address"),
    (dict(interfaces=[dict(network="default", model="e1000", packed=True)]), "packed virtqueues are a virtio NIC's"),
    (dict(hostdevs=[dict(mdev=SECRET, driver="vfio")]), "a mediated device has no driver to choose"),
    (dict(hostdevs=[dict(pci="0000:06:00.0", usb=dict(vendor="0x1234", product="0xbeef"))]),
     "hostdevs[0]: give exactly one of pci (a host PCI device), mdev (a mediated device's UUID) or usb"),
    (dict(hostdevs=[dict(usb=dict(vendor="0x1234"))]),
     "hostdevs[0].usb: give vendor and product (the device's ids), or bus and device (where it is plugged in)"),
    (dict(hostdevs=[dict(usb=dict(vendor="0x1234", product="0xbeef", bus=1, device=2))]),
     "hostdevs[0].usb: give vendor and product"),
    (dict(hostdevs=[dict(usb=dict(vendor="0x12345", product="0xbeef"))]),
     "hostdevs[0].usb.vendor '0x12345' is not a USB id: four hex digits, such as 0x1234"),
    (dict(hostdevs=[dict(usb=dict(bus=1, device=1000))]), "hostdevs[0].usb.device is from 0 to 999, got 1000"),
    (dict(hostdevs=[dict(usb=dict(bus=1, device=2), address=dict(pci="0000:00:06.0"))]),
     "hostdevs[0].address is a PCI device's (this is a USB device)"),
    (dict(hostdevs=[dict(pci="0000:06:00.0", startup_policy="optional")]), "hostdevs[0].startup_policy is a USB device's"),
    (dict(hostdevs=[dict(mdev=SECRET, boot_order=1)]), "the guest boots from a PCI or USB device, not a mediated one"),
    (dict(hostdevs=[dict(pci="0000:06:00.0", boot_order=0)]), "hostdevs[0].boot_order"),
    (dict(serials=[dict(type="pty"), dict(type="none")]), "type none (no serial port) cannot be one of several"),
    (dict(serial_console=dict(type="pty")), "give serial_console (one port) or serials"),
    (dict(serials=[dict(type="pty", log_append=True)]), "serials[0].log_append says whether log_file is appended"),
    (dict(serials=[dict(type="pty", append=True)]), "serials[0].append says whether path is appended to, for type=file"),
    (dict(launch_security=dict(type="sev", vcek=True, cbitpos=47, reduced_phys_bits=1)),
     "launch_security.vcek is an SEV-SNP setting"),
])
def test_bad_values_are_refused_before_anything_is_defined(conn, fresh_name, run_module, tmp_path, change, message):
    result = run_module(domain_module, name=fresh_name, virt_type="qemu", **_options(tmp_path, **change))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert result["changed"] is False and "exception" not in result
    assert fresh_name not in conn.listDefinedDomains()


@pytest.mark.parametrize("share, message", [
    (dict(type="file"), "value of type must be one of: mount, got: file found in filesystems"),
    (dict(driver="loop"), "value of driver must be one of: virtiofs, path, handle, got: loop found in filesystems"),
])
def test_what_qemu_does_not_share_is_not_offered(conn, fresh_name, run_module, tmp_path, share, message):
    """libvirt's QEMU driver refuses image files, block devices and the loop and nbd drivers (LXC's)."""
    result = run_module(domain_module, name=fresh_name, virt_type="qemu",
                        **_options(tmp_path, filesystems=[dict(source=str(tmp_path), target="s", **share)]))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert fresh_name not in conn.listDefinedDomains()


def test_sev_snp_is_written_as_libvirt_10_5_reads_it():
    """SEV-SNP's attributes, as Nova writes them, read back; libvirt 9.0's schema refuses the type,
    so the definition itself is proven only where libvirt has it."""
    from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import build_launch_security
    config = build_launch_security(dict(type="sev-snp", policy=None, cbitpos=51, reduced_phys_bits=1, kernel_hashes=True,
                                        author_key=False, vcek=True), "q35", None)
    text = config.to_xml()
    assert 'type="sev-snp"' in text and 'authorKey="no"' in text and 'vcek="yes"' in text and 'kernelHashes="yes"' in text
    assert "<policy>0x00030000</policy>" in text
    with pytest.raises(VirtopsError, match="is not a hexadecimal policy such as 0x00030000"):
        build_launch_security(dict(type="sev-snp", policy="0x1234567890abcdef0", cbitpos=51, reduced_phys_bits=1),
                              "q35", None)


# -- the declaration itself ------------------------------------------------------------------------------
def test_a_declared_group_gives_its_spec_and_builds_its_object():
    def _check(item, built, option):
        if built.scheduler == "idle" and built.priority:
            raise VirtopsError("%s: idle takes no priority" % option)
        return built

    group = OptionGroup("sched", EmulatorSched, [
        Option("scheduler", required=True, choices=["fifo", "idle"]),
        Option("priority", "int", checks=[between(1, 99)]),
    ], finish=_check)
    assert argument_spec([group]) == dict(sched=dict(type="dict", options=dict(
        scheduler=dict(type="str", required=True, choices=["fifo", "idle"]), priority=dict(type="int"))))
    built = group.build(dict(scheduler="fifo", priority=5))
    assert (built.scheduler, built.priority) == ("fifo", 5)
    assert group.build(None) is None
    with pytest.raises(VirtopsError, match=r"^sched.priority is from 1 to 99, got 0$"):
        group.build(dict(scheduler="fifo", priority=0))
    with pytest.raises(VirtopsError, match=r"^sched: idle takes no priority$"):
        group.build(dict(scheduler="idle", priority=5))
    many = OptionGroup("scheds", EmulatorSched, group.options, many=True)
    assert many.argument_spec()["type"] == "list" and many.argument_spec()["elements"] == "dict"
    with pytest.raises(VirtopsError, match=r"^scheds\[1\].priority"):
        many.build([dict(scheduler="fifo", priority=1), dict(scheduler="fifo", priority=100)])


def test_every_definition_option_is_declared_or_built_by_hand_for_a_reason():
    """A new typed option is declared (Option or OptionGroup), so its argument spec, checks, field
    and read-back come from one place; one built by hand has to be added to BUILT_BY_HAND, which
    says why, and its spec is the only one written out."""
    from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import (
        BUILT_BY_HAND, DECLARED_OPTIONS, DEFINITION_SPEC,
    )
    declared = argument_spec(DECLARED_OPTIONS)
    assert sorted(set(DEFINITION_SPEC) - set(declared)) == sorted(BUILT_BY_HAND)
    assert dict((name, DEFINITION_SPEC[name]) for name in declared) == declared


def test_a_declared_secret_is_set_but_never_read_back():
    """A no_log option that sets a field (a display's password) is written into the definition,
    but the way back from a definition to options never returns it."""
    from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import GraphicsConfig
    group = OptionGroup("display", GraphicsConfig, [Option("type", required=True), Option("password", no_log=True)])
    built = group.build(dict(type="vnc", password="s3cret"))
    assert built.password == "s3cret" and 'passwd="s3cret"' in built.to_xml()
    assert group.read_back(built) == dict(type="vnc")
    from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import GRAPHICS
    item = dict((option.name, None) for option in GRAPHICS.options)
    item.update(type="vnc", listen="127.0.0.1", password="s3cret")
    declared = GRAPHICS.build(item)[0]
    assert declared.password == "s3cret" and declared.autoport is True
    assert "s3cret" not in repr(GRAPHICS.read_back(declared))


def test_uefi_without_secure_boot_is_defined_by_libvirt_9_and_turns_off_again(conn, fresh_name, run_module):
    """With firmware autoselection, secure boot off is the disabled feature alone: libvirt 9.0
    refuses <loader secure='no'/> there (found by defining Nova's own document). Turned on, the
    loader says secure='yes' as Nova writes it; turned off again, that goes."""
    args = dict(name=fresh_name, virt_type="qemu", memory_mb=64, machine="q35", firmware="uefi")
    off = run_module(domain_module, uefi=dict(secure_boot=False), **args)
    assert not off.get("failed"), off.get("msg")
    shown = DomainConfig.from_xml(_xml(conn, fresh_name)).os
    assert (shown.firmware, shown.loader_secure) == ("efi", None)
    assert [(feature.name, feature.enabled) for feature in shown.firmware_features] == [("secure-boot", False)]
    on = run_module(domain_module, uefi=dict(secure_boot=True), **args)
    assert on["changed"] is True and DomainConfig.from_xml(_xml(conn, fresh_name)).os.loader_secure is True
    off = run_module(domain_module, uefi=dict(secure_boot=False), **args)
    shown = DomainConfig.from_xml(_xml(conn, fresh_name)).os
    assert off["changed"] is True and shown.loader_secure is None
    assert [(feature.name, feature.enabled) for feature in shown.firmware_features] == [("secure-boot", False)]
    assert run_module(domain_module, uefi=dict(secure_boot=False), **args)["changed"] is False


@pytest.mark.parametrize("options,message", [
    (dict(disks=[dict(path="/srv/a.img", target="/dev/vdb")]),
     r"disks\[0\].target '/dev/vdb' is not a disk name libvirt knows: hd, sd, vd, xvd or ubd and letters"),
    (dict(hostdevs=[dict(pci="0000:06:22.0")]), r"hostdevs\[0\].pci '0000:06:22.0': slot 22 is beyond 1f"),
    (dict(interfaces=[dict(bridge="br0", address=dict(pci="0000:00:20.0"))]), r"slot 20 is beyond 1f"),
    (dict(interfaces=[dict(bridge="br0", virtualport=dict(type="802.1Qbh"))]),
     r"an 802.1Qbh virtualport needs profileid"),
    (dict(uuid="not-a-uuid"), r"uuid 'not-a-uuid' is not a UUID"),
    (dict(cpu=dict(mode="none", features=[dict(name="pdpe1gb")])), r"cpu.features need a CPU model to change"),
    (dict(sysinfo=dict(uuid="not-a-uuid")), r"sysinfo.uuid 'not-a-uuid' is not a UUID"),
    (dict(uuid="6a1f0c2e-7d3b-4c5a-9e8f-0b1c2d3e4f50", sysinfo=dict(uuid="c7a5fdbd-edaf-9455-926a-d65c16db1809")),
     r"sysinfo.uuid c7a5fdbd-edaf-9455-926a-d65c16db1809 is not the domain's uuid 6a1f0c2e-7d3b-4c5a-9e8f-0b1c2d3e4f50"),
])
def test_what_libvirt_would_refuse_is_refused_first_with_the_reason(conn, fresh_name, run_module, options, message):
    """Found by defining Nova's test documents that libvirt 9.0 refuses: the options built them
    as given, and libvirt's message was all the user got."""
    result = run_module(domain_module, name=fresh_name, virt_type="qemu", memory_mb=64, **options)
    assert result["failed"] is True
    assert re.search(message, result["msg"]), result["msg"]
    assert fresh_name not in conn.listDefinedDomains()


NUMA_2 = dict(vcpus=2, cpu=dict(mode="host-model", numa=[dict(cpus="0", memory_mb=32), dict(cpus="1", memory_mb=32)]))


@pytest.mark.parametrize("options,message", [
    (dict(numatune=dict(memnodes=[dict(cellid=0, nodeset="0")])),
     r"numatune.memnodes\[0\].cellid: guest NUMA cell 0 does not exist; the domain has none \(give cpu.numa\)"),
    (dict(NUMA_2, numatune=dict(memnodes=[dict(cellid=2, nodeset="0")])), r"guest NUMA cell 2 does not exist; the domain has 2"),
    (dict(NUMA_2, memory_backing=dict(hugepages=dict(pages=[dict(size_kib=2048, nodeset="2")]))),
     r"memory_backing.hugepages.pages\[0\].nodeset: guest NUMA node 2 does not exist; the domain has 2"),
    (dict(cputune=dict(iothreadpin=[dict(iothread=1, cpuset="0")])),
     r"cputune.iothreadpin\[0\].iothread: I/O thread 1 does not exist; the domain has 0"),
    (dict(machine="q35", features=dict(acpi=True, apic=True), iommu=dict(model="intel", intremap=True)),
     r"iommu.intremap needs the split I/O APIC: features.ioapic qemu \(got none\)"),
])
def test_parts_that_do_not_fit_together_are_refused_before_libvirt(conn, fresh_name, run_module, options, message):
    """Each of these, written out, libvirt 9.0 refuses (Nova's test documents had them: 'Element
    memnode is invalid without any guest NUMA cells', 'hugepages: node 2 not found', 'Cannot find
    iothread', 'IOMMU interrupt remapping requires split I/O APIC'); the options say why first."""
    result = run_module(domain_module, name=fresh_name, virt_type="qemu", memory_mb=64, **copy.deepcopy(options))
    assert result["failed"] is True
    assert re.search(message, result["msg"]), result["msg"]
    assert fresh_name not in conn.listDefinedDomains()


def test_what_an_earlier_run_defined_counts_when_parts_are_checked_together(conn, fresh_name, run_module):
    """The check runs on the definition as it will be: vCPUs from an earlier run bound the pinning
    of this one, and I/O threads defined earlier let it pin them."""
    assert not run_module(domain_module, name=fresh_name, virt_type="qemu", memory_mb=64, vcpus=2, iothreads=1).get("failed")
    refused = run_module(domain_module, name=fresh_name, cputune=dict(vcpupin=[dict(vcpu=3, cpuset="0")]))
    assert refused["failed"] is True and "vCPU 3 does not exist; the domain has 2" in refused["msg"]
    cputune = dict(vcpupin=[dict(vcpu=1, cpuset="0")], iothreadpin=[dict(iothread=1, cpuset="0")])
    pinned = run_module(domain_module, name=fresh_name, cputune=cputune)
    assert not pinned.get("failed"), pinned.get("msg")
    intremap = run_module(domain_module, name=fresh_name, machine="q35", features=dict(ioapic="qemu"),
                          iommu=dict(model="intel", intremap=True))
    assert not intremap.get("failed"), intremap.get("msg")


def test_an_smbios_uuid_is_the_domains(conn, fresh_name, run_module):
    """libvirt takes a new domain's UUID from its SMBIOS uuid where none is given, and wants the two
    equal as it reads them (either case, dashes or none); an existing domain's stays its own, and
    its uuid written another way is the same (it was reported as a change of uuid, and refused)."""
    smbios = "C7A5FDBD-EDAF-9455-926A-D65C16DB1809"
    first = run_module(domain_module, name=fresh_name, virt_type="qemu", memory_mb=64, sysinfo=dict(uuid=smbios))
    assert not first.get("failed"), first.get("msg")
    assert conn.lookupByName(fresh_name).UUIDString() == smbios.lower()
    same = run_module(domain_module, name=fresh_name, uuid=smbios.lower().replace("-", ""), sysinfo=dict(uuid=smbios))
    assert not same.get("failed"), same.get("msg")
    assert same["changed"] is False, same["changes"]  # the same UUID, written another way
    other = run_module(domain_module, name=fresh_name, sysinfo=dict(uuid="6a1f0c2e-7d3b-4c5a-9e8f-0b1c2d3e4f50"))
    assert other["failed"] is True and "is not the domain's uuid c7a5fdbd-edaf-9455-926a-d65c16db1809" in other["msg"]


def test_a_disk_pinned_to_an_address_may_have_any_name(conn):
    """libvirt derives a drive address from the name only where none is given."""
    spec = dict((option.name, option.spec.get("default")) for option in DISK.options)
    spec.update(path="/srv/a.img", bus="scsi", target="sdz0x", address=dict(controller=0, bus=0, target=0, unit=3, pci=None))
    assert DiskBuilder(conn, False).build(spec).target_dev == "sdz0x"
    spec["target"] = "/dev/sdz"
    with pytest.raises(VirtopsError, match="is not a disk name libvirt knows"):
        DiskBuilder(conn, False).build(spec)


def test_spice_compression_and_secure_channels_as_nova_writes_them(conn, fresh_name, run_module):
    graphics = dict(type="spice", port=5901, keymap="en-us", image_compression="auto_glz", jpeg_compression="auto",
                    zlib_compression="always", playback_compression=True, streaming_mode="filter", secure=True)
    args = dict(name=fresh_name, virt_type="qemu", memory_mb=64, graphics=graphics)
    first = run_module(domain_module, **copy.deepcopy(args))
    assert not first.get("failed"), first.get("msg")
    shown = DomainConfig.from_xml(_xml(conn, fresh_name)).graphics[0]
    assert (shown.image_compression, shown.jpeg_compression, shown.zlib_compression, shown.playback_compression,
            shown.streaming_mode) == ("auto_glz", "auto", "always", True, "filter")
    assert [(channel.name, channel.mode) for channel in shown.channels] == [
        (name, "secure") for name in ("main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir")]
    again = run_module(domain_module, **copy.deepcopy(args))
    assert again["changed"] is False, again["changes"]
    args["graphics"]["secure"] = False
    insecure = run_module(domain_module, **copy.deepcopy(args))
    assert insecure["changed"] is True and DomainConfig.from_xml(_xml(conn, fresh_name)).graphics[0].channels == []
    refused = run_module(domain_module, name=fresh_name, graphics=dict(type="vnc", streaming_mode="all"))
    assert refused["failed"] is True and "graphics.streaming_mode is a SPICE setting (type is vnc)" in refused["msg"]
