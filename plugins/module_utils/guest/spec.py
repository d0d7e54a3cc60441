# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From the ``domain`` module's typed options to a desired ``DomainConfig``, with validation.

The desired config carries only what the user asked for; fields left ``None`` are not compared
and not changed. Defaults that only make sense for a new definition (ACPI, a serial console, no
graphics) are added by ``creation_defaults`` and never imposed on an existing domain.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import (
    canonical_uuid, check_at_least, check_uuid, mib_to_bytes, uuid_hex,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import Option, argument_spec, between
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import VIRT_TYPES
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.cpu import CPU, candidates
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import (
    DISKS, DiskBuilder, check_host_file, pick_target,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.interfaces import INTERFACES
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import (
    BOOT, FEATURES, PLATFORM_DECLARED, PLATFORM_SPEC, SERIAL_CONSOLE, SERIALS, build_launch_security, build_platform,
    serial_devices,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.tuning import (
    TUNING_OPTIONS, build_numa_cells, build_tuning, cpu_numbers,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import (
    canonical_machine, domain_capabilities,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.host.cpu import HypervisorCpu, choose_model
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    GUEST_AGENT_CHANNEL, SPICE_AGENT_CHANNEL, ChannelConfig, ControllerConfig,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    DomainConfig, FeaturesConfig, OsConfig,
)


# Argument spec of the typed definition options (documented in plugins/modules/domain.py).


def _mib_option(name, field):
    """A size of the domain given in MiB (kept in KiB as libvirt counts it; read back by hand,
    which names a size that is not whole MiB)."""
    return Option(name, "int", field=field, checks=[mib_to_bytes], convert=lambda mib: mib * 1024)


# The domain's own scalars: each sets the DomainConfig field of its name unless it says.
DOMAIN_OPTIONS = (
    Option("uuid", checks=[check_uuid], convert=canonical_uuid, convert_back=lambda uuid: uuid),
    Option("title"),
    Option("description"),
    _mib_option("memory_mb", "memory_kib"),
    _mib_option("current_memory_mb", "current_memory_kib"),
    _mib_option("max_memory_mb", "max_memory_kib"),
    Option("memory_slots", "int"),
    Option("vcpus", "int", checks=[between(1)]),
    Option("current_vcpus", "int", checks=[between(1)]),
)
DEFINITION_SPEC = dict(
    virt_type=dict(type="str", default="auto", choices=list(VIRT_TYPES)),
    arch=dict(type="str"),
    machine=dict(type="str"),
    firmware=dict(type="str", choices=["bios", "uefi"]),
    devices_exclusive=dict(type="bool", default=False),
    guest_agent=dict(type="bool"),
    metadata=dict(type="dict"),
)
# Every declared definition option; the others are BUILT_BY_HAND.
DECLARED_OPTIONS = DOMAIN_OPTIONS + (CPU, INTERFACES, DISKS) + PLATFORM_DECLARED + TUNING_OPTIONS
# Options that set or check what several groups build, or say how the run goes, built below.
BUILT_BY_HAND = ("arch", "machine", "firmware", "uefi",  # <os> and <features> together, the machine named by libvirt
                 "guest_agent", "pcie_root_ports", "devices_xml", "metadata",  # devices and elements of their own
                 "virt_type", "devices_exclusive")  # how the run goes
DEFINITION_SPEC.update(argument_spec(DECLARED_OPTIONS))
DEFINITION_SPEC.update(PLATFORM_SPEC)
# Options that describe the definition (as opposed to state/lifecycle options).
DEFINITION_OPTIONS = tuple(sorted(set(DEFINITION_SPEC) - {"virt_type", "devices_exclusive"}))


class DomainSpecBuilder:
    """Builds and validates the desired DomainConfig for one module run."""

    def __init__(self, conn, params, virt_type, is_local):
        self.conn = conn
        self.params = params
        self.virt_type = virt_type
        self.is_local = is_local  # paths can be checked only when libvirt runs on this machine
        self.warnings = []

    def build(self):
        p = self.params
        desired = DomainConfig(virt_type=self.virt_type, name=p["name"])
        for declared in DOMAIN_OPTIONS:
            declared.set(desired, p[declared.name])
        self._check_host_memory(p["memory_mb"])
        if p["metadata"] is not None:
            for key in p["metadata"]:
                if not _is_xml_name(key):
                    raise VirtopsError("metadata key %r is not usable as an XML element name; use "
                                       "letters, digits, '-', '_' and '.' starting with a letter" % key)
        desired.os, desired.cpu, desired.features = self._os(), self._cpu(), FEATURES.build(p["features"])
        if p["metadata"] is not None:
            desired.metadata = dict((key, str(value)) for key, value in p["metadata"].items())
        self._check_memory_hotplug()
        self._devices(desired)
        build_platform(p, desired, self._check_device)
        build_tuning(p, desired)
        self._check_shared_memory(desired)
        if p["launch_security"] is not None:
            desired.launch_security = build_launch_security(p["launch_security"], p["machine"], self._host_sev())
        return desired

    def _host_sev(self):
        """(supported, cbitpos, reducedPhysBits) of AMD SEV on this host, or None where libvirt
        cannot describe the hypervisor (the test driver)."""
        try:
            caps = domain_capabilities(self.conn, self.virt_type, self.params["arch"], self.params["machine"])
        except VirtopsError:
            return None
        return bool(caps.sev_supported), caps.sev_cbitpos, caps.sev_reduced_phys_bits

    # -- os / boot ----------------------------------------------------------------------------
    def _os(self):
        p = self.params
        boot = p["boot"] or {}
        if not (boot or p["arch"] or p["machine"] or p["firmware"]):
            return None
        config = BOOT.build(p["boot"]) or OsConfig()
        for option in ("kernel", "initrd"):
            self._check_file(boot.get(option), "boot.%s" % option)
        config.type, config.arch = "hvm", p["arch"]
        config.machine = canonical_machine(self.conn, p["arch"], p["machine"])
        if p["firmware"] is not None:
            config.firmware = "efi" if p["firmware"] == "uefi" else "bios"
        return config

    # -- cpu ----------------------------------------------------------------------------------
    def _cpu(self):
        spec = self.params["cpu"]
        config = CPU.build(spec)
        if config is None:
            return None
        if config.mode == "custom":
            models = candidates(spec)
            hypervisor = self._hypervisor_cpu()
            if not models:
                raise VirtopsError("cpu.mode=custom needs cpu.model or cpu.models; usable models here: %s"
                                   % (", ".join(hypervisor.usable_models()) if hypervisor else "unknown"))
            if hypervisor is not None:
                config.model = choose_model(hypervisor, models, [(f["name"], f["policy"]) for f in spec["features"]],
                                            option="cpu.model" if spec["model"] else "cpu.models:")
            else:
                config.model = models[0]
        if spec["numa"] is not None:
            config.numa_cells = build_numa_cells(spec["numa"], self.params["vcpus"], self.params["memory_mb"],
                                                 devices_mb=sum(device["size_mb"] for device in self.params["memory_devices"] or []))
        topology = spec["topology"]
        if topology is not None and self.params["vcpus"]:
            total = topology["sockets"] * topology["cores"] * topology["threads"]
            if total != self.params["vcpus"]:
                raise VirtopsError("cpu.topology gives %d vCPUs (sockets*cores*threads) but vcpus is %d"
                                   % (total, self.params["vcpus"]))
        return config

    def _hypervisor_cpu(self):
        """What the hypervisor says about CPU models, or None where the driver cannot say."""
        try:
            return HypervisorCpu(self.conn, self.virt_type, self.params["arch"], self.params["machine"])
        except VirtopsError as exc:
            self.warnings.append("custom CPU model not checked: %s" % exc.msg)
            return None

    # -- devices ------------------------------------------------------------------------------
    def _devices(self, desired):
        p = self.params
        exclusive = ExclusiveList if p["devices_exclusive"] else list
        if p["disks"] is not None:
            desired.disks = exclusive(self._disks(p["disks"]))
            if any(disk.target_bus == "scsi" for disk in desired.disks):
                desired.controllers = [ControllerConfig(type="scsi", index=0, model="virtio-scsi")]
        if p["interfaces"] is not None:
            desired.interfaces = exclusive(self._interfaces(p["interfaces"]))
        if p["serial_console"] is not None and p["serials"] is not None:
            raise VirtopsError("give serial_console (one port) or serials (several; the first is the console), not both")
        ports = [p["serial_console"]] if p["serial_console"] is not None else p["serials"]
        if ports is not None:
            option = "serial_console" if p["serial_console"] is not None else "serials[%d]"
            for index, port in enumerate(ports):
                for name in ("path", "log_file"):
                    self._check_directory(port[name], "%s.%s" % (option.replace("%d", str(index)), name))
            if len(ports) > 1 and any(port["type"] == "none" for port in ports):
                raise VirtopsError("serials: type none (no serial port) cannot be one of several ports")
            desired.serials, desired.consoles = serial_devices(
                [SERIAL_CONSOLE.build(ports[0])] if p["serial_console"] is not None else SERIALS.build(ports))
        if p["guest_agent"]:
            desired.channels = [ChannelConfig.guest_agent()]
        if (p["graphics"] or {}).get("agent"):  # (false: resolve_against_live removes the live one)
            desired.channels = (desired.channels or []) + [ChannelConfig.spice_agent()]

    def _disks(self, specs):
        builder = DiskBuilder(self.conn, self.is_local)
        used_targets = set(spec["target"] for spec in specs if spec["target"])
        disks = [builder.build(spec, "disks[%d]" % index) for index, spec in enumerate(specs)]
        for disk in disks:
            disk.target_dev = disk.target_dev or pick_target(disk, used_targets, disks)
            used_targets.add(disk.target_dev)
        return disks

    def _interfaces(self, specs):
        interfaces = INTERFACES.build(specs)
        for index, (spec, interface) in enumerate(zip(specs, interfaces)):
            where = "interfaces[%d]" % index
            if interface.type == "network":
                try:
                    self.conn.networkLookupByName(spec["network"])
                except libvirt.libvirtError as exc:
                    raise VirtopsError("%s: libvirt network %s cannot be used: %s"
                                       % (where, spec["network"], error_text(exc)))
            if spec["filter"]:
                self._check_filter(spec["filter"]["name"], where)
        return interfaces

    def _check_filter(self, name, where):
        try:
            self.conn.nwfilterLookupByName(name)
        except libvirt.libvirtError as exc:
            raise VirtopsError("%s: nwfilter %s is not defined: %s" % (where, name, error_text(exc)))

    def _check_shared_memory(self, desired):
        """virtiofsd reads the guest's memory: libvirt refuses to start a virtiofs share without
        shared memory, so say it before anything is defined."""
        shares = [index for index, share in enumerate(desired.filesystems or []) if share.driver_type == "virtiofs"]
        if not shares:
            return
        backing = self.params["memory_backing"] or {}
        cells = (self.params["cpu"] or {}).get("numa") or []
        if backing.get("access") != "shared" and not (cells and all(cell["mem_access"] == "shared" for cell in cells)):
            raise VirtopsError("filesystems[%d]: virtiofs needs the guest's memory shared with virtiofsd; give "
                               "memory_backing with access shared (and source memfd), or cpu.numa cells with "
                               "mem_access shared" % shares[0])
        for index in shares:
            source = desired.filesystems[index].source_dir
            if self.is_local and not os.path.isdir(source):
                raise VirtopsError("filesystems[%d].source: directory %s does not exist on %s; create it first"
                                   % (index, source, self.conn.getHostname()))

    def _check_memory_hotplug(self):
        """Memory beyond the boot memory: a ceiling with its slots, the devices within both, and
        a guest NUMA node for them (libvirt's QEMU driver has no memory hotplug without one)."""
        p = self.params
        devices = p["memory_devices"] or []
        if (p["max_memory_mb"] is None) != (p["memory_slots"] is None):
            raise VirtopsError("max_memory_mb and memory_slots go together: the memory the guest may grow to, "
                               "and the slots its memory devices take")
        check_at_least(p["memory_slots"], 1, "memory_slots")
        if p["max_memory_mb"] is not None and p["memory_mb"] is not None and p["max_memory_mb"] < p["memory_mb"]:
            raise VirtopsError("max_memory_mb (%d MiB) is less than memory_mb (%d MiB)" % (p["max_memory_mb"], p["memory_mb"]))
        if p["memory_slots"] is not None and len(devices) > p["memory_slots"]:
            raise VirtopsError("memory_devices: %d devices, but memory_slots is %d (each takes a slot)"
                               % (len(devices), p["memory_slots"]))
        if (devices or p["max_memory_mb"] is not None) and p["cpu"] is not None and not p["cpu"]["numa"]:
            raise VirtopsError("memory_devices and max_memory_mb need cpu.numa: libvirt plugs memory into a guest "
                               "NUMA node")
        cells = len((p["cpu"] or {}).get("numa") or [])
        for index, device in enumerate(devices):
            if cells and device["node"] >= cells:
                raise VirtopsError("memory_devices[%d].node %d does not exist; the guest has %d NUMA nodes (0-%d)"
                                   % (index, device["node"], cells, cells - 1))

    def _check_host_memory(self, memory_mb):
        """Refuse more memory than the host has: such a guest defines, but cannot start."""
        if memory_mb is None:
            return
        host_mb = self.conn.getInfo()[1]
        if memory_mb > host_mb:
            raise VirtopsError("memory_mb: %d MiB is more than host %s has (%d MiB)"
                               % (memory_mb, self.conn.getHostname(), host_mb))

    def _check_directory(self, path, option):
        """Refuse a file QEMU is to create in a directory that is not there."""
        if path is None or not self.is_local:
            return
        directory = os.path.dirname(path) or "/"
        if not os.path.isdir(directory):
            raise VirtopsError("%s: directory %s of %s does not exist on %s; create it first"
                               % (option, directory, path, self.conn.getHostname()))

    def _check_device(self, path, option):
        """A host device (an RNG's source) must exist where this host can look."""
        if self.is_local and not os.path.exists(path):
            raise VirtopsError("%s: %s does not exist on this host" % (option, path))

    def _check_file(self, path, option):
        check_host_file(self.conn, path, option, self.is_local)


def creation_defaults(desired):
    """What a new definition gets when the user did not say: ACPI+APIC (needed for graceful
    shutdown and hot-plug), a pty serial console, no graphics, one vCPU."""
    desired.features = desired.features or FeaturesConfig()
    for name in ("acpi", "apic"):
        if getattr(desired.features, name) is None:
            setattr(desired.features, name, True)
    if desired.serials is None:
        desired.serials, desired.consoles = serial_devices([SERIAL_CONSOLE.build(dict(type="pty"))])
    if desired.graphics is None:
        desired.graphics = []
    if desired.vcpus is None:
        desired.vcpus = 1
    if desired.os is None:
        desired.os = OsConfig(type="hvm")
    elif desired.os.type is None:
        desired.os.type = "hvm"
    return desired


# Network disk protocols QEMU no longer has: the reason a definition using one is refused.
REMOVED_PROTOCOLS = {
    "sheepdog": "QEMU removed its sheepdog driver in 6.0 (Nova's sheepdog volumes went with it); "
                "copy the volume to RBD, iSCSI or NFS storage first",
}


def check_disk_protocols(config):
    """Refuse disks whose network protocol this QEMU cannot open, saying why, before libvirt
    accepts a definition that could never start."""
    for disk in config.disks or []:
        reason = REMOVED_PROTOCOLS.get(disk.source_protocol)
        if reason:
            raise VirtopsError("disk %s uses protocol %s: %s"
                               % (disk.target_dev or disk.source_name, disk.source_protocol, reason))


def check_limits(config):
    """Refuse, in the (merged) definition, what libvirt refuses between parts that options of
    their own set (so one run may give one and an earlier run the other): current memory or vCPUs
    above the maximum, pinning of vCPUs and I/O threads the domain lacks, memory devices beyond
    the memory, NUMA placement of guest nodes it lacks, an SMBIOS uuid other than the domain's,
    IOMMU interrupt remapping without a split I/O APIC."""
    if config.memory_kib and config.current_memory_kib and config.current_memory_kib > config.memory_kib:
        raise VirtopsError("current_memory_mb (%d MiB) cannot exceed memory_mb (%d MiB)"
                           % (config.current_memory_kib // 1024, config.memory_kib // 1024))
    if config.vcpus and config.current_vcpus and config.current_vcpus > config.vcpus:
        raise VirtopsError("current_vcpus (%d) cannot exceed vcpus (%d)" % (config.current_vcpus, config.vcpus))
    devices_kib = sum(device.size_kib or 0 for device in config.memory_devices or [])
    if config.memory_kib and devices_kib > config.memory_kib:
        raise VirtopsError("memory_devices add up to %d MiB, more than memory_mb (%d MiB), which counts them"
                           % (devices_kib // 1024, config.memory_kib // 1024))
    _check_pinning(config)
    _check_guest_nodes(config)
    given = [entry.value for entry in config.sysinfo.system or [] if entry.name == "uuid"] if config.sysinfo else []
    if config.uuid and given and uuid_hex(given[0]) != uuid_hex(config.uuid):
        raise VirtopsError("sysinfo.uuid %s is not the domain's uuid %s; libvirt wants them the same (give the same, or "
                           "leave sysinfo.uuid out)" % (given[0], config.uuid))
    ioapic = config.features.ioapic_driver if config.features is not None else None
    if any(iommu.intremap for iommu in config.iommus or []) and ioapic != "qemu":
        raise VirtopsError("iommu.intremap needs the split I/O APIC: features.ioapic qemu (got %s)" % (ioapic or "none"))


def _check_pinning(config):
    cputune = config.cputune
    vcpus = config.vcpus or 1  # (libvirt's default)
    for index, pin in enumerate(cputune.vcpupins or [] if cputune is not None else []):
        if pin.vcpu is not None and pin.vcpu >= vcpus:
            raise VirtopsError("cputune.vcpupin[%d].vcpu: vCPU %d does not exist; the domain has %d"
                               % (index, pin.vcpu, vcpus))
    for index, pin in enumerate(cputune.iothreadpins or [] if cputune is not None else []):
        if pin.iothread is not None and pin.iothread > (config.iothreads or 0):
            raise VirtopsError("cputune.iothreadpin[%d].iothread: I/O thread %d does not exist; the domain has %d "
                               "(iothreads)" % (index, pin.iothread, config.iothreads or 0))


def _check_guest_nodes(config):
    cells = len(config.cpu.numa_cells or []) if config.cpu is not None else 0
    numatune = config.numatune
    for index, node in enumerate(numatune.memnodes or [] if numatune is not None else []):
        if node.cellid is not None and node.cellid >= cells:
            raise VirtopsError("numatune.memnodes[%d].cellid: guest NUMA cell %d does not exist; the domain has %s"
                               % (index, node.cellid, "%d (cpu.numa)" % cells if cells else "none (give cpu.numa)"))
    backing = config.memory_backing
    for index, page in enumerate(backing.hugepage_sizes or [] if backing is not None else []):
        nodes = cpu_numbers(page.nodeset, "memory_backing.hugepages.pages[%d].nodeset" % index) if page.nodeset else ()
        beyond = sorted(node for node in nodes if node >= max(cells, 1))
        if beyond:
            raise VirtopsError("memory_backing.hugepages.pages[%d].nodeset: guest NUMA node %d does not exist; the "
                               "domain has %d" % (index, beyond[0], max(cells, 1)))


def resolve_against_live(desired, live, guest_agent=None, spice_agent=None):
    """Tie requested items to live ones where the user gave no identity.

    Interfaces without a MAC take the MACs of the live interfaces no requested MAC names, in
    order, so a re-run neither adds a NIC nor changes its generated MAC. ``guest_agent: false`` (and
    ``graphics.agent: false``) become the live channels without that agent's, and the ones asked for.
    """
    if _secure_boot_turned_off(desired, live):
        live.os.loader_secure = None  # the feature now says it (libvirt 9.0 refuses secure='no' there)
    unwanted = set(name for name, wanted in ((GUEST_AGENT_CHANNEL, guest_agent), (SPICE_AGENT_CHANNEL, spice_agent))
                   if wanted is False)
    if live is not None and unwanted:
        kept = [channel for channel in live.channels if channel.target_name not in unwanted]
        names = set(channel.target_name for channel in kept)
        desired.channels = ExclusiveList(kept + [channel for channel in desired.channels or []
                                                 if channel.target_name not in names])
    return desired.adopt_live_identities(live)


def _secure_boot_turned_off(desired, live):
    """Whether ``desired`` asks libvirt's firmware autoselection for firmware without secure boot
    while the live definition's <loader secure='yes'/> still asks for it."""
    wanted = desired.os
    if live is None or live.os is None or wanted is None or wanted.firmware != "efi" or wanted.loader_secure is not None:
        return False
    return bool(live.os.loader_secure) and any(
        feature.name == "secure-boot" and feature.enabled is False for feature in wanted.firmware_features or [])


def machine_family(machine):
    """'q35' or 'i440fx' for an x86 machine type ('pc-q35-7.2', 'q35', 'pc-i440fx-7.2', 'pc'), else None."""
    if not machine:
        return None
    if "q35" in machine:
        return "q35"
    if machine == "pc" or machine.startswith("pc-"):
        return "i440fx"
    return None


def check_machine_change(desired, live):
    """Refuse moving a defined domain to another machine family (i440fx <-> q35), in check mode
    too: its PCI controllers and device addresses belong to the old one and libvirt refuses them."""
    wanted = machine_family(desired.os.machine if desired.os is not None else None)
    current = machine_family(live.os.machine if live.os is not None else None)
    if wanted and current and wanted != current:
        raise VirtopsError(
            "machine: %s cannot become %s: a defined domain keeps its machine family (i440fx or q35), "
            "whose PCI controllers and device addresses libvirt has assigned; define a new domain "
            "for the other family, or give a machine of the same family"
            % (live.os.machine, desired.os.machine))


def check_identity(conn, name, uuid):
    """Refuse a uuid that belongs to another domain, or a name whose domain has another uuid."""
    if not uuid:
        return
    check_uuid(uuid, "uuid")
    uuid = canonical_uuid(uuid)  # as libvirt writes it (the caller may have written it otherwise)
    other = Guest.lookup_uuid(conn, uuid)
    if other is not None and other.name != name:
        raise VirtopsError("uuid %s already belongs to domain %s; a uuid names exactly one domain"
                           % (uuid, other.name))
    same_name = Guest.lookup(conn, name)
    if same_name is not None and same_name.uuid != uuid:
        raise VirtopsError("domain %s exists with uuid %s; a domain's uuid cannot be changed (asked for %s)"
                           % (name, same_name.uuid, uuid))


def _is_xml_name(key):
    return bool(key) and key[0].isalpha() and all(ch.isalnum() or ch in "-_." for ch in key)
