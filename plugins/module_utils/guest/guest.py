# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``Guest``: the one place that talks to a libvirt domain.

Every runner reaches a domain through a Guest: its state, its persistent and running
definitions, devices attached and detached (live and persistent, with the wait for removal and
the per-domain lock), changes applied to the running guest, lifecycle calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt, libvirt_qemu, lookup_or_none,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.events import DeviceRemovedWatch
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import IOTUNE_LIMITS
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    METADATA_NAMESPACE, METADATA_PREFIX, MIGRATION_INCOMING_NAMESPACE, MIGRATION_PAUSE_NAMESPACE,
    MIGRATION_PAUSE_PREFIX, PENDING_NAMESPACE, PENDING_PREFIX, DomainConfig, metadata_xml, migration_pause_xml,
    pending_restart_xml,
)

LOCK_DIR = "/run/virtops-libvirt/locks"
# Where libvirt can learn a guest's addresses (virDomainInterfaceAddresses' sources).
ADDRESS_SOURCES = ("agent", "lease", "arp")


def _state_names():
    return {
        libvirt.VIR_DOMAIN_RUNNING: "running",
        libvirt.VIR_DOMAIN_BLOCKED: "running",  # running, waiting on a resource
        libvirt.VIR_DOMAIN_PAUSED: "paused",
        libvirt.VIR_DOMAIN_SHUTDOWN: "shutting-down",
        libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
        libvirt.VIR_DOMAIN_CRASHED: "crashed",
        libvirt.VIR_DOMAIN_PMSUSPENDED: "pmsuspended",
    }


def _flags(live, config):
    flags = 0
    if live:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    if config:
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    return flags


class DomainLock:
    """An exclusive lock per domain, for choosing device targets and attaching (this process)."""

    def __init__(self, uuid):
        self.path = os.path.join(LOCK_DIR, "domain-%s.lock" % uuid)
        self.handle = None

    def __enter__(self):
        os.makedirs(LOCK_DIR, exist_ok=True)
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class Guest:
    """One libvirt domain on one connection."""

    def __init__(self, conn, dom):
        self.conn = conn
        self.dom = dom

    # -- finding and defining ----------------------------------------------------------------
    @classmethod
    def lookup(cls, conn, name):
        """The domain called ``name``, or None when there is none."""
        dom = lookup_or_none(conn.lookupByName, "NO_DOMAIN", name)
        return None if dom is None else cls(conn, dom)

    @classmethod
    def lookup_uuid(cls, conn, uuid):
        dom = lookup_or_none(conn.lookupByUUIDString, "NO_DOMAIN", uuid)
        return None if dom is None else cls(conn, dom)

    @classmethod
    def all(cls, conn):
        return [cls(conn, dom) for dom in conn.listAllDomains(0)]

    @classmethod
    def define(cls, conn, xml):
        """Define (or redefine) a domain from ``xml``; the Guest of the result."""
        return cls(conn, conn.defineXML(xml))

    # -- identity and state --------------------------------------------------------------------
    @property
    def name(self):
        return self.dom.name()

    @property
    def uuid(self):
        return self.dom.UUIDString()

    def is_active(self):
        return bool(self.dom.isActive())

    def is_persistent(self):
        return bool(self.dom.isPersistent())

    def state(self):
        """libvirt's state as this collection names it: running, paused, shutoff, saved, ..."""
        name = _state_names().get(self.dom.state()[0], "unknown")
        if name == "shutoff" and self.is_persistent() and self.dom.hasManagedSaveImage(0):
            return "saved"
        return name

    def _state_reason_in(self, states, reasons):
        """Whether libvirt's state is one of ``states`` (RUNNING, PAUSED, ...) with one of the
        ``reasons`` it has for that state (names of VIR_DOMAIN_<STATE>_<REASON>)."""
        state, reason = self.dom.state()
        return any(state == getattr(libvirt, "VIR_DOMAIN_" + name) and any(
            reason == getattr(libvirt, "VIR_DOMAIN_%s_%s" % (name, why), object()) for why in reasons)
            for name in states)

    def is_paused_for(self, *reasons):
        """Paused for one of ``reasons`` (names of VIR_DOMAIN_PAUSED_*, e.g. 'MIGRATION', 'POSTCOPY')."""
        return self._state_reason_in(("PAUSED",), reasons)

    def pause_reason(self):
        """Why libvirt says the guest is paused ('user', 'migration', 'postcopy', ...), or None
        when it is not paused."""
        state, reason = self.dom.state()
        if state != libvirt.VIR_DOMAIN_PAUSED:
            return None
        for name in dir(libvirt):
            if name.startswith("VIR_DOMAIN_PAUSED_") and getattr(libvirt, name) == reason \
                    and name != "VIR_DOMAIN_PAUSED_LAST":
                return name[len("VIR_DOMAIN_PAUSED_"):].lower()
        return "unknown"

    def in_post_copy(self):
        """Running or paused in (or after a failed) post-copy phase: not recoverable by rollback."""
        return self._state_reason_in(("RUNNING", "PAUSED"), ("POSTCOPY", "POSTCOPY_FAILED"))

    def autostart(self):
        return bool(self.dom.autostart()) if self.is_persistent() else False

    # -- definitions ---------------------------------------------------------------------------
    def xml(self, inactive=False):
        return self.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0)

    def inactive_config(self):
        """The persistent definition as a DomainConfig, with its secrets (a graphics password):
        redefined from it, the domain keeps them. Never shown: the model hides them in changes."""
        return DomainConfig.from_xml(self.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE))

    def live_config(self):
        """The domain as it runs now (its definition when it does not run) as a DomainConfig."""
        return DomainConfig.from_xml(self.xml())

    def configs(self):
        """(persistent definition or None, running config or None)."""
        persistent = self.inactive_config() if self.is_persistent() else None
        live = self.live_config() if self.is_active() else None
        return persistent, live

    def pending_restart_fields(self):
        """Fields changed in the definition while the domain ran (kept in its live metadata)."""
        if not self.is_active():
            return []
        return self.live_config().pending_restart or []

    def mark_pending_restart(self, fields):
        """Remember ``fields`` in the running domain's live-only metadata (cleared by a restart)."""
        self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, pending_restart_xml(fields),
                             PENDING_PREFIX, PENDING_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def mark_paused_for_migration(self, paused):
        """Set (or clear) the live-only marker saying this collection paused the guest for a migration."""
        if paused:
            self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, migration_pause_xml(),
                                 MIGRATION_PAUSE_PREFIX, MIGRATION_PAUSE_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        else:
            self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, MIGRATION_PAUSE_NAMESPACE,
                                 libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def paused_for_migration(self):
        """Whether the marker of mark_paused_for_migration is on the running guest."""
        if not self.is_active():
            return False
        found = lookup_or_none(self.dom.metadata, "NO_DOMAIN_METADATA", libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                               MIGRATION_PAUSE_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        return found is not None

    def incoming_marker(self, config=False):
        """Whether the running copy (or, with ``config``, the persistent definition) carries the
        marker of a copy a migration brought here paused (xml.domain.with_incoming_marker)."""
        if config and not self.is_persistent() or not config and not self.is_active():
            return False
        where = libvirt.VIR_DOMAIN_AFFECT_CONFIG if config else libvirt.VIR_DOMAIN_AFFECT_LIVE
        found = lookup_or_none(self.dom.metadata, "NO_DOMAIN_METADATA", libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                               MIGRATION_INCOMING_NAMESPACE, where)
        return found is not None

    def clear_incoming_marker(self):
        """Remove the incoming marker from the running copy and the definition, where they have it."""
        for config in (False, True):
            if self.incoming_marker(config):
                self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, MIGRATION_INCOMING_NAMESPACE,
                                     libvirt.VIR_DOMAIN_AFFECT_CONFIG if config else libvirt.VIR_DOMAIN_AFFECT_LIVE)

    # -- changes to the running guest ----------------------------------------------------------
    def apply_live(self, change):
        """Apply one ``Change`` whose field says how it reaches a running guest: its ``LiveChange``
        names the method here (``_live_<name>``)."""
        method = getattr(self, "_live_" + change.live.name, None)
        if method is None:  # pragma: no cover - a field declared a method this layer does not have
            raise ValueError("no live method %r" % change.live.name)
        return method(change)

    def _live_memory(self, change):
        self.dom.setMemoryFlags(change.after, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def _live_vcpus(self, change):
        self.dom.setVcpusFlags(change.after, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def _live_title(self, change):
        self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_TITLE, change.after, None, None, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def _live_description(self, change):
        self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, change.after, None, None,
                             libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def _live_metadata(self, change):
        self.dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, metadata_xml(change.after),
                             METADATA_PREFIX, METADATA_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def _live_media(self, change):
        disk = self._live_device(change)
        disk.source_file = change.owner.source_file
        self.update_device(disk.to_xml(), live=True, config=False)

    def _live_iotune(self, change):
        self._set_io_limits(self._live_device(change).target_dev, change.owner.iotune)

    def _live_graphics_password(self, change):
        graphics = self._live_device(change)
        graphics.password = change.owner.password
        self.update_device(graphics.to_xml(), live=True, config=False)

    @staticmethod
    def _running_device(change, running):
        """The device of ``running`` (a live DomainConfig) that ``change`` is for, or None."""
        devices, attribute = change.live.device
        wanted = getattr(change.owner, attribute)
        return next((device for device in getattr(running, devices) or [] if getattr(device, attribute) == wanted), None)

    def can_apply_live(self, change, running):
        """Whether ``change`` can reach the running guest (``running``: its live DomainConfig) now:
        a device added by this very run, or still waiting for a restart, is not there yet (so a
        change of its fields waits), unless the change is that device's hot-plug."""
        if change.live.device is None:
            return True
        present = self._running_device(change, running) is not None
        return not present if change.live.attach else present

    def _live_attach(self, change):
        """Hot-plug the device ``change`` adds as the persistent definition now has it (with what
        libvirt filled in there, such as a generated MAC), so both keep the same device. A device
        of the change's list without a key of its own (no MAC given) is each of the definition's
        that the running guest lacks. Returns the keys of the devices attached."""
        devices, attribute = change.live.device
        wanted = getattr(change.owner, attribute)
        running = set(getattr(device, attribute) for device in getattr(self.live_config(), devices) or [])
        missing = [device for device in getattr(self.inactive_config(), devices) or []
                   if getattr(device, attribute) not in running and wanted in (None, getattr(device, attribute))]
        for device in missing:
            self.attach_device(device.to_xml(), live=True, config=False)
        return [getattr(device, attribute) for device in missing]

    def _live_device(self, change):
        found = self._running_device(change, self.live_config())
        if found is None:  # checked by can_apply_live; gone since (a concurrent detach)
            raise VirtopsError("%s has no device %s while running; the change needs a restart"
                               % (self.name, getattr(change.owner, change.live.device[1])))
        return found

    def _set_io_limits(self, target, iotune):
        """The I/O limits ``iotune`` asks for on the running guest's disk ``target``. libvirt resets
        the limits of a group (bytes, IOPS) that are not passed with it, so all six go together:
        those the user did not give keep their running values."""
        live = libvirt.VIR_DOMAIN_AFFECT_LIVE
        current = self.dom.blockIoTune(target, live)
        limits = dict((name, getattr(iotune, name) if getattr(iotune, name) is not None
                       else current.get(name, 0)) for name in IOTUNE_LIMITS)
        self.dom.setBlockIoTune(target, limits, live)

    # -- devices -------------------------------------------------------------------------------
    def lock(self):
        return DomainLock(self.uuid)

    def attach_device(self, xml, live, config):
        self.dom.attachDeviceFlags(xml, _flags(live, config))

    def update_device(self, xml, live, config):
        self.dom.updateDeviceFlags(xml, _flags(live, config))

    def detach_device(self, xml, live=False, config=True):
        """Detach without waiting (the persistent definition changes at once)."""
        self.dom.detachDeviceFlags(xml, _flags(live, config))

    def detach_live(self, device, what, timeout, retries, still_attached):
        """Unplug ``device`` (a config object with an alias; ``what`` names it) from the running guest.

        Sends the request and waits for libvirt's DEVICE_REMOVED event (the guest must release
        the device) up to ``timeout`` seconds, libvirt's own wait inside the request included;
        sends it again up to ``retries`` more times, as Nova does. ``still_attached(live_config)``
        tells whether the device is still there when a request fails. Returns the number of
        requests sent; raises VirtopsError (``took_effect``: the guest may still release it later)
        if the guest never let go. Needs libvirt's event loop (``Runner.EVENTS``).
        """
        watch = DeviceRemovedWatch(self.conn, self.dom)
        try:
            for attempt in range(1, retries + 2):
                deadline = Deadline(timeout)
                try:
                    self.dom.detachDeviceFlags(device.to_xml(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
                except libvirt.libvirtError as exc:
                    if not still_attached(self.live_config()):
                        return attempt  # gone meanwhile (an earlier request completed)
                    raise VirtopsError("detaching %s from %s failed: %s" % (what, self.name, error_text(exc)),
                                       took_effect=attempt > 1)
                if watch.wait(device.alias, deadline.remaining()) or not still_attached(self.live_config()):
                    return attempt
            raise VirtopsError("the guest of %s did not release %s after %d requests %ss apart; it is still "
                               "attached live and may be released later (raise timeout or retries, or check "
                               "that the guest handles hot-unplug)" % (self.name, what, retries + 1, timeout),
                               took_effect=True)
        finally:
            watch.close()

    def block_capacity(self, target):
        """Capacity in bytes of the disk ``target`` as the running guest sees it."""
        return self.dom.blockInfo(target, 0)[0]

    def block_resize(self, target, size):
        self.dom.blockResize(target, size, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)

    # -- jobs and migration -------------------------------------------------------------------
    def job_stats(self, completed=False):
        """libvirt's statistics of the running job (or of the last completed one) as a dict.

        ``type`` is one of VIR_DOMAIN_JOB_NONE/BOUNDED/UNBOUNDED/COMPLETED/FAILED/CANCELLED.
        """
        return self.dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED if completed else 0)

    def has_job(self):
        """Whether a job (a migration, a save...) runs on the domain now."""
        if not self.is_active():
            return False  # libvirt reports no job statistics for a shut-off domain: it runs none
        try:
            stats = self.job_stats()
        except libvirt.libvirtError as exc:
            # The destination of a migration refuses to report it: its job is the incoming migration.
            if is_error(exc, "OPERATION_UNSUPPORTED"):
                return True
            if is_error(exc, "NO_SUPPORT"):  # a driver without job statistics (test:///) runs no migration
                return False
            raise
        return stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE) != libvirt.VIR_DOMAIN_JOB_NONE

    def dirty_rate(self, seconds):
        """The guest's memory dirty rate in MiB/s, measured by libvirt's dirty-rate calculation
        (QEMU's page sampling, which works under TCG as under KVM) over ``seconds``."""
        self.dom.startDirtyRateCalc(seconds, 0)
        deadline = Deadline(seconds + 30)
        while True:
            stats = self.conn.domainListGetStats([self.dom], libvirt.VIR_DOMAIN_STATS_DIRTYRATE)[0][1]
            if stats.get("dirtyrate.calc_status") == libvirt.VIR_DOMAIN_DIRTYRATE_MEASURED:
                return stats.get("dirtyrate.megabytes_per_second", 0)
            if deadline.expired():
                raise VirtopsError("%s: libvirt's dirty-rate calculation did not finish within %d s"
                                   % (self.name, seconds + 30))
            time.sleep(0.2)

    def touched_memory_kib(self, memory_kib, boot_files=()):
        """(KiB, basis): how much of the guest's ``memory_kib`` holds data a migration must send -
        memory never touched goes as zero pages at almost no cost. The guest's own count of its
        free memory where its balloon reports statistics (as Nova turns them on), else what the
        host holds of it (QEMU's resident set, QEMU's own memory included), at most ``memory_kib``.

        Free is not zero: QEMU loads a directly booted kernel and initrd into guest memory, and the
        guest frees both once it has unpacked them - free pages a migration still sends (seen on the
        test bed: 28 MiB more sent than the balloon's figure, for 18 MiB of such files). The sizes of
        ``boot_files`` this host can read are added to the balloon's figure."""
        stats = self.dom.memoryStats()
        if stats.get("unused") is not None and stats.get("available"):
            loaded = sum(os.path.getsize(path) for path in boot_files if path and os.path.isfile(path)) // 1024
            basis = "guest memory not free (balloon statistics)"
            if loaded:
                basis += " and the %d MiB of boot kernel and initrd its free memory still holds" % (loaded // 1024)
            return min(memory_kib, max(0, memory_kib - stats["unused"]) + loaded), basis
        if stats.get("rss"):
            return min(memory_kib, stats["rss"]), "host resident memory"
        return memory_kib, "guest memory size"

    def abort_job(self):
        self.dom.abortJob()

    # -- backups and their checkpoints (backup/job.py composes these) ------------------------
    def begin_backup(self, backup_xml, checkpoint_xml, reuse=True):
        """Start a backup job. ``reuse``: on images this collection created (libvirt reuses them);
        without it libvirt creates the files (a pull-mode export's scratch images)."""
        self.dom.backupBegin(backup_xml, checkpoint_xml, libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL if reuse else 0)

    def running_backup_xml(self):
        """The XML of the backup job running now (libvirt's, with what it chose: the NBD port,
        export and bitmap names), or None when none runs."""
        try:
            return self.dom.backupGetXMLDesc(0)
        except libvirt.libvirtError as exc:
            if is_error(exc, "NO_DOMAIN_BACKUP", "OPERATION_INVALID", "NO_SUPPORT"):
                return None
            raise

    def qemu_owner(self):
        """(uid, gid) QEMU runs as, from the running guest's DAC label (``+64055:+64055``), or None
        where there is none (no DAC driver, or QEMU runs as root)."""
        for label in self.live_config().seclabels or []:
            if label.model == "dac" and label.label and ":" in label.label:
                user, group = label.label.split(":", 1)
                if user.startswith("+") and group.startswith("+"):
                    return int(user[1:]), int(group[1:])
        return None

    def checkpoint_names(self):
        """The names of the domain's checkpoints ([] where the driver has none)."""
        return [checkpoint.getName() for checkpoint in self._checkpoints(0)]

    def checkpoint_xmls(self):
        """Each checkpoint's XML, parents before children ([] where the driver has none)."""
        return [checkpoint.getXMLDesc(0) for checkpoint in
                self._checkpoints(getattr(libvirt, "VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL", 0))]

    def _checkpoints(self, flags):
        try:
            return self.dom.listAllCheckpoints(flags)
        except libvirt.libvirtError as exc:
            if is_error(exc, "NO_SUPPORT"):
                return []
            raise

    def redefine_checkpoint(self, xml):
        """Define a checkpoint from another copy's XML (a migration leaves its metadata behind on the
        source while the bitmaps travel in the images). A running domain's images must hold its
        bitmaps: libvirt checks them and refuses otherwise."""
        flags = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
        if self.is_active():
            flags |= libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE
        self.dom.checkpointCreateXML(xml, flags)

    def has_checkpoint(self, name):
        return lookup_or_none(self.dom.checkpointLookupByName, "NO_DOMAIN_CHECKPOINT", name) is not None

    def delete_checkpoint_metadata(self, name):
        """Forget checkpoint ``name`` without touching the disks (their images no longer hold its bitmaps)."""
        checkpoint = lookup_or_none(self.dom.checkpointLookupByName, "NO_DOMAIN_CHECKPOINT", name)
        if checkpoint is not None:
            checkpoint.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)

    def delete_checkpoint(self, name):
        """Delete checkpoint ``name`` (its changes are merged into its parent's); True if it was there.

        A checkpoint whose bitmap the disk's image no longer holds (the image was replaced, or the
        domain defined again over a new one) cannot be merged: libvirt refuses with "bitmap ... not
        found"; nothing of it is left but its metadata, which goes alone."""
        checkpoint = lookup_or_none(self.dom.checkpointLookupByName, "NO_DOMAIN_CHECKPOINT", name)
        if checkpoint is None:
            return False
        try:
            checkpoint.delete(0)
        except libvirt.libvirtError as exc:
            if not (is_error(exc, "INTERNAL_ERROR") and "bitmap" in error_text(exc) and "not found" in error_text(exc)):
                raise
            checkpoint.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
        return True

    # -- external snapshots (backup/snapshots.py composes these) ------------------------------
    def create_snapshot(self, snapshot_xml, flags):
        self.dom.snapshotCreateXML(snapshot_xml, flags)

    def _snapshot(self, name):
        return lookup_or_none(self.dom.snapshotLookupByName, "NO_DOMAIN_SNAPSHOT", name)

    def snapshots(self):
        """{name: (its XML, the names of its children)} of every snapshot of the domain."""
        found = {}
        for snapshot in self.dom.listAllSnapshots(0):
            found[snapshot.getName()] = (snapshot.getXMLDesc(0), sorted(
                child.getName() for child in snapshot.listAllChildren(0)))
        return found

    def current_snapshot_name(self):
        return self.dom.snapshotCurrent(0).getName() if self.dom.hasCurrentSnapshot(0) else None

    def delete_snapshot(self, name):
        """Delete snapshot ``name``; libvirt merges its overlays (a block commit while the guest runs)."""
        snapshot = self._snapshot(name)
        if snapshot is not None:
            snapshot.delete(0)

    def delete_snapshot_metadata(self, name):
        """Forget snapshot ``name``, leaving its files as they are."""
        snapshot = self._snapshot(name)
        if snapshot is not None:
            snapshot.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)

    def set_current_snapshot(self, snapshot_xml):
        """Mark the snapshot described by ``snapshot_xml`` (libvirt's own description) current."""
        self.dom.snapshotCreateXML(snapshot_xml, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                                   | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)

    def restore_memory(self, path, domain_xml, paused):
        """Run the domain from the memory state saved in ``path`` with the definition ``domain_xml``."""
        self.conn.restoreFlags(path, domain_xml, libvirt.VIR_DOMAIN_SAVE_PAUSED if paused
                               else libvirt.VIR_DOMAIN_SAVE_RUNNING)

    def redefine(self, xml):
        """Replace the persistent definition (the same domain: its name and UUID)."""
        self.conn.defineXML(xml)

    def start_post_copy(self):
        self.dom.migrateStartPostCopy(0)

    def set_max_downtime(self, milliseconds):
        self.dom.migrateSetMaxDowntime(milliseconds, 0)

    def migrate_to_peer(self, peer_uri, params, flags):
        """Peer-to-peer: the source daemon dials ``peer_uri`` itself and drives every phase."""
        self.dom.migrateToURI3(peer_uri, params, flags)

    def migrate_to(self, dest_conn, params, flags):
        """Client-managed: this process drives the phases between the two connections."""
        self.dom.migrate3(dest_conn, params, flags)

    def migratable_xml(self, inactive=False):
        """The running definition (or, with ``inactive``, the persistent one) as a destination
        would take it, secrets included."""
        return self.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE | libvirt.VIR_DOMAIN_XML_SECURE
                                | (libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0))

    def qemu_monitor_command(self, command, hmp=False):
        """Run a QMP command (JSON text), or a human monitor command with ``hmp``, in the guest's
        QEMU; the reply as text (QMP's JSON, or HMP's output). libvirt marks the domain tainted."""
        if libvirt_qemu is None:
            raise VirtopsError("QMP access needs libvirt-python's libvirt_qemu module, which is missing")
        flags = libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP if hmp else 0
        return libvirt_qemu.qemuMonitorCommand(self.dom, command, flags)

    # -- the QEMU guest agent (guest/agent.py composes these) ---------------------------------
    def agent_command(self, message, timeout):
        """Send a guest-agent message (JSON text); its JSON reply as text. ``timeout`` seconds."""
        if libvirt_qemu is None:
            raise VirtopsError("guest agent access needs libvirt-python's libvirt_qemu module, which is missing")
        return libvirt_qemu.qemuAgentCommand(self.dom, message, timeout, 0)

    def agent_info(self):
        """libvirt's typed guest info through the agent: OS, hostname, users, filesystems, timezone."""
        return self.dom.guestInfo(0, 0)

    def agent_interfaces(self):
        return self.interface_addresses("agent")

    def interface_addresses(self, source):
        """{interface: {hwaddr, addrs}} as ``source`` knows them: ``agent`` (the guest agent),
        ``lease`` (libvirt's DHCP leases) or ``arp`` (the host's ARP table)."""
        if source not in ADDRESS_SOURCES:
            raise ValueError("address source %r is none of %s" % (source, ", ".join(ADDRESS_SOURCES)))
        return self.dom.interfaceAddresses(getattr(libvirt, "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_" + source.upper()), 0)

    def fs_freeze(self, mountpoints=None):
        """Freeze the guest's filesystems (all, or ``mountpoints``); how many were frozen."""
        return self.dom.fsFreeze(mountpoints, 0)

    def fs_thaw(self, mountpoints=None):
        return self.dom.fsThaw(mountpoints, 0)

    def set_user_password(self, user, password, crypted):
        self.dom.setUserPassword(user, password, libvirt.VIR_DOMAIN_PASSWORD_ENCRYPTED if crypted else 0)

    # -- lifecycle calls (Transition decides which, and waits) --------------------------------
    def start(self, paused=False):
        """Start (or restore the managed save image), running unless ``paused``: an image saved
        while paused is told to resume running first, so the restore ends where it was asked to."""
        if not paused and self.is_persistent() and self.dom.hasManagedSaveImage(0):
            self._saved_image_resumes()
        self.dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED if paused else 0)

    def _saved_image_resumes(self):
        try:
            xml = self.dom.managedSaveGetXMLDesc(libvirt.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE)
            self.dom.managedSaveDefineXML(xml, libvirt.VIR_DOMAIN_SAVE_RUNNING)
        except libvirt.libvirtError as exc:
            if not is_error(exc, "NO_SUPPORT"):
                raise  # a driver without the call restores as saved; Transition resumes then

    def resume(self):
        self.dom.resume()

    def suspend(self):
        self.dom.suspend()

    def wake_up(self):
        self.dom.pMWakeup(0)

    def shutdown(self):
        self.dom.shutdown()

    def destroy(self):
        self.dom.destroy()

    def managed_save(self):
        self.dom.managedSave(0)

    def set_autostart(self, enabled):
        self.dom.setAutostart(1 if enabled else 0)

    def undefine(self):
        """Undefine along with managed save, snapshot/checkpoint metadata and NVRAM.

        Drivers that do not know a flag refuse the whole call ('unsupported flags'); retry with
        the flags every driver has, so nothing is left behind where it can be removed.
        """
        attempts = (
            ("MANAGED_SAVE", "SNAPSHOTS_METADATA", "NVRAM", "CHECKPOINTS_METADATA"),
            ("MANAGED_SAVE", "SNAPSHOTS_METADATA"),
        )
        for names in attempts:
            flags = 0
            for name in names:
                flags |= getattr(libvirt, "VIR_DOMAIN_UNDEFINE_" + name, 0)
            try:
                self.dom.undefineFlags(flags)
                return
            except libvirt.libvirtError as exc:
                if not is_error(exc, "INVALID_ARG", "NO_SUPPORT"):
                    raise
        self.dom.undefine()
