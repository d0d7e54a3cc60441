# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One backup of a running instance through libvirt's backup job (push mode), with the checkpoint
the next incremental one starts from.

The images are created here before the job starts (libvirt reuses them): an incremental image gets
the previous point's image as its backing file, so the clusters the job does not write read
through to the earlier point, and the ones it writes as zeroes are zero clusters of this image
rather than holes that would show the earlier data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.chain import (
    FULL, INCREMENTAL, file_sha256, image_info, now_utc, qemu_img,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.backup import (
    BackupDisk, CheckpointDisk, DomainBackup, DomainCheckpoint,
)

CHECKPOINT_PREFIX = "virtops-"
POLL_S = 0.5
FIRST_POLL_S = 0.05
QUIESCE = ("auto", "required", "never")


class BackupPlan:
    """What one backup run would do: its point, full or incremental and why, which disks."""

    def __init__(self, name, kind, reason, disks, base, started):
        self.name = name
        self.kind = kind
        self.reason = reason
        self.disks = disks  # [(target, source path, capacity bytes)]
        self.base = base  # the previous point (incremental) or None
        self.started = started
        self.checkpoint = CHECKPOINT_PREFIX + name

    def describe(self):
        return dict(name=self.name, kind=self.kind, reason=self.reason, checkpoint=self.checkpoint,
                    base=self.base["name"] if self.base else None, disks=[target for target, _s, _c in self.disks])


def backup_disks(config, wanted):
    """The disks a backup takes: ``wanted`` targets, or every writable disk (not a CD-ROM, a
    read-only or a shareable disk, whose data is not the instance's own). [(DiskConfig, reason
    it is left out or None)]."""
    chosen, left = [], []
    for disk in config.disks or []:
        why = None
        if disk.device not in (None, "disk"):
            why = "a %s" % disk.device
        elif disk.readonly:
            why = "read-only"
        elif disk.shareable:
            why = "shareable (its data is not this instance's alone)"
        if wanted is not None and disk.target_dev not in wanted:
            continue
        if why and wanted is not None:
            raise VirtopsError("disk %s cannot be backed up: it is %s" % (disk.target_dev, why))
        (left if why else chosen).append((disk, why))
    missing = sorted(set(wanted or ()) - set(disk.target_dev for disk in config.disks or []))
    if missing:
        raise VirtopsError("the instance has no disk %s (it has: %s)" % (
            ", ".join(missing), ", ".join(d.target_dev for d in config.disks or []) or "none"))
    return [disk for disk, _why in chosen], ["%s: %s" % (disk.target_dev, why) for disk, why in left]


def not_qcow2(disks):
    """The targets of ``disks`` (DiskConfig) that are not qcow2 images: they keep no changed-block bitmaps."""
    return [disk.target_dev for disk in disks if (disk.format or "raw") != "qcow2"]


def plan_backup(guest, backup_set, disks, mode, name):
    """Plan the backup ``name`` of ``disks`` (DiskConfig): incremental from the newest point when
    ``mode`` allows it and the chain can go on, else full with the reason."""
    started = now_utc()
    base = backup_set.point("latest")
    why_full = None
    if mode == FULL:
        why_full = "a full backup was asked for"
    elif base is None:
        why_full = "there is no earlier backup in %s" % backup_set.dest
    else:
        raw = not_qcow2(disks)
        if raw:
            why_full = ("disk %s is not qcow2: incremental backups need the changed-block bitmaps QEMU keeps "
                        "in qcow2 images" % ", ".join(raw))
        elif sorted(base["disks"]) != sorted(disk.target_dev for disk in disks):
            why_full = "the disks differ from the last point's (%s)" % ", ".join(sorted(base["disks"]))
        elif not guest.has_checkpoint(base["checkpoint"]):
            why_full = ("the instance no longer has checkpoint %s of the last point (it was defined anew, moved "
                        "to this host without its checkpoints, or the checkpoint was removed)" % base["checkpoint"])
    if why_full and mode == INCREMENTAL:
        raise VirtopsError("an incremental backup is not possible: %s" % why_full)
    planned = [(disk.target_dev, disk.source_file or disk.source_dev, guest.block_capacity(disk.target_dev))
               for disk in disks]
    if why_full:
        return BackupPlan(name, FULL, why_full, planned, None, started)
    return BackupPlan(name, INCREMENTAL, "changes since %s" % base["name"], planned, base, started)


def stale_checkpoints(guest, keep):
    """This collection's checkpoints of the instance that no manifest point names (a run that was
    interrupted made them): each keeps a dirty bitmap QEMU updates on every write."""
    return [name for name in guest.checkpoint_names() if name.startswith(CHECKPOINT_PREFIX) and name not in keep]


def _create_images(plan, point_dir, backup_set):
    images = {}
    for target, _source, capacity in plan.disks:
        path = os.path.join(point_dir, "%s.qcow2" % target)
        args = ["create", "-q", "-f", "qcow2"]
        if plan.base:
            previous = backup_set.path(plan.base["disks"][target]["file"])
            # relative to the image's own directory, so the backup directory can move as a whole
            args += ["-b", os.path.relpath(previous, point_dir), "-F", "qcow2"]
        qemu_img(*(args + [path, str(capacity)]))
        images[target] = path
    return images


def _documents(plan, images):
    backup = DomainBackup(mode="push", incremental=plan.base["checkpoint"] if plan.base else None, disks=[
        BackupDisk(name=target, backup=True, type="file", target_file=images[target], driver_type="qcow2")
        for target, _source, _capacity in plan.disks])
    checkpoint = DomainCheckpoint(name=plan.checkpoint, description="virtops.libvirt backup point %s" % plan.name,
                                  disks=[CheckpointDisk(name=target, checkpoint="bitmap")
                                         for target, _source, _capacity in plan.disks])
    return backup.to_xml(), checkpoint.to_xml()


def freeze(guest, quiesce, what="backup"):
    """Freeze the guest's filesystems through its agent for a ``what``; (frozen, why not).
    ``required``: fail when the agent cannot."""
    if quiesce == "never":
        return False, "quiesce is never"
    try:
        count = guest.fs_freeze()
    except libvirt.libvirtError as exc:
        why = "the guest agent did not freeze the filesystems: %s" % error_text(exc)
        if quiesce == "required":
            raise VirtopsError("the %s needs the guest quiesced (quiesce: required) and %s; nothing was taken"
                               % (what, why))
        return False, why
    return True, "%d filesystem(s) frozen" % count


def _wait(guest, timeout):
    """Wait for the backup job to end; raise with libvirt's reason when it did not complete."""
    ended, _stats = wait_until(guest.job_stats, lambda stats: stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE) ==
                               libvirt.VIR_DOMAIN_JOB_NONE, timeout, interval=POLL_S, first=FIRST_POLL_S)
    if not ended:
        guest.abort_job()
        raise VirtopsError("the backup job did not finish within %d s (timeout); it was aborted" % timeout)
    done = guest.job_stats(completed=True)
    if done.get("type") != libvirt.VIR_DOMAIN_JOB_COMPLETED:
        raise VirtopsError("the backup job ended without completing: %s" % (
            done.get("errmsg") or "job type %s" % done.get("type")))
    return done


def take_backup(guest, backup_set, plan, quiesce, timeout):
    """Run ``plan``; the manifest point it added. On any failure the point's images and its new
    checkpoint are removed (the manifest never names them) and the error raised."""
    point_dir = backup_set.path(plan.name)
    if os.path.exists(point_dir):
        raise VirtopsError("%s exists but no complete point of that name does; remove it or choose another "
                           "point name" % point_dir)
    os.makedirs(point_dir)
    began = quiesced = False
    why_not_quiesced = None
    try:
        images = _create_images(plan, point_dir, backup_set)
        backup_xml, checkpoint_xml = _documents(plan, images)
        quiesced, why_not_quiesced = freeze(guest, quiesce)
        try:
            guest.begin_backup(backup_xml, checkpoint_xml)
            began = True
        finally:
            if quiesced:
                guest.fs_thaw()
        stats = _wait(guest, timeout)
        disks = {}
        for target, source, _capacity in plan.disks:
            info = image_info(images[target])
            disks[target] = dict(file=os.path.relpath(images[target], backup_set.dest), source=source,
                                 virtual_size=info["virtual-size"], size=info.get("actual-size", 0),
                                 sha256=file_sha256(images[target]), kind=plan.kind)
    except BaseException as exc:
        shutil.rmtree(point_dir, ignore_errors=True)
        if began or guest.has_checkpoint(plan.checkpoint):
            guest.delete_checkpoint(plan.checkpoint)
        if isinstance(exc, libvirt.libvirtError):
            raise VirtopsError("the backup of %s failed: %s; nothing of point %s was kept" % (
                guest.name, error_text(exc), plan.name))
        raise
    point = dict(name=plan.name, kind=plan.kind, checkpoint=plan.checkpoint,
                 parent=plan.base["name"] if plan.base else None,
                 started=plan.started.isoformat(), finished=now_utc().isoformat(), quiesced=quiesced,
                 quiesce_note=why_not_quiesced, disks=disks,
                 bytes_written=stats.get("disk_processed", stats.get("data_processed")),
                 job_ms=stats.get("time_elapsed"))
    return point
