# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A definition read back as the ``domain`` module's typed options: the way back of
``spec.DomainSpecBuilder``.

``definition_options(config)`` gives the options that ask for what a parsed ``DomainConfig`` has,
and the parts of it that no typed option can ask for (``untyped``: where they are and why), so a
domain defined elsewhere can be taken over by a playbook without losing them silently. Building
the options again (``DomainSpecBuilder``) gives the same document where ``untyped`` is empty, but
for what the builder itself always writes (a serial port's ``isa-serial`` target, a custom CPU's
``match='exact'``, a disk driver's name ``qemu``); ``tests/fidelity/nova_documents.py`` measures it
over the documents of Nova's unit tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.guest.cpu import CPU
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import DISK, DRIVE_ADDRESS
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.interfaces import INTERFACES
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import (
    BOOT, CLOCK, CONTROLLERS, FEATURES, FILESYSTEM_DRIVERS, FILESYSTEM_SOURCES, LAUNCH_SECURITY, PLATFORM_OPTIONS, POWER_ACTIONS, SERIAL_CONSOLE,
    SMBIOS_BIOS, SMBIOS_SYSTEM,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import DOMAIN_OPTIONS
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.tuning import (
    CPUTUNE, IOTHREADS, MEMORY_BACKING, NUMATUNE, VCPU_CPUSET, VCPU_PLACEMENT,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.sources import URL_PORTS
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import DEFAULT_CPU_MODE
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    GUEST_AGENT_CHANNEL, SPICE_AGENT_CHANNEL, GraphicsConfig, address_number,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import Child, etree
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

# The domain's scalars read back as their declarations say (sizes and current_vcpus by hand).
SCALAR_OPTIONS = tuple(option for option in DOMAIN_OPTIONS + POWER_ACTIONS + (IOTHREADS, VCPU_PLACEMENT, VCPU_CPUSET)
                       if option.name != "current_vcpus")


def _known_children(cls):
    """{child tag: the tags below it} the fields of ``cls`` (a ConfigObject) read."""
    known = {}
    for field in cls.FIELDS:
        parts = [part for part in (getattr(field, "path", "") or "").split("/") if part]
        if parts:
            below = known.setdefault(parts[0], set())
            if len(parts) > 1:
                below.add(parts[1])
            if getattr(field, "cls", None) is not None and len(parts) == 1:
                below.update(_known_children(field.cls))
    return known


# The top of a definition the object model reads (the name, the live-only markers and the
# metadata, devices and security labels included).
KNOWN_TOP = frozenset(_known_children(DomainConfig)) | frozenset(("name", "metadata", "devices", "seclabel"))
# The collection's own metadata namespaces (the instance's, and the markers of restarts, migrations, backups).
OWN_METADATA = "urn:virtops:"
# The parts of a definition whose children the object model reads one by one, with the tags it knows there.
PARTS = tuple((field.path, _known_children(field.cls)) for field in DomainConfig.FIELDS
              if isinstance(field, Child) and "/" not in field.path)
# The devices typed options ask for (an <emulator> is libvirt's to choose).
TYPED_DEVICES = frozenset(("disk", "controller", "interface", "serial", "console", "channel", "graphics", "input",
                           "video", "watchdog", "rng", "panic", "vsock", "tpm", "hostdev", "filesystem", "memballoon",
                           "iommu", "memory", "emulator"))


def definition_options(config):
    """(options, untyped) of the parsed DomainConfig ``config``: the typed options that ask for it
    (only those with a value) and, for each part no typed option covers, 'where: why'."""
    reader = _Reader()
    return reader.read(config), reader.untyped


def _given(values):
    """``values`` without the items that are None (an option left out)."""
    return dict((name, value) for name, value in values.items() if value is not None)


def _mib(kib, where, untyped):
    if kib is None:
        return None
    if kib % 1024:
        untyped.append("%s: %d KiB is not whole MiB (the option counts MiB)" % (where, kib))
    return kib // 1024


def _pci(address):
    """'0000:03:00.1' of a DeviceAddress (or the source address fields of a hostdev), else None."""
    if address is None or getattr(address, "type", "pci") != "pci" or address.bus is None:
        return None
    return "%04x:%02x:%02x.%x" % tuple(address_number(part) for part in (
        address.domain, address.bus, address.slot, address.function))


class _Reader:
    def __init__(self):
        self.untyped = []

    def note(self, where, why):
        self.untyped.append("%s: %s" % (where, why))

    def read(self, config):
        options = _given(dict((option.name, option.read_back(config)) for option in SCALAR_OPTIONS))
        if config.virt_type:
            options["virt_type"] = config.virt_type
        options["memory_mb"] = _mib(config.memory_kib, "memory", self.untyped)
        options["max_memory_mb"] = _mib(config.max_memory_kib, "maxMemory", self.untyped)
        if config.current_memory_kib != config.memory_kib:
            options["current_memory_mb"] = _mib(config.current_memory_kib, "currentMemory", self.untyped)
        if config.current_vcpus is not None and config.current_vcpus != config.vcpus:
            options["current_vcpus"] = config.current_vcpus
        if config.metadata:
            options["metadata"] = config.metadata
        self._os(config, options)
        options["features"] = self._features(config.features) or dict(acpi=False, apic=False)
        options["cpu"] = self._cpu(config.cpu)
        options["clock"] = CLOCK.read_back(config.clock)
        options["cputune"] = CPUTUNE.read_back(config.cputune)
        options["numatune"] = NUMATUNE.read_back(config.numatune)
        options["memtune"] = self._memtune(config.memtune)
        options["memory_backing"] = self._memory_backing(config.memory_backing)
        if config.perf is not None:
            options["perf_events"] = [event.name for event in config.perf.events if event.enabled]
            for event in config.perf.events:
                if not event.enabled:
                    self.note("perf/event[%s]" % event.name, "a disabled event (perf_events lists the counted ones)")
        options["launch_security"] = self._launch_security(config.launch_security)
        self._devices(config, options)
        self._unknown_elements(config)
        return _given(options)

    # -- os, firmware, SMBIOS ---------------------------------------------------------------
    def _os(self, config, options):
        os_config = config.os
        if os_config is None:
            return
        if os_config.type not in (None, "hvm"):
            self.note("os/type", "%s guests (the module defines hvm guests)" % os_config.type)
        options["arch"], options["machine"] = os_config.arch, os_config.machine
        boot = BOOT.read_back(os_config)
        if os_config.boot_devices:
            boot["devices"] = [device.dev for device in os_config.boot_devices]
        options["boot"] = boot or None
        features = dict((feature.name, feature.enabled) for feature in os_config.firmware_features or [])
        uefi = _given(dict(
            secure_boot=features.get("secure-boot", os_config.loader_secure), enrolled_keys=features.get("enrolled-keys"),
            loader=os_config.loader, nvram=os_config.nvram, nvram_template=os_config.nvram_template,
            stateless=os_config.loader_stateless))
        if os_config.firmware == "efi" or uefi:
            options["firmware"] = "uefi"
            options["uefi"] = uefi
        elif os_config.firmware == "bios":
            options["firmware"] = "bios"
        if os_config.smbios_mode not in (None, "sysinfo"):
            self.note("os/smbios", "mode %s (sysinfo gives the guest its own entries)" % os_config.smbios_mode)
        sysinfo = config.sysinfo
        if sysinfo is not None:
            entries = dict((entry.name, entry.value) for entry in sysinfo.system or [])
            bios = dict((entry.name, entry.value) for entry in sysinfo.bios or [])
            options["sysinfo"] = _given(dict(
                [(name, entries.get(name)) for name in SMBIOS_SYSTEM]
                + [("bios", _given(dict((name, bios.get(name)) for name in SMBIOS_BIOS)) or None)])) or None
            for part, found, known in (("system", entries, SMBIOS_SYSTEM), ("bios", bios, SMBIOS_BIOS)):
                for name in sorted(set(found) - set(known)):
                    self.note("sysinfo/%s/entry[%s]" % (part, name), "not one of %s" % ", ".join(known))
            if sysinfo.type not in (None, "smbios"):
                self.note("sysinfo", "type %s (the option's is SMBIOS)" % sysinfo.type)

    def _features(self, features):
        if features is None:
            return None
        options = FEATURES.read_back(features)
        # acpi and apic say false where the definition lacks them: a new definition gets both otherwise
        options.update(acpi=bool(features.acpi), apic=bool(features.apic), pae=features.pae or None)
        hyperv = features.hyperv
        if hyperv is not None:
            if not hyperv.spinlocks:
                options["hyperv"].pop("spinlocks_retries", None)
            if not hyperv.vendor_id_state:
                options["hyperv"].pop("vendor_id", None)
            if hyperv.mode not in (None, "custom"):
                self.note("features/hyperv", "mode %s (the option sets each enlightenment)" % hyperv.mode)
        return _given(options)

    def _cpu(self, cpu):
        if cpu is None:
            return None
        options = CPU.read_back(cpu)
        mode = options["mode"] = cpu.mode or ("custom" if cpu.model else DEFAULT_CPU_MODE)
        # a custom model without fallback may fall back (libvirt's default); the option's default forbids it
        options["fallback"] = cpu.fallback or ("allow" if cpu.model and mode == "custom" else None)
        options["features"] = [dict(name=feature.name, policy=feature.policy or "require") for feature in cpu.features or []]
        if cpu.topology is not None and cpu.topology.dies not in (None, 1):
            self.note("cpu/topology", "dies=%d (the option's topology has one die per socket)" % cpu.topology.dies)
        if cpu.numa_cells:
            options["numa"] = [_given(dict(cpus=cell.cpus, memory_mb=_mib(cell.memory_kib, "cpu/numa/cell", self.untyped),
                                           mem_access=cell.mem_access, discard=cell.discard))
                               for cell in cpu.numa_cells]
        if cpu.maxphysaddr_mode is not None:
            options["maxphysaddr"] = _given(dict(mode=cpu.maxphysaddr_mode, bits=cpu.maxphysaddr_bits))
        if cpu.vendor and mode != "custom":
            options.pop("vendor")
            self.note("cpu/vendor", "a vendor beside mode %s (the option is a custom model's)" % mode)
        return _given(options)

    # -- memory -------------------------------------------------------------------------------
    def _memtune(self, memtune):
        if memtune is None:
            return None
        return _given(dict(("%s_mb" % name, _mib(getattr(memtune, name + "_kib"), "memtune/" + name, self.untyped))
                           for name in ("hard_limit", "soft_limit", "swap_hard_limit")))

    @staticmethod
    def _memory_backing(backing):
        if backing is None:
            return None
        options = MEMORY_BACKING.read_back(backing)
        options.update(nosharepages=backing.nosharepages or None, locked=backing.locked or None,
                       discard=backing.discard or None)  # flags: absent reads False
        if backing.hugepages:
            hugepages = dict(enabled=True)
            if backing.hugepage_sizes:
                hugepages["pages"] = [_given(dict(size_kib=page.size_kib, nodeset=page.nodeset))
                                      for page in backing.hugepage_sizes]
            options["hugepages"] = hugepages
        return _given(options)

    def _launch_security(self, security):
        if security is None:
            return None
        if security.type not in ("sev", "sev-snp"):
            self.note("launchSecurity", "type %s (the option is AMD SEV's)" % security.type)
        for name in ("dh_cert", "session"):
            if getattr(security, name):
                self.note("launchSecurity/" + name, "a guest owner's session (the option launches without one)")
        return LAUNCH_SECURITY.read_back(security)

    # -- devices ------------------------------------------------------------------------------
    def _devices(self, config, options):
        options["disks"] = [self._disk(disk) for disk in config.disks] or None
        options["interfaces"] = [self._interface(interface, value) for interface, value
                                 in zip(config.interfaces, INTERFACES.read_back(config.interfaces or []))] or None
        self._serials(config, options)
        self._controllers(config, options)
        for declared in PLATFORM_OPTIONS:
            if declared.name not in ("clock",):
                options[declared.name] = self._platform_device(declared, getattr(config, declared.field))
        self._channels(config.channels, options)  # (after graphics: SPICE's agent is its option)
        for node in config.devices_xml or []:
            if node.tag == "audio" and node.get("type") in ("none", "spice") and not len(node):
                continue  # libvirt adds it itself to a definition without one (spice: with SPICE graphics)
            if node.tag not in TYPED_DEVICES:
                self.note("devices/" + node.tag, "no typed option (devices_xml adds it)")

    def _unknown_elements(self, config):
        """What the object model does not know at all, at the top of the definition and among
        its features: the domain module keeps it as it is, but the options do not ask for it."""
        element = config.to_element()
        for child in element:
            if not isinstance(child.tag, str) or child.tag in KNOWN_TOP:
                continue
            if child.tag == "resource" and [(node.tag, node.text) for node in child] == [("partition", "/machine")]:
                continue  # libvirt's own default
            self.note(child.tag, "no typed option (the xml option defines it)")
        metadata = element.find("metadata")
        for child in metadata if metadata is not None else []:
            if isinstance(child.tag, str) and not (etree.QName(child).namespace or "").startswith(OWN_METADATA):
                self.note("metadata/" + etree.QName(child).localname, "another program's metadata (the typed "
                          "metadata is the collection's own)")
        for part, known in PARTS:
            node = element.find(part)
            for child in node if node is not None else []:
                if not isinstance(child.tag, str):
                    continue
                if child.tag not in known:
                    self.note("%s/%s" % (part, child.tag), "no typed option")
                elif part == "features" and child.tag in ("kvm", "hyperv"):
                    for inner in child:
                        if isinstance(inner.tag, str) and inner.tag not in known[child.tag]:
                            self.note("features/%s/%s" % (child.tag, inner.tag), "no typed option")

    def _disk(self, disk):
        where = "devices/disk[%s]" % disk.target_dev
        spec = DISK.read_back(disk)
        spec.update(bus=disk.target_bus, readonly=disk.readonly or None, shareable=disk.shareable or None)
        if disk.type in ("file", "block"):
            path = disk.source_file if disk.type == "file" else disk.source_dev
            if path and path != disk.NO_MEDIA:
                spec.update(path=path, path_type=disk.type)
            elif disk.device != "cdrom":
                self.note(where, "a disk without a source (only a CD-ROM drive may be empty)")
        elif disk.type == "volume":
            spec.update(pool=disk.source_pool, volume=disk.source_volume)
        elif disk.type == "network":
            self._network_source(disk, spec, where)
        else:
            self.note(where, "source type %s" % disk.type)
        if disk.driver_name not in (None, "qemu"):
            self.note(where + "/driver", "driver %s (QEMU's is qemu)" % disk.driver_name)
        if disk.logical_block_size or disk.physical_block_size:
            spec["blockio"] = _given(dict(logical_block_size=disk.logical_block_size,
                                          physical_block_size=disk.physical_block_size))
        if disk.encryption is not None:
            spec["encryption"] = _given(dict(format=disk.encryption.format, secret_usage=disk.encryption.secret_usage,
                                             secret_uuid=disk.encryption.secret_uuid))
        spec["address"] = self._disk_address(disk.address, where)
        return _given(spec)

    def _network_source(self, disk, spec, where):
        protocol, hosts, auth = disk.source_protocol, disk.source_hosts or [], disk.auth

        def endpoint(host, default_port):
            name = "[%s]" % host.name if ":" in (host.name or "") else host.name
            return name if host.port in (None, default_port) else "%s:%s" % (name, host.port)

        secret = dict(user=None, usage=None, uuid=None)
        if auth is not None:
            secret = dict(user=auth.username, usage=auth.secret_usage, uuid=auth.secret_uuid)
        if protocol == "iscsi" and len(hosts) == 1 and "/" in (disk.source_name or ""):
            iqn, _sep, lun = disk.source_name.rpartition("/")
            spec["iscsi"] = _given(dict(portal=endpoint(hosts[0], "3260"), iqn=iqn, lun=int(lun) if lun.isdigit() else None,
                                        chap_username=secret["user"], chap_secret_usage=secret["usage"],
                                        chap_secret_uuid=secret["uuid"]))
        elif protocol == "rbd" and "/" in (disk.source_name or ""):
            pool, _sep, image = disk.source_name.partition("/")
            spec["rbd"] = _given(dict(pool=pool, image=image, monitors=[endpoint(host, "6789") for host in hosts],
                                      user=secret["user"], secret_usage=secret["usage"], secret_uuid=secret["uuid"]))
        elif protocol == "nfs" and len(hosts) == 1:
            spec["nfs"] = _given(dict(server=hosts[0].name, path=disk.source_name, user=disk.nfs_user,
                                      group=disk.nfs_group))
        elif protocol == "nbd" and len(hosts) == 1:
            host = hosts[0]
            spec["nbd"] = _given(dict(server=None if host.transport == "unix" else endpoint(host, "10809"),
                                      socket=host.socket, export=disk.source_name, tls=disk.source_tls))
        elif protocol in URL_PORTS and len(hosts) == 1:
            spec["url"] = "%s://%s%s%s" % (protocol, endpoint(hosts[0], URL_PORTS[protocol]), disk.source_name or "",
                                           "?" + disk.source_query if disk.source_query else "")
        else:
            self.note(where, "network protocol %s with %d host(s)" % (protocol, len(hosts)))

    def _disk_address(self, address, where):
        if address is None:
            return None
        if address.type == "pci":
            return dict(pci=_pci(address))
        if address.type == "drive":
            values = dict((name, getattr(address, name)) for name in DRIVE_ADDRESS)
            values["bus"] = int(address.bus) if address.bus is not None else None
            return _given(values)
        self.note(where + "/address", "type %s (the option pins a PCI or drive address)" % address.type)
        return None

    def _interface(self, interface, spec):
        """What the declaration's ``finish`` set, read back (the rest is in ``spec``)."""
        where = "devices/interface[%s]" % (interface.mac or interface.target_dev)
        kind = interface.type
        if kind == "network":
            spec["network"] = interface.source_network
        elif kind == "bridge":
            spec["bridge"] = interface.source_bridge
        elif kind == "direct":
            spec["direct"] = _given(dict(dev=interface.source_dev, mode=interface.source_mode))
        elif kind == "ethernet":
            spec["ethernet"] = True
        elif kind == "vhostuser":
            spec["vhostuser"] = _given(dict(path=interface.source_path, mode=interface.source_mode))
        elif kind == "hostdev":
            spec["hostdev"] = dict(pci=_pci(_HostAddress(interface)), managed=bool(interface.hostdev_managed))
        else:
            self.note(where, "type %s" % kind)
        if interface.model is None and kind != "hostdev":
            spec["model"] = ""  # libvirt's default model (the option's default is virtio)
        if interface.bandwidth is not None:
            spec["bandwidth"] = _given(dict(
                (direction, _given(dict((name, getattr(interface.bandwidth, "%s_%s" % (direction, name)))
                                        for name in ("average", "peak", "burst"))) or None)
                for direction in ("inbound", "outbound")))
        if interface.vlan_tags:
            native = [tag.id for tag in interface.vlan_tags if tag.native_mode]
            spec["vlan"] = _given(dict(tags=[tag.id for tag in interface.vlan_tags], trunk=interface.vlan_trunk,
                                       native=native[0] if native else None))
        if interface.virtualport_type is not None:
            spec["virtualport"] = _given(dict(type=interface.virtualport_type,
                                              interfaceid=interface.virtualport_interfaceid,
                                              profileid=interface.virtualport_profileid,
                                              instanceid=interface.virtualport_instanceid,
                                              managerid=interface.virtualport_managerid,
                                              typeid=interface.virtualport_typeid,
                                              typeidversion=interface.virtualport_typeidversion))
        if interface.filterref is not None:
            spec["filter"] = dict(name=interface.filterref.filter, parameters=dict(
                (parameter.name, parameter.value) for parameter in interface.filterref.parameters or []))
        spec.pop("address", None)
        if interface.address is not None:
            if _pci(interface.address):
                spec["address"] = dict(pci=_pci(interface.address))
            else:
                self.note(where + "/address", "type %s (the option pins a PCI address)" % interface.address.type)
        return _given(spec)

    def _serials(self, config, options):
        ports = [self._serial(serial) for serial in config.serials or []]
        on_serial = [console for console in config.consoles or [] if console.target_type in (None, "serial")]
        for console in config.consoles or []:
            if console not in on_serial:
                self.note("devices/console", "a %s console (the options make serial port 0 the console)" % console.target_type)
        if len(ports) == 1:
            options["serial_console"] = ports[0]
        elif ports:
            options["serials"] = ports
        elif on_serial:
            # libvirt makes serial port 0 of a serial console it finds alone, with its source
            options["serial_console"] = self._serial(on_serial[0])
        else:
            options["serial_console"] = dict(type="none")  # a new definition gets a pty console otherwise

    def _serial(self, serial):
        spec = SERIAL_CONSOLE.read_back(serial)
        if serial.type != "file":
            spec.pop("path", None)  # a pty's is the one libvirt opened
            spec.pop("append", None)
        if serial.type == "tcp":
            spec.update(host=serial.source_host, port=int(serial.source_service or 0) or None,
                        mode=serial.source_mode or "connect", protocol=serial.protocol)  # libvirt connects by default
        elif serial.type not in ("pty", "file"):
            self.note("devices/serial[%s]" % serial.target_port, "type %s" % serial.type)
        return _given(spec)

    def _channels(self, channels, options):
        spice = (options.get("graphics") or {}).get("type") == "spice"
        for channel in channels or []:
            if channel.target_name == GUEST_AGENT_CHANNEL and channel.type == "unix":
                options["guest_agent"] = True
            elif channel.target_name == SPICE_AGENT_CHANNEL and channel.type == "spicevmc" and spice:
                options["graphics"]["agent"] = True
            else:
                self.note("devices/channel[%s]" % channel.target_name, "no typed option (devices_xml adds it)")

    def _controllers(self, config, options):
        # pcie_root_ports counts the ports; the root comes with them
        controllers = CONTROLLERS.read_back([
            controller for controller in config.controllers or []
            if not (controller.type == "pci" and controller.model in ("pcie-root-port", "pcie-root"))])
        if any(disk.target_bus == "scsi" for disk in config.disks or []) and not any(
                controller.type == "scsi" and (controller.index or 0) == 0 for controller in config.controllers or []):
            # SCSI disks without their controller: libvirt adds one of its default model, and so
            # does this option without a model (the disks alone would get virtio-scsi)
            controllers.insert(0, dict(type="scsi", index=0))
        options["controllers"] = controllers or None
        if config.pcie_root_ports:
            options["pcie_root_ports"] = config.pcie_root_ports

    def _platform_device(self, declared, built):
        """The value of a device option declared in ``platform.PLATFORM_OPTIONS``: one device
        (a list of at most one in the model) or a list of them (``many``)."""
        if not built and not isinstance(built, list):
            return None
        if not declared.many:
            if isinstance(built, list):
                if len(built) > 1:
                    self.note("devices/" + declared.name, "%d devices (the option is one)" % len(built))
                if not built:
                    return None
                built = built[0]
            return self._finish_device(declared.name, built, declared.read_back(built))
        return [self._finish_device(declared.name, item, value)
                for item, value in zip(built, declared.read_back(built))] or None

    def _finish_device(self, name, built, value):
        """What the device options set in their ``finish``, read back."""
        if name == "filesystems":
            kind = built.type or "mount"
            value["driver"] = built.driver_type or "path"  # libvirt's default (9p); the option's is virtiofs
            value.update(type=kind, source=getattr(built, FILESYSTEM_SOURCES.get(kind, "source_dir"), None),
                         readonly=built.readonly or None)
            if built.address is not None:
                value["address"] = dict(pci=_pci(built.address))
            if kind not in FILESYSTEM_SOURCES:
                self.note("devices/filesystem[%s]" % built.target_dir, "type %s (QEMU shares host directories)" % kind)
            elif value["driver"] not in FILESYSTEM_DRIVERS:
                self.note("devices/filesystem[%s]" % built.target_dir,
                          "driver %s (QEMU shares over virtiofs or 9p)" % value["driver"])
        elif name == "tpm":
            value["model"] = built.model or "tpm-tis"  # libvirt's default on x86; the option's is tpm-crb
            if built.backend_type not in (None, "emulator"):
                self.note("devices/tpm", "backend %s (the option's TPM is swtpm's emulator)" % built.backend_type)
        elif name == "inputs" and built.bus is None:
            value["bus"] = "usb" if built.type == "tablet" else "ps2"  # libvirt's defaults; the option's is usb
        elif name == "hostdevs":
            self._finish_hostdev(built, value)
        elif name == "graphics":
            self._finish_graphics(built, value)
        elif name == "rng" and built.backend_model not in (None, "random"):
            self.note("devices/rng", "backend %s (the option reads a host device)" % built.backend_model)
        elif name == "memory_devices":
            where = "devices/memory[%s]" % (built.source_path or built.model)
            if built.model not in ("dimm", "nvdimm"):
                self.note(where, "model %s (the option's are dimm and nvdimm)" % built.model)
            if built.size_kib is not None and built.size_kib % 1024:
                self.note(where, "%d KiB is not whole MiB (the option counts MiB)" % built.size_kib)
        return _given(value)

    def _finish_graphics(self, graphics, value):
        if graphics.autoport:
            value.pop("port", None)  # the port libvirt picked, or -1
        if graphics.password:
            self.note("devices/graphics", "its password is a secret and never read back; give graphics.password again")
        channels = dict((channel.name, channel.mode) for channel in graphics.channels or [])
        if channels:
            secure = set(name for name, mode in channels.items() if mode == "secure")
            value["secure"] = secure == set(GraphicsConfig.SECURE_CHANNELS)
            if not value["secure"]:
                self.note("devices/graphics/channel", "some channels secure (the option makes all of them so)")
        if graphics.type not in ("vnc", "spice"):
            self.note("devices/graphics", "type %s" % graphics.type)
        for listen in graphics.to_element().findall("listen"):
            if listen.get("type") not in (None, "address"):
                self.note("devices/graphics/listen", "type %s (the option listens on an address)" % listen.get("type"))

    def _finish_hostdev(self, hostdev, value):
        """A host device's source, by its type (the declaration reads its driver, boot order,
        startup policy and guest address)."""
        if hostdev.type == "pci":
            value["pci"] = _pci(_HostAddress(hostdev))
            value["managed"] = bool(hostdev.managed)  # libvirt's default: not managed (the option's: managed)
        elif hostdev.type == "mdev":
            value.update(mdev=hostdev.mdev_uuid, model=hostdev.model, managed=hostdev.managed)
        elif hostdev.type == "usb":
            value["usb"] = _given(dict(vendor=hostdev.usb_vendor, product=hostdev.usb_product,
                                       bus=int(hostdev.pci_bus) if hostdev.pci_bus else None,
                                       device=int(hostdev.usb_device) if hostdev.usb_device else None))
            value.pop("address", None)  # its guest address on the USB bus is libvirt's choice
            return
        else:
            self.note("devices/hostdev", "type %s (the option passes PCI, mediated and USB devices)" % hostdev.type)
        if hostdev.address is not None:
            value["address"] = dict(pci=_pci(hostdev.address))


class _HostAddress:
    """The host PCI address of a hostdev (or hostdev NIC) as a DeviceAddress reads."""

    type = "pci"

    def __init__(self, device):
        self.domain, self.bus = device.pci_domain, device.pci_bus
        self.slot, self.function = device.pci_slot, device.pci_function
