# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Features, clock, power actions, SMBIOS and platform devices: from options to the definition,
compared with what libvirt (qemu driver, 9.0) writes back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

from ansible_collections.virtops.libvirt.tests.unit.plugins.module_utils.guest.test_domain_spec import (
    build_local_qemu as build, change_triples as _changes,
)


# The same definition as libvirt 9.0's qemu driver writes it back (addresses, aliases and the
# controllers it adds included), for the options of FULL below.
LIBVIRT_XML = """<domain type='qemu'>
  <name>spec-test</name>
  <uuid>2c7a2f1e-6a36-4e0a-9c36-7d9f3f0b1c11</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>1</vcpu>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>Virtops</entry>
      <entry name='product'>Test Cloud</entry>
      <entry name='serial'>it-0001</entry>
      <entry name='family'>Virtual Machine</entry>
    </system>
  </sysinfo>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <bootmenu enable='yes' timeout='3000'/>
    <smbios mode='sysinfo'/>
  </os>
  <features>
    <acpi/>
    <apic/>
    <hyperv mode='custom'>
      <relaxed state='on'/>
      <vapic state='on'/>
      <spinlocks state='on' retries='8191'/>
      <vendor_id state='on' value='virtops'/>
    </hyperv>
    <pmu state='off'/>
    <vmport state='off'/>
  </features>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>preserve</on_crash>
  <devices>
    <input type='tablet' bus='usb'>
      <address type='usb' bus='0' port='1'/>
    </input>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </video>
    <watchdog model='i6300esb' action='poweroff'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </watchdog>
    <memballoon model='virtio'>
      <stats period='5'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </memballoon>
    <rng model='virtio'>
      <rate bytes='4096' period='1000'/>
      <backend model='random'>/dev/urandom</backend>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </rng>
    <panic model='isa'>
      <address type='isa' iobase='0x505'/>
    </panic>
    <vsock model='virtio'>
      <cid auto='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>
    </vsock>
  </devices>
</domain>"""

FULL = dict(
    boot=dict(menu=True, menu_timeout=3000),
    features=dict(acpi=True, apic=True, pmu=False, vmport=False,
                  hyperv=dict(relaxed=True, vapic=True, spinlocks_retries=8191, vendor_id="virtops")),
    clock=dict(offset="utc", timers=[dict(name="rtc", tickpolicy="catchup"), dict(name="pit", tickpolicy="delay"),
                                     dict(name="hpet", present=False)]),
    on_poweroff="destroy", on_reboot="restart", on_crash="preserve",
    sysinfo=dict(manufacturer="Virtops", product="Test Cloud", serial="it-0001", family="Virtual Machine"),
    memballoon=dict(stats_period=5),
    rng=dict(rate_bytes=4096, rate_period=1000),
    watchdog=dict(model="i6300esb", action="poweroff"),
    panic=dict(model="isa"),
    video=dict(model="vga", heads=1, vram_kib=16384),
    inputs=[dict(type="tablet")],
    vsock=dict(),
)


def test_every_platform_option_matches_what_libvirt_wrote_back(conn):
    assert _changes(build(conn, **FULL), DomainConfig.from_xml(LIBVIRT_XML)) == []


@pytest.mark.parametrize("option,value,expected", [
    ("rng", dict(rate_bytes=8192, rate_period=1000), [("rng[0].rate_bytes", 4096, 8192)]),
    ("watchdog", dict(model="i6300esb", action="reset"), [("watchdog[0].action", "poweroff", "reset")]),
    ("memballoon", dict(stats_period=10), [("memballoon.stats_period", 5, 10)]),
    ("on_crash", "restart", [("on_crash", "preserve", "restart")]),
    ("clock", dict(timers=[dict(name="hpet", present=True)]), [("clock.timers[hpet].present", False, True)]),
    ("features", dict(pmu=True), [("features.pmu", False, True)]),
    ("features", dict(hyperv=dict(spinlocks_retries=4095)), [("features.hyperv.spinlocks_retries", 8191, 4095)]),
    ("boot", dict(menu=False), [("os.boot.menu", True, False)]),
    ("sysinfo", dict(manufacturer="Virtops", product="Other"), [
        ("sysinfo.system[product].value", "Test Cloud", "Other"),
        ("sysinfo.system[serial]", "present", None), ("sysinfo.system[family]", "present", None)]),
    ("panic", dict(model="none"), [("panic[0]", "present", None)]),
    ("vsock", dict(cid=5), [("vsock[0].cid_auto", True, False), ("vsock[0].cid", None, 5)]),
])
def test_one_option_changed_alone_shows_only_its_field(conn, option, value, expected):
    assert _changes(build(conn, **{option: value}), DomainConfig.from_xml(LIBVIRT_XML)) == expected


def test_removing_a_device_keeps_the_others_and_a_balloon_of_model_none_loses_its_address(conn):
    live = DomainConfig.from_xml(LIBVIRT_XML)
    desired = build(conn, rng=dict(model="none"), memballoon=dict(model="none"))
    desired.apply_to(live)
    text = live.to_xml()
    assert "<rng" not in text and "<watchdog model=\"i6300esb\" action=\"poweroff\">" in text
    balloon = DomainConfig.from_xml(text).memballoon
    assert balloon.model == "none" and balloon.stats_period is None
    assert "<memballoon model=\"none\"/>" in text


def test_a_balloon_change_keeps_its_pci_address(conn):
    live = DomainConfig.from_xml(LIBVIRT_XML)
    build(conn, memballoon=dict(stats_period=10)).apply_to(live)
    assert "slot=\"0x04\"" in live.to_xml().split("<memballoon")[1].split("</memballoon>")[0]


def test_a_new_domain_gets_smbios_mode_sysinfo_with_its_entries(conn):
    desired = build(conn, memory_mb=64, sysinfo=dict(manufacturer="Virtops", uuid=None))
    assert desired.os.smbios_mode == "sysinfo"
    assert [(entry.name, entry.value) for entry in desired.sysinfo.system] == [("manufacturer", "Virtops")]


@pytest.mark.parametrize("values,message", [
    (dict(sysinfo=dict()), "sysinfo needs at least one of manufacturer, product"),
    (dict(sysinfo=dict(bios=dict(date="2026-01-31"))), "sysinfo.bios.date '2026-01-31' is not a date as SMBIOS writes it"),
    (dict(max_memory_mb=1024), "max_memory_mb and memory_slots go together"),
    (dict(memory_mb=2048, max_memory_mb=1024, memory_slots=2), r"max_memory_mb \(1024 MiB\) is less than memory_mb \(2048 MiB\)"),
    (dict(max_memory_mb=1024, memory_slots=1, memory_devices=[dict(size_mb=64), dict(size_mb=64)]),
     r"memory_devices: 2 devices, but memory_slots is 1 \(each takes a slot\)"),
    (dict(max_memory_mb=1024, memory_slots=2, memory_devices=[dict(size_mb=64)], cpu=dict(mode="host-model")),
     "memory_devices and max_memory_mb need cpu.numa"),
    (dict(memory_mb=192, max_memory_mb=1024, memory_slots=2, memory_devices=[dict(size_mb=64, node=1)],
          cpu=dict(mode="host-model", numa=[dict(cpus="0", memory_mb=128)])),
     r"memory_devices\[0\].node 1 does not exist; the guest has 1 NUMA nodes \(0-0\)"),
    (dict(memory_mb=128, max_memory_mb=1024, memory_slots=2, memory_devices=[dict(size_mb=64)],
          cpu=dict(mode="host-model", numa=[dict(cpus="0", memory_mb=128)])),
     r"the cells' memory_mb \(128 MiB\) and the memory devices' \(64 MiB\) add up to 192 MiB but memory_mb is 128"),
    (dict(memory_devices=[dict(model="nvdimm", size_mb=64)]), "memory_devices\\[0\\]: an nvdimm needs path"),
    (dict(memory_devices=[dict(size_mb=64, path="/dev/dax0.0")]), r"memory_devices\[0\].path is an nvdimm's \(model is dimm\)"),
    (dict(memory_devices=[dict(model="nvdimm", size_mb=64, path="/dev/dax0.0", label_size_kib=64)]),
     "memory_devices\\[0\\].label_size_kib must be at least 128"),
    (dict(sysinfo=dict(bios=dict(release="1"))), r"sysinfo.bios.release '1' is not MAJOR.MINOR \(such as 1.2\)"),
    (dict(rng=dict(rate_period=100)), r"rng.rate_period needs rng.rate_bytes"),
    (dict(rng=dict(rate_bytes=0)), "rng.rate_bytes must be at least 1, got 0"),
    (dict(rng=dict(backend="/dev/virtops-no-such-device")), "rng.backend: /dev/virtops-no-such-device does not exist"),
    (dict(memballoon=dict(model="none", stats_period=5)), "memballoon.stats_period needs a balloon"),
    (dict(vsock=dict(cid=2)), "vsock.cid must be at least 3, got 2"),
    (dict(video=dict(model="vga", vram_kib=16)), "video.vram_kib must be at least 1024, got 16"),
    (dict(features=dict(hyperv=dict(spinlocks_retries=100))), "features.hyperv.spinlocks_retries must be at least 4095"),
    (dict(features=dict(hyperv=dict(vendor_id="x" * 13))), "features.hyperv.vendor_id is 1 to 12 characters"),
    (dict(boot=dict(menu_timeout=10)), "boot.menu_timeout needs boot.menu=true"),
    (dict(boot=dict(menu=True, menu_timeout=70000)), "boot.menu_timeout is milliseconds from 0 to 65535"),
    (dict(clock=dict(offset="utc", adjustment="60")), "clock.adjustment and clock.basis are for offset variable .got offset utc."),
    (dict(clock=dict(offset="variable", adjustment="an hour")), "clock.adjustment 'an hour' is seconds .such as -3600. or reset"),
    (dict(clock=dict(offset="timezone")), "clock: offset timezone and clock.timezone go together"),
    (dict(clock=dict(offset="utc", timezone="Europe/Paris")), "clock: offset timezone and clock.timezone go together"),
])
def test_bad_platform_options_are_refused_with_what_is_allowed(conn, values, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, **values)


def test_secure_boot_firmware_is_chosen_by_its_features_and_brings_smm(conn):
    desired = build(conn, memory_mb=64, machine="q35", uefi=dict(secure_boot=True, enrolled_keys=False), tpm=dict())
    assert desired.os.firmware == "efi"
    assert [(feature.name, feature.enabled) for feature in desired.os.firmware_features] == [
        ("secure-boot", True), ("enrolled-keys", False)]
    assert desired.features.smm is True and desired.features.acpi is None  # only what was asked
    assert [(tpm.model, tpm.backend_type, tpm.backend_version) for tpm in desired.tpms] == [("tpm-crb", "emulator", "2.0")]
    live = DomainConfig.from_xml(
        "<domain type='qemu'><name>spec-test</name><os firmware='efi'><type machine='pc-q35-7.2'>hvm</type>"
        "<firmware><feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>"
        "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>"
        "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/spec-test_VARS.fd</nvram>"
        "</os><features><acpi/><apic/><smm state='on'/></features><devices><tpm model='tpm-crb'>"
        "<backend type='emulator' version='2.0'/></tpm></devices></domain>")
    again = build(conn, uefi=dict(secure_boot=True, enrolled_keys=False), tpm=dict())
    assert _changes(again, live) == []
    assert _changes(build(conn, uefi=dict(enrolled_keys=True, secure_boot=True)), live) == [
        ("os.firmware[enrolled-keys].enabled", False, True)]
    assert _changes(build(conn, tpm=dict(model="none")), live) == [("tpm[0]", "present", None)]


def test_a_loader_given_is_the_firmware_without_autoselection(conn):
    # libvirt 9.0 refuses <os firmware='efi'> beside a loader path ("loader attribute 'readonly'
    # cannot be specified when firmware autoselection is enabled"): the loader alone names it.
    options = dict(uefi=dict(loader="/dev/null", secure_boot=True, nvram_template="/dev/zero"))
    desired = build(conn, memory_mb=64, **options)
    element = desired.to_element()
    assert element.find("os").get("firmware") is None and element.find("os/firmware") is None
    loader = element.find("os/loader")
    assert (loader.text, dict(loader.attrib)) == ("/dev/null", dict(readonly="yes", type="pflash", secure="yes"))
    assert element.find("os/nvram").get("template") == "/dev/zero"
    assert desired.features.smm is True
    # a domain whose firmware libvirt selected moves to the loader given, its selection features go
    selected = DomainConfig.from_xml(
        "<domain type='qemu'><name>spec-test</name><os firmware='efi'><type machine='pc-q35-7.2'>hvm</type>"
        "<firmware><feature enabled='yes' name='secure-boot'/></firmware></os>"
        "<features><acpi/><smm state='on'/></features></domain>")
    assert _changes(build(conn, **options), selected) == [
        ("os.firmware", "efi", ""), ("os.firmware[secure-boot]", "present", None), ("os.loader", None, "/dev/null"),
        ("os.loader.type", None, "pflash"), ("os.loader.readonly", None, True), ("os.loader.secure", None, True),
        ("os.nvram.template", None, "/dev/zero")]
    build(conn, **options).apply_to(selected)
    assert selected.to_element().find("os").get("firmware") is None
    assert selected.to_element().find("os/firmware") is None
    assert _changes(build(conn, **options), DomainConfig.from_xml(selected.to_xml())) == []


@pytest.mark.parametrize("values,message", [
    (dict(firmware="bios", uefi=dict(secure_boot=True)), r"uefi needs firmware=uefi \(got firmware=bios\)"),
    (dict(uefi=dict(secure_boot=False, enrolled_keys=True)), "uefi.enrolled_keys=true needs secure boot"),
    (dict(uefi=dict(secure_boot=True), features=dict(smm=False)), "uefi.secure_boot needs SMM"),
    (dict(uefi=dict(loader="/usr/share/virtops-no-such-firmware.fd")), "uefi.loader: /usr/share/virtops-no-such-firmware.fd does not exist"),
    (dict(uefi=dict(stateless=True, nvram_template="/dev/null")), "uefi.stateless firmware keeps no NVRAM"),
    (dict(uefi=dict(secure_boot=True, nvram_template="/dev/null")), "uefi.nvram_template needs uefi.loader"),
    (dict(uefi=dict(loader="")), "uefi.loader is empty: give the path of a file on the host"),
    (dict(uefi=dict(loader="/dev/null", secure_boot=True, enrolled_keys=True)),
     "uefi.enrolled_keys selects among the firmware libvirt knows; with uefi.loader"),
    (dict(tpm=dict(version="1.2")), "tpm: model tpm-crb is a TPM 2.0 interface"),
])
def test_bad_firmware_and_tpm_options_are_refused(conn, values, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, **values)


SHMEM = "<shmem name='virtops-unit'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"


def test_a_device_given_as_xml_is_added_once_and_then_found_in_what_libvirt_wrote(conn):
    live = DomainConfig.from_xml(LIBVIRT_XML)
    desired = build(conn, devices_xml=[SHMEM])
    assert _changes(desired, live) == [("devices_xml[0]", None, SHMEM.replace("'", '"'))]
    desired.apply_to(live)
    again = DomainConfig.from_xml(live.to_xml())
    assert _changes(build(conn, devices_xml=[SHMEM]), again) == []
    # As libvirt writes it back: with an alias and an address, and the size in its own unit.
    written = LIBVIRT_XML.replace("</devices>", "<shmem name='virtops-unit'><model type='ivshmem-plain'/>"
                                  "<size unit='M'>4</size><alias name='shmem0'/><address type='pci' slot='0x09'/>"
                                  "</shmem></devices>")
    assert _changes(build(conn, devices_xml=[SHMEM]), DomainConfig.from_xml(written)) == []
    assert _changes(build(conn, devices_xml=[SHMEM.replace("4<", "8<")]), DomainConfig.from_xml(written)) == [
        ("devices_xml[0]", None, SHMEM.replace("4<", "8<").replace("'", '"'))]
    assert again.to_xml().count("<shmem") == 1


@pytest.mark.parametrize("text,message", [
    ("<shmem name='x'>", r"devices_xml\[0\]: not well-formed XML"),
    ("<bogus/>", r"devices_xml\[0\]: <bogus> is not a device element; libvirt's are audio, channel"),
    ("<!DOCTYPE d [<!ENTITY e 'x'>]><shmem name='&e;'/>", r"devices_xml\[0\]: a DOCTYPE .and its entities. is not allowed"),
])
def test_bad_device_xml_is_refused(conn, text, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, devices_xml=[text])


def test_host_devices_match_what_libvirt_writes_by_address_or_uuid(conn):
    live = DomainConfig.from_xml(LIBVIRT_XML.replace("</devices>", (
        "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' "
        "slot='0x00' function='0x0'/></source><address type='pci' slot='0x0a'/></hostdev>"
        "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
        "<address uuid='4b20d080-1b54-4048-85b3-a6a62d165c01'/></source></hostdev></devices>")))
    desired = build(conn, hostdevs=[dict(pci="03:00.0"), dict(mdev="4B20D080-1B54-4048-85B3-A6A62D165C01")])
    assert _changes(desired, live) == []
    assert [item.key() for item in desired.hostdevs] == ["0000:03:00.0", "4b20d080-1b54-4048-85b3-a6a62d165c01"]
    added = build(conn, hostdevs=[dict(pci="0000:04:00.1", managed=False)])
    assert [path for path, _before, _after in _changes(added, live)] == [
        "hostdevs[0000:04:00.1].mode", "hostdevs[0000:04:00.1].type", "hostdevs[0000:04:00.1].managed",
        "hostdevs[0000:04:00.1].pci.domain", "hostdevs[0000:04:00.1].pci.bus", "hostdevs[0000:04:00.1].pci.slot",
        "hostdevs[0000:04:00.1].pci.function"]


@pytest.mark.parametrize("item,message", [
    (dict(pci="03:00.0", mdev="4b20d080-1b54-4048-85b3-a6a62d165c01"), r"hostdevs\[0\]: give exactly one of pci"),
    (dict(pci="3:0.0"), r"hostdevs\[0\].pci '3:0.0' is not a PCI address"),
    (dict(mdev="vgpu-1"), r"hostdevs\[0\].mdev 'vgpu-1' is not a UUID"),
])
def test_bad_host_devices_are_refused(conn, item, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, hostdevs=[item])


def test_pcie_root_ports_are_added_up_to_the_number_and_never_removed(conn):
    q35 = DomainConfig.from_xml(
        "<domain type='qemu'><name>spec-test</name><os><type machine='pc-q35-7.2'>hvm</type></os><devices>"
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/></controller>"
        "</devices></domain>")
    desired = build(conn, pcie_root_ports=4)
    assert _changes(desired, q35) == [("pcie_root_ports", 1, 4)]
    desired.apply_to(q35)
    again = DomainConfig.from_xml(q35.to_xml())
    assert again.pcie_root_ports == 4
    assert "<target chassis=\"1\" port=\"0x10\"/>" in again.to_xml()  # the existing port as it was
    assert _changes(build(conn, pcie_root_ports=4), again) == []
    assert _changes(build(conn, pcie_root_ports=2), again) == []  # fewer asked for: none removed
    with pytest.raises(VirtopsError, match="pcie_root_ports needs a q35 machine"):
        build(conn, machine="pc-i440fx-7.2", pcie_root_ports=2)


def test_a_new_q35_domain_gets_its_root_before_its_root_ports(conn):
    """libvirt numbers an unnumbered controller from 0, the index the PCIe root must have."""
    text = build(conn, memory_mb=64, machine="q35", pcie_root_ports=2).to_xml()
    controllers = [line.strip() for line in text.splitlines() if "<controller" in line]
    assert controllers == ['<controller type="pci" index="0" model="pcie-root"/>',
                           '<controller type="pci" model="pcie-root-port"/>',
                           '<controller type="pci" model="pcie-root-port"/>']


def test_controllers_given_take_the_place_of_the_one_the_disks_add(conn, tmp_path):
    image = tmp_path / "a.img"
    image.write_bytes(b"")
    desired = build(conn, disks=[dict(path=str(image), bus="scsi")], controllers=[
        dict(type="scsi", model="virtio-scsi", queues=4), dict(type="usb", model="qemu-xhci"),
        dict(type="pci", index=9, model="pcie-to-pci-bridge")])
    assert [(c.key(), c.model, c.queues) for c in desired.controllers] == [
        ("scsi0", "virtio-scsi", 4), ("usb0", "qemu-xhci", None), ("pci9", "pcie-to-pci-bridge", None)]
    live = DomainConfig.from_xml(
        "<domain type='qemu'><name>spec-test</name><devices>"
        "<controller type='usb' index='0' model='piix3-uhci'><address type='pci' domain='0x0000' bus='0x00' "
        "slot='0x01' function='0x2'/></controller>"
        "<controller type='scsi' index='0' model='virtio-scsi'><driver queues='4'/></controller>"
        "<controller type='pci' index='9' model='pcie-to-pci-bridge'><model name='pcie-pci-bridge'/></controller>"
        "</devices></domain>")
    assert [change for change in _changes(desired, live) if change[0].startswith("controllers")] == [
        ("controllers[usb0].model", "piix3-uhci", "qemu-xhci")]


@pytest.mark.parametrize("controller,message", [
    (dict(type="usb", ports=4), r"controllers\[0\].ports: only a virtio-serial controller has ports"),
    (dict(type="scsi", model="lsilogic", queues=2), r"queues: only a scsi controller of model virtio-scsi has queues"),
    (dict(type="virtio-serial", ports=0), r"controllers\[0\].ports must be at least 1"),
    (dict(type="pci", index=-1), r"index must be at least 0"),
    (dict(type="pci", model="pcie-root-port'/>"), r"model .* is not a controller model"),
])
def test_bad_controllers_are_refused(conn, controller, message):
    with pytest.raises(VirtopsError, match=message):
        build(conn, controllers=[controller])


def test_two_controllers_of_one_type_and_index_are_refused(conn):
    with pytest.raises(VirtopsError, match=r"controllers\[1\]: controller usb index 0 is given twice"):
        build(conn, controllers=[dict(type="usb"), dict(type="usb", model="none")])


def test_launch_security_takes_the_hosts_sev_numbers_or_says_why_not(conn):
    from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import build_launch_security
    spec = dict(type="sev", policy="0x0033", cbitpos=None, reduced_phys_bits=None)
    config = build_launch_security(spec, "q35", (True, 51, 1))
    assert (config.type, config.cbitpos, config.reduced_phys_bits, config.policy) == ("sev", 51, 1, "0x0033")
    assert "<reducedPhysBits>1</reducedPhysBits>" in config.to_xml()
    with pytest.raises(VirtopsError, match="this host cannot run AMD SEV guests"):
        build_launch_security(dict(spec, cbitpos=47, reduced_phys_bits=1), "q35", (False, None, None))
    with pytest.raises(VirtopsError, match="needs a q35 machine; machine is pc"):
        build_launch_security(spec, "pc", (True, 51, 1))
    with pytest.raises(VirtopsError, match="policy 'x33' is not a hexadecimal policy"):
        build_launch_security(dict(spec, policy="x33"), None, (True, 51, 1))
    live = DomainConfig.from_xml("<domain type='kvm'><name>g</name><launchSecurity type='sev'><cbitpos>51</cbitpos>"
                                 "<reducedPhysBits>1</reducedPhysBits><policy>0x0033</policy></launchSecurity></domain>")
    assert config.changes(live.launch_security) == []
