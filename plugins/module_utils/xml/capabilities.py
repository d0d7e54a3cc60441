# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a hypervisor offers: <capabilities> (the host and the guests it can run) and
<domainCapabilities> (one emulator/arch/machine/virt_type: its CPU modes and models)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Child, ChildList, ConfigObject, Field,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig


class MachineType(ConfigObject):
    """<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine> of a guest arch."""

    TAG = "machine"
    KEY = "name"
    FIELDS = (
        Field("name"),
        Field("canonical", attr="canonical"),
        Field("max_cpus", attr="maxCpus", kind="int"),
        Field("deprecated", attr="deprecated", kind="yesno"),
    )


class GuestDomainType(ConfigObject):
    """<domain type='kvm'/> inside a guest arch: a virt_type the host offers for it."""

    TAG = "domain"
    KEY = "type"
    FIELDS = (
        Field("type", attr="type"),
        Field("emulator", path="emulator"),
    )


class GuestArch(ConfigObject):
    """<arch name='x86_64'> of a <guest>: its emulator, machine types and virt_types."""

    TAG = "arch"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("wordsize", path="wordsize", kind="int"),
        Field("emulator", path="emulator"),
        ChildList("machines", "machine", MachineType),
        ChildList("domain_types", "domain", GuestDomainType),
    )


class GuestCapability(ConfigObject):
    """<guest>: one OS type and architecture the host can run."""

    TAG = "guest"
    FIELDS = (
        Field("os_type", path="os_type"),
        Child("arch", "arch", GuestArch),
    )

    def key(self):
        # One <guest> per OS type and architecture.
        return "%s/%s" % (self.os_type, self.arch.name if self.arch is not None else None)


class HostCapabilities(ConfigObject):
    """<capabilities> of a connection (virConnectGetCapabilities)."""

    TAG = "capabilities"
    FIELDS = (
        Field("host_uuid", path="host/uuid"),
        Child("host_cpu", "host/cpu", CpuConfig),
        Field("live_migration", path="host/migration_features/live", kind="flag"),
        ChildList("guests", "guest", GuestCapability),
    )

    @property
    def arch(self):
        return self.host_cpu.arch if self.host_cpu is not None else None

    def guest_arch(self, arch=None):
        """The hvm <arch> for ``arch`` (the host's by default), or None."""
        arch = arch or self.arch
        for guest in self.guests:
            if guest.arch is not None and guest.arch.name == arch and guest.os_type == "hvm":
                return guest.arch
        return None

    def canonical_machine(self, arch, machine):
        """The versioned machine type libvirt stores for an alias ('pc' -> 'pc-i440fx-7.2')."""
        guest_arch = self.guest_arch(arch)
        for candidate in guest_arch.machines if guest_arch is not None else []:
            if candidate.name == machine and candidate.canonical:
                return candidate.canonical
        return machine

    def guest_summaries(self):
        return [dict(os_type=guest.os_type, arch=guest.arch.name,
                     domain_types=sorted(set(kind.type for kind in guest.arch.domain_types)))
                for guest in self.guests if guest.arch is not None]


class CpuModelCapability(ConfigObject):
    """<model usable='yes' vendor='Intel'>Westmere</model> of the custom CPU mode."""

    TAG = "model"
    KEY = "name"
    FIELDS = (
        Field("name"),
        Field("usable", attr="usable"),
        Field("vendor", attr="vendor"),
    )


class CpuModeCapability(ConfigObject):
    """<mode name='host-model' supported='yes'> of <domainCapabilities><cpu>.

    The host-model mode carries the CPU a guest gets with host-model (``host_model``); the
    custom mode lists the named models and whether this hypervisor can run them.
    """

    TAG = "mode"
    KEY = "name"
    host_model = None
    FIELDS = (
        Field("name", attr="name"),
        Field("supported", attr="supported", kind="yesno"),
        ChildList("models", "model", CpuModelCapability),
    )

    def after_parse(self, element):
        self.host_model = CpuConfig.parse(element) if self.name == "host-model" else None


class DomainCapabilities(ConfigObject):
    """<domainCapabilities> for one emulator/arch/machine/virt_type."""

    TAG = "domainCapabilities"
    FIELDS = (
        Field("emulator", path="path"),
        Field("virt_type", path="domain"),
        Field("machine", path="machine"),
        Field("arch", path="arch"),
        Field("max_vcpus", path="vcpu", attr="max", kind="int"),
        ChildList("cpu_modes", "cpu/mode", CpuModeCapability),
        Field("sev_supported", path="features/sev", attr="supported", kind="yesno"),
        Field("sev_cbitpos", path="features/sev/cbitpos", kind="int"),
        Field("sev_reduced_phys_bits", path="features/sev/reducedPhysBits", kind="int"),
    )

    def mode(self, name):
        return next((mode for mode in self.cpu_modes if mode.name == name), None)

    def cpu_modes_supported(self):
        """{mode name: bool} as libvirt reports them."""
        return dict((mode.name, bool(mode.supported)) for mode in self.cpu_modes)

    def host_model(self):
        """What host-model gives a guest here (a CpuConfig), or None where it is not supported."""
        mode = self.mode("host-model")
        return mode.host_model if mode is not None and mode.supported else None

    def cpu_models(self):
        mode = self.mode("custom")
        return list(mode.models) if mode is not None else []
