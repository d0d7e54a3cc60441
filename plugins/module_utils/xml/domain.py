# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""<domain>: the whole instance definition, composed of the other element families."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Change, Child, ChildList, ConfigObject, Field, LiveChange, MemoryField, OrderedChildList, etree, in_kib,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    ChannelConfig, ConsoleConfig, ControllerConfig, DiskConfig, FilesystemConfig, GraphicsConfig, HostdevConfig,
    InputConfig, InterfaceConfig, IommuConfig, MemballoonConfig, MemoryDeviceConfig, PanicConfig, RngConfig, SerialConfig, TpmConfig,
    VideoConfig, VsockConfig,
    WatchdogConfig,
)

# Namespace of the key/value metadata this collection keeps in <metadata>.
METADATA_NAMESPACE = "urn:virtops:libvirt:instance:1"
METADATA_PREFIX = "virtops"
# Written only into a running domain's live metadata: definition fields changed since it
# started. A restart rebuilds the live metadata from the definition, which clears it.
PENDING_NAMESPACE = "urn:virtops:libvirt:pending-restart:1"
PENDING_PREFIX = "virtopspending"
# Live-only marker on a source this collection paused to let a migration finish: a later run
# that finds the migration failed knows the pause was its own and resumes the guest.
MIGRATION_PAUSE_NAMESPACE = "urn:virtops:libvirt:migration-pause:1"
MIGRATION_PAUSE_PREFIX = "virtopsmigration"
# On the copy a migration brings to the destination (its running definition and, when it is made
# persistent there, its definition): this collection asked libvirt to leave it paused, to run it
# only once the source's copy is confirmed gone. A copy that carries it and is not running, while
# the source runs, is a leftover of a migration that did not finish: removed, never run.
MIGRATION_INCOMING_NAMESPACE = "urn:virtops:libvirt:migration-incoming:1"
MIGRATION_INCOMING_PREFIX = "virtopsincoming"


class BootDevice(ConfigObject):
    """<boot dev='hd|cdrom|network'/> inside <os>."""

    TAG = "boot"
    KEY = "dev"
    FIELDS = (Field("dev", attr="dev"),)


class FirmwareFeature(ConfigObject):
    """<feature enabled='yes' name='secure-boot'/> of <os><firmware>: what libvirt's firmware
    autoselection must (or must not) find in the firmware it picks."""

    TAG = "feature"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("enabled", attr="enabled", kind="yesno"),
    )


class OsConfig(ConfigObject):
    """<os firmware=...><type arch machine>hvm</type><kernel/><initrd/><cmdline/><boot/>
    <bootmenu enable timeout/><smbios mode/><firmware><feature/></firmware><loader/><nvram/></os>"""

    TAG = "os"
    FIELDS = (
        # 'bios' or 'efi' asks libvirt to choose the firmware (kept as given); absent, the
        # <loader> names it ('' writes no attribute: libvirt 9.0 refuses a loader path beside one)
        Field("firmware", attr="firmware", absent=""),
        Field("type", path="type"),
        Field("arch", path="type", attr="arch"),
        Field("machine", path="type", attr="machine"),
        Field("kernel", path="kernel"),
        Field("initrd", path="initrd"),
        Field("cmdline", path="cmdline"),
        OrderedChildList("boot_devices", "boot", BootDevice, label="boot"),  # the order is the boot order
        Field("boot_menu", path="bootmenu", attr="enable", kind="yesno", label="boot.menu"),
        Field("boot_menu_timeout", path="bootmenu", attr="timeout", kind="int", label="boot.menu_timeout"),
        Field("smbios_mode", path="smbios", attr="mode", label="smbios"),
        ChildList("firmware_features", "firmware/feature", FirmwareFeature, label="firmware"),
        Field("loader", path="loader"),
        Field("loader_type", path="loader", attr="type", label="loader.type"),
        Field("loader_readonly", path="loader", attr="readonly", kind="yesno", label="loader.readonly"),
        Field("loader_secure", path="loader", attr="secure", kind="yesno", label="loader.secure"),
        Field("loader_stateless", path="loader", attr="stateless", kind="yesno", label="loader.stateless"),
        Field("nvram", path="nvram"),
        Field("nvram_template", path="nvram", attr="template", label="nvram.template"),
    )


# Hyper-V enlightenments that are only switched on or off (<relaxed state='on'/>).
HYPERV_SWITCHES = ("relaxed", "vapic", "vpindex", "runtime", "synic", "stimer", "reset", "frequencies",
                   "reenlightenment", "tlbflush", "ipi", "evmcs")


class HypervConfig(ConfigObject):
    """<hyperv mode='custom'><relaxed state='on'/><spinlocks state='on' retries='8191'/>
    <vendor_id state='on' value='...'/>...</hyperv>: the enlightenments Nova gives Windows guests."""

    TAG = "hyperv"
    FIELDS = (Field("mode", attr="mode"),) + tuple(
        Field(name, path=name, attr="state", kind="onoff") for name in HYPERV_SWITCHES) + (
        Field("spinlocks", path="spinlocks", attr="state", kind="onoff"),
        Field("spinlocks_retries", path="spinlocks", attr="retries", kind="int"),
        Field("vendor_id_state", path="vendor_id", attr="state", kind="onoff", label="vendor_id.state"),
        Field("vendor_id", path="vendor_id", attr="value"),
    )


class FeaturesConfig(ConfigObject):
    """<features><acpi/><apic/><pae/><pmu state/><vmport state/><smm state/><kvm><hidden state/></kvm>
    <ioapic driver/><hyperv/></features>"""

    TAG = "features"
    FIELDS = (
        Field("acpi", path="acpi", kind="flag"),
        Field("apic", path="apic", kind="flag"),
        Field("pae", path="pae", kind="flag"),
        Field("pmu", path="pmu", attr="state", kind="onoff", bare=True),
        Field("vmport", path="vmport", attr="state", kind="onoff", bare=True),
        Field("smm", path="smm", attr="state", kind="onoff", bare=True),
        Field("kvm_hidden", path="kvm/hidden", attr="state", kind="onoff", label="kvm_hidden"),
        Field("ioapic_driver", path="ioapic", attr="driver", label="ioapic"),
        Child("hyperv", "hyperv", HypervConfig),
    )


class TimerConfig(ConfigObject):
    """<timer name='rtc|pit|hpet|kvmclock|hypervclock|tsc' present='yes|no' tickpolicy='...'/>"""

    TAG = "timer"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("present", attr="present", kind="yesno"),
        Field("tickpolicy", attr="tickpolicy"),
    )


class ClockConfig(ConfigObject):
    """<clock offset='utc|localtime|variable|timezone' adjustment=... basis=... timezone=...><timer .../></clock>"""

    TAG = "clock"
    FIELDS = (
        Field("offset", attr="offset"),
        Field("adjustment", attr="adjustment"),
        Field("basis", attr="basis"),
        Field("timezone", attr="timezone"),
        ChildList("timers", "timer", TimerConfig),
    )


class VcpuPin(ConfigObject):
    """<vcpupin vcpu='0' cpuset='2'/>: the host CPUs one vCPU may run on."""

    TAG = "vcpupin"
    KEY = "vcpu"
    FIELDS = (
        Field("vcpu", attr="vcpu", kind="int"),
        Field("cpuset", attr="cpuset"),
    )


class VcpuSched(ConfigObject):
    """<vcpusched vcpus='0-3' scheduler='fifo' priority='1'/>: real-time scheduling of vCPUs
    (Nova's hw:cpu_realtime)."""

    TAG = "vcpusched"
    KEY = "vcpus"
    FIELDS = (
        Field("vcpus", attr="vcpus"),
        Field("scheduler", attr="scheduler"),
        Field("priority", attr="priority", kind="int"),
    )


class IothreadPin(ConfigObject):
    """<iothreadpin iothread='1' cpuset='0-7'/>: the host CPUs an I/O thread may run on."""

    TAG = "iothreadpin"
    KEY = "iothread"
    FIELDS = (
        Field("iothread", attr="iothread", kind="int"),
        Field("cpuset", attr="cpuset"),
    )


class EmulatorSched(ConfigObject):
    """<emulatorsched scheduler='fifo' priority='10'/>: real-time scheduling of QEMU's own threads."""

    TAG = "emulatorsched"
    FIELDS = (
        Field("scheduler", attr="scheduler"),
        Field("priority", attr="priority", kind="int"),
    )


class CputuneConfig(ConfigObject):
    """<cputune><shares/><period/><quota/><vcpupin/><emulatorpin cpuset/><iothreadpin/>
    <vcpusched/><emulatorsched/></cputune>"""

    TAG = "cputune"
    FIELDS = (
        Field("shares", path="shares", kind="int"),
        Field("period", path="period", kind="int"),
        Field("quota", path="quota", kind="int"),
        ChildList("vcpupins", "vcpupin", VcpuPin, label="vcpupin", authoritative=True),
        Field("emulatorpin", path="emulatorpin", attr="cpuset"),
        ChildList("iothreadpins", "iothreadpin", IothreadPin, label="iothreadpin", authoritative=True),
        ChildList("vcpuscheds", "vcpusched", VcpuSched, label="vcpusched", authoritative=True),
        Child("emulatorsched", "emulatorsched", EmulatorSched, replace=True),
    )


class MemNode(ConfigObject):
    """<memnode cellid='0' mode='strict' nodeset='0'/>: where one guest NUMA cell's memory lives."""

    TAG = "memnode"
    KEY = "cellid"
    FIELDS = (
        Field("cellid", attr="cellid", kind="int"),
        Field("mode", attr="mode"),
        Field("nodeset", attr="nodeset"),
    )


class NumatuneConfig(ConfigObject):
    """<numatune><memory mode='strict' nodeset='0'/><memnode .../></numatune>"""

    TAG = "numatune"
    FIELDS = (
        Field("mode", path="memory", attr="mode"),
        Field("nodeset", path="memory", attr="nodeset"),
        ChildList("memnodes", "memnode", MemNode, label="memnode", authoritative=True),
    )


class HugePage(ConfigObject):
    """<page size='2048' unit='KiB' nodeset='0'/> of <memoryBacking><hugepages>."""

    TAG = "page"
    FIELDS = (
        Field("size_kib", attr="size", kind="int", label="size_kib"),
        Field("nodeset", attr="nodeset"),
    )

    def after_parse(self, element):
        if self.size_kib is not None:
            self.size_kib = in_kib(self.size_kib, element.get("unit"), "hugepage size")

    def before_format_done(self, element):
        if self.size_kib is not None:
            element.set("unit", "KiB")

    def key(self):
        return "%s@%s" % (self.size_kib, self.nodeset or "all") if self.size_kib is not None else None


class MemoryBackingConfig(ConfigObject):
    """<memoryBacking><hugepages/><nosharepages/><locked/><source type/><access mode/>
    <allocation mode/><discard/></memoryBacking>"""

    TAG = "memoryBacking"
    FIELDS = (
        Field("hugepages", path="hugepages", kind="flag"),
        ChildList("hugepage_sizes", "hugepages/page", HugePage, label="hugepages", authoritative=True),
        Field("nosharepages", path="nosharepages", kind="flag"),
        Field("locked", path="locked", kind="flag"),
        Field("source", path="source", attr="type"),
        Field("access", path="access", attr="mode"),
        Field("allocation", path="allocation", attr="mode"),
        Field("discard", path="discard", kind="flag"),
    )


class MemtuneConfig(ConfigObject):
    """<memtune><hard_limit/><soft_limit/><swap_hard_limit/></memtune>, in KiB."""

    TAG = "memtune"
    FIELDS = (
        MemoryField("hard_limit_kib", "hard_limit", label="hard_limit_kib"),
        MemoryField("soft_limit_kib", "soft_limit", label="soft_limit_kib"),
        MemoryField("swap_hard_limit_kib", "swap_hard_limit", label="swap_hard_limit_kib"),
    )


class SysinfoEntry(ConfigObject):
    """<entry name='manufacturer'>OpenStack Foundation</entry> of an SMBIOS block."""

    TAG = "entry"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("value"),
    )


class LaunchSecurityConfig(ConfigObject):
    """<launchSecurity type='sev'><cbitpos/><reducedPhysBits/><policy/></launchSecurity>: an AMD
    SEV guest, whose memory the host cannot read (Nova's hw:mem_encryption)."""

    TAG = "launchSecurity"
    FIELDS = (
        Field("type", attr="type"),
        Field("cbitpos", path="cbitpos", kind="int"),
        Field("reduced_phys_bits", path="reducedPhysBits", kind="int"),
        Field("policy", path="policy"),
        Field("dh_cert", path="dhCert"),
        Field("session", path="session"),
        Field("kernel_hashes", attr="kernelHashes", kind="yesno"),  # SEV and SEV-SNP
        Field("author_key", attr="authorKey", kind="yesno"),  # SEV-SNP
        Field("vcek", attr="vcek", kind="yesno"),  # SEV-SNP
    )


class SecurityLabel(ConfigObject):
    """<seclabel type='dynamic' model='dac'><label>+64055:+64055</label></seclabel>: how a security
    driver confines the guest's QEMU; the DAC label of a running guest is the user:group QEMU runs as."""

    TAG = "seclabel"
    KEY = "model"
    FIELDS = (
        Field("type", attr="type"),
        Field("model", attr="model"),
        Field("relabel", attr="relabel", kind="yesno"),
        Field("label", path="label"),
        Field("image_label", path="imagelabel"),
    )


class PerfEvent(ConfigObject):
    """<event name='cmt' enabled='yes'/>: one perf event libvirt counts for the guest."""

    TAG = "event"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("enabled", attr="enabled", kind="yesno"),
    )


class PerfConfig(ConfigObject):
    """<perf><event .../></perf>: the perf events counted for the guest (Nova's enabled_perf_events)."""

    TAG = "perf"
    FIELDS = (ChildList("events", "event", PerfEvent, label="events", authoritative=True),)


class SysinfoConfig(ConfigObject):
    """<sysinfo type='smbios'><bios><entry name=.../></bios><system><entry name=.../></system></sysinfo>:
    what the guest's DMI tables say about its firmware and the machine (Nova: manufacturer, product,
    version, serial, uuid, family)."""

    TAG = "sysinfo"
    FIELDS = (
        Field("type", attr="type"),
        ChildList("bios", "bios/entry", SysinfoEntry, authoritative=True),
        ChildList("system", "system/entry", SysinfoEntry, authoritative=True),
    )


def _element(tag, namespace, prefix, namespaced):
    if namespaced:
        return etree.Element("{%s}%s" % (namespace, tag), nsmap={prefix: namespace})
    return etree.Element(tag)


def metadata_xml(values, namespaced=False):
    """The <instance> element for ``values`` as text.

    Without ``namespaced`` it is the form virDomainSetMetadata takes (libvirt adds the
    namespace from its key and URI arguments); with it, the form inside a domain's XML.
    """
    container = _element("instance", METADATA_NAMESPACE, METADATA_PREFIX, namespaced)
    for key in sorted(values or {}):
        tag = "{%s}%s" % (METADATA_NAMESPACE, key) if namespaced else key
        etree.SubElement(container, tag).text = values[key]
    return etree.tostring(container, encoding="unicode")


def pending_restart_xml(fields):
    """The live-only <restart fields='...'/> marker, in virDomainSetMetadata's form."""
    element = _element("restart", PENDING_NAMESPACE, PENDING_PREFIX, False)
    element.set("fields", " ".join(sorted(fields)))
    return etree.tostring(element, encoding="unicode")


def migration_pause_xml():
    """The live-only <paused for='migration'/> marker, in virDomainSetMetadata's form."""
    element = _element("paused", MIGRATION_PAUSE_NAMESPACE, MIGRATION_PAUSE_PREFIX, False)
    element.set("for", "migration")
    return etree.tostring(element, encoding="unicode")


def with_incoming_marker(xml, source_host):
    """A domain document (libvirt's text) with the <incoming from='SOURCE'/> marker in its
    metadata, for the destination of a migration (VIR_MIGRATE_PARAM_DEST_XML / PERSIST_XML)."""
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, resolve_entities=False,
                                                                 no_network=True))
    metadata = root.find("metadata")
    if metadata is None:
        metadata = etree.Element("metadata")
        # libvirt's order: the metadata follows the description/title near the top of the domain.
        anchor = next((child for child in root if child.tag not in ("name", "uuid", "genid", "title", "description")),
                      None)
        if anchor is None:
            root.append(metadata)
        else:
            anchor.addprevious(metadata)
    for old in metadata.findall("{%s}incoming" % MIGRATION_INCOMING_NAMESPACE):
        metadata.remove(old)
    marker = _element("incoming", MIGRATION_INCOMING_NAMESPACE, MIGRATION_INCOMING_PREFIX, True)
    marker.set("from", source_host)
    metadata.append(marker)
    return etree.tostring(root, encoding="unicode")


class PendingRestartField(Field):
    """Read-only view of the pending-restart marker (written live with setMetadata)."""

    def __init__(self, name):
        super(PendingRestartField, self).__init__(name, label=name)

    def read(self, element):
        marker = element.find("metadata/{%s}restart" % PENDING_NAMESPACE)
        return None if marker is None else sorted((marker.get("fields") or "").split())

    def write(self, element, value):
        pass  # never part of a definition this collection writes

    def changes(self, desired, live, prefix):
        return []


class MetadataField(Field):
    """Flat string key/values under <metadata><virtops:instance xmlns:virtops=...>."""

    def __init__(self, name, live=None):
        super(MetadataField, self).__init__(name, label=name, live=live)

    def _container(self, element):
        metadata = element.find("metadata")
        if metadata is None:
            return None
        return metadata.find("{%s}instance" % METADATA_NAMESPACE)

    def read(self, element):
        container = self._container(element)
        if container is None:
            return None
        return dict((etree.QName(child).localname, child.text or "") for child in container)

    def write(self, element, value):
        container = self._container(element)
        if container is not None:
            container.getparent().remove(container)
        if value:
            metadata = element.find("metadata")
            if metadata is None:
                metadata = etree.SubElement(element, "metadata")
            metadata.append(etree.fromstring(metadata_xml(value, namespaced=True)))
        metadata = element.find("metadata")
        if metadata is not None and len(metadata) == 0:
            element.remove(metadata)

    def changes(self, desired, live, prefix):
        if desired is None or desired == (live or {}):
            return []
        return [Change(prefix + self.label, live or None, desired)]


# What may stand under <devices> (libvirt 9.0's domain schema).
DEVICE_TAGS = frozenset((
    "disk", "controller", "lease", "filesystem", "interface", "input", "sound", "hostdev", "graphics", "video",
    "console", "serial", "parallel", "channel", "smartcard", "hub", "redirdev", "redirfilter", "rng", "tpm",
    "shmem", "memory", "iommu", "vsock", "crypto", "panic", "watchdog", "memballoon", "audio", "emulator",
))


def element_contains(live, wanted):
    """Whether ``live`` has everything ``wanted`` gives: the same tag, each attribute with its
    value, the same text where ``wanted`` has text, and a matching child for each of its children
    (libvirt's additions - addresses, aliases, defaults - do not count)."""
    if live.tag != wanted.tag:
        return False
    if any(live.get(name) != value for name, value in wanted.attrib.items()):
        return False
    if (wanted.text or "").strip() and (wanted.text or "").strip() != (live.text or "").strip():
        return False
    live_children = [child for child in live if isinstance(child.tag, str)]
    return all(any(element_contains(child, part) for child in live_children)
               for part in wanted if isinstance(part.tag, str))


class RootPortsField(Field):
    """How many PCIe root ports (<controller type='pci' model='pcie-root-port'/>) a q35 domain has:
    each can take one hot-plugged device (Nova's num_pcie_ports). Asked for more than there are,
    the missing ports are added (libvirt numbers them); ports are never removed, since devices
    may sit in them."""

    MODEL = "pcie-root-port"

    def __init__(self, name):
        super(RootPortsField, self).__init__(name, kind="int", label=name)

    def read(self, element):
        return len(element.findall("devices/controller[@type='pci'][@model='%s']" % self.MODEL))

    def write(self, element, value):
        missing = (value or 0) - self.read(element)
        if missing > 0:
            devices = element.find("devices")
            if devices is None:
                devices = etree.SubElement(element, "devices")
            if devices.find("controller[@type='pci'][@index='0']") is None:
                # A new definition: libvirt would number the first port 0, the index of the root.
                etree.SubElement(devices, "controller", type="pci", index="0", model="pcie-root")
            for _port in range(missing):
                etree.SubElement(devices, "controller", type="pci", model=self.MODEL)

    def changes(self, desired, live, prefix):
        if desired is None or desired <= (live or 0):
            return []
        return [Change(prefix + self.label, live or 0, desired)]

    def apply(self, desired, live):
        return live if desired is None else max(desired, live or 0)


class ParsedDevices(list):
    """The device elements a parsed document has: what is there, never something asked for."""


class DeviceXmlField(Field):
    """Whole device elements, for what no typed option covers (shared memory, host devices,
    filesystems, ...). A given device is there when a live device contains it (element_contains);
    given devices that are not there are added, and devices are never removed through it."""

    def __init__(self, name):
        super(DeviceXmlField, self).__init__(name, label=name)

    def read(self, element):
        devices = element.find("devices")
        return ParsedDevices([] if devices is None else [child for child in devices if isinstance(child.tag, str)])

    def write(self, element, value):
        for node in value or []:
            if node.getparent() is None:  # one this run adds; the others are in the document already
                devices = element.find("devices")
                if devices is None:
                    devices = etree.SubElement(element, "devices")
                devices.append(copy.deepcopy(node))

    @staticmethod
    def _missing(desired, live):
        if isinstance(desired, ParsedDevices):
            return []  # a parsed document asks for nothing through this field
        return [(index, node) for index, node in enumerate(desired or [])
                if not any(element_contains(other, node) for other in live or [])]

    def changes(self, desired, live, prefix):
        return [Change("%s%s[%d]" % (prefix, self.label, index), None, etree.tostring(node, encoding="unicode"))
                for index, node in self._missing(desired, live)]

    def apply(self, desired, live):
        missing = self._missing(desired, live)
        if not missing:
            return live
        return ParsedDevices(list(live or []) + [copy.deepcopy(node) for _index, node in missing])


# The changes a running guest takes on the domain itself without a restart.
LIVE_TITLE = LiveChange("title", "set title")
LIVE_DESCRIPTION = LiveChange("description", "set description")
LIVE_MEMORY = LiveChange("memory", "set current memory")
LIVE_VCPUS = LiveChange("vcpus", "set vcpus")
LIVE_METADATA = LiveChange("metadata", "set metadata")
LIVE_ATTACH_INTERFACE = LiveChange("attach", "hot-plug NIC", device=("interfaces", "mac"), whole_owner=True, attach=True)


class DomainConfig(ConfigObject):
    TAG = "domain"
    FIELDS = (
        Field("virt_type", attr="type", label="virt_type"),
        Field("name", path="name"),
        Field("uuid", path="uuid"),
        Field("title", path="title", live=LIVE_TITLE),
        Field("description", path="description", live=LIVE_DESCRIPTION),
        MemoryField("max_memory_kib", "maxMemory", label="max_memory_kib"),
        Field("memory_slots", path="maxMemory", attr="slots", kind="int"),
        MemoryField("memory_kib", "memory", label="memory_kib"),
        MemoryField("current_memory_kib", "currentMemory", label="current_memory_kib", live=LIVE_MEMORY),
        Field("vcpus", path="vcpu", kind="int"),
        Field("current_vcpus", path="vcpu", attr="current", kind="int", live=LIVE_VCPUS),
        Field("vcpu_placement", path="vcpu", attr="placement"),
        Field("vcpu_cpuset", path="vcpu", attr="cpuset"),
        Field("iothreads", path="iothreads", kind="int"),
        Child("cputune", "cputune", CputuneConfig),
        Child("numatune", "numatune", NumatuneConfig),
        Child("memory_backing", "memoryBacking", MemoryBackingConfig),
        Child("memtune", "memtune", MemtuneConfig),
        Child("perf", "perf", PerfConfig, replace=True),
        Child("os", "os", OsConfig),
        Child("sysinfo", "sysinfo", SysinfoConfig, replace=True),
        Child("features", "features", FeaturesConfig),
        Child("cpu", "cpu", CpuConfig, replace=True),
        Child("clock", "clock", ClockConfig),
        Child("launch_security", "launchSecurity", LaunchSecurityConfig, replace=True),
        Field("on_poweroff", path="on_poweroff"),
        Field("on_reboot", path="on_reboot"),
        Field("on_crash", path="on_crash"),
        MetadataField("metadata", live=LIVE_METADATA),
        PendingRestartField("pending_restart"),
        Field("emulator", path="devices/emulator"),
        ChildList("disks", "devices/disk", DiskConfig),
        ChildList("controllers", "devices/controller", ControllerConfig),
        ChildList("interfaces", "devices/interface", InterfaceConfig, live_add=LIVE_ATTACH_INTERFACE),
        ChildList("serials", "devices/serial", SerialConfig, label="serial", authoritative=True),
        ChildList("consoles", "devices/console", ConsoleConfig, label="console", authoritative=True),
        ChildList("graphics", "devices/graphics", GraphicsConfig, authoritative=True),
        ChildList("channels", "devices/channel", ChannelConfig),
        ChildList("inputs", "devices/input", InputConfig),
        ChildList("videos", "devices/video", VideoConfig, label="video", authoritative=True),
        ChildList("watchdogs", "devices/watchdog", WatchdogConfig, label="watchdog", authoritative=True),
        ChildList("rngs", "devices/rng", RngConfig, label="rng", authoritative=True),
        ChildList("panics", "devices/panic", PanicConfig, label="panic", authoritative=True),
        ChildList("iommus", "devices/iommu", IommuConfig, label="iommu", authoritative=True),
        ChildList("vsocks", "devices/vsock", VsockConfig, label="vsock", authoritative=True),
        ChildList("tpms", "devices/tpm", TpmConfig, label="tpm", authoritative=True),
        ChildList("hostdevs", "devices/hostdev", HostdevConfig, label="hostdevs"),
        ChildList("filesystems", "devices/filesystem", FilesystemConfig, label="filesystems"),
        ChildList("memory_devices", "devices/memory", MemoryDeviceConfig, label="memory_devices"),
        Child("memballoon", "devices/memballoon", MemballoonConfig, replace=True),
        DeviceXmlField("devices_xml"),
        RootPortsField("pcie_root_ports"),
        ChildList("seclabels", "seclabel", SecurityLabel, label="seclabel"),
    )

    def adopt_live_identities(self, live, uuid=False):
        """Give what was asked for without an identity the live definition's: each interface
        without a MAC takes the MAC of the next live interface that no requested MAC names, and
        with ``uuid`` a missing UUID takes the live one. Defining the result again then changes
        nothing, where libvirt would make up a new MAC (and refuse a new UUID) every time."""
        if live is None:
            return self
        if uuid and self.uuid is None:
            self.uuid = live.uuid
        if self.interfaces:
            named = set(item.mac for item in self.interfaces if item.mac)
            unnamed = [item.mac for item in live.interfaces or [] if item.mac and item.mac not in named]
            for item in self.interfaces:
                if item.mac is None and unnamed:
                    item.mac = unnamed.pop(0)
        return self

    def after_parse(self, element):
        # libvirt drops <vcpu current='N'> when N equals the maximum; it still means N.
        if self.current_vcpus is None and self.vcpus is not None:
            self.current_vcpus = self.vcpus

    def before_format_done(self, element):
        # ... and so is it written: all vCPUs online is a <vcpu> without current, as libvirt has it
        vcpu = element.find("vcpu")
        if vcpu is not None and vcpu.get("current") is not None and vcpu.get("current") == (vcpu.text or "").strip():
            del vcpu.attrib["current"]

    def apply_to(self, live):
        """A new vCPU count or memory size without its current value keeps a guest that had
        all of it so (and never leaves more current than the maximum): what the user never
        set follows what they did."""
        all_online = live.current_vcpus == live.vcpus
        all_memory = live.current_memory_kib in (None, live.memory_kib)
        super(DomainConfig, self).apply_to(live)
        if self.vcpus is not None and self.current_vcpus is None and (
                all_online or (live.current_vcpus or 0) > self.vcpus):
            live.current_vcpus = self.vcpus
        if self.memory_kib is not None and self.current_memory_kib is None and (
                all_memory or (live.current_memory_kib or 0) > self.memory_kib):
            live.current_memory_kib = self.memory_kib
        return live
