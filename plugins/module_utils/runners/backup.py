# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``backup`` module: a restore point of a running instance (full or incremental),
a chain verified, or a point restored as new images."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.chain import (
    FULL, INCREMENTAL, BackupSet, file_sha256, now_utc, point_name_for, points_to_keep,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.backup.export import (
    EXPORT_DIR, ExportServer, checkpoints_to_settle, describe_export, export_checkpoints, plan_export, prepare_workdir,
    read_record, running_export, start_export, stop_export,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.backup.job import (
    QUIESCE, backup_disks, plan_backup, stale_checkpoints, take_backup,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import MAX_TIMEOUT
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner, diff_lines
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline, wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest

BACKUP_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    dest=dict(type="path", required=True),
    state=dict(type="str", default="present", choices=["present", "verified", "restored", "exported", "export_stopped"]),
    point=dict(type="str"),
    mode=dict(type="str", default="auto", choices=["auto", FULL, INCREMENTAL]),
    disks=dict(type="list", elements="str"),
    quiesce=dict(type="str", default="auto", choices=list(QUIESCE)),
    timeout=dict(type="int", default=3600),
    keep=dict(type="int"),
    keep_days=dict(type="int"),
    restore_dir=dict(type="path"),
    into_instance=dict(type="bool", default=False),
    restore_format=dict(type="str", default="qcow2", choices=["qcow2", "raw"]),
    export_socket=dict(type="path"),
    export_address=dict(type="str"),
    export_port=dict(type="int"),
    export_complete=dict(type="bool"),
)
EXPORT_OPTIONS = ("export_socket", "export_address", "export_port")
POINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RESTORE_RECORD = ".virtops-restore.json"
INSTANCE_RESTORE_RECORD = "restored-into-instance.json"
MAX_KEEP = 10000
MAX_KEEP_DAYS = 36500


class BackupRunner(Runner):
    @staticmethod
    def needs_connection(params):
        # verifying, and restoring to new images, read only the backup directory
        return params["state"] in ("present", "exported", "export_stopped") or \
            params["state"] == "restored" and params["into_instance"]

    def subject(self):
        return "backup of %s" % self.params["name"]

    def run(self):
        p = self.params
        if p["point"] is not None and (p["point"] == "latest" and p["state"] == "present"
                                       or p["point"] != "latest" and not POINT_NAME.match(p["point"])):
            raise VirtopsError("point %r is not a point name: 1 to 64 letters, digits, '.', '_' or '-', starting "
                               "with a letter or digit%s" % (p["point"], "" if p["state"] != "present" else
                                                             ", and not 'latest'"))
        if p["keep"] is not None and not 1 <= p["keep"] <= MAX_KEEP:
            raise VirtopsError("keep must be between 1 and %d points, got %d" % (MAX_KEEP, p["keep"]))
        if p["keep_days"] is not None and not 1 <= p["keep_days"] <= MAX_KEEP_DAYS:
            raise VirtopsError("keep_days must be between 1 and %d days, got %d" % (MAX_KEEP_DAYS, p["keep_days"]))
        for option in ("keep", "keep_days"):
            if p[option] is not None and p["state"] != "present":
                raise VirtopsError("%s applies to state present (the points kept after a backup), not to %s" % (
                    option, p["state"]))
        for option in EXPORT_OPTIONS:
            if p[option] is not None and p["state"] != "exported":
                raise VirtopsError("%s applies to state exported (where the NBD server listens), not to %s" % (
                    option, p["state"]))
        if p["state"] == "export_stopped" and p["export_complete"] is None:
            raise VirtopsError("state export_stopped needs export_complete: true when the reader got every block it "
                               "needed (the next incremental export starts from this one), false when it did not "
                               "(the next one covers these changes again)")
        if p["export_complete"] is not None and p["state"] != "export_stopped":
            raise VirtopsError("export_complete applies to state export_stopped, not to %s" % p["state"])
        if p["point"] is not None and p["state"] in ("exported", "export_stopped"):
            raise VirtopsError("point names a restore point in dest; an NBD export (state %s) has none" % p["state"])
        if not 1 <= p["timeout"] <= MAX_TIMEOUT:
            raise VirtopsError("timeout must be between 1 and %d seconds, got %d" % (MAX_TIMEOUT, p["timeout"]))
        backup_set = BackupSet(p["dest"])
        # not "dest": Ansible adds a file's attributes to a result that has a "dest" or "path" key
        self.result["directory"] = backup_set.dest
        if p["state"] == "present":
            self._backup(backup_set)
        elif p["state"] == "verified":
            self._verify(backup_set)
        elif p["state"] == "exported":
            self._export(backup_set)
        elif p["state"] == "export_stopped":
            self._stop_export(backup_set)
        else:
            self._restore(backup_set)
        self.result["points"] = [backup_set.describe(point) for point in backup_set.points]
        self.result["diff"] = self.diff
        return self.result

    def _guest(self, backup_set):
        """The instance, which must be the one ``dest`` belongs to."""
        guest = Guest.lookup(self.conn, self.params["name"])
        if guest is None:
            raise VirtopsError("instance %s does not exist on %s" % (self.params["name"], self.conn.getHostname()))
        mismatch = backup_set.owner_mismatch(guest.uuid)
        if mismatch:
            raise VirtopsError(mismatch + "; give each instance its own dest")
        return guest

    # -- state: present ----------------------------------------------------------------------
    def _backup(self, backup_set):
        p = self.params
        guest = self._guest(backup_set)
        existing = backup_set.point(p["point"]) if p["point"] else None
        if existing is not None:
            self.result["point"] = backup_set.describe(existing)
            self._keep(backup_set, backup_set.points)
            return
        if not guest.is_active():
            raise VirtopsError("instance %s is not running: libvirt's backup job needs a running instance "
                               "(state %s)" % (p["name"], guest.state()))
        if running_export(guest) is not None:
            raise VirtopsError("instance %s exports its disks through NBD now (state exported); a backup point is "
                               "taken once that export is stopped (state export_stopped)" % p["name"])
        if guest.has_job() and _job_operation(guest) == "a backup":
            # The backup job of a run that was killed, or one libvirt took up again after its
            # daemon restarted: it still writes into a point directory no manifest names, which is
            # removed as a leftover once the job has ended - never under it.
            deadline = Deadline(p["timeout"])
            ended, _busy = wait_until(guest.has_job, lambda busy: not busy, p["timeout"], interval=0.5)
            if ended:
                self.warn("instance %s ran an earlier backup job (of a run that was interrupted, or resumed after a "
                          "restart of libvirt); this run waited %.1f s for it to end" % (p["name"], deadline.elapsed()))
        if guest.has_job():
            # e.g. a migration, or an earlier backup job that outlasted the timeout
            raise VirtopsError("instance %s runs a job now (%s); a backup starts once it has ended - watch or abort "
                               "it with virtops.libvirt.domain_job" % (p["name"], _job_operation(guest)))
        disks, left_out = backup_disks(guest.live_config(), p["disks"])
        if not disks:
            raise VirtopsError("instance %s has no disk a backup can take (%s)" % (
                p["name"], "; ".join(left_out) or "it has no disks"))
        for leftover in backup_set.leftovers():
            self.recorder.record("remove %s, the unfinished point an interrupted run left" % backup_set.path(leftover),
                                 backup_set.remove_leftover, leftover)
        keep = set(point.get("checkpoint") for point in backup_set.points)
        for name in stale_checkpoints(guest, keep):
            self.recorder.record("delete checkpoint %s, which no complete point names" % name,
                                 guest.delete_checkpoint, name)
        plan = plan_backup(guest, backup_set, disks, p["mode"], p["point"] or point_name_for(now_utc()))
        self.result["plan"] = plan.describe()
        self.result["left_out"] = left_out
        before = [point["name"] for point in backup_set.points]
        self.diff = dict(before=diff_lines(before), after=diff_lines(before + [plan.name]))
        point = self.recorder.record("take a %s backup %s of %s (%s)" % (
            plan.kind, plan.name, ", ".join(target for target, _s, _c in plan.disks), plan.reason),
            take_backup, guest, backup_set, plan, p["quiesce"], p["timeout"])
        if point is None:  # check mode
            self._keep(backup_set, backup_set.points + [dict(
                name=plan.name, parent=plan.base["name"] if plan.base else None)])
            return
        backup_set.manifest["domain"] = dict(name=guest.name, uuid=guest.uuid)
        backup_set.points.append(point)
        backup_set.save()
        self._keep(backup_set, backup_set.points)
        self.result["point"] = backup_set.describe(backup_set.point(plan.name))
        if not point["quiesced"]:
            self.warn("backup %s of %s is crash-consistent only: %s" % (plan.name, p["name"], point["quiesce_note"]))

    def _keep(self, backup_set, points):
        """Retention: the newest ``keep`` points, those of the last ``keep_days`` days (always the
        newest one); the oldest kept one merged into a full image when its parent goes."""
        if self.params["keep"] is None and self.params["keep_days"] is None:
            return
        keep = points_to_keep(points, self.params["keep"], self.params["keep_days"], now_utc())
        dropped, merged = backup_set.prune_plan(keep, points)
        if not dropped:
            return
        self.recorder.record("keep the newest %d point(s)%s - remove %s%s" % (
            keep, "" if self.params["keep_days"] is None else " (of the last %d days)" % self.params["keep_days"],
            ", ".join(point["name"] for point in dropped),
            "; first merge %s with the points it builds on into a full image" % ", ".join(
                point["name"] for point in merged) if merged else ""), backup_set.prune, keep)

    # -- state: exported and export_stopped (pull mode) --------------------------------------------
    def _export(self, backup_set):
        p = self.params
        guest = self._guest(backup_set)
        workdir = backup_set.path(EXPORT_DIR)
        server = ExportServer.requested(workdir, p["export_socket"], p["export_address"], p["export_port"])
        running = running_export(guest)
        if running is not None:
            self._check_running_export(running, server)
            self.result["export"] = describe_export(running, read_record(workdir))
            return
        if not guest.is_active():
            raise VirtopsError("instance %s is not running: libvirt's backup job exports a running instance's disks "
                               "(state %s)" % (p["name"], guest.state()))
        if guest.has_job():
            raise VirtopsError("instance %s runs a job now (%s); an export starts once it has ended" % (
                p["name"], _job_operation(guest)))
        disks, left_out = backup_disks(guest.live_config(), p["disks"])
        if not disks:
            raise VirtopsError("instance %s has no disk an export can take (%s)" % (
                p["name"], "; ".join(left_out) or "it has no disks"))
        plan = plan_export(guest, disks, p["mode"])
        self.result["plan"] = plan.describe()
        self.result["left_out"] = left_out
        self.diff = dict(before="", after=diff_lines("%s: exported (%s) on %s" % (target, plan.kind, server.describe())
                                                     for target in plan.targets))
        started = self.recorder.record("export %s of %s through NBD on %s (%s: %s)" % (
            ", ".join(plan.targets), p["name"], server.describe(), plan.kind, plan.reason),
            self._start_export, guest, plan, workdir, server)
        if started is None:  # check mode
            return
        self.result["export"], record = started
        if not record["quiesced"]:
            self.warn("the export of %s is crash-consistent only: %s" % (p["name"], record["quiesce_note"]))

    def _start_export(self, guest, plan, workdir, server):
        prepare_workdir(workdir, guest.qemu_owner())
        return start_export(guest, plan, workdir, server, self.params["quiesce"])

    def _check_running_export(self, running, server):
        """A re-run finds the export running: unchanged when it is the one asked for, else refused."""
        p = self.params
        now = ExportServer.of(running)
        targets = sorted(disk.name for disk in running.disks or [] if disk.backup is not False)
        kind = INCREMENTAL if running.incremental else FULL
        differences = []
        if not server.covers(now):
            differences.append("it listens on %s, not on %s" % (now.describe(), server.describe()))
        if p["disks"] is not None and sorted(p["disks"]) != targets:
            differences.append("it exports %s, not %s" % (", ".join(targets), ", ".join(sorted(p["disks"]))))
        if p["mode"] != "auto" and p["mode"] != kind:
            differences.append("it is %s, not %s" % (kind, p["mode"]))
        if differences:
            raise VirtopsError("instance %s exports its disks already, but not as asked: %s; stop that export first "
                               "(state export_stopped)" % (p["name"], "; ".join(differences)))

    def _stop_export(self, backup_set):
        p = self.params
        guest = self._guest(backup_set)
        workdir = backup_set.path(EXPORT_DIR)
        running = running_export(guest)
        record = read_record(workdir)
        if running is None and record is None:
            return
        doomed, next_base = checkpoints_to_settle(export_checkpoints(guest), record, p["export_complete"])
        self.result["checkpoints_deleted"] = doomed
        self.result["next_base"] = next_base
        if running is not None:
            self.result["export"] = describe_export(running, record)
            self.diff = dict(before=diff_lines("%s: exported on %s" % (disk, ExportServer.of(running).describe())
                                               for disk in sorted(self.result["export"]["disks"])), after="")
        self.recorder.record("stop the NBD export of %s (%s); delete checkpoint(s) %s - the next incremental export "
                             "starts from %s" % (
                                 p["name"], "read completely" if p["export_complete"] else "not read completely",
                                 ", ".join(doomed) or "none", next_base or "nothing: it will be full"),
                             stop_export, guest, workdir, running is not None, doomed)

    # -- state: verified ---------------------------------------------------------------------
    def _verify(self, backup_set):
        name = self.params["point"] or "latest"
        chain = backup_set.chain_to(name)
        problems = backup_set.verify(name)
        self.result["point"] = backup_set.describe(chain[-1])
        self.result["chain"] = [point["name"] for point in chain]
        self.result["problems"] = problems
        if problems:
            raise VirtopsError("restore point %s of %s cannot be trusted: %s" % (
                chain[-1]["name"], backup_set.dest, "; ".join(problems)), problems=problems)

    # -- state: restored ---------------------------------------------------------------------
    def _restore(self, backup_set):
        p = self.params
        if bool(p["restore_dir"]) == bool(p["into_instance"]):
            raise VirtopsError("state restored needs either restore_dir (new images) or into_instance: true (the "
                               "instance's own disks, the instance shut off)%s" % (
                                   ", not both" if p["restore_dir"] else ""))
        name = p["point"] or "latest"
        chain = backup_set.chain_to(name)
        point = chain[-1]
        self.result["point"] = backup_set.describe(point)
        if p["into_instance"]:
            return self._restore_into_instance(backup_set, point)
        targets = backup_set.restore_targets(point, p["restore_dir"], p["restore_format"])
        self.result["restored"] = targets
        record_path = os.path.join(p["restore_dir"], RESTORE_RECORD)
        wanted = dict(dest=backup_set.dest, point=point["name"], format=p["restore_format"],
                      sha256=dict((disk, image["sha256"]) for disk, image in point["disks"].items()))
        if _read_json(record_path) == wanted and all(os.path.exists(path) for path in targets.values()):
            return
        present = sorted(path for path in targets.values() if os.path.exists(path))
        if present:
            raise VirtopsError("%s already exist(s) and were not restored from point %s: a restore never "
                               "overwrites; choose another restore_dir or remove them" % (", ".join(present), name))
        problems = backup_set.verify(point["name"])
        if problems:
            raise VirtopsError("restore point %s cannot be trusted, nothing was restored: %s" % (
                point["name"], "; ".join(problems)), problems=problems)
        self.diff = dict(before="", after=diff_lines(path for _disk, path in sorted(targets.items())))
        self.recorder.record("restore point %s (%s) to %s" % (point["name"], point["kind"], ", ".join(
            path for _disk, path in sorted(targets.items()))), _restore_and_record, backup_set, point["name"],
            p["restore_dir"], p["restore_format"], record_path, wanted)

    def _restore_into_instance(self, backup_set, point):
        """The instance's own disks replaced by the point's images; each disk's image before is kept
        beside it (``<image>.before-restore-<point>``), and the instance's checkpoints, whose bitmaps
        the new images lack, are removed (the next backup is a full one)."""
        p = self.params
        guest = Guest.lookup(self.conn, p["name"])
        if guest is None:
            raise VirtopsError("instance %s does not exist on %s" % (p["name"], self.conn.getHostname()))
        mismatch = backup_set.owner_mismatch(guest.uuid)
        if mismatch:
            raise VirtopsError(mismatch)
        config = guest.inactive_config() if guest.is_persistent() else guest.live_config()
        by_target = dict((disk.target_dev, disk) for disk in config.disks or [])
        targets = {}
        for target in sorted(point["disks"]):
            disk = by_target.get(target)
            if disk is None or not disk.source_file:
                raise VirtopsError("instance %s has no file disk %s to restore point %s into (a restore into the "
                                   "instance writes its file disks only)" % (p["name"], target, point["name"]))
            targets[target] = (disk.source_file, disk.format or "raw")
        self.result["restored"] = dict((target, path) for target, (path, _f) in targets.items())
        record_path = backup_set.path(INSTANCE_RESTORE_RECORD)
        record = _read_json(record_path) or {}
        if record.get("point") == point["name"] and record.get("uuid") == guest.uuid and all(
                os.path.exists(path) and file_sha256(path) == record.get("sha256", {}).get(target)
                for target, (path, _f) in targets.items()):
            return
        if guest.is_active():
            raise VirtopsError("instance %s runs (state %s): a restore into its disks needs it shut off first; "
                               "nothing was changed" % (p["name"], guest.state()))
        problems = backup_set.verify(point["name"])
        if problems:
            raise VirtopsError("restore point %s cannot be trusted, nothing was restored: %s" % (
                point["name"], "; ".join(problems)), problems=problems)
        kept = dict((target, "%s.before-restore-%s" % (path, point["name"])) for target, (path, _f) in targets.items())
        taken = sorted(path for path in kept.values() if os.path.exists(path))
        if taken:
            raise VirtopsError("%s already exist(s): a restore keeps each disk's image before it under that name; "
                               "move them away first" % ", ".join(taken))
        self.result["kept"] = kept
        self.diff = dict(before=diff_lines("%s: %s" % (t, path) for t, (path, _f) in sorted(targets.items())),
                         after=diff_lines("%s: %s (point %s)" % (t, path, point["name"])
                                          for t, (path, _f) in sorted(targets.items())))
        for target, (path, image_format) in sorted(targets.items()):
            self.recorder.record("restore %s of point %s into %s (the image before kept as %s)" % (
                target, point["name"], path, kept[target]), _replace_image, backup_set, point, target, path,
                image_format, kept[target])
        for name in guest.checkpoint_names():
            self.recorder.record("delete checkpoint %s of %s (its bitmaps are not in the restored images)" % (
                name, p["name"]), guest.delete_checkpoint_metadata, name)
        if not self.check_mode:
            with open(record_path, "w", encoding="utf-8") as handle:
                json.dump(dict(point=point["name"], uuid=guest.uuid, sha256=dict(
                    (target, file_sha256(path)) for target, (path, _f) in targets.items())), handle, sort_keys=True)


def _restore_and_record(backup_set, name, restore_dir, image_format, record_path, record):
    backup_set.restore(name, restore_dir, image_format)
    with open(record_path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, sort_keys=True)


def _replace_image(backup_set, point, target, path, image_format, kept):
    restoring = path + ".restoring"
    backup_set.write_image(point, target, restoring, image_format)
    shutil.copymode(path, restoring)
    os.rename(path, kept)
    os.replace(restoring, path)


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _job_operation(guest):
    operation = guest.job_stats().get("operation")
    return "a backup" if operation == getattr(libvirt, "VIR_DOMAIN_JOB_OPERATION_BACKUP", None) else \
        "operation %s" % operation
