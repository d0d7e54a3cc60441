# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""<domain>: the whole instance definition, composed of the other element families."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.config.base import (
    Child, ChildList, ConfigObject, Field, MemoryField, etree,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.config.cpu import CpuConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.config.devices import (
    ConsoleConfig, ControllerConfig, DiskConfig, GraphicsConfig, InterfaceConfig, SerialConfig,
)

# Namespace of the key/value metadata this collection keeps in <metadata>.
METADATA_NAMESPACE = "urn:virtops:libvirt:instance:1"
METADATA_PREFIX = "virtops"


class BootDevice(ConfigObject):
    """<boot dev='hd|cdrom|network'/> inside <os>."""

    TAG = "boot"
    KEY = "dev"
    FIELDS = (Field("dev", attr="dev"),)


class OsConfig(ConfigObject):
    """<os firmware=...><type arch machine>hvm</type><kernel/><initrd/><cmdline/><boot/></os>"""

    TAG = "os"
    FIELDS = (
        Field("firmware", attr="firmware", absent="bios"),
        Field("type", path="type"),
        Field("arch", path="type", attr="arch"),
        Field("machine", path="type", attr="machine"),
        Field("kernel", path="kernel"),
        Field("initrd", path="initrd"),
        Field("cmdline", path="cmdline"),
        ChildList("boot_devices", "boot", BootDevice, label="boot", authoritative=True),
    )


class FeaturesConfig(ConfigObject):
    """<features><acpi/><apic/><pae/></features>"""

    TAG = "features"
    FIELDS = (
        Field("acpi", path="acpi", kind="flag"),
        Field("apic", path="apic", kind="flag"),
        Field("pae", path="pae", kind="flag"),
    )


def metadata_xml(values):
    """The <virtops:instance> element for ``values`` as text (for live setMetadata)."""
    container = etree.Element("{%s}instance" % METADATA_NAMESPACE, nsmap={METADATA_PREFIX: METADATA_NAMESPACE})
    for key in sorted(values or {}):
        etree.SubElement(container, "{%s}%s" % (METADATA_NAMESPACE, key)).text = values[key]
    return etree.tostring(container, encoding="unicode")


class MetadataField(Field):
    """Flat string key/values under <metadata><virtops:instance xmlns:virtops=...>."""

    def __init__(self, name):
        super(MetadataField, self).__init__(name, label=name)

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
            metadata.append(etree.fromstring(metadata_xml(value)))
        metadata = element.find("metadata")
        if metadata is not None and len(metadata) == 0:
            element.remove(metadata)

    def changes(self, desired, live, prefix):
        if desired is None or desired == (live or {}):
            return []
        return [(prefix + self.label, live or None, desired)]


class DomainConfig(ConfigObject):
    TAG = "domain"
    FIELDS = (
        Field("virt_type", attr="type", label="virt_type"),
        Field("name", path="name"),
        Field("uuid", path="uuid"),
        Field("title", path="title"),
        Field("description", path="description"),
        MemoryField("memory_kib", "memory", label="memory_kib"),
        MemoryField("current_memory_kib", "currentMemory", label="current_memory_kib"),
        Field("vcpus", path="vcpu", kind="int"),
        Field("current_vcpus", path="vcpu", attr="current", kind="int"),
        Child("os", "os", OsConfig),
        Child("features", "features", FeaturesConfig),
        Child("cpu", "cpu", CpuConfig, replace=True),
        MetadataField("metadata"),
        Field("emulator", path="devices/emulator"),
        ChildList("disks", "devices/disk", DiskConfig),
        ChildList("controllers", "devices/controller", ControllerConfig),
        ChildList("interfaces", "devices/interface", InterfaceConfig),
        ChildList("serials", "devices/serial", SerialConfig, label="serial", authoritative=True),
        ChildList("consoles", "devices/console", ConsoleConfig, label="console", authoritative=True),
        ChildList("graphics", "devices/graphics", GraphicsConfig, authoritative=True),
    )
