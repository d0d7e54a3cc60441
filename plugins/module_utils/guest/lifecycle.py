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
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import wait_until

STATES = ("present", "running", "shutoff", "paused", "saved", "absent")


def wait_for_state(guest, wanted, timeout):
    """Poll until the guest is in one of ``wanted``; returns (reached, last state seen)."""
    return wait_until(guest.state, lambda state: state in wanted, timeout)


class Transition:
    """Moves one guest to a target run state; every call goes through ``recorder``."""

    def __init__(self, guest, recorder, timeout, force):
        self.guest = guest
        self.recorder = recorder
        self.timeout = timeout
        self.force = force

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
        self.recorder.record(action, self.guest.start, paused)
        return action

    def _to_running(self, current):
        if current == "paused":
            self.recorder.record("resume", self.guest.resume)
            return self._expect(("running",), "resume")
        if current == "pmsuspended":
            self.recorder.record("wake up", self.guest.wake_up)
            return self._expect(("running",), "wake up")
        if current == "crashed":
            self.recorder.record("destroy crashed", self.guest.destroy)
        action = self._start()
        if self._expect(("running", "paused"), action) == "paused":
            # A managed save taken while paused restores paused.
            self.recorder.record("resume", self.guest.resume)
            return self._expect(("running",), "resume")
        return "running"

    def _to_paused(self, current):
        if current in ("shutoff", "saved", "crashed"):
            action = self._start(paused=True)
            return self._expect(("paused",), action)
        if current == "pmsuspended":
            self._to_running(current)
        self.recorder.record("suspend", self.guest.suspend)
        return self._expect(("paused",), "suspend")

    def _to_saved(self, current):
        if current in ("shutoff", "crashed"):
            raise VirtopsError(
                "domain %s is %s: only a running or paused domain can be saved (managed save); "
                "use state=running first" % (self.guest.name, current), state=current)
        if not self.guest.is_persistent():
            raise VirtopsError("domain %s is transient: managed save needs a persistent domain"
                               % self.guest.name, state=current)
        self.recorder.record("managed save", self.guest.managed_save)
        return self._expect(("saved",), "managed save")

    def _to_shutoff(self, current):
        if current == "saved":
            # Discarding the saved memory would lose the guest's state: restore, then shut down.
            self._start()
            self._expect(("running",), "restore managed save")
            current = "running"
        if current == "crashed":
            self.recorder.record("destroy crashed", self.guest.destroy)
            return self._expect(("shutoff",), "destroy")
        if current in ("paused", "pmsuspended"):
            self._to_running(current)  # a paused guest cannot act on the ACPI power button
        self.recorder.record("shutdown", self.guest.shutdown)
        if self.recorder.check_mode:
            return "shutoff"
        reached, current = wait_for_state(self.guest, ("shutoff",), self.timeout)
        if reached:
            return current
        if not self.force:
            raise self.recorder.failure(
                "domain %s did not shut down within %ss (ACPI shutdown sent); it is %s now. "
                "Set force=true to power it off after the timeout, or raise timeout"
                % (self.guest.name, self.timeout, current), state=current)
        self.recorder.record("destroy after timeout", self.guest.destroy)
        return self._expect(("shutoff",), "destroy")


def remove(guest, recorder, remove_storage, is_local):
    """Stop and undefine ``guest``; with ``remove_storage``, delete its writable disk images too.

    Returns (removed_storage, kept_storage). Read-only, shareable and CD-ROM sources are never
    deleted; they are listed in kept_storage with the reason.
    """
    removed, kept = [], []
    for disk in guest.inactive_config().disks:
        source = disk.source()
        if source is None:
            continue
        if not remove_storage:
            kept.append(dict(source=source, reason="remove_storage is false"))
        elif disk.device != "disk" or disk.readonly or disk.shareable:
            kept.append(dict(source=source, reason="read-only, shareable or not a disk"))
        else:
            removed.append(disk)
    if guest.is_active():
        recorder.record("destroy", guest.destroy)
    if guest.is_persistent():
        recorder.record("undefine", guest.undefine)
    for disk in removed:
        recorder.record("delete %s" % disk.source(), _delete_disk, guest.conn, disk, is_local)
    return [disk.source() for disk in removed], kept


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
