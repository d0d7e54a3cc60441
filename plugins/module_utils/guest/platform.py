# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machine around the guest's CPU, disks and NICs, as typed options: how it boots, UEFI
firmware (secure boot, enrolled keys, loader, NVRAM template), hypervisor features (Hyper-V
enlightenments included), clock and timers, what the power events do, SMBIOS system information,
AMD SEV launch security, controllers, serial ports and the console, the display (SPICE's
settings), and the devices Nova adds (balloon with statistics, RNG, watchdog, panic notifier,
IOMMU, video, input devices, vsock, vTPM, shares, memory devices, host devices).

Each is declared once with common/options.py (PLATFORM_DECLARED) but UEFI firmware, which sets
<os> and <features> together. A device asked for with ``model: none`` is removed (the balloon
gets libvirt's model none); a device that is not mentioned is left as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import (
    canonical_uuid, check_address, check_token, check_uuid,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import (
    Option, OptionGroup, between,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList, XmlModelError, user_xml_element
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    ConsoleConfig, ControllerConfig, DeviceAddress, FilesystemConfig, GraphicsConfig, HostdevConfig, InputConfig,
    IommuConfig, MemballoonConfig, MemoryDeviceConfig, PanicConfig, RngConfig, SerialConfig, SpiceChannel, TpmConfig,
    VideoConfig, VsockConfig, WatchdogConfig,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    DEVICE_TAGS, HYPERV_SWITCHES, BootDevice, ClockConfig, FeaturesConfig, FirmwareFeature, HypervConfig,
    LaunchSecurityConfig, OsConfig, SysinfoConfig, SysinfoEntry, TimerConfig,
)

VIRTIO_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"]
LIFECYCLE_ACTIONS = ["destroy", "restart", "preserve", "rename-restart"]
CRASH_ACTIONS = LIFECYCLE_ACTIONS + ["coredump-destroy", "coredump-restart"]
CONTROLLER_TYPES = ("scsi", "usb", "virtio-serial", "sata", "ide", "pci")
# The SMBIOS system block Nova writes, in its order.
SMBIOS_SYSTEM = ("manufacturer", "product", "version", "serial", "uuid", "sku", "family")
SMBIOS_BIOS = ("vendor", "version", "date", "release")

# What the guest's power events do (<on_poweroff>, <on_reboot>, <on_crash>).
POWER_ACTIONS = (
    Option("on_poweroff", choices=LIFECYCLE_ACTIONS),
    Option("on_reboot", choices=LIFECYCLE_ACTIONS),
    Option("on_crash", choices=CRASH_ACTIONS),
)

# The platform options built by hand (the declared ones are PLATFORM_DECLARED, below).
PLATFORM_SPEC = dict(
    uefi=dict(type="dict", options=dict(
        secure_boot=dict(type="bool"),
        enrolled_keys=dict(type="bool"),
        loader=dict(type="path"),
        nvram=dict(type="path"),
        nvram_template=dict(type="path"),
        stateless=dict(type="bool"),
    )),
    devices_xml=dict(type="list", elements="str"),
    pcie_root_ports=dict(type="int"),
)


def guest_pci_address(item, built, option):
    """The guest PCI <address> of ``address: {pci: ...}`` (a NIC's, a host device's, a share's)."""
    domain, bus, slot, function = pci_address(item["pci"], option + ".pci")
    return DeviceAddress(type="pci", domain=domain, bus=bus, slot=slot, function=function)


def address_option():
    """``address``: where the guest sees a PCI device, pinned (as Nova pins NICs and host devices)."""
    return OptionGroup("address", DeviceAddress, [Option("pci", required=True, field=None)], finish=guest_pci_address)


def _balloon(item, balloon, option):
    given = [name for name in ("stats_period", "autodeflate", "free_page_reporting") if item[name]]
    if item["model"] == "none" and given:
        raise VirtopsError("%s.%s needs a balloon; model none has none" % (option, given[0]))
    return balloon


MEMBALLOON = OptionGroup("memballoon", MemballoonConfig, [
    Option("model", default="virtio", choices=VIRTIO_MODELS + ["none"]),
    Option("stats_period", "int", checks=[between(0)]),
    Option("autodeflate", "bool"),
    Option("free_page_reporting", "bool"),
], finish=_balloon)


def _tpm(item, tpm, option):
    if item["model"] == "tpm-crb" and item["version"] == "1.2":
        raise VirtopsError("%s: model tpm-crb is a TPM 2.0 interface; use version 2.0 or model tpm-tis" % option)
    if item["model"] == "none":
        return []
    if tpm.secret_uuid is not None and not UUID.match(tpm.secret_uuid):
        raise VirtopsError("%s.secret_uuid %r is not a UUID (the libvirt secret of usage vtpm)" % (option, tpm.secret_uuid))
    tpm.backend_type = "emulator"
    return [tpm]


TPM = OptionGroup("tpm", TpmConfig, [
    Option("model", default="tpm-crb", choices=["tpm-crb", "tpm-tis", "none"]),
    Option("version", default="2.0", choices=["1.2", "2.0"], field="backend_version"),
    Option("persistent_state", "bool"),
    Option("secret_uuid", no_log=False),  # names the libvirt secret; its value never passes here
], field="tpms", finish=_tpm)

# Where a filesystem's source is, by its type: QEMU shares host directories only (libvirt's
# QEMU driver refuses block devices and image files, and the loop and nbd drivers: LXC's).
FILESYSTEM_SOURCES = dict(mount="source_dir")
FILESYSTEM_DRIVERS = ("virtiofs", "path", "handle")


def _filesystem(item, share, option):
    setattr(share, FILESYSTEM_SOURCES[item["type"]], item["source"])
    if not item["source"].startswith("/"):
        raise VirtopsError("%s.source %r is not an absolute path on the host" % (option, item["source"]))
    if share.driver_type == "virtiofs":
        if share.accessmode not in (None, "passthrough"):
            raise VirtopsError("%s.accessmode: virtiofs passes the guest's file owners through; only passthrough "
                               "is possible (got %s)" % (option, share.accessmode))
        share.accessmode = "passthrough"
    elif share.driver_queue is not None or share.binary_path is not None:
        raise VirtopsError("%s: queue_size and binary are virtiofs settings (driver is %s)" % (option, share.driver_type))
    return share


FILESYSTEMS = OptionGroup("filesystems", FilesystemConfig, [
    Option("source", "path", required=True, field=None),
    Option("target", required=True, field="target_dir"),
    Option("type", default="mount", choices=sorted(FILESYSTEM_SOURCES)),
    Option("driver", default="virtiofs", choices=list(FILESYSTEM_DRIVERS), field="driver_type"),
    Option("accessmode", choices=["passthrough", "mapped", "squash"]),
    Option("readonly", "bool"),
    Option("queue_size", "int", field="driver_queue", checks=[between(1, 1024)]),
    Option("binary", "path", field="binary_path"),
    address_option(),
], many=True, finish=_filesystem)


def _memory_device(item, device, option):
    """An NVDIMM's backing and label are its own; a DIMM is plain memory."""
    if item["model"] == "nvdimm":
        if item["path"] is None:
            raise VirtopsError("%s: an nvdimm needs path (the file or DAX device that backs it)" % option)
        if not item["path"].startswith("/"):
            raise VirtopsError("%s.path %r is not an absolute path on the host" % (option, item["path"]))
    else:
        given = [name for name in ("path", "pmem", "align_size_kib", "label_size_kib") if item[name] is not None]
        if given:
            raise VirtopsError("%s.%s is an nvdimm's (model is %s)" % (option, given[0], item["model"]))
    return device


MEMORY_DEVICES = OptionGroup("memory_devices", MemoryDeviceConfig, [
    Option("model", default="dimm", choices=["dimm", "nvdimm"]),
    Option("size_mb", "int", required=True, field="size_kib", checks=[between(1)],
           convert=lambda mib: mib * 1024, convert_back=lambda kib: kib // 1024 if kib % 1024 == 0 else None),
    Option("node", "int", default=0, checks=[between(0)]),
    Option("path", "path", field="source_path"),
    Option("pmem", "bool", convert_back=lambda present: present or None),  # a flag: absent reads False
    Option("access", choices=["shared", "private"]),
    Option("align_size_kib", "int", checks=[between(1)]),
    Option("label_size_kib", "int", checks=[between(128)]),
], many=True, finish=_memory_device)


def _one_unless_none(item, device, option):
    """A device asked for with ``model: none`` is removed: the domain's list of them is empty."""
    return [] if item["model"] == "none" else [device]


WATCHDOG = OptionGroup("watchdog", WatchdogConfig, [
    Option("model", required=True, choices=["i6300esb", "ib700", "itco", "none"]),
    Option("action", default="reset", choices=["reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"]),
], field="watchdogs", finish=_one_unless_none)
PANIC = OptionGroup("panic", PanicConfig, [
    Option("model", required=True, choices=["isa", "pvpanic", "hyperv", "none"]),
], field="panics", finish=_one_unless_none)
IOMMU = OptionGroup("iommu", IommuConfig, [
    Option("model", required=True, choices=["intel", "smmuv3", "virtio", "none"]),
    Option("intremap", "bool"),
    Option("caching_mode", "bool"),
    Option("eim", "bool"),
    Option("iotlb", "bool"),
    Option("aw_bits", "int", checks=[between(32, 64)]),
], field="iommus", finish=_one_unless_none)
VIDEO = OptionGroup("video", VideoConfig, [
    Option("model", required=True, choices=["virtio", "vga", "qxl", "bochs", "cirrus", "ramfb", "none"]),
    Option("heads", "int", checks=[between(1)]),
    Option("vram_kib", "int", checks=[between(1024)]),
], field="videos", finish=lambda item, video, option: [video])
INPUTS = OptionGroup("inputs", InputConfig, [
    Option("type", required=True, choices=["tablet", "mouse", "keyboard"]),
    Option("bus", default="usb", choices=["usb", "ps2", "virtio"]),
], many=True)


def _vsock(item, vsock, option):
    vsock.cid_auto = vsock.cid is None
    return _one_unless_none(item, vsock, option)


VSOCK = OptionGroup("vsock", VsockConfig, [
    Option("model", default="virtio", choices=["virtio", "none"]),
    Option("cid", "int", checks=[between(3)]),  # 0-2 are the hypervisor's and the host's
], field="vsocks", finish=_vsock)


def _clock(item, clock, option):
    if item["basis"] is not None or item["adjustment"] is not None:
        if item["offset"] != "variable":
            raise VirtopsError("%s.adjustment and %s.basis are for offset variable (got offset %s)"
                               % (option, option, item["offset"]))
    if (item["timezone"] is not None) != (item["offset"] == "timezone"):
        raise VirtopsError("%s: offset timezone and %s.timezone go together" % (option, option))
    if item["adjustment"] is not None and not re.match(r"^(reset|[+-]?[0-9]+)$", item["adjustment"]):
        raise VirtopsError("%s.adjustment %r is seconds (such as -3600) or reset" % (option, item["adjustment"]))
    return clock


CLOCK = OptionGroup("clock", ClockConfig, [
    Option("offset", choices=["utc", "localtime", "variable", "timezone"]),
    Option("adjustment"),
    Option("basis", choices=["utc", "localtime"]),
    Option("timezone"),
    OptionGroup("timers", TimerConfig, [
        Option("name", required=True, choices=["platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock"]),
        Option("present", "bool"),
        Option("tickpolicy", choices=["delay", "catchup", "merge", "discard"]),
    ], many=True),
], finish=_clock)


def _graphics(item, graphics, option):
    spice = [name for name in SPICE_OPTIONS if item[name] is not None]
    if spice and item["type"] != "spice":
        raise VirtopsError("%s.%s is a SPICE setting (type is %s)" % (option, spice[0], item["type"]))
    if item["password"] is not None and not 0 < len(item["password"]) <= 8 and item["type"] == "vnc":
        raise VirtopsError("%s.password: VNC uses at most 8 characters of a password (and not an empty one)" % option)
    graphics.autoport = item["port"] is None
    graphics.password = item["password"]  # never read back (a secret)
    if item["secure"] is not None:
        graphics.channels = [SpiceChannel(name=name, mode="secure")
                             for name in GraphicsConfig.SECURE_CHANNELS] if item["secure"] else []
    # agent: the builder adds the SPICE agent's channel, a device of its own
    return [] if item["type"] == "none" else [graphics]


def _listen_address(value, option):
    if value != "":  # '': the host's default address (qemu.conf's vnc_listen, spice_listen)
        check_address(value, option)


def _display_port(value, option):
    if not 5900 <= value <= 65535:
        raise VirtopsError("%s is 5900 to 65535 (QEMU counts displays from 5900), got %d" % (option, value))


# SPICE's own settings of the graphics option (Nova's [spice] image_compression and the rest).
SPICE_OPTIONS = ("image_compression", "jpeg_compression", "zlib_compression", "playback_compression", "streaming_mode",
                 "secure", "agent")
GRAPHICS = OptionGroup("graphics", GraphicsConfig, [
    Option("type", required=True, choices=["none", "vnc", "spice"]),
    Option("listen", default="127.0.0.1", checks=[_listen_address]),
    Option("port", "int", checks=[_display_port]),
    Option("keymap", no_log=False, checks=[lambda value, option: check_token(value, option, "keymap")]),  # a layout
    Option("password", no_log=True, field=None),
    Option("image_compression", choices=["auto_glz", "auto_lz", "quic", "glz", "lz", "off"]),
    Option("jpeg_compression", choices=["auto", "never", "always"]),
    Option("zlib_compression", choices=["auto", "never", "always"]),
    Option("playback_compression", "bool"),
    Option("streaming_mode", choices=["filter", "all", "off"]),
    Option("secure", "bool", field=None),
    Option("agent", "bool", field=None),
], finish=_graphics)


def _serial_port(item, serial, option):
    """A serial port (and, the first of them, the console): its source by type; None for
    ``type: none`` (no serial port)."""
    kind = item["type"]
    if kind == "none":
        return None
    if kind == "file" and not item["path"]:
        raise VirtopsError("%s.type=file needs %s.path" % (option, option))
    if kind != "file" and item["path"]:
        raise VirtopsError("%s.path is only used with type=file; for a %s console use log_file" % (option, kind))
    if item["append"] is not None and kind != "file":
        raise VirtopsError("%s.append says whether path is appended to, for type=file; for a %s console "
                           "log_append does that for log_file" % (option, kind))
    if item["log_append"] is not None and not item["log_file"]:
        raise VirtopsError("%s.log_append says whether log_file is appended to; it needs log_file" % option)
    if kind == "tcp":
        if item["port"] is None or not 1 <= item["port"] <= 65535:
            raise VirtopsError("%s.type=tcp needs %s.port, 1 to 65535" % (option, option))
        check_address(item["host"], option + ".host")
        serial.source_mode, serial.source_host = item["mode"], item["host"]
        serial.source_service, serial.protocol = str(item["port"]), item["protocol"]
    serial.target_type = "isa-serial"
    return serial


# A serial port: serial_console (port 0, also the console) or each item of serials; the builder
# numbers them and makes port 0 the console.
SERIAL_PORT_OPTIONS = (
    Option("type", required=True, choices=["pty", "file", "tcp", "none"]),
    Option("path", "path", field="source_path"),
    Option("append", "bool", field="source_append"),
    Option("log_file", "path"),
    Option("log_append", "bool"),
    Option("host", default="127.0.0.1", field=None),  # tcp's
    Option("port", "int", field=None),
    Option("mode", default="bind", choices=["bind", "connect"], field=None),
    Option("protocol", default="raw", choices=["raw", "telnet"], field=None),
)
SERIAL_CONSOLE = OptionGroup("serial_console", SerialConfig, SERIAL_PORT_OPTIONS, field=None, finish=_serial_port)
SERIALS = OptionGroup("serials", SerialConfig, SERIAL_PORT_OPTIONS, many=True, field=None, finish=_serial_port)


def serial_devices(ports):
    """(serials, consoles) of the serial ports built from SERIAL_CONSOLE or SERIALS (None: type
    none): numbered from 0, and port 0 said again as the console, as libvirt writes it."""
    serials = [serial for serial in ports if serial is not None]
    for index, serial in enumerate(serials):
        serial.target_port = index
    consoles = [ConsoleConfig(target_type="serial", **dict(
        (name, getattr(serial, name)) for name in ConsoleConfig.SOURCE_FIELDS + (
            "type", "target_port", "log_file", "log_append"))) for serial in serials[:1]]
    return serials, consoles


def _rng(item, rng, option):
    if item["rate_period"] is not None and item["rate_bytes"] is None:
        raise VirtopsError("%s.rate_period needs %s.rate_bytes (the bytes the guest may read in that period)"
                           % (option, option))
    rng.backend_model = "random"
    return _one_unless_none(item, rng, option)


RNG = OptionGroup("rng", RngConfig, [
    Option("model", default="virtio", choices=VIRTIO_MODELS + ["none"]),
    Option("backend", "path", default="/dev/urandom"),  # the builder checks the host has it
    Option("rate_bytes", "int", checks=[between(1)]),
    Option("rate_period", "int", checks=[between(1)]),
], field="rngs", finish=_rng)
CONTROLLER_MODEL = re.compile(r"^[a-z0-9-]+$")


def _controller(item, controller, option):
    if controller.ports is not None and controller.type != "virtio-serial":
        raise VirtopsError("%s.ports: only a virtio-serial controller has ports (this one is %s)" % (option, controller.type))
    if controller.queues is not None and (controller.type, controller.model) != ("scsi", "virtio-scsi"):
        raise VirtopsError("%s.queues: only a scsi controller of model virtio-scsi has queues" % option)
    if controller.model is not None and not CONTROLLER_MODEL.match(controller.model):
        raise VirtopsError("%s.model %r is not a controller model such as virtio-scsi, qemu-xhci or "
                           "pcie-root-port" % (option, controller.model))
    return controller


# Built here, set by _controllers: they take the place of a controller the disks would add.
CONTROLLERS = OptionGroup("controllers", ControllerConfig, [
    Option("type", required=True, choices=list(CONTROLLER_TYPES)),
    Option("index", "int", default=0, checks=[between(0)]),
    Option("model"),
    Option("ports", "int", checks=[between(1)]),
    Option("queues", "int", checks=[between(1)]),
], many=True, field=None, finish=_controller)


def _hyperv(item, hyperv, option):
    """Hyper-V enlightenments, each set by itself (libvirt's custom mode)."""
    hyperv.mode = "custom"
    if item["spinlocks_retries"] is not None:
        hyperv.spinlocks = True
    if item["vendor_id"] is not None:
        if not 0 < len(item["vendor_id"]) <= 12:
            raise VirtopsError("%s.vendor_id is 1 to 12 characters (got %d)" % (option, len(item["vendor_id"])))
        hyperv.vendor_id_state = True
    return hyperv


FEATURES = OptionGroup("features", FeaturesConfig, [
    Option("acpi", "bool"),
    Option("apic", "bool"),
    Option("pae", "bool"),
    Option("pmu", "bool"),
    Option("vmport", "bool"),
    Option("smm", "bool"),
    Option("kvm_hidden", "bool"),
    Option("ioapic", choices=["kvm", "qemu"], field="ioapic_driver"),
    OptionGroup("hyperv", HypervConfig, [Option(name, "bool") for name in HYPERV_SWITCHES] + [
        Option("spinlocks_retries", "int", checks=[between(4095)]),
        Option("vendor_id"),
    ], finish=_hyperv),
])


BOOT_DEVICES = ("hd", "cdrom", "network", "fd")


def _boot(item, os_config, option):
    timeout = item["menu_timeout"]
    if timeout is not None and not 0 <= timeout <= 65535:
        raise VirtopsError("%s.menu_timeout is milliseconds from 0 to 65535, got %d" % (option, timeout))
    if timeout is not None and not item["menu"]:
        raise VirtopsError("%s.menu_timeout needs %s.menu=true (it is how long the menu waits)" % (option, option))
    if (item["initrd"] or item["cmdline"]) and not item["kernel"]:
        raise VirtopsError("%s.initrd and %s.cmdline need %s.kernel: they are only used for direct kernel boot"
                           % (option, option, option))
    if item["devices"] is not None:
        os_config.boot_devices = [BootDevice(dev=dev) for dev in item["devices"]]
    return os_config


# How the guest boots (in <os>; the builder adds the machine, the firmware and checks the files).
BOOT = OptionGroup("boot", OsConfig, [
    Option("kernel", "path"),
    Option("initrd", "path"),
    Option("cmdline"),
    Option("devices", "list", elements="str", choices=list(BOOT_DEVICES), field=None),
    Option("menu", "bool", field="boot_menu"),
    Option("menu_timeout", "int", field="boot_menu_timeout"),
], finish=_boot)


def build_platform(params, desired, check_device):
    """Set the platform parts of ``desired`` that ``params`` asks for. ``check_device(path,
    option)`` refuses a host device path that is missing (where it can be looked at)."""
    _uefi(params, desired, check_device)
    for declared in POWER_ACTIONS:
        declared.set(desired, params[declared.name])
    if params["sysinfo"] is not None:
        desired.sysinfo = SYSINFO.build(params["sysinfo"])
        desired.os = desired.os or OsConfig()
        desired.os.smbios_mode = "sysinfo"  # the guest reads the entries given, not the host's
    _devices(params, desired, check_device)
    return desired


def _uefi(params, desired, check_file):
    """UEFI firmware: libvirt picks the firmware that has the features asked for (its firmware
    autoselection, as Nova does), or uses the loader given; secure boot needs SMM."""
    spec = params["uefi"]
    if spec is None:
        return
    if params["firmware"] == "bios":
        raise VirtopsError("uefi needs firmware=uefi (got firmware=bios)")
    desired.os = desired.os or OsConfig()
    if spec["enrolled_keys"] and spec["secure_boot"] is False:
        raise VirtopsError("uefi.enrolled_keys=true needs secure boot: keys are only enrolled in secure-boot firmware")
    for option in ("loader", "nvram_template"):
        if spec[option] == "":
            raise VirtopsError("uefi.%s is empty: give the path of a file on the host, or leave it out" % option)
        if spec[option] is not None:
            check_file(spec[option], "uefi.%s" % option)
    if spec["loader"] is not None:
        # A loader given is the firmware: no autoselection (libvirt 9.0 refuses a loader path
        # beside <os firmware='efi'>), so no firmware features to select by either.
        if spec["enrolled_keys"] is not None:
            raise VirtopsError("uefi.enrolled_keys selects among the firmware libvirt knows; with uefi.loader the keys "
                               "are those of the variables template given (uefi.nvram_template)")
        desired.os.firmware, desired.os.firmware_features = "", ExclusiveList()
        desired.os.loader, desired.os.loader_type, desired.os.loader_readonly = spec["loader"], "pflash", True
    else:
        desired.os.firmware = "efi"
        features = [FirmwareFeature(name=name, enabled=spec[option])
                    for option, name in (("secure_boot", "secure-boot"), ("enrolled_keys", "enrolled-keys"))
                    if spec[option] is not None]
        if features:
            desired.os.firmware_features = features
    # libvirt's firmware autoselection reads <loader secure='yes'/> without a path too (as Nova writes
    # it); secure='no' beside autoselection libvirt 9.0 refuses: there the disabled feature says it
    desired.os.loader_secure = spec["secure_boot"] if spec["loader"] is not None or spec["secure_boot"] else None
    if spec["nvram"] is not None:
        if spec["stateless"]:
            raise VirtopsError("uefi.stateless firmware keeps no NVRAM, so uefi.nvram has no use")
        if not spec["nvram"].startswith("/"):
            raise VirtopsError("uefi.nvram %r is not an absolute path on the host" % spec["nvram"])
        desired.os.nvram = spec["nvram"]
    desired.os.loader_stateless = spec["stateless"]
    if spec["stateless"] and spec["nvram_template"] is not None:
        raise VirtopsError("uefi.stateless firmware keeps no NVRAM, so uefi.nvram_template has no use")
    if spec["nvram_template"] is not None and spec["loader"] is None:
        raise VirtopsError("uefi.nvram_template needs uefi.loader: with firmware autoselection libvirt copies the "
                           "template that belongs to the firmware it picks (libvirt 9.0 refuses another)")
    desired.os.nvram_template = spec["nvram_template"]
    if spec["secure_boot"]:
        desired.features = desired.features or FeaturesConfig()
        if desired.features.smm is False:
            raise VirtopsError("uefi.secure_boot needs SMM (features.smm=true), got features.smm=false")
        desired.features.smm = True


# An SMBIOS BIOS date as libvirt takes it (mm/dd/yy or mm/dd/yyyy), and a release (major.minor).
BIOS_DATE = re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/([0-9]{2}|[0-9]{4})$")
BIOS_RELEASE = re.compile(r"^[0-9]{1,3}\.[0-9]{1,3}$")


def _sysinfo(item, sysinfo, option):
    """The SMBIOS entries given, in SMBIOS_SYSTEM's and SMBIOS_BIOS's order."""
    bios = item["bios"] or {}
    sysinfo.type = "smbios"
    sysinfo.system = [SysinfoEntry(name=name, value=canonical_uuid(item[name]) if name == "uuid" else item[name])
                      for name in SMBIOS_SYSTEM if item[name] is not None]  # (a uuid as libvirt writes it)
    sysinfo.bios = [SysinfoEntry(name=name, value=bios[name]) for name in SMBIOS_BIOS if bios.get(name) is not None]
    if not (sysinfo.system or sysinfo.bios):
        raise VirtopsError("%s needs at least one of %s, or bios" % (option, ", ".join(SMBIOS_SYSTEM)))
    if bios.get("date") is not None and not BIOS_DATE.match(bios["date"]):
        raise VirtopsError("%s.bios.date %r is not a date as SMBIOS writes it: mm/dd/yy or mm/dd/yyyy"
                           % (option, bios["date"]))
    if bios.get("release") is not None and not BIOS_RELEASE.match(bios["release"]):
        raise VirtopsError("%s.bios.release %r is not MAJOR.MINOR (such as 1.2)" % (option, bios["release"]))
    return sysinfo


# SMBIOS system information: one option per entry (read back by hand: entries are not fields).
SYSINFO = OptionGroup("sysinfo", SysinfoConfig, [
    Option(name, field=None, checks=[check_uuid] if name == "uuid" else []) for name in SMBIOS_SYSTEM] + [
    Option("bios", "dict", field=None, options=dict((name, dict(type="str")) for name in SMBIOS_BIOS)),
], finish=_sysinfo)


def _devices(params, desired, check_device):
    for declared in PLATFORM_OPTIONS:
        declared.set(desired, params[declared.name])
    for name in ("filesystems", "memory_devices", "hostdevs"):
        if params[name] is not None and params["devices_exclusive"]:
            setattr(desired, name, ExclusiveList(getattr(desired, name)))
    if desired.rngs:
        check_device(desired.rngs[0].backend, "rng.backend")
    if params["pcie_root_ports"] is not None:
        if not 0 <= params["pcie_root_ports"] <= 28:
            raise VirtopsError("pcie_root_ports is 0 to 28 (Nova's num_pcie_ports), got %d" % params["pcie_root_ports"])
        if params["machine"] and "q35" not in params["machine"]:
            raise VirtopsError("pcie_root_ports needs a q35 machine (PCI Express); machine is %s" % params["machine"])
        desired.pcie_root_ports = params["pcie_root_ports"]
    if params["controllers"] is not None:
        _controllers(params["controllers"], desired)
    if params["devices_xml"] is not None:
        desired.devices_xml = [_device_element(text, "devices_xml[%d]" % index)
                               for index, text in enumerate(params["devices_xml"])]


def _controllers(specs, desired):
    """Controllers asked for by type and index, with the model, ports or queues given; they take
    the place of a controller the disks would add (virtio-scsi), and none is ever removed."""
    requested = []
    for index, controller in enumerate(CONTROLLERS.build(specs)):
        if controller.key() in [item.key() for item in requested]:
            raise VirtopsError("controllers[%d]: controller %s index %d is given twice"
                               % (index, controller.type, controller.index))
        requested.append(controller)
    keys = set(item.key() for item in requested)
    desired.controllers = requested + [item for item in desired.controllers or [] if item.key() not in keys]


def _launch_security(item, security, option):
    snp = security.type == "sev-snp"
    security.policy = security.policy or ("0x00030000" if snp else "0x0033")
    if not re.match(r"^0x[0-9a-fA-F]{1,%d}$" % (16 if snp else 8), security.policy):
        raise VirtopsError("%s.policy %r is not a hexadecimal policy such as %s"
                           % (option, security.policy,
                              "0x00030000 (SEV-SNP, 64 bits)" if snp else "0x0033 (SEV) or 0x0037 (SEV-ES)"))
    for name in ("author_key", "vcek"):
        if getattr(security, name) is not None and not snp:
            raise VirtopsError("%s.%s is an SEV-SNP setting (type is sev)" % (option, name))
    return security


# What needs the host (its SEV support, cbitpos and reducedPhysBits) is build_launch_security's.
LAUNCH_SECURITY = OptionGroup("launch_security", LaunchSecurityConfig, [
    Option("type", default="sev", choices=["sev", "sev-snp"]),
    Option("policy"),
    Option("cbitpos", "int"),
    Option("reduced_phys_bits", "int"),
    Option("kernel_hashes", "bool"),  # SEV and SEV-SNP
    Option("author_key", "bool"),  # SEV-SNP
    Option("vcek", "bool"),  # SEV-SNP
], finish=_launch_security)


def build_launch_security(spec, machine, sev):
    """The <launchSecurity> of an AMD SEV guest. ``sev`` is the host's (supported, cbitpos,
    reducedPhysBits) from its domain capabilities, or None where libvirt cannot say (a test
    driver): then cbitpos and reduced_phys_bits are the ones given, if any."""
    if spec is None:
        return None
    if machine and "q35" not in machine:
        raise VirtopsError("launch_security (SEV) needs a q35 machine; machine is %s" % machine)
    security = LAUNCH_SECURITY.build(spec)
    if sev is not None:
        supported, host_cbitpos, host_reduced = sev
        if not supported:
            raise VirtopsError("launch_security: this host cannot run AMD SEV guests (libvirt's domain capabilities "
                               "say sev supported='no'; SEV needs an AMD EPYC host with SEV enabled in firmware and "
                               "kvm_amd)")
        security.cbitpos = host_cbitpos if security.cbitpos is None else security.cbitpos
        security.reduced_phys_bits = host_reduced if security.reduced_phys_bits is None else security.reduced_phys_bits
    # where libvirt cannot say them here, both stay out: libvirt takes the host's when the guest starts
    return security


PCI_ADDRESS = re.compile(r"^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def pci_address(text, option):
    """(domain, bus, slot, function) as libvirt writes them ('0x0000', '0x03', '0x00', '0x1') of
    '0000:03:00.1' or '03:00.1'."""
    match = PCI_ADDRESS.match(text or "")
    if not match:
        raise VirtopsError("%s %r is not a PCI address such as 0000:03:00.1" % (option, text))
    domain, bus, slot, function = match.groups()
    if int(slot, 16) > 0x1F:
        raise VirtopsError("%s %r: slot %s is beyond 1f (a PCI bus has 32 slots, 00 to 1f)" % (option, text, slot))
    return "0x%s" % (domain or "0000").lower(), "0x%s" % bus.lower(), "0x%s" % slot.lower(), "0x%s" % function


# A USB vendor or product id as lsusb shows it (0x1234, or 1234).
USB_ID = re.compile(r"^(0x)?[0-9a-fA-F]{4}$")


def _hostdev(item, hostdev, option):
    if sum(1 for kind in ("pci", "mdev", "usb") if item[kind]) != 1:
        raise VirtopsError("%s: give exactly one of pci (a host PCI device), mdev (a mediated device's UUID) "
                           "or usb (a host USB device)" % option)
    if item["startup_policy"] is not None and not item["usb"]:
        raise VirtopsError("%s.startup_policy is a USB device's" % option)
    hostdev.mode = "subsystem"
    if item["usb"]:
        return _usb_hostdev(item, hostdev, option)
    if item["pci"]:
        hostdev.type, hostdev.managed = "pci", item["managed"]
        hostdev.pci_domain, hostdev.pci_bus, hostdev.pci_slot, hostdev.pci_function = pci_address(
            item["pci"], option + ".pci")
        return hostdev
    if hostdev.boot_order is not None:
        raise VirtopsError("%s.boot_order: the guest boots from a PCI or USB device, not a mediated one" % option)
    if hostdev.driver_name:
        raise VirtopsError("%s.driver: a mediated device has no driver to choose (vfio is for pci)" % option)
    if not UUID.match(item["mdev"]):
        raise VirtopsError("%s.mdev %r is not a UUID (the mediated device's, from mdevctl list)" % (option, item["mdev"]))
    # libvirt creates no mediated device (managed has no use there): only Nova's managed='no' is written
    hostdev.type, hostdev.model, hostdev.mdev_uuid = "mdev", item["model"], item["mdev"].lower()
    hostdev.managed = False if item["managed"] is False else None
    return hostdev


def _usb_hostdev(item, hostdev, option):
    usb = item["usb"]
    by_ids, by_place = bool(usb["vendor"] or usb["product"]), usb["bus"] is not None or usb["device"] is not None
    if by_ids == by_place or (by_ids and not (usb["vendor"] and usb["product"])) or (
            by_place and None in (usb["bus"], usb["device"])):
        raise VirtopsError("%s.usb: give vendor and product (the device's ids), or bus and device (where it is "
                           "plugged in)" % option)
    for name in ("vendor", "product"):
        if by_ids and not USB_ID.match(usb[name]):
            raise VirtopsError("%s.usb.%s %r is not a USB id: four hex digits, such as 0x1234" % (option, name, usb[name]))
    for name in ("bus", "device"):
        if by_place:
            between(0, 999)(usb[name], "%s.usb.%s" % (option, name))
    for name in ("address", "driver"):
        if item[name] is not None:
            raise VirtopsError("%s.%s is a PCI device's (this is a USB device)" % (option, name))
    hostdev.type = "usb"
    if by_ids:
        hostdev.usb_vendor, hostdev.usb_product = ("0x%04x" % int(usb[name], 16) for name in ("vendor", "product"))
    else:
        hostdev.pci_bus, hostdev.usb_device = str(usb["bus"]), str(usb["device"])
    return hostdev


HOSTDEVS = OptionGroup("hostdevs", HostdevConfig, [
    Option("pci", field=None),
    Option("mdev", field=None),
    Option("usb", "dict", field=None, options=dict(
        vendor=dict(type="str"), product=dict(type="str"), bus=dict(type="int"), device=dict(type="int"))),
    Option("startup_policy", choices=["mandatory", "requisite", "optional"]),
    Option("boot_order", "int", checks=[between(1)]),
    Option("managed", "bool", default=True, field=None),
    Option("model", default="vfio-pci", choices=["vfio-pci", "vfio-ccw", "vfio-ap"], field=None),
    Option("driver", choices=["vfio"], field="driver_name"),
    address_option(),
], many=True, finish=_hostdev)


def _device_element(text, option):
    """One device of ``devices_xml``, parsed strictly."""
    try:
        element = user_xml_element(text)
    except XmlModelError as exc:
        raise VirtopsError("%s: %s" % (option, exc))
    if element.tag not in DEVICE_TAGS:
        raise VirtopsError("%s: <%s> is not a device element; libvirt's are %s"
                           % (option, element.tag, ", ".join(sorted(DEVICE_TAGS))))
    return element


# The platform options declared with Option/OptionGroup (their spec is derived, their builder too).
PLATFORM_OPTIONS = (CLOCK, MEMBALLOON, TPM, FILESYSTEMS, WATCHDOG, PANIC, IOMMU, VIDEO, INPUTS, VSOCK, MEMORY_DEVICES,
                    RNG, GRAPHICS, HOSTDEVS)
# Every option declared here (the builder sets PLATFORM_OPTIONS and the power actions itself, the
# others where they need the rest of the definition).
PLATFORM_DECLARED = PLATFORM_OPTIONS + POWER_ACTIONS + (CONTROLLERS, LAUNCH_SECURITY, SERIAL_CONSOLE, SERIALS, FEATURES,
                                                        SYSINFO, BOOT)
