# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run states of a guest, the transitions between them (each waiting for libvirt to confirm),
and removal of a guest with, on request, its storage."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline, wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.directories import (
    image_keys, known_backing_files, local_backing_files,
)

STATES = ("present", "running", "shutoff", "paused", "saved", "absent")


def wait_for_state(guest, wanted, timeout):
    """Poll until the guest is in one of ``wanted``; returns (reached, last state seen)."""
    return wait_until(guest.state, lambda state: state in wanted, timeout)


class Transition:
    """Moves one guest to a target run state; every call goes through ``recorder``.

    A call that fails because another run (or the guest itself) got there first is no failure:
    when libvirt refuses and the guest is then already where the call was to take it, the run
    goes on and does not list the call as its own change.
    """

    # Seconds between ACPI power-button presses while waiting for a shutdown, as Nova's
    # clean shutdown re-sends it: a guest still booting ignores the first one.
    SHUTDOWN_RESEND_INTERVAL = 10

    def __init__(self, guest, recorder, timeout, force):
        self.guest = guest
        self.recorder = recorder
        self.timeout = timeout
        self.force = force

    def _do(self, action, call, reached, *args):
        """Record and make ``call``; tolerate its failure if the guest is in ``reached`` now."""
        mark = self.recorder.mark()
        try:
            self.recorder.record(action, call, *args)
        except VirtopsError:
            if self.guest.state() not in reached:
                raise
            self.recorder.rollback(mark)  # somebody else did it

    def _expect(self, wanted, action):
        if self.recorder.check_mode:
            return wanted[0]  # nothing was called, so nothing to wait for
        reached, current = wait_for_state(self.guest, wanted, self.timeout)
        if not reached:
            raise self.recorder.failure(
                "domain %s did not reach %s within %ss after %s; it is %s now"
                % (self.guest.name, " or ".join(wanted), self.timeout, action, current), state=current)
        return current

    def to(self, target):
        """Run the transition; returns the state reached (or that a real run would reach)."""
        current = self.guest.state()
        if target == "present" or current == target:
            return current
        return getattr(self, "_to_" + target)(current)

    def _start(self, paused=False):
        action = "restore managed save" if self.guest.state() == "saved" else "start"
        self._do(action, self.guest.start, ("paused",) if paused else ("running", "paused"), paused)
        return action

    def _to_running(self, current):
        if current == "paused":
            self._do("resume", self.guest.resume, ("running",))
            return self._expect(("running",), "resume")
        if current == "pmsuspended":
            self._do("wake up", self.guest.wake_up, ("running",))
            return self._expect(("running",), "wake up")
        if current == "crashed":
            self._do("destroy crashed", self.guest.destroy, ("shutoff",))
        action = self._start()
        if self._expect(("running", "paused"), action) == "paused":
            # Only where the driver cannot tell a saved image to resume (Guest.start).
            self._do("resume", self.guest.resume, ("running",))
            return self._expect(("running",), "resume")
        return "running"

    def _to_paused(self, current):
        if current in ("shutoff", "saved", "crashed"):
            action = self._start(paused=True)
            return self._expect(("paused",), action)
        if current == "pmsuspended":
            self._to_running(current)
        self._do("suspend", self.guest.suspend, ("paused",))
        return self._expect(("paused",), "suspend")

    def _to_saved(self, current):
        if current in ("shutoff", "crashed"):
            raise VirtopsError(
                "domain %s is %s: only a running or paused domain can be saved (managed save); "
                "use state=running first" % (self.guest.name, current), state=current)
        if not self.guest.is_persistent():
            raise VirtopsError("domain %s is transient: managed save needs a persistent domain"
                               % self.guest.name, state=current)
        self._do("managed save", self.guest.managed_save, ("saved",))
        return self._expect(("saved",), "managed save")

    def _to_shutoff(self, current):
        if current == "crashed":
            self._do("destroy crashed", self.guest.destroy, ("shutoff",))
            return self._expect(("shutoff",), "destroy")
        if current in ("saved", "paused", "pmsuspended"):
            # Discarding a saved image would lose the guest's state, and a paused guest cannot
            # act on the ACPI power button: run it, then shut it down.
            self._to_running(current)
        self._do("shutdown", self.guest.shutdown, ("shutoff",))
        if self.recorder.check_mode:
            return "shutoff"
        reached, current = self._wait_for_shutdown()
        if reached:
            return current
        if not self.force:
            raise self.recorder.failure(
                "domain %s did not shut down within %ss (ACPI shutdown sent every %ss); it is %s now. "
                "Set force=true to power it off after the timeout, or raise timeout"
                % (self.guest.name, self.timeout, self.SHUTDOWN_RESEND_INTERVAL, current), state=current)
        self._do("destroy after timeout", self.guest.destroy, ("shutoff",))
        return self._expect(("shutoff",), "destroy")

    def _wait_for_shutdown(self):
        """Wait up to the timeout, pressing the power button again every interval."""
        deadline = Deadline(self.timeout)
        while True:
            reached, current = wait_for_state(
                self.guest, ("shutoff",), min(self.SHUTDOWN_RESEND_INTERVAL, deadline.remaining()))
            if reached or deadline.expired():
                return reached, current
            try:
                self.guest.shutdown()
            except libvirt.libvirtError:
                pass  # it went off meanwhile; the next look tells


def remove(guest, recorder, remove_storage, is_local):
    """Stop and undefine ``guest``; with ``remove_storage``, delete its writable disk images too.

    Returns (removed_storage, kept_storage). Read-only, shareable and CD-ROM sources are never
    deleted, nor is an image that another domain's definition (persistent or running) uses,
    directly or as a backing file; they are listed in kept_storage with the reason.
    """
    removed, kept = [], []
    used_elsewhere = images_used_elsewhere(guest, is_local) if remove_storage else {}
    for disk in guest.inactive_config().disks:
        source = disk.source()
        if source is None:
            continue
        if not remove_storage:
            kept.append(dict(source=source, reason="remove_storage is false"))
        elif disk.device != "disk" or disk.readonly or disk.shareable:
            kept.append(dict(source=source, reason="read-only, shareable or not a disk"))
        else:
            path = _disk_path(guest.conn, disk)
            keys = image_keys(path, is_local) if path else set()
            users = sorted(set().union(*[used_elsewhere.get(key, ()) for key in keys]))
            if users:
                kept.append(dict(source=source, used_by=users, reason="used by domain %s" % ", ".join(users)))
            else:
                removed.append(disk)
    persistent = guest.is_persistent()  # read first: a transient domain is gone once destroyed
    if guest.is_active():
        recorder.record("destroy", guest.destroy)
    if persistent:
        recorder.record("undefine", guest.undefine)
    for disk in removed:
        recorder.record("delete %s" % disk.source(), _delete_disk, guest.conn, disk, is_local)
    return [disk.source() for disk in removed], kept


def images_used_elsewhere(guest, is_local):
    """{image key (storage.directories.image_keys): names of the domains that use it}, over every
    domain but ``guest``: each disk of its persistent and running definitions, and every backing
    file of those disks that libvirt's running definition, libvirt's pools or (local libvirt) the
    image headers name - all of them, not the first that answers."""
    users, chains = {}, {}
    for other in Guest.all(guest.conn):
        try:
            if other.uuid == guest.uuid:
                continue
            configs = other.configs()
            name = other.name
        except libvirt.libvirtError as exc:
            if is_error(exc, "NO_DOMAIN"):
                continue  # gone meanwhile
            raise
        for config in configs:
            for disk in config.disks if config is not None else ():
                path = _disk_path(guest.conn, disk)
                if path is None:
                    continue
                if path not in chains:  # a disk in both definitions: the pools and headers are read once
                    chains[path] = known_backing_files(guest.conn, path) + (
                        local_backing_files(path) if is_local else [])
                for used in [path] + disk.backing_files() + chains[path]:
                    for key in image_keys(used, is_local):
                        users.setdefault(key, set()).add(name)
    return users


def _disk_path(conn, disk):
    """The file or device a disk uses (a pool volume's path), normalised; None for network disks."""
    if disk.source_pool and disk.source_volume:
        try:
            path = conn.storagePoolLookupByName(disk.source_pool).storageVolLookupByName(disk.source_volume).path()
        except libvirt.libvirtError:
            return None
    else:
        path = disk.source_file or disk.source_dev
    return os.path.normpath(path) if path else None


def _delete_disk(conn, disk, is_local):
    try:
        if disk.source_pool:
            vol = conn.storagePoolLookupByName(disk.source_pool).storageVolLookupByName(disk.source_volume)
        else:
            vol = conn.storageVolLookupByPath(disk.source())
        vol.delete(0)
        return
    except libvirt.libvirtError as exc:
        if not is_error(exc, "NO_STORAGE_VOL", "NO_STORAGE_POOL"):
            raise VirtopsError("could not delete %s: %s" % (disk.source(), error_text(exc)))
    if disk.source_pool:
        return  # the volume is already gone
    if not is_local:
        raise VirtopsError("cannot delete %s: it is in no libvirt pool and libvirt is remote"
                           % disk.source())
    if os.path.exists(disk.source()) and disk.type == "file":
        os.remove(disk.source())
