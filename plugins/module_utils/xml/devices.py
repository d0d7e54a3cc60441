# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device elements of a domain: disks, interfaces, serial/console, graphics, controllers, and the
platform devices (input, video, watchdog, RNG, panic notifier, vsock, vTPM, balloon)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Change, Child, ChildList, ConfigObject, Field, LiveChange, MemoryField, SecretField, etree,
)

# The changes a running guest takes on its devices without a restart.
LIVE_MEDIA = LiveChange("media", "change media", device=("disks", "target_dev"))
LIVE_IOTUNE = LiveChange("iotune", "set I/O limits", device=("disks", "target_dev"), whole_owner=True)
LIVE_GRAPHICS_PASSWORD = LiveChange("graphics_password", "set the console password", device=("graphics", "type"))


class NetworkHost(ConfigObject):
    """<host name='127.0.0.1' port='3260'/> of a network disk source (portal, Ceph monitor, NFS or
    NBD server), or <host transport='unix' socket='/run/nbd.sock'/> for an NBD server's socket."""

    TAG = "host"
    FIELDS = (
        Field("name", attr="name"),
        Field("port", attr="port"),
        Field("transport", attr="transport"),
        Field("socket", attr="socket"),
    )

    def key(self):
        if self.socket:
            return "unix:%s" % self.socket
        return "%s:%s" % (self.name, self.port) if self.port else self.name


# <secret type='...' usage='...' uuid='...'/>: how a disk names the libvirt secret it needs.
SECRET_REFERENCE = (
    Field("secret_type", path="secret", attr="type"),
    Field("secret_usage", path="secret", attr="usage"),
    Field("secret_uuid", path="secret", attr="uuid"),
)


class DiskAuth(ConfigObject):
    """<auth username='...'><secret type='ceph|iscsi' usage='...' uuid='...'/></auth>"""

    TAG = "auth"
    FIELDS = (Field("username", attr="username"),) + SECRET_REFERENCE


class DiskEncryption(ConfigObject):
    """<encryption format='luks'><secret type='passphrase' usage|uuid='...'/></encryption> in a disk's
    <source>: QEMU opens the LUKS container with the passphrase of a libvirt secret (usage volume)."""

    TAG = "encryption"
    FIELDS = (Field("format", attr="format"),) + SECRET_REFERENCE


def address_number(text):
    """A part of a PCI address as libvirt reads it (C's strtoul, base 0): '0x1f' is hex, '017'
    octal, '17' decimal - libvirt writes hex, a hand-written document may not."""
    text = (text or "0").strip()
    try:
        if text.lower().startswith("0x"):
            return int(text, 16)
        return int(text, 8) if len(text) > 1 and text.startswith("0") else int(text)
    except ValueError:
        return int(text, 16)


class DeviceAddress(ConfigObject):
    """<address type='pci' domain bus slot function/> or <address type='drive' controller bus target
    unit/>: where a device sits, which libvirt chooses unless the user pins it."""

    TAG = "address"
    FIELDS = (
        Field("type", attr="type"),
        Field("domain", attr="domain"),
        Field("bus", attr="bus"),
        Field("slot", attr="slot"),
        Field("function", attr="function"),
        Field("controller", attr="controller", kind="int"),
        Field("target", attr="target", kind="int"),
        Field("unit", attr="unit", kind="int"),
    )


IOTUNE_LIMITS = ("total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
                 "total_iops_sec", "read_iops_sec", "write_iops_sec")


class IotuneConfig(ConfigObject):
    """<iotune><total_bytes_sec>...</total_bytes_sec>...</iotune>: a disk's I/O limits (Nova's
    quota:disk_* flavor extra specs)."""

    TAG = "iotune"
    # 0: no limit. A running guest's limits change with virDomainSetBlockIoTune, no restart.
    FIELDS = tuple(Field(name, path=name, kind="int", absent=0, live=LIVE_IOTUNE) for name in IOTUNE_LIMITS)


class DiskConfig(ConfigObject):
    """<disk type='file|block|volume|network' device='disk|cdrom'>"""

    TAG = "disk"
    KEY = "target_dev"
    FIELDS = (
        Field("type", attr="type"),
        Field("device", attr="device"),
        Field("driver_name", path="driver", attr="name", label="driver"),
        Field("format", path="driver", attr="type"),
        Field("cache", path="driver", attr="cache"),
        Field("io", path="driver", attr="io"),
        Field("discard", path="driver", attr="discard"),
        Field("packed", path="driver", attr="packed", kind="onoff"),
        Field("source_file", path="source", attr="file", label="source.file", live=LIVE_MEDIA),
        Field("source_dev", path="source", attr="dev", label="source.dev"),
        Field("source_pool", path="source", attr="pool", label="source.pool"),
        Field("source_volume", path="source", attr="volume", label="source.volume"),
        Field("source_protocol", path="source", attr="protocol", label="source.protocol"),
        Field("source_name", path="source", attr="name", label="source.name"),
        Field("source_query", path="source", attr="query", label="source.query"),
        Field("source_tls", path="source", attr="tls", kind="yesno", label="source.tls"),
        ChildList("source_hosts", "source/host", NetworkHost, label="source.hosts", authoritative=True),
        Field("nfs_user", path="source/identity", attr="user", label="nfs.user"),
        Field("nfs_group", path="source/identity", attr="group", label="nfs.group"),
        # libvirt keeps it inside <source> (its preferred place) or directly in <disk> (where Nova writes it)
        Child("encryption", "source/encryption", DiskEncryption, replace=True, elsewhere=("encryption",)),
        Child("auth", "auth", DiskAuth, replace=True),
        Field("target_dev", path="target", attr="dev", label="target"),
        Field("target_bus", path="target", attr="bus", label="bus"),
        Field("serial", path="serial"),
        Field("wwn", path="wwn"),
        Child("iotune", "iotune", IotuneConfig, replace=True),
        Field("logical_block_size", path="blockio", attr="logical_block_size", kind="int",
              label="blockio.logical_block_size"),
        Field("physical_block_size", path="blockio", attr="physical_block_size", kind="int",
              label="blockio.physical_block_size"),
        Field("readonly", path="readonly", kind="flag"),
        Field("shareable", path="shareable", kind="flag"),
        Field("boot_order", path="boot", attr="order", kind="int"),
        Child("address", "address", DeviceAddress),
        Field("alias", path="alias", attr="name"),  # live XML only: names the device in events
    )

    SOURCE_FIELDS = ("source_file", "source_dev", "source_pool", "source_volume", "source_protocol",
                     "source_name")
    # What belongs to one source only: another source starts without them.
    SOURCE_EXTRAS = ("source_tls", "source_query", "nfs_user", "nfs_group", "encryption")
    # The source_file of a CD-ROM drive without media: requested, it ejects; read, it compares.
    NO_MEDIA = ""

    def after_parse(self, element):
        if self.device == "cdrom" and all(getattr(self, name) is None for name in self.SOURCE_FIELDS):
            self.source_file = self.NO_MEDIA

    def before_format_done(self, element):
        source = element.find("source")
        if source is not None and source.get("file") == self.NO_MEDIA:
            del source.attrib["file"]
            if not len(source) and not source.attrib:
                element.remove(source)
        if source is not None and self.source_protocol == "nfs" and source.find("identity") is None:
            # libvirt 9.0's schema requires <identity> on NFS sources although libvirt itself accepts
            # (and writes) none; an empty one means the same: the QEMU process's own user.
            source.append(etree.Element("identity"))

    def source(self):
        """The one source of this disk as text, or None.

        'pool/volume' for pool volumes, 'iscsi://host:port/IQN/LUN', 'nfs://host/path',
        'nbd://host:port/export' (or 'nbd+unix:///export?socket=path') and 'rbd://pool/image' for
        network disks.
        """
        if self.source_pool or self.source_volume:
            return "%s/%s" % (self.source_pool, self.source_volume)
        hosts = ",".join(host.key() for host in self.source_hosts or [] if not host.socket)
        if self.source_protocol in ("iscsi", "nfs", "http", "https", "ftp", "ftps"):
            query = "?" + self.source_query if self.source_query else ""
            return "%s://%s/%s%s" % (self.source_protocol, hosts, (self.source_name or "").lstrip("/"), query)
        if self.source_protocol == "nbd":
            sockets = [host.socket for host in self.source_hosts or [] if host.socket]
            if sockets:
                return "nbd+unix:///%s?socket=%s" % (self.source_name or "", sockets[0])
            return "nbd://%s/%s" % (hosts, self.source_name or "")
        if self.source_protocol:
            return "%s://%s" % (self.source_protocol, self.source_name)
        return self.source_file or self.source_dev or None

    def backing_files(self):
        """The files and devices of the backing chain libvirt shows (a running domain's XML)."""
        found = []
        if self._source is not None:
            for source in self._source.iter("backingStore"):
                node = source.find("source")
                path = None if node is None else node.get("file") or node.get("dev")
                if path:
                    found.append(path)
        return found

    def live_method(self, field):
        # Only removable media can change under a running guest; a disk's source cannot.
        return field.live if self.device == "cdrom" else None

    def changes(self, live=None, prefix=""):
        # A live I/O limit change is made on the disk (its target), not on the <iotune> alone.
        return [Change(change.path, change.before, change.after, change.live, self) if change.live is LIVE_IOTUNE else change
                for change in super(DiskConfig, self).changes(live, prefix)]

    def apply_to(self, live):
        # A disk has exactly one source: switching file -> volume must drop the old attributes.
        new_source = self.source() is not None and self.source() != live.source()
        if self.drop_other_values(live, self.SOURCE_FIELDS) and self.source_protocol is None:
            live.source_hosts, live.auth = [], None
        if new_source:  # e.g. the old volume's passphrase does not open the new one
            for name in self.SOURCE_EXTRAS:
                setattr(live, name, None)
            live.forget_backing_chain()
        return super(DiskConfig, self).apply_to(live)

    def forget_backing_chain(self):
        """Drop the <backingStore> libvirt wrote for the old source (a persistent definition keeps
        one after a snapshot): libvirt opens an image on a chain given in the XML rather than the
        one the image's own header names, so a new image would be read on the old one's chain."""
        if self._source is not None:
            for node in self._source.findall("backingStore"):
                self._source.remove(node)


class FilterParameter(ConfigObject):
    """<parameter name='IP' value='10.0.0.1'/> of a <filterref>."""

    TAG = "parameter"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("value", attr="value"),
    )


class FilterRef(ConfigObject):
    """<filterref filter='clean-traffic'> with parameters (nwfilter traffic filtering)."""

    TAG = "filterref"
    KEY = "filter"
    FIELDS = (
        Field("filter", attr="filter"),
        ChildList("parameters", "parameter", FilterParameter, authoritative=True),
    )

    @classmethod
    def with_parameters(cls, name, parameters):
        """A reference to filter ``name`` with ``parameters`` ({'IP': '10.0.0.5'}), the complete list."""
        return cls(filter=name, parameters=[FilterParameter(name=key, value=str(value))
                                            for key, value in sorted(parameters.items())])


class BandwidthConfig(ConfigObject):
    """<bandwidth><inbound average peak burst/><outbound .../></bandwidth> (KiB/s, KiB)."""

    TAG = "bandwidth"
    FIELDS = tuple(
        Field("%s_%s" % (direction, name), path=direction, attr=name, kind="int", label="%s.%s" % (direction, name))
        for direction in ("inbound", "outbound") for name in ("average", "peak", "burst"))


class VlanTag(ConfigObject):
    """<tag id='42' nativeMode='untagged'/> of an interface's <vlan>."""

    TAG = "tag"
    KEY = "id"
    FIELDS = (
        Field("id", attr="id", kind="int"),
        Field("native_mode", attr="nativeMode", label="native_mode"),
    )


class InterfaceConfig(ConfigObject):
    """<interface type='network|bridge|direct|ethernet|vhostuser|hostdev'> with MAC, source, model,
    target, MTU, bandwidth, VLAN tags, virtual port, driver queues and an optional filterref."""

    TAG = "interface"
    KEY = "mac"
    FIELDS = (
        Field("type", attr="type"),
        Field("mac", path="mac", attr="address"),
        Field("source_network", path="source", attr="network", label="network"),
        Field("source_bridge", path="source", attr="bridge", label="bridge"),
        Field("source_dev", path="source", attr="dev", label="direct.dev"),
        Field("source_mode", path="source", attr="mode", label="source.mode"),
        Field("source_type", path="source", attr="type", label="source.type"),
        Field("source_path", path="source", attr="path", label="vhostuser.path"),
        Field("hostdev_managed", attr="managed", kind="yesno", label="hostdev.managed"),
        Field("pci_domain", path="source/address", attr="domain", label="hostdev.pci"),
        Field("pci_bus", path="source/address", attr="bus", label="hostdev.pci_bus"),
        Field("pci_slot", path="source/address", attr="slot", label="hostdev.pci_slot"),
        Field("pci_function", path="source/address", attr="function", label="hostdev.pci_function"),
        Field("pci_address_type", path="source/address", attr="type", label="hostdev.address_type"),
        Field("model", path="model", attr="type"),
        Field("target_dev", path="target", attr="dev", label="target"),
        Field("target_managed", path="target", attr="managed", kind="yesno", label="target_managed"),
        Field("mtu", path="mtu", attr="size", kind="int"),
        Field("driver_name", path="driver", attr="name", label="driver"),
        Field("queues", path="driver", attr="queues", kind="int"),
        Field("rx_queue_size", path="driver", attr="rx_queue_size", kind="int"),
        Field("tx_queue_size", path="driver", attr="tx_queue_size", kind="int"),
        Field("packed", path="driver", attr="packed", kind="onoff"),
        Child("bandwidth", "bandwidth", BandwidthConfig, replace=True),
        Field("vlan_trunk", path="vlan", attr="trunk", kind="yesno", label="vlan.trunk"),
        ChildList("vlan_tags", "vlan/tag", VlanTag, label="vlan", authoritative=True),
        Field("virtualport_type", path="virtualport", attr="type", label="virtualport.type"),
        Field("virtualport_interfaceid", path="virtualport/parameters", attr="interfaceid",
              label="virtualport.interfaceid"),
        Field("virtualport_profileid", path="virtualport/parameters", attr="profileid",
              label="virtualport.profileid"),
        Field("virtualport_instanceid", path="virtualport/parameters", attr="instanceid",
              label="virtualport.instanceid"),
        Field("virtualport_managerid", path="virtualport/parameters", attr="managerid", kind="int",
              label="virtualport.managerid"),
        Field("virtualport_typeid", path="virtualport/parameters", attr="typeid", kind="int",
              label="virtualport.typeid"),
        Field("virtualport_typeidversion", path="virtualport/parameters", attr="typeidversion", kind="int",
              label="virtualport.typeidversion"),
        Child("filterref", "filterref", FilterRef, label="filter", replace=True),
        Child("address", "address", DeviceAddress),  # in the guest; a hostdev NIC's host one is in <source>
    )
    # Where each interface type keeps its source; the others are dropped when the type changes.
    SOURCE_FIELDS = ("source_network", "source_bridge", "source_dev", "source_mode", "source_type", "source_path",
                     "pci_domain", "pci_bus", "pci_slot", "pci_function", "pci_address_type")

    def apply_to(self, live):
        self.drop_other_values(live, self.SOURCE_FIELDS)
        return super(InterfaceConfig, self).apply_to(live)


class SerialConfig(ConfigObject):
    """<serial type='pty|file|tcp'> (and the same shape for <console>)."""

    TAG = "serial"
    FIELDS = (
        Field("type", attr="type"),
        Field("source_path", path="source", attr="path", label="path"),
        Field("source_append", path="source", attr="append", kind="onoff", label="append"),
        Field("source_mode", path="source", attr="mode", label="mode"),
        Field("source_host", path="source", attr="host", label="host"),
        Field("source_service", path="source", attr="service", label="port"),
        Field("protocol", path="protocol", attr="type", label="protocol"),
        Field("target_type", path="target", attr="type"),
        Field("target_port", path="target", attr="port", kind="int", label="port"),
        Field("log_file", path="log", attr="file", label="log_file"),
        Field("log_append", path="log", attr="append", kind="onoff", label="log_append"),
    )

    def key(self):
        return self.target_port if self.target_port is not None else 0

    def describe_key(self):
        return str(self.key())

    SOURCE_FIELDS = ("source_path", "source_append", "source_mode", "source_host", "source_service", "protocol")

    def apply_to(self, live):
        # Another kind of console (pty -> tcp) has another source: the old one's attributes go.
        if self.type is not None and self.type != live.type:
            for name in self.SOURCE_FIELDS:
                setattr(live, name, None)
        return super(SerialConfig, self).apply_to(live)


class ConsoleConfig(SerialConfig):
    TAG = "console"


GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
SPICE_AGENT_CHANNEL = "com.redhat.spice.0"


class ChannelConfig(ConfigObject):
    """<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>: a
    virtio-serial port (the QEMU guest agent's, SPICE's vdagent, ...), found by its name."""

    TAG = "channel"
    KEY = "target_name"
    FIELDS = (
        Field("type", attr="type"),
        Field("target_type", path="target", attr="type", label="target.type"),
        Field("target_name", path="target", attr="name", label="target.name"),
        Field("state", path="target", attr="state", label="target.state"),
    )

    @classmethod
    def guest_agent(cls):
        return cls(type="unix", target_type="virtio", target_name=GUEST_AGENT_CHANNEL)

    @classmethod
    def spice_agent(cls):
        """The SPICE agent's port (clipboard, display resizing), carried by the SPICE connection."""
        return cls(type="spicevmc", target_type="virtio", target_name=SPICE_AGENT_CHANNEL)


class SpiceChannel(ConfigObject):
    """<channel name='main' mode='secure'/> of a SPICE console: whether that channel takes TLS."""

    TAG = "channel"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("mode", attr="mode"),
    )


class GraphicsConfig(ConfigObject):
    """<graphics type='vnc|spice' listen='...' autoport='yes'>, with SPICE's compression and
    secure channels as Nova writes them."""

    TAG = "graphics"
    KEY = "type"
    FIELDS = (
        Field("type", attr="type"),
        Field("autoport", attr="autoport", kind="yesno"),
        Field("port", attr="port", kind="int"),
        Field("listen", attr="listen", absent=""),  # '': none given, qemu.conf's vnc_listen/spice_listen
        Field("keymap", attr="keymap"),
        SecretField("password", attr="passwd", live=LIVE_GRAPHICS_PASSWORD),  # virDomainUpdateDeviceFlags
        Field("image_compression", path="image", attr="compression", label="image_compression"),
        Field("jpeg_compression", path="jpeg", attr="compression", label="jpeg_compression"),
        Field("zlib_compression", path="zlib", attr="compression", label="zlib_compression"),
        Field("playback_compression", path="playback", attr="compression", kind="onoff", label="playback_compression"),
        Field("streaming_mode", path="streaming", attr="mode", label="streaming_mode"),
        ChildList("channels", "channel", SpiceChannel, label="channels", authoritative=True),
    )
    # The SPICE channels Nova makes secure (TLS) with spice.require_secure.
    SECURE_CHANNELS = ("main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir")

    def after_parse(self, element):
        # The address may be given only as a <listen type='address'> child (no listen attribute).
        if not self.listen:
            child = element.find("listen[@type='address']")
            if child is not None and child.get("address"):
                self.listen = child.get("address")

    def before_format_done(self, element):
        source = self._source
        if source is not None and source.get("listen") is None and element.get("listen") is not None:
            child = element.find("listen[@type='address']")
            if child is not None and child.get("address") == element.get("listen"):
                del element.attrib["listen"]  # said by the <listen> child alone, as it was read
        self._drop_stale_listens(element)

    def _drop_stale_listens(self, element):
        # libvirt insists that the listen attribute matches the first <listen> child; the child
        # is regenerated by libvirt from the attribute, so drop stale ones when they disagree.
        if self.listen is None:
            return
        for child in element.findall("listen"):
            if child.get("type", "address") == "address" and child.get("address", "") != self.listen:
                element.remove(child)


class ControllerConfig(ConfigObject):
    """<controller type='scsi|pci|usb|virtio-serial|sata|ide' index='0' model='...' ports='N'>
    <driver queues='N'/></controller>"""

    TAG = "controller"
    FIELDS = (
        Field("type", attr="type"),
        Field("index", attr="index", kind="int"),
        Field("model", attr="model"),
        Field("ports", attr="ports", kind="int"),
        Field("queues", path="driver", attr="queues", kind="int"),
    )

    def key(self):
        return "%s%s" % (self.type, self.index if self.index is not None else 0)


class InputConfig(ConfigObject):
    """<input type='tablet|mouse|keyboard' bus='usb|ps2|virtio'/>"""

    TAG = "input"
    FIELDS = (
        Field("type", attr="type"),
        Field("bus", attr="bus"),
    )

    def key(self):
        return "%s-%s" % (self.type, self.bus) if self.type else None


class VideoConfig(ConfigObject):
    """<video><model type='virtio|vga|qxl|bochs|cirrus|none' heads='1' vram='16384'/></video>"""

    TAG = "video"
    FIELDS = (
        Field("model", path="model", attr="type"),
        Field("heads", path="model", attr="heads", kind="int"),
        Field("vram_kib", path="model", attr="vram", kind="int", label="vram_kib"),
    )


class WatchdogConfig(ConfigObject):
    """<watchdog model='i6300esb|ib700|itco' action='reset|poweroff|pause|dump|inject-nmi|none|shutdown'/>"""

    TAG = "watchdog"
    FIELDS = (
        Field("model", attr="model"),
        Field("action", attr="action"),
    )


class RngConfig(ConfigObject):
    """<rng model='virtio'><rate bytes='1024' period='1000'/><backend model='random'>/dev/urandom</backend></rng>"""

    TAG = "rng"
    FIELDS = (
        Field("model", attr="model"),
        Field("backend_model", path="backend", attr="model", label="backend_model"),
        Field("backend", path="backend"),
        Field("rate_bytes", path="rate", attr="bytes", kind="int"),
        Field("rate_period", path="rate", attr="period", kind="int"),
    )


class PanicConfig(ConfigObject):
    """<panic model='isa|pvpanic|hyperv'/>: how the guest tells the host it crashed."""

    TAG = "panic"
    FIELDS = (Field("model", attr="model"),)


class IommuConfig(ConfigObject):
    """<iommu model='intel|smmuv3|virtio'><driver intremap='on' caching_mode='on' eim='on' iotlb='on'
    aw_bits='48'/></iommu>: the guest's IOMMU (Nova's hw:viommu_model)."""

    TAG = "iommu"
    FIELDS = (
        Field("model", attr="model"),
        Field("intremap", path="driver", attr="intremap", kind="onoff"),
        Field("caching_mode", path="driver", attr="caching_mode", kind="onoff"),
        Field("eim", path="driver", attr="eim", kind="onoff"),
        Field("iotlb", path="driver", attr="iotlb", kind="onoff"),
        Field("aw_bits", path="driver", attr="aw_bits", kind="int"),
    )


class MemoryDeviceConfig(ConfigObject):
    """<memory model='dimm|nvdimm' access='shared'><source><path/><alignsize/><pmem/></source>
    <target><size/><node/><label><size/></label></target></memory>: memory beside the boot memory,
    in a slot below <maxMemory> - a DIMM (hot-pluggable) or an NVDIMM backed by a file or a DAX
    device (Nova's vPMEM). An NVDIMM is known by its backing path; DIMMs by their order."""

    TAG = "memory"
    KEY = "source_path"
    FIELDS = (
        Field("model", attr="model"),
        Field("access", attr="access"),
        Field("source_path", path="source/path", label="path"),
        MemoryField("align_size_kib", "source/alignsize", label="align_size_kib"),
        Field("pmem", path="source/pmem", kind="flag"),
        MemoryField("size_kib", "target/size", label="size_kib"),
        Field("node", path="target/node", kind="int"),
        MemoryField("label_size_kib", "target/label/size", label="label_size_kib"),
    )


class VsockConfig(ConfigObject):
    """<vsock model='virtio'><cid auto='yes|no' address='3'/></vsock>"""

    TAG = "vsock"
    FIELDS = (
        Field("model", attr="model"),
        Field("cid_auto", path="cid", attr="auto", kind="yesno"),
        Field("cid", path="cid", attr="address", kind="int"),
    )


class HostdevConfig(ConfigObject):
    """<hostdev mode='subsystem' type='pci|mdev|usb' managed='yes' model='vfio-pci'><source><address
    domain bus slot function | uuid/></source></hostdev>: a host PCI device (Nova's PCI passthrough),
    a mediated device (a vGPU), or a USB device (<source startupPolicy><vendor id/><product id/> or
    <address bus device/></source>; its bus is the same attribute as a PCI device's)."""

    TAG = "hostdev"
    FIELDS = (
        Field("mode", attr="mode"),
        Field("type", attr="type"),
        Field("managed", attr="managed", kind="yesno"),
        Field("model", attr="model"),
        Field("pci_domain", path="source/address", attr="domain", label="pci.domain"),
        Field("pci_bus", path="source/address", attr="bus", label="pci.bus"),  # a USB device's bus too
        Field("pci_slot", path="source/address", attr="slot", label="pci.slot"),
        Field("pci_function", path="source/address", attr="function", label="pci.function"),
        Field("mdev_uuid", path="source/address", attr="uuid", label="mdev"),
        Field("usb_vendor", path="source/vendor", attr="id", label="usb.vendor"),
        Field("usb_product", path="source/product", attr="id", label="usb.product"),
        Field("usb_device", path="source/address", attr="device", label="usb.device"),
        Field("startup_policy", path="source", attr="startupPolicy", label="startup_policy"),
        Field("driver_name", path="driver", attr="name", label="driver"),
        Field("boot_order", path="boot", attr="order", kind="int"),
        Child("address", "address", DeviceAddress),  # where the guest sees it
    )

    def key(self):
        if self.mdev_uuid:
            return self.mdev_uuid.lower()
        if self.type == "usb":
            if self.usb_vendor:
                return "usb:%04x:%04x" % (int(self.usb_vendor, 16), int(self.usb_product or "0", 16))
            return "usb:%s.%s" % (self.pci_bus, self.usb_device)
        if self.pci_bus is None:
            return None
        return "%04x:%02x:%02x.%x" % tuple(address_number(value) for value in (
            self.pci_domain, self.pci_bus, self.pci_slot, self.pci_function))


class TpmConfig(ConfigObject):
    """<tpm model='tpm-crb|tpm-tis'><backend type='emulator' version='2.0'/></tpm>: a vTPM served
    by swtpm, which libvirt starts with the guest."""

    TAG = "tpm"
    FIELDS = (
        Field("model", attr="model"),
        Field("backend_type", path="backend", attr="type", label="backend"),
        Field("backend_version", path="backend", attr="version", label="version"),
        # the vTPM's state outlives the domain's definition, and is encrypted with a libvirt secret
        Field("persistent_state", path="backend", attr="persistent_state", kind="yesno"),
        Field("secret_uuid", path="backend/encryption", attr="secret", label="secret_uuid"),
    )


class MemballoonConfig(ConfigObject):
    """<memballoon model='virtio|none'><stats period='10'/></memballoon>"""

    TAG = "memballoon"
    FIELDS = (
        Field("model", attr="model"),
        Field("stats_period", path="stats", attr="period", kind="int"),
        Field("autodeflate", attr="autodeflate", kind="onoff"),
        Field("free_page_reporting", attr="freePageReporting", kind="onoff"),
    )

    def replacing(self, live):
        # Model none is a balloon without address or statistics; any other change keeps them.
        if self.model == "none":
            return self.copy_requested()
        return self.apply_to(live)


class FilesystemConfig(ConfigObject):
    """<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/><source
    dir='/srv/share'/><target dir='share'/></filesystem>: a host directory the guest mounts by its
    target tag (virtiofs, as Nova attaches Manila shares), or a block device or image file."""

    TAG = "filesystem"
    KEY = "target_dir"
    FIELDS = (
        Field("type", attr="type"),
        Field("accessmode", attr="accessmode"),
        Field("driver_type", path="driver", attr="type", label="driver"),
        Field("driver_queue", path="driver", attr="queue", kind="int", label="queue"),
        Field("binary_path", path="binary", attr="path", label="binary"),
        Field("source_dir", path="source", attr="dir", label="source.dir"),
        Field("source_dev", path="source", attr="dev", label="source.dev"),
        Field("source_file", path="source", attr="file", label="source.file"),
        Field("target_dir", path="target", attr="dir", label="target"),
        Field("readonly", path="readonly", kind="flag"),
        Child("address", "address", DeviceAddress),
    )
    SOURCE_FIELDS = ("source_dir", "source_dev", "source_file")

    def apply_to(self, live):
        self.drop_other_values(live, self.SOURCE_FIELDS)
        return super(FilesystemConfig, self).apply_to(live)
