# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain run states and the transitions between them, each waiting for libvirt to confirm."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.config.domain import DomainConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    VirtopsError, error_text, is_error, libvirt,
)

STATES = ("present", "running", "shutoff", "paused", "saved", "absent")
POLL_INTERVAL = 0.2


def inactive_config(dom):
    """The domain's persistent definition as a DomainConfig."""
    return DomainConfig.from_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))


def live_config(dom):
    """The domain as it runs now (its definition when it does not run) as a DomainConfig."""
    return DomainConfig.from_xml(dom.XMLDesc(0))


def state_name(dom):
    """libvirt's state as this collection names it: running, paused, shutoff, saved, ..."""
    code = dom.state()[0]
    names = {
        libvirt.VIR_DOMAIN_RUNNING: "running",
        libvirt.VIR_DOMAIN_BLOCKED: "running",  # running, waiting on a resource
        libvirt.VIR_DOMAIN_PAUSED: "paused",
        libvirt.VIR_DOMAIN_SHUTDOWN: "shutting-down",
        libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
        libvirt.VIR_DOMAIN_CRASHED: "crashed",
        libvirt.VIR_DOMAIN_PMSUSPENDED: "pmsuspended",
    }
    name = names.get(code, "unknown")
    if name == "shutoff" and dom.isPersistent() and dom.hasManagedSaveImage(0):
        return "saved"
    return name


def wait_for_state(dom, wanted, timeout):
    """Poll until the domain is in one of ``wanted``; returns (reached, last state seen)."""
    deadline = time.time() + timeout
    while True:
        current = state_name(dom)
        if current in wanted or time.time() >= deadline:
            return current in wanted, current
        time.sleep(POLL_INTERVAL)


class Transition:
    """Moves one domain to a target run state. ``actions`` records what was (or would be) done."""

    def __init__(self, dom, timeout, force, check_mode):
        self.dom = dom
        self.timeout = timeout
        self.force = force
        self.check_mode = check_mode
        self.actions = []

    def _do(self, action, call, *args):
        self.actions.append(action)
        if not self.check_mode:
            call(*args)

    def _expect(self, wanted, action):
        if self.check_mode:
            return wanted[0]
        reached, current = wait_for_state(self.dom, wanted, self.timeout)
        if not reached:
            raise VirtopsError(
                "domain %s did not reach %s within %ss after %s; it is %s now"
                % (self.dom.name(), " or ".join(wanted), self.timeout, action, current),
                state=current, actions=self.actions, changed=bool(self.actions))
        return current

    def to(self, target):
        """Run the transition; returns the state reached (or that a real run would reach)."""
        current = state_name(self.dom)
        if target == "present" or current == target:
            return current
        return getattr(self, "_to_" + target)(current)

    def _start(self, flags=0):
        action = "restore managed save" if state_name(self.dom) == "saved" else "start"
        self._do(action, self.dom.createWithFlags, flags)
        return action

    def _to_running(self, current):
        if current == "paused":
            self._do("resume", self.dom.resume)
            return self._expect(("running",), "resume")
        if current == "pmsuspended":
            self._do("wake up", self.dom.pMWakeup, 0)
            return self._expect(("running",), "wake up")
        if current == "crashed":
            self._do("destroy crashed", self.dom.destroy)
        action = self._start()
        if self._expect(("running", "paused"), action) == "paused":
            # A managed save taken while paused restores paused.
            self._do("resume", self.dom.resume)
            return self._expect(("running",), "resume")
        return "running"

    def _to_paused(self, current):
        if current in ("shutoff", "saved", "crashed"):
            action = self._start(libvirt.VIR_DOMAIN_START_PAUSED)
            return self._expect(("paused",), action)
        if current == "pmsuspended":
            self._to_running(current)
        self._do("suspend", self.dom.suspend)
        return self._expect(("paused",), "suspend")

    def _to_saved(self, current):
        if current in ("shutoff", "crashed"):
            raise VirtopsError(
                "domain %s is %s: only a running or paused domain can be saved (managed save); "
                "use state=running first" % (self.dom.name(), current), state=current)
        if not self.dom.isPersistent():
            raise VirtopsError("domain %s is transient: managed save needs a persistent domain"
                               % self.dom.name(), state=current)
        self._do("managed save", self.dom.managedSave, 0)
        return self._expect(("saved",), "managed save")

    def _to_shutoff(self, current):
        if current == "saved":
            # Discarding the saved memory would lose the guest's state: restore, then shut down.
            self._start()
            self._expect(("running",), "restore managed save")
            current = "running"
        if current == "crashed":
            self._do("destroy crashed", self.dom.destroy)
            return self._expect(("shutoff",), "destroy")
        if current in ("paused", "pmsuspended"):
            self._to_running(current)  # a paused guest cannot act on the ACPI power button
        self._do("shutdown", self.dom.shutdown)
        if self.check_mode:
            return "shutoff"
        reached, current = wait_for_state(self.dom, ("shutoff",), self.timeout)
        if reached:
            return current
        if not self.force:
            raise VirtopsError(
                "domain %s did not shut down within %ss (ACPI shutdown sent); it is %s now. "
                "Set force=true to power it off after the timeout, or raise timeout"
                % (self.dom.name(), self.timeout, current), state=current, actions=self.actions,
                changed=True)
        self._do("destroy after timeout", self.dom.destroy)
        return self._expect(("shutoff",), "destroy")


def undefine(conn, dom, remove_storage, check_mode, is_local):
    """Stop and undefine ``dom``; with ``remove_storage``, delete its writable disk images too.

    Returns (actions, removed_storage, kept_storage). Read-only, shareable and CD-ROM sources are
    never deleted; they are listed in kept_storage with the reason.
    """
    actions, removed, kept = [], [], []
    config = inactive_config(dom)
    for disk in config.disks:
        source = disk.source()
        if source is None:
            continue
        if not remove_storage:
            kept.append(dict(source=source, reason="remove_storage is false"))
        elif disk.device != "disk" or disk.readonly or disk.shareable:
            kept.append(dict(source=source, reason="read-only, shareable or not a disk"))
        else:
            removed.append(disk)
    if dom.isActive():
        actions.append("destroy")
        if not check_mode:
            dom.destroy()
    if dom.isPersistent():
        actions.append("undefine")
        if not check_mode:
            _undefine_with_metadata(dom)
    removed_sources = []
    for disk in removed:
        actions.append("delete %s" % disk.source())
        removed_sources.append(disk.source())
        if not check_mode:
            _delete_disk(conn, disk, is_local)
    return actions, removed_sources, kept


def _undefine_with_metadata(dom):
    """Undefine along with managed save, snapshot/checkpoint metadata and NVRAM.

    Drivers that do not know a flag refuse the whole call ('unsupported flags'); retry with the
    flags every driver has, so nothing is left behind where it can be removed.
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
            dom.undefineFlags(flags)
            return
        except libvirt.libvirtError as exc:
            if not is_error(exc, "INVALID_ARG", "NO_SUPPORT"):
                raise
    dom.undefine()


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
