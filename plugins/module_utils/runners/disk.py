# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``disk`` module: attach, detach or grow one disk of a domain, live and/or persistent.

A disk is identified by its source (file, block device, pool volume, iSCSI LUN, RBD image, NFS
file, NBD export):
attaching the same source twice is a no-op. Target names are chosen under the guest's lock so
that concurrent runs do not pick the same one. Detach waits for libvirt's DEVICE_REMOVED event
and retries, as Nova does, because a live detach needs the guest's cooperation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import mib_to_bytes
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_local_uri, libvirt,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import (
    DISK_OPTIONS, SOURCES, DiskBuilder, follow_snapshot_overlay, pick_target,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.sources import NETWORK_SOURCES
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import ControllerConfig

# The disk's own options (DISK_OPTIONS, as the domain module's disks take them) and where and how
# this module attaches it.
DISK_ARGUMENT_SPEC = dict(
    domain=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    live=dict(type="bool", default=True),
    persistent=dict(type="bool", default=True),
    size_mb=dict(type="int"),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=2),
    **DISK_OPTIONS
)
# What only finds the running device, not a setting of it: never a reason to refuse.
IDENTITY_FIELDS = ("alias",)


def disk_source_key(params):
    """The source a disk's options name, as one text: the file itself (links resolved), the pool
    volume, or the network source with its server (iscsi://, rbd:, nfs://, nbd://)."""
    iscsi, rbd, nfs, nbd, url = (params[name] for name in NETWORK_SOURCES)
    if params["path"]:
        return os.path.realpath(params["path"])
    if params["volume"]:
        return "%s/%s" % (params["pool"], params["volume"])
    if iscsi:
        return "iscsi://%s/%s/%d" % (iscsi["portal"], iscsi["iqn"], iscsi["lun"])
    if rbd:
        return "rbd:%s/%s" % (rbd["pool"], rbd["image"])
    if nfs:
        return "nfs://%s%s" % (nfs["server"], nfs["path"])
    if nbd:
        return "nbd://%s/%s" % (nbd["socket"] or nbd["server"], nbd["export"] or "")
    return url


class DiskRunner(Runner):
    EVENTS = True  # a live detach waits for DEVICE_REMOVED

    def subject(self):
        return "disk of domain %s" % self.params["domain"]

    def run(self):
        p = self.params
        self.result["domain"] = p["domain"]
        given = [name for name in SOURCES if p[name]]
        if len(given) != 1:
            raise VirtopsError("give exactly one disk source: path, pool+volume, iscsi, rbd, nfs, nbd or url (got %s)"
                               % (", ".join(given) or "none"))
        self.guest = Guest.lookup(self.conn, p["domain"])
        if self.guest is None:
            raise VirtopsError("domain %s does not exist; define it first (virtops.libvirt.domain)" % p["domain"])
        desired = self._desired()
        self.result["source"] = desired.source()
        self._check_before_changes()
        if p["state"] == "absent":
            self._detach(desired)
        else:
            self._attach(desired)
            if p["size_mb"] is not None:
                self._grow()
        self.result["diff"] = self.diff
        return self.result

    def _check_before_changes(self):
        """Refuse what would fail only after the disk was attached or detached."""
        p = self.params
        if not (p["live"] or p["persistent"]):
            raise VirtopsError("live and persistent are both false: the disk would be %s"
                               % ("detached from nothing" if p["state"] == "absent" else "attached nowhere"))
        if p["timeout"] < 0 or p["retries"] < 0:
            raise VirtopsError("timeout and retries cannot be negative (got timeout=%d, retries=%d)"
                               % (p["timeout"], p["retries"]))
        if p["size_mb"] is not None:
            mib_to_bytes(p["size_mb"], "size_mb")
            if p["state"] == "absent":
                raise VirtopsError("size_mb is only used with state=present")
            if not self.guest.is_active():
                raise VirtopsError("size_mb: a disk can be grown here only while %s runs (blockResize); "
                                   "grow the image or volume itself while the domain is off" % p["domain"])
            if not p["live"]:
                raise VirtopsError("size_mb needs live=true: only a disk the running guest has can be grown here")

    # -- what the user asked for --------------------------------------------------------------
    def _desired(self):
        builder = DiskBuilder(self.conn, is_local_uri(self.conn.getURI()), missing_ok=self.params["state"] == "absent")
        return builder.build(self.params)

    # -- where the disk is now ----------------------------------------------------------------
    def _find(self, config, desired):
        """The disk of ``config`` on the image ``desired`` names: as its source, or below the
        overlays of its snapshots (``desired`` then names that overlay, as the disk is now)."""
        if config is None:
            return None
        is_local = is_local_uri(self.conn.getURI())
        for disk in config.disks:
            if disk.source() == desired.source() or follow_snapshot_overlay(desired, disk, is_local):
                return disk
        return None

    def _places_wanted(self):
        """{'config': bool, 'live': bool}: where the disk should be, for this domain's state."""
        p = self.params
        config = p["persistent"] and self.guest.is_persistent()
        live = p["live"] and self.guest.is_active()
        if p["persistent"] and not self.guest.is_persistent() and not live:
            raise VirtopsError("domain %s is transient and not running: there is nowhere to attach" % p["domain"])
        return dict(config=config, live=live)

    # -- attach -------------------------------------------------------------------------------
    def _attach(self, desired):
        with self.guest.lock():
            persistent, live = self.guest.configs()
            wanted = self._places_wanted()
            places = dict(config=self._find(persistent, desired), live=self._find(live, desired))
            for where, found in places.items():
                if found is not None and wanted[where]:
                    self._check_same(found, desired, where)
            missing = [where for where in ("config", "live") if wanted[where] and places[where] is None]
            attached = places["config"] or places["live"]
            attached_to = sorted(where for where in wanted if wanted[where])
            if not missing:
                self.result.update(target=attached.target_dev, attached=attached_to)
                return
            desired.target_dev = attached.target_dev if attached is not None else self._pick_target(
                desired, persistent, live)
            if desired.target_bus == "scsi":
                self._ensure_scsi_controller(persistent, live, missing)
            self.diff["after"] = desired.to_xml()
            self.recorder.record("attach %s as %s (%s)" % (desired.source(), desired.target_dev, "+".join(missing)),
                                 self._attach_disk, desired, missing)
            self.result.update(target=desired.target_dev, attached=attached_to)

    def _attach_disk(self, desired, missing):
        try:
            self.guest.attach_device(desired.to_xml(), "live" in missing, "config" in missing)
        except libvirt.libvirtError as exc:
            # libvirt's reason is what matters here (a refused login, a missing image)
            raise VirtopsError("attaching %s to %s failed: %s"
                               % (desired.source(), self.params["domain"], error_text(exc)))

    def _check_same(self, found, desired, where):
        """Refuse to leave an attached disk with other settings than asked for: its source, bus and
        the rest are fixed while attached (the model compares what was asked for)."""
        differs = sorted(set(change.path.split(".")[0] for change in desired.changes(found)
                             if change.path not in IDENTITY_FIELDS))
        if differs:
            raise VirtopsError(
                "%s is already attached to %s as %s (%s) with other settings: %s; detach it "
                "(state=absent) and attach it again to change them"
                % (desired.source(), self.params["domain"], found.target_dev, where, ", ".join(differs)))

    def _pick_target(self, desired, persistent, live):
        used = set(disk.target_dev for config in (persistent, live) if config is not None for disk in config.disks)
        if desired.target_dev:
            if desired.target_dev in used:
                raise VirtopsError("target %s of %s is already used by another disk"
                                   % (desired.target_dev, self.params["domain"]))
            return desired.target_dev
        return pick_target(desired, used, [disk for config in (persistent, live) if config is not None for disk in config.disks])

    def _ensure_scsi_controller(self, persistent, live, missing):
        """A SCSI disk needs a virtio-scsi controller (libvirt would add an LSI one the guest may lack)."""
        lacking = [where for where, config in (("config", persistent), ("live", live))
                   if where in missing and not any(c.type == "scsi" for c in config.controllers)]
        if lacking:
            self.recorder.record("add a virtio-scsi controller", self.guest.attach_device,
                                 ControllerConfig(type="scsi", model="virtio-scsi").to_xml(),
                                 "live" in lacking, "config" in lacking)

    # -- detach -------------------------------------------------------------------------------
    def _detach(self, desired):
        p = self.params
        persistent, live = self.guest.configs()
        # live/persistent say where to detach from, as for attach: the other place keeps the disk.
        in_config = self._find(persistent, desired) if p["persistent"] else None
        in_live = self._find(live, desired) if p["live"] else None
        if in_config is None and in_live is None:
            return
        self.result["target"] = (in_config or in_live).target_dev
        self.diff["before"] = (in_config or in_live).to_xml()
        if in_live is not None:
            self.recorder.record("detach %s from the running domain" % in_live.source(), self._detach_live, in_live)
        if in_config is not None:
            self.recorder.record("detach %s from the persistent definition" % desired.source(),
                                 self.guest.detach_device, in_config.to_xml())

    def _detach_live(self, disk):
        p = self.params
        self.result["detach_attempts"] = self.guest.detach_live(
            disk, "%s (%s)" % (disk.source(), disk.target_dev), p["timeout"], p["retries"],
            lambda live: self._find(live, disk) is not None)

    # -- grow ---------------------------------------------------------------------------------
    def _grow(self):
        p = self.params
        wanted = mib_to_bytes(p["size_mb"], "size_mb")
        target = self.result["target"]
        if target not in [d.target_dev for d in self.guest.live_config().disks]:
            if self.check_mode:
                return  # attached by this check-mode run: no size to read yet
            raise VirtopsError("size_mb: %s is not attached to the running %s; only a disk the "
                               "guest has can be grown here" % (target, p["domain"]))
        capacity = self.guest.block_capacity(target)
        self.result["size_mb"] = capacity // (1024 * 1024)
        if capacity == wanted:
            return
        if capacity > wanted:
            raise VirtopsError("size_mb %d is smaller than %s's current %d MiB; disks are never shrunk"
                               % (p["size_mb"], target, capacity // (1024 * 1024)))
        self.diff["before"] += "size_mb: %d\n" % (capacity // (1024 * 1024))
        self.diff["after"] += "size_mb: %d\n" % p["size_mb"]
        self.recorder.record("grow %s to %d MiB" % (target, p["size_mb"]), self.guest.block_resize, target, wanted)
        self.result["size_mb"] = p["size_mb"]
