# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pull-mode backup: libvirt's backup job exports a running instance's disks, read-only and
frozen at one moment, through QEMU's NBD server, for another tool to read; the job runs until it
is stopped. Each export makes a checkpoint (``virtops.export-<time>``, never the name of a push
point's ``virtops-<point>``), and an incremental export publishes, per disk, the dirty bitmap of
the blocks changed since the previous export's checkpoint.

Whether the reader got everything is only known to the reader, so stopping an export says it:
complete - this export's checkpoint is the base of the next incremental one and the older export
checkpoints go; not complete - this export's checkpoint goes, and the next export covers the
changes since the earlier one again (the bitmaps of libvirt's checkpoints all record every
write, so nothing a failed read missed is lost).

Layout: ``<dest>/.export/`` holds the UNIX socket, the scratch images QEMU keeps the old contents
of blocks the guest overwrites in while the export runs (libvirt creates and removes them), and
``export.json``, what the running export is. The directory belongs to the user QEMU runs as, who
must create the socket there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.chain import FULL, INCREMENTAL, now_utc
from ansible_collections.virtops.libvirt.plugins.module_utils.backup.job import freeze, not_qcow2
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.backup import (
    BackupDisk, CheckpointDisk, DomainBackup, DomainCheckpoint,
)

EXPORT_PREFIX = "virtops.export-"
EXPORT_DIR = ".export"
RECORD = "export.json"
SOCKET_NAME = "nbd.sock"
# sun_path holds 108 bytes with the terminating NUL
MAX_SOCKET_PATH = 107
STOP_WAIT_S = 30


class ExportServer:
    """Where QEMU's NBD server listens: a UNIX socket, or a TCP address and port (None: libvirt
    picks one from its backup port range)."""

    def __init__(self, transport, socket=None, address=None, port=None):
        self.transport = transport
        self.socket = socket
        self.address = address
        self.port = port

    @classmethod
    def requested(cls, workdir, socket, address, port):
        """The server the options ask for; the default is a socket in the export's directory."""
        if address is None:
            if port is not None:
                raise VirtopsError("export_port needs export_address (the TCP address QEMU's NBD server listens on)")
            path = socket or os.path.join(workdir, SOCKET_NAME)
            if not os.path.isabs(path):
                raise VirtopsError("export_socket must be an absolute path, got %r" % path)
            if len(path.encode("utf-8")) > MAX_SOCKET_PATH:
                raise VirtopsError("the NBD socket path %s is %d bytes long, more than the %d a UNIX socket allows; "
                                   "choose a shorter export_socket (or dest)" % (path, len(path.encode("utf-8")),
                                                                                 MAX_SOCKET_PATH))
            return cls("unix", socket=path)
        if socket is not None:
            raise VirtopsError("export_socket and export_address exclude each other: the NBD server listens on a "
                               "UNIX socket or on a TCP address, not both")
        if port is not None and not 1 <= port <= 65535:
            raise VirtopsError("export_port must be between 1 and 65535, got %d" % port)
        return cls("tcp", address=address, port=port)

    @classmethod
    def of(cls, backup):
        return cls(backup.server_transport or "tcp", socket=backup.server_socket, address=backup.server_name,
                   port=backup.server_port)

    def covers(self, other):
        """Whether a running server (``other``) is the one asked for (a port not asked for: any)."""
        return (self.transport, self.socket, self.address) == (other.transport, other.socket, other.address) and \
            self.port in (None, other.port)

    def uri(self, export):
        if self.transport == "unix":
            return "nbd+unix:///%s?socket=%s" % (export, self.socket)
        host = "[%s]" % self.address if ":" in self.address else self.address
        return "nbd://%s%s/%s" % (host, "" if self.port is None else ":%d" % self.port, export)

    def describe(self):
        if self.transport == "unix":
            return "UNIX socket %s" % self.socket
        return "TCP %s port %s" % (self.address, self.port if self.port is not None else "(chosen by libvirt)")


class ExportPlan:
    def __init__(self, kind, reason, targets, base, checkpoint):
        self.kind = kind
        self.reason = reason
        self.targets = targets
        self.base = base  # the checkpoint an incremental export's bitmaps start from
        self.checkpoint = checkpoint

    def describe(self):
        return dict(kind=self.kind, reason=self.reason, base=self.base, checkpoint=self.checkpoint,
                    disks=list(self.targets))


def export_checkpoints(guest):
    """This collection's export checkpoints of the instance, oldest first."""
    names = []
    for xml in guest.checkpoint_xmls():
        checkpoint = DomainCheckpoint.from_xml(xml)
        if checkpoint.name.startswith(EXPORT_PREFIX):
            names.append((checkpoint.creation_time or 0, checkpoint.name))
    return [name for _time, name in sorted(names)]


def plan_export(guest, disks, mode):
    """Full or incremental (from the newest export checkpoint) for ``disks`` (DiskConfig), with why."""
    started = now_utc()
    checkpoint = EXPORT_PREFIX + started.strftime("%Y%m%dT%H%M%SZ")
    previous = export_checkpoints(guest)
    if checkpoint in previous:  # two exports within one second: the second one waits for its own name
        checkpoint += "-%d" % len(previous)
    why_full = None
    if mode == FULL:
        why_full = "a full export was asked for"
    elif not previous:
        why_full = "the instance has no checkpoint of an earlier export that was read completely"
    else:
        raw = not_qcow2(disks)
        if raw:
            why_full = "disk %s is not qcow2: the changed-block bitmaps live in qcow2 images" % ", ".join(raw)
    targets = [disk.target_dev for disk in disks]
    if why_full and mode == INCREMENTAL:
        raise VirtopsError("an incremental export is not possible: %s" % why_full)
    if why_full:
        return ExportPlan(FULL, why_full, targets, None, checkpoint)
    return ExportPlan(INCREMENTAL, "blocks changed since checkpoint %s" % previous[-1], targets, previous[-1],
                      checkpoint)


def running_export(guest):
    """The pull-mode backup job running on the instance (a DomainBackup), or None."""
    xml = guest.running_backup_xml()
    if xml is None:
        return None
    backup = DomainBackup.from_xml(xml)
    return backup if backup.mode == "pull" else None


def describe_export(backup, record):
    """What a reader needs: per disk its NBD export, URI and, for an incremental export, the dirty
    bitmap (read as the NBD meta context ``qemu:dirty-bitmap:<bitmap>``)."""
    server = ExportServer.of(backup)
    disks = {}
    for disk in backup.disks or []:
        if disk.backup is False:
            continue
        export = disk.export_name or disk.name
        disks[disk.name] = dict(export=export, uri=server.uri(export), bitmap=disk.export_bitmap,
                                context="qemu:dirty-bitmap:%s" % disk.export_bitmap if disk.export_bitmap else None)
    record = record or {}
    return dict(transport=server.transport, socket=server.socket, address=server.address, port=server.port,
                kind=INCREMENTAL if backup.incremental else FULL, base=backup.incremental,
                checkpoint=record.get("checkpoint"), started=record.get("started"), disks=disks)


def read_record(workdir):
    try:
        with open(os.path.join(workdir, RECORD), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def prepare_workdir(workdir, owner):
    """The export's directory, owned by QEMU's user (``owner``: (uid, gid) or None) so QEMU can
    make the socket in it; nobody else may enter it."""
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    os.chmod(workdir, 0o700)
    if owner is not None:
        os.chown(workdir, owner[0], owner[1])


def start_export(guest, plan, workdir, server, quiesce):
    """Start the export ``plan`` describes; its description (``describe_export``)."""
    backup = DomainBackup(mode="pull", incremental=plan.base, server_transport=server.transport,
                          server_socket=server.socket, server_name=server.address, server_port=server.port,
                          disks=[BackupDisk(name=target, backup=True, type="file",
                                            scratch_file=os.path.join(workdir, "scratch-%s.qcow2" % target))
                                 for target in plan.targets])
    checkpoint = DomainCheckpoint(name=plan.checkpoint, description="virtops.libvirt NBD export",
                                  disks=[CheckpointDisk(name=target, checkpoint="bitmap") for target in plan.targets])
    record = dict(checkpoint=plan.checkpoint, kind=plan.kind, base=plan.base, started=now_utc().isoformat())
    # written first: a run killed right after the job started still leaves the checkpoint's name for the stop
    _write_record(workdir, record)
    quiesced = False
    try:
        quiesced, record["quiesce_note"] = freeze(guest, quiesce, what="export")
        guest.begin_backup(backup.to_xml(), checkpoint.to_xml(), reuse=False)
    except BaseException as exc:
        os.unlink(os.path.join(workdir, RECORD))
        if not isinstance(exc, libvirt.libvirtError):
            raise
        hint = ""
        if "Permission denied" in error_text(exc) and server.transport == "unix":
            hint = " (QEMU's user must be able to create the socket in %s)" % os.path.dirname(server.socket)
        raise VirtopsError("the export of %s could not start: %s%s; nothing was started" % (
            guest.name, error_text(exc), hint))
    finally:
        if quiesced:
            guest.fs_thaw()
    record["quiesced"] = quiesced
    _write_record(workdir, record)
    return describe_export(running_export(guest), record), record


def _write_record(workdir, record):
    with open(os.path.join(workdir, RECORD), "w", encoding="utf-8") as handle:
        json.dump(record, handle, sort_keys=True)


def checkpoints_to_settle(exports, record, complete):
    """(checkpoints to delete, the one the next incremental export starts from) once the export
    ``record`` names has ended, read completely or not (see the module's docstring); ``exports``
    are the instance's export checkpoints, oldest first."""
    current = (record or {}).get("checkpoint")
    if current is None or current not in exports:
        return [], exports[-1] if exports else None
    if complete:
        return [name for name in exports if name != current], current
    rest = [name for name in exports if name != current]
    return [current], rest[-1] if rest else None


def stop_export(guest, workdir, running, doomed):
    """End the export (``running``: whether its job runs) and delete the checkpoints ``doomed``
    (``checkpoints_to_settle``'s first answer)."""
    if running:
        guest.abort_job()
        ended, _busy = wait_until(guest.has_job, lambda busy: not busy, STOP_WAIT_S, interval=0.5, first=0.05)
        if not ended:
            raise VirtopsError("the export job of %s did not end within %d s of being stopped" % (
                guest.name, STOP_WAIT_S))
    for name in doomed:
        guest.delete_checkpoint(name)
    for entry in os.listdir(workdir) if os.path.isdir(workdir) else []:
        # libvirt removes its scratch images and QEMU its socket; a guest that died during the export leaves them
        if entry == RECORD or entry.startswith("scratch-") or entry == SOCKET_NAME:
            os.unlink(os.path.join(workdir, entry))
