# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A disk's options, declared once (``DISK``), and the one builder from them to a ``DiskConfig``.

The ``domain`` module's ``disks`` items, the ``disk`` module (and so ``disks`` and the
``instance`` role's data volumes) take exactly ``DISK_OPTIONS`` (``DISK``'s argument spec); a
disk is built by ``DiskBuilder`` in both (``DISK`` sets the plain fields and checks the options
together, the builder adds what needs libvirt) and compared with the model's own ``changes()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import (
    check_at_least, check_disk_serial, check_wwn_bus,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import Option, OptionGroup, argument_spec
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import DISK_DRIVER_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import pci_address
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.directories import file_exists, local_backing_files
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.sources import (
    ENCRYPTION_SPEC, ISCSI_SOURCE_SPEC, NBD_SOURCE_SPEC, NETWORK_SOURCES, NFS_SOURCE_SPEC, RBD_SOURCE_SPEC,
    disk_encryption, path_kind, pool_volume, set_network_source,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    IOTUNE_LIMITS, DeviceAddress, DiskConfig, IotuneConfig,
)

BUSES = ("virtio", "scsi", "sata", "ide")
TARGET_PREFIX = {"virtio": "vd", "scsi": "sd", "sata": "sd", "ide": "hd"}
DRIVE_ADDRESS = ("controller", "bus", "target", "unit")
# A disk's target name as libvirt parses it (virDiskNameParse): a prefix, letters, a partition number.
DISK_NAME = re.compile(r"^(hd|sd|vd|xvd|ubd)[a-z]+[0-9]*$")
SOURCES = ("path", "volume") + NETWORK_SOURCES


def _check_disk(item, disk, where):
    """The checks of one disk's options together, and its bus (a CD-ROM drive's default is
    SATA, a disk's virtio). ``where``: 'disks[1]', or '' for the disk module's own options."""
    prefix, lead = (where + ".", where + ": ") if where else ("", "")
    bus = disk.target_bus = item["bus"] or ("sata" if item["device"] == "cdrom" else "virtio")
    disk.driver_name = "qemu"
    if item["device"] == "cdrom" and bus == "virtio":
        raise VirtopsError("%sa cdrom cannot use bus virtio; use sata, scsi or ide" % lead)
    target = item["target"]
    if target is not None and ("/" in target or item["address"] is None and not DISK_NAME.match(target)):
        # (libvirt derives the drive address from the name; with an address given any name goes)
        raise VirtopsError("%starget %r is not a disk name libvirt knows: hd, sd, vd, xvd or ubd and letters, such as "
                           "vdb (without /dev/), or give address" % (prefix, target))
    if item["packed"] and bus != "virtio":
        raise VirtopsError("%spacked: packed virtqueues are a virtio disk's (bus is %s)" % (prefix, bus))
    _check_lun(item, bus, where or "disk")
    if item["wwn"] is not None:
        check_wwn_bus(bus, lead + "wwn")
        if not re.match(r"^(0x)?[0-9a-fA-F]{16}$", item["wwn"]):
            raise VirtopsError("%swwn %r is not 16 hexadecimal digits" % (lead, item["wwn"]))
    iotune = item["iotune"]
    if iotune is not None:
        for kind in ("bytes", "iops"):
            if iotune["total_%s_sec" % kind] and (iotune["read_%s_sec" % kind] or iotune["write_%s_sec" % kind]):
                raise VirtopsError("%siotune.total_%s_sec cannot be combined with read_%s_sec or write_%s_sec"
                                   % (lead, kind, kind, kind))
    blockio = item["blockio"]
    if blockio is not None:
        logical, physical = blockio["logical_block_size"], blockio["physical_block_size"]
        if logical and physical and physical < logical:
            raise VirtopsError("%sblockio.physical_block_size %d is smaller than logical_block_size %d"
                               % (lead, physical, logical))
        disk.logical_block_size, disk.physical_block_size = logical, physical
    return disk


def _check_lun(item, bus, where):
    """A LUN passes SCSI commands through: it needs the SCSI bus and a SCSI device behind it."""
    if item["device"] != "lun":
        return
    if bus != "scsi":
        raise VirtopsError("%s: device lun passes SCSI commands through, so it needs bus scsi (got %s)" % (where, bus))
    if not (item["iscsi"] or (item["path"] and (item["path"].startswith("/dev/") or item["path_type"] == "block"))):
        raise VirtopsError("%s: device lun needs an iscsi LUN or a block device path" % where)
    if item["encryption"]:
        raise VirtopsError("%s: device lun passes SCSI commands through, so it cannot be decrypted" % where)


def _iotune_limit(value, option):
    if value < 0:
        raise VirtopsError("%s must be 0 (no limit) or more, got %d" % (option, value))


# One disk's options (documented in the domain module's disks and in the disk module): what
# needs libvirt or the host - the source, its guest address, the encryption secret - is
# DiskBuilder's.
DISK = OptionGroup("disk", DiskConfig, [
    Option("path", "path", field=None),
    Option("path_type", choices=["file", "block"], field=None),
    Option("pool", field=None),
    Option("volume", field=None),
    Option("iscsi", "dict", field=None, options=ISCSI_SOURCE_SPEC),
    Option("rbd", "dict", field=None, options=RBD_SOURCE_SPEC),
    Option("nfs", "dict", field=None, options=NFS_SOURCE_SPEC),
    Option("nbd", "dict", field=None, options=NBD_SOURCE_SPEC),
    Option("url", field=None),
    Option("encryption", "dict", field=None, options=ENCRYPTION_SPEC),
    Option("address", "dict", field=None, options=dict(pci=dict(type="str"),
                                                       **dict((name, dict(type="int")) for name in DRIVE_ADDRESS))),
    Option("device", default="disk", choices=["disk", "cdrom", "lun"]),
    Option("wwn"),
    OptionGroup("iotune", IotuneConfig, [Option(name, "int", checks=[_iotune_limit]) for name in IOTUNE_LIMITS]),
    Option("blockio", "dict", field=None, options=dict(
        logical_block_size=dict(type="int", choices=[512, 4096]),
        physical_block_size=dict(type="int", choices=[512, 4096]),
    )),
    Option("bus", choices=list(BUSES), field=None),
    Option("target", field="target_dev"),
    Option("format", choices=["qcow2", "raw"]),
    Option("serial", checks=[check_disk_serial]),
    Option("readonly", "bool"),
    Option("shareable", "bool"),
    Option("boot_order", "int"),
    Option("packed", "bool"),
] + [Option(name, **spec) for name, spec in DISK_DRIVER_SPEC.items()], finish=_check_disk)
DISK_OPTIONS = argument_spec([DISK])["disk"]["options"]
# The domain module's disks: a list of the same (each built by DiskBuilder).
DISKS = OptionGroup("disks", DiskConfig, DISK.options, many=True, finish=_check_disk)


class DiskBuilder:
    """Builds the ``DiskConfig`` one disk's options ask for, checking them on the way.

    ``is_local``: libvirt runs on this machine, so paths can be looked at here. ``missing_ok``: a
    path that is gone still names a disk (to detach one whose image was deleted).
    """

    def __init__(self, conn, is_local, missing_ok=False):
        self.conn = conn
        self.is_local = is_local
        self.missing_ok = missing_ok

    def build(self, spec, where=""):
        """The disk of ``spec``; ``where`` ('disks[1]', or '' for the disk module's own options)
        prefixes the option names in messages. Its target is ``spec['target']`` (None: the caller
        picks a free one with ``next_target``)."""
        prefix = where + "." if where else ""
        disk = DISK.build(spec, where)
        self._source(disk, spec, prefix)
        disk.address = disk_address(spec["address"], disk.target_bus, prefix + "address")
        if spec["encryption"] is not None:
            disk.encryption = disk_encryption(self.conn, spec["encryption"], prefix + "encryption")
        if disk.format is None and disk.type == "file" and spec["device"] == "cdrom":
            disk.format = "raw"
        return disk

    def _source(self, disk, spec, prefix):
        lead = prefix[:-1] + ": " if prefix else ""
        if spec["path"] and (spec["pool"] or spec["volume"]):
            raise VirtopsError("%sgive either path or pool+volume, not both" % lead)
        if spec["volume"] and not spec["pool"]:
            raise VirtopsError("%svolume needs pool" % prefix)
        if spec["path_type"] and not spec["path"]:
            raise VirtopsError("%spath_type says what path is; it needs path" % prefix)
        given = [name for name in SOURCES if spec[name]]
        if len(given) > 1:
            raise VirtopsError("%s: give one source of path, pool+volume, iscsi, rbd, nfs, nbd and url, not %s"
                               % (prefix.rstrip(".") or "disk", " and ".join(given)))
        if any(spec[name] for name in NETWORK_SOURCES):
            set_network_source(self.conn, disk, spec, option=prefix)
            disk.format = disk.format or "raw"  # QEMU does not probe a network disk's format
            if spec["url"]:
                disk.readonly = True if disk.readonly is None else disk.readonly
                if not disk.readonly:
                    raise VirtopsError("%surl: QEMU reads images from a web or FTP server only; give readonly "
                                       "true (or leave it out)" % prefix)
        elif spec["path"]:
            kind = self._path_type(spec, prefix + "path")
            if kind == "block":
                disk.type, disk.source_dev = "block", spec["path"]
            else:
                disk.type, disk.source_file = "file", spec["path"]
        elif spec["pool"] and spec["volume"]:
            pool_volume(self.conn, spec["pool"], spec["volume"], prefix[:-1] or "volume")
            disk.type, disk.source_pool, disk.source_volume = "volume", spec["pool"], spec["volume"]
        elif spec["device"] == "cdrom":
            disk.type, disk.source_file = "file", DiskConfig.NO_MEDIA  # an empty drive: media ejected
        else:
            raise VirtopsError("%s: a disk needs path, pool and volume, iscsi, rbd, nfs, nbd or url"
                               % (prefix.rstrip(".") or "disk"))

    def _path_type(self, spec, option):
        """'file' or 'block': ``path_type`` where given, else what the path is on the host."""
        path = spec["path"]
        if self.missing_ok and self.is_local and not os.path.exists(path):
            return spec["path_type"] or "file"  # gone: still names the disk to detach
        check_host_file(self.conn, path, option, self.is_local, allow_block=True)
        found = path_kind(self.conn, path, self.is_local)
        wanted = spec["path_type"]
        if wanted and self.is_local and os.path.exists(path) and wanted != found:
            raise VirtopsError("%s: %s is a %s on this host, not a %s (path_type)"
                               % (option, path, "block device" if found == "block" else "file", wanted))
        return wanted or found


def check_host_file(conn, path, option, is_local, allow_block=False):
    """Refuse a file (or, with ``allow_block``, a block device) the hypervisor host does not have.
    Only where libvirt runs on this machine; a remote host's files are libvirt's to check."""
    if path is None or not is_local:
        return
    if not os.path.exists(path):
        # A local URI can still reach a daemon with its own mounts (a container, another mount
        # namespace): what counts is whether the hypervisor sees the file.
        if file_exists(conn, path):
            return
        raise VirtopsError("%s: %s does not exist on %s" % (option, path, conn.getHostname()))
    mode = os.stat(path).st_mode
    if not (stat.S_ISREG(mode) or (allow_block and stat.S_ISBLK(mode))):
        raise VirtopsError("%s: %s is not a regular file%s" % (option, path, " or block device" if allow_block else ""))


def disk_address(spec, bus, option):
    """The pinned <address> of a disk: a PCI slot for virtio, a drive address (Nova's SCSI unit
    numbers) for scsi, sata and ide; None when the user leaves it to libvirt."""
    if spec is None:
        return None
    drive = dict((name, spec[name]) for name in DRIVE_ADDRESS if spec[name] is not None)
    if bool(spec["pci"]) == bool(drive):
        raise VirtopsError("%s: give pci (a virtio disk's PCI slot) or the drive numbers controller, bus, target "
                           "and unit (scsi, sata and ide disks), not %s" % (option, "both" if drive else "neither"))
    if spec["pci"]:
        if bus != "virtio":
            raise VirtopsError("%s.pci: only a virtio disk is a PCI device; a %s disk takes unit (and controller, "
                               "bus, target)" % (option, bus))
        domain, pci_bus, slot, function = pci_address(spec["pci"], option + ".pci")
        return DeviceAddress(type="pci", domain=domain, bus=pci_bus, slot=slot, function=function)
    if bus == "virtio":
        raise VirtopsError("%s: a virtio disk is a PCI device; give pci, not %s" % (option, ", ".join(sorted(drive))))
    for name, value in drive.items():
        check_at_least(value, 0, "%s.%s" % (option, name))
    if "bus" in drive:
        drive["bus"] = str(drive["bus"])  # <address bus=> is a PCI bus's hex text or a drive's number
    return DeviceAddress(type="drive", **drive)


# How libvirt derives the drive address of a disk that gives none from its target name's index
# (virDomainDiskDefAssignAddress): units per bus and buses per controller.
DRIVE_LAYOUT = dict(scsi=(7, 1), sata=(6, 1), ide=(2, 2))


def drive_addresses(disks, bus):
    """(controller, bus, target, unit) of the drive addresses the ``bus`` disks among ``disks`` give."""
    return set((disk.address.controller or 0, int(disk.address.bus or 0), disk.address.target or 0, disk.address.unit or 0)
               for disk in disks if disk.target_bus == bus and disk.address is not None and disk.address.type == "drive")


def pick_target(disk, used, disks):
    """A target name for ``disk`` (which has none) among ``disks``: a disk that pins its address
    may take any free name; one that does not gets the address libvirt derives from its name, so
    that name must not land on an address another disk pins."""
    taken = drive_addresses(disks, disk.target_bus) if disk.address is None else ()
    return next_target(disk.target_bus, used, taken)


def next_target(bus, used, taken=()):
    """The first target name of ``bus`` ('vda', 'sdb', ...) not in ``used``, nor one whose drive
    address libvirt would derive onto an address in ``taken`` (another disk pins it: libvirt
    refuses the duplicate)."""
    prefix = TARGET_PREFIX[bus]
    for index in range(26 * 27):
        name = prefix + _letters(index)
        if name not in used and _derived_address(bus, index) not in taken:
            return name
    raise VirtopsError("no free target device name for bus %s" % bus)


def _derived_address(bus, index):
    if bus not in DRIVE_LAYOUT:
        return None  # a virtio disk is a PCI device of its own
    units, buses = DRIVE_LAYOUT[bus]
    return (index // (units * buses), (index % (units * buses)) // units, 0, index % units)


def _letters(index):
    # 0 -> a, 25 -> z, 26 -> aa (libvirt's naming)
    text = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        text = chr(ord("a") + remainder) + text
    return text


def image_chain(disk, is_local):
    """The files ``disk`` reads, its source first: the backing chain libvirt shows and, with
    libvirt on this machine, the one the images' headers name (a shut-off domain's definition
    may show none)."""
    if not disk.source_file:
        return []
    chain = [os.path.normpath(path) for path in [disk.source_file] + disk.backing_files()]
    for path in local_backing_files(disk.source_file) if is_local else ():
        if path not in chain:
            chain.append(path)
    return chain


def follow_snapshot_overlay(desired, existing, is_local):
    """Point ``desired`` - a disk asked for by its image - at the overlay ``existing`` runs on
    when that image is below it. A snapshot's overlay is the disk now: going back to the image
    would hide what was written since and write into an image the overlay is built on. True when
    it did."""
    if not desired.source_file or not existing.source_file or desired.source_file == existing.source_file:
        return False
    if os.path.normpath(desired.source_file) not in image_chain(existing, is_local)[1:]:
        return False
    desired.type, desired.source_file, desired.format = existing.type, existing.source_file, existing.format
    return True


def follow_snapshot_overlays(desired, live, is_local):
    """``follow_snapshot_overlay`` for each disk of the domain ``desired`` (matched by target)."""
    existing = dict((disk.target_dev, disk) for disk in live.disks or [])
    for disk in desired.disks or []:
        if disk.target_dev in existing:
            follow_snapshot_overlay(disk, existing[disk.target_dev], is_local)
