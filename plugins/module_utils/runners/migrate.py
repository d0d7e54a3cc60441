# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``migrate`` module: "domain X runs on host Y".

Read both hosts, converge what an earlier failure left, check, migrate while steering the job,
and after a failure read both hosts again and converge: exactly one running copy, and the
result says where.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import functools
import os
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt, libvirt_errors, open_connection,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import StillRunning, call_within
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.checks import (
    cpu_fits, distinct_hosts, memory_fits, offline_copies, shared_disk_directories, storage_fits,
    tcg_auto_converge_exclusion, tcg_memory_warning,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.job import MigrationJob
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.plan import (
    MIGRATION_CONTROLS_SPEC, MigrationPlan, check_controls, disks_to_copy,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.prediction import (
    AUTO_CONVERGE, Prediction, controls_for, measured_against, permitted_strategies, throttle_steps, working_set,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.placement import (
    BOTH_RUNNING, DEFINED_ON_BOTH, DEFINED_ON_SOURCE, DESTINATION_LEFTOVER, IN_PROGRESS, NOWHERE,
    ON_DESTINATION, ON_SOURCE, POST_COPY_FAILED, SOURCE_STALE, Placement,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.directories import (
    backing_chain, copy_file, delete_file, directory_pool, file_exists,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import lookup_volume
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import with_incoming_marker

MIGRATE_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    dest_uri=dict(type="str", required=True),
    peer_uri=dict(type="str"),
    announce_self=dict(type="bool", default=False),
)
MIGRATE_ARGUMENT_SPEC.update(MIGRATION_CONTROLS_SPEC)

# QEMU's own defaults for announcing the guest's MAC addresses (RARP/GARP) from the destination.
ANNOUNCE_SELF = '{"execute": "announce-self", "arguments": {"initial": 50, "max": 550, "rounds": 5, "step": 100}}'


class MigrateRunner(Runner):
    EVENTS = True  # the JOB_COMPLETED event carries a post-copy migration's final statistics

    def subject(self):
        return "migration of %s" % self.params["name"]

    def run(self):
        for warning in check_controls(self.params):
            self.warn(warning)
        try:
            self.dest_conn = open_connection(self.params["dest_uri"])
        except VirtopsError as exc:
            raise VirtopsError("the destination is unreachable, nothing was changed: %s" % exc.msg,
                               **exc.details)
        try:
            return self._run()
        finally:
            try:
                self.dest_conn.close()
            except libvirt.libvirtError:
                pass

    def _run(self):
        p = self.params
        self.result.update(name=p["name"], kind=p["kind"], migrated=False, checks=[], recovery=[])
        self.predicted = None  # check mode: where the reported migration would leave the guest
        self.result["checks"].append(distinct_hosts(self.conn, self.dest_conn))
        self.source_host, self.dest_host = self.conn.getHostname(), self.dest_conn.getHostname()
        self.placement = self._read_within(Placement, self.conn, self.dest_conn, p["name"])
        situation = self._read_within(self.placement.survey, False, True)
        self.result["found"] = self.placement.found
        self.result["diff"] = self.diff
        self.diff["before"] = _placement_text(p["name"], self.result["found"])
        situation = self._converge_before(situation)
        if situation in (ON_DESTINATION, DEFINED_ON_BOTH):
            self.placement.finish_on_destination(self.recorder, p["persist"], p["undefine_source"])
            self._report_checkpoints()
            self.result["reason"] = "%s is already on %s" % (p["name"], self.dest_host)
        elif situation in (ON_SOURCE, DEFINED_ON_SOURCE):
            self._migrate(situation)
        self._report_placement()
        return self.result

    # -- what a survey found, before migrating ----------------------------------------------------
    def _converge_before(self, situation):
        """Handle leftovers of an earlier run; returns the situation to act on."""
        p, placement = self.params, self.placement
        self.result["situation"] = situation
        if situation == IN_PROGRESS:
            if self.check_mode:
                self.result["reason"] = ("a migration of %s from %s is in progress; a real run follows it"
                                         % (p["name"], self.source_host))
                return None
            try:
                job = MigrationJob(placement.source, self._plan(placement.source.live_config(), []))
            except libvirt.libvirtError as exc:
                if not is_error(exc, "NO_DOMAIN"):
                    raise
                self.result["recovery"].append("the migration in progress ended while this run read it")
            else:
                job.follow()
                self.result["progress"] = job.progress()
                self.result["recovery"].append("followed the migration in progress until it ended")
            situation = placement.survey()
        if situation == POST_COPY_FAILED:
            raise self._stuck("a post-copy migration failed: the guest's memory is split between %s and %s "
                              "and cannot be rolled back; the copies are left as they are for an operator "
                              "(the guest may be lost)" % (self.source_host, self.dest_host))
        if situation == BOTH_RUNNING:
            found = placement.found or placement.describe()
            raise self._stuck("%s is active on both %s (%s) and %s (%s), and neither copy was left paused by a "
                              "migration; touching neither. Decide which copy is authoritative and destroy the other"
                              % (p["name"], self.source_host, _state_text(found["source"]), self.dest_host,
                                 _state_text(found["destination"])))
        if situation == NOWHERE:
            raise self._stuck("%s is defined on neither %s nor %s" % (p["name"], self.source_host, self.dest_host))
        return self._settle(situation)

    def _settle(self, situation, paused_by_this_run=False):
        """Remove what a failed migration left, where the running copy is confirmed on the other
        host; returns the situation after (read again, except in check mode, where it is predicted)."""
        p, placement = self.params, self.placement
        if situation == DESTINATION_LEFTOVER:
            source_runs = placement.source.is_active()
            self.result["recovery"].append(
                "found %s on %s that a migration left there and never ran, while %s %s on %s: removed it"
                % ("an unfinished incoming copy" if placement.dest.is_active() else "a definition", self.dest_host,
                   p["name"], "runs" if source_runs else "is defined", self.source_host))
            placement.remove_destination_leftover(self.recorder)
            situation = ON_SOURCE if source_runs else DEFINED_ON_SOURCE
        if situation == ON_SOURCE and placement.unmarked_definition():
            self.warn("%s has a definition of %s that does not run and that no migration of this collection left "
                      "there (defined by hand, or by an older run); it is left alone, and a migration with persist "
                      "replaces it" % (self.dest_host, p["name"]))
        elif situation == SOURCE_STALE:
            self.result["recovery"].append("found %s running on %s and a stale paused copy on %s: removed the "
                                           "stale copy" % (p["name"], self.dest_host, self.source_host))
            placement.retire_stale_source(self.recorder)
            situation = ON_DESTINATION
        if situation == ON_SOURCE and placement.resume_paused_source(self.recorder, paused_by_this_run):
            self.result["recovery"].append("resumed %s on %s, paused for a migration that did not finish"
                                           % (p["name"], self.source_host))
        if not self.check_mode:
            situation = placement.survey()
        return situation

    def _stuck(self, msg):
        return self.recorder.failure(msg, found=self.placement.describe(), runs_on=self.placement.running_on())

    # -- migrating ------------------------------------------------------------------------------------
    def _plan(self, config, copies, disk_bytes=0, source_running=False, controls=None):
        return MigrationPlan(controls or self.params, self.params["kind"], copies, config.memory_kib or 0, disk_bytes,
                             source_running)

    def _predict(self, source, config, plan):
        """Measure the guest (its dirty rate over ``dirty_rate_seconds``, the memory it has
        touched), predict the migration and, for ``strategy: auto``, the controls that finish it.
        Returns (prediction, controls or None)."""
        p = self.params
        try:
            # a shorter window first: beside the requested one it shows whether the guest rewrites a set of pages
            seconds = p["dirty_rate_seconds"]
            short = (max(1, seconds // 2), source.dirty_rate(max(1, seconds // 2))) if seconds >= 2 else None
            dirty = source.dirty_rate(seconds)
            rewritten = working_set(short, (seconds, dirty)) if short else None
            boot = config.os
            memory_kib, basis = source.touched_memory_kib(config.current_memory_kib or config.memory_kib or 0,
                                                          (boot.kernel, boot.initrd) if boot else ())
        except libvirt.libvirtError as exc:
            raise VirtopsError("measuring %s's dirty rate failed, nothing was changed: %s (libvirt 7.2 and QEMU 5.2 "
                               "or later measure it)" % (p["name"], error_text(exc)))
        bandwidth = p["bandwidth_mib"] or p["expected_bandwidth_mib"]
        permitted, excluded = permitted_strategies(p), {}
        why_not = tcg_auto_converge_exclusion(config, self.conn.getVersion(), p["kind"])
        if why_not and AUTO_CONVERGE in permitted:
            permitted, excluded[AUTO_CONVERGE] = tuple(name for name in permitted if name != AUTO_CONVERGE), why_not
        prediction = Prediction(memory_kib / 1024.0, dirty, bandwidth,
                                plan.downtime or p["max_downtime_ms"], permitted, p["max_throttle_pct"],
                                plan.completion_limit, plan.stall_limit, working_set_mib=rewritten,
                                steps=throttle_steps(p))
        self.result["prediction"] = dict(prediction.as_dict(), memory_basis=basis, excluded=excluded)
        if p["strategy"] != "auto":
            return prediction, None
        if prediction.strategy is None:
            raise VirtopsError("%s would not finish migrating within what is permitted, nothing was changed: %s%s"
                               % (p["name"], prediction.reason, "".join(
                                   " (%s left out: %s)" % item for item in sorted(excluded.items()))))
        return prediction, dict(p, **controls_for(prediction.strategy, p))

    def _migrate(self, situation):
        p, source = self.params, self.placement.source
        kind = p["kind"]
        if situation == DEFINED_ON_SOURCE and kind != "offline":
            raise VirtopsError("%s is shut off on %s: %s migration moves a running guest. Use kind: offline to "
                               "move its definition, or start it first" % (p["name"], self.source_host, kind))
        if situation == ON_SOURCE and kind == "offline":
            raise VirtopsError("%s runs on %s: offline migration moves a shut-off guest's definition. Use kind: "
                               "live or block, or shut it down first" % (p["name"], self.source_host))
        shared = None  # probed once; an offline migration needs it to choose its copies
        prediction = controls = None
        if kind == "offline":
            config = source.inactive_config()
            shared = shared_disk_directories(self.conn, self.dest_conn, config)
            copies = offline_copies(self.dest_conn, config, p["copy_disks"], shared)
            plan = self._plan(config, copies)
        else:
            config = source.live_config()
            copies = disks_to_copy(config, p["copy_disks"]) if kind == "block" else []
            disk_bytes = sum(source.block_capacity(disk.target_dev) for disk, _path in copies)
            running = source.state() == "running"
            if p["strategy"] == "auto" or p["measure"]:
                # the user's controls' ramp and limits, as the plan below has them (the strategy
                # changes only which helpers it uses)
                prediction, controls = self._predict(source, config, self._plan(config, copies, disk_bytes, running))
            plan = self._plan(config, copies, disk_bytes, running, controls)
            if plan.start_paused:
                plan.dest_xml = with_incoming_marker(source.migratable_xml(), self.source_host)
                plan.persist_xml = with_incoming_marker(source.migratable_xml(inactive=source.is_persistent()),
                                                        self.source_host)
        self.result["plan"] = plan.describe()
        checks = self.result["checks"]
        if kind != "offline":
            checks.append(cpu_fits(self.dest_conn, config))
            checks.append(memory_fits(self.dest_conn, config))
            warning = tcg_memory_warning(config, self.conn.getVersion(), kind)
            if warning:
                self.warn(warning)
        checks.append(storage_fits(self.conn, self.dest_conn, config, kind, copies, shared))
        action = "migrate (%s) from %s to %s" % (kind, self.source_host, self.dest_host)
        self.result["reason"] = "%s %s on %s" % (p["name"], "runs" if kind != "offline" else "is defined",
                                                 self.source_host)
        made = self._copy_images(plan) if kind == "offline" else None
        if self.check_mode:
            self.recorder.record(action)
            if p["announce_self"] and kind != "offline":
                self.recorder.record("announce the guest's MACs on %s" % self.dest_host)
            self.predicted = self._predicted_placement()
            return
        self.placement.remember_checkpoints()
        job = MigrationJob(source, plan)
        before_migration = self.recorder.mark()
        if kind == "offline":
            self.recorder.record(action, job.run, self._starter(source, plan))
        else:
            with self._copy_targets(plan) as pools:
                existing = [path for path in plan.copied_files()
                            if lookup_volume(pools[os.path.dirname(path)], os.path.basename(path)) is not None]
                self.recorder.record(action, job.run, self._starter(source, plan), self._on_return(plan))
            made = [path for path in plan.copied_files() if path not in existing]
        self.result["progress"] = job.progress()
        if job.unreturned:
            self.recorder.rollback(before_migration)
            raise self._call_never_ended(job)
        if job.error is not None:
            # The guest has not left (yet): recovery reads both hosts and records what it changes.
            self.recorder.rollback(before_migration)
            self._recover(job, made, action)
            return
        self.result["migrated"] = True
        if prediction is not None:
            self.result["prediction"].update(measured_against(prediction, job.last_stats))
        self.placement.read()
        try:
            self.placement.finish_on_destination(self.recorder, p["persist"], p["undefine_source"], job.paused_guest,
                                                 arrived_now=True)
            self._report_checkpoints()
        except VirtopsError as exc:  # libvirt said done, the hosts say otherwise: where the guest is
            self.placement.read()
            raise self._stuck("migration of %s from %s to %s: %s" % (p["name"], self.source_host, self.dest_host,
                                                                     exc.msg))
        if plan.start_paused and job.returned_at is not None and self.placement.resumed_at is not None:
            # The guest's pause beyond QEMU's downtime: from libvirt's return (the source's copy
            # confirmed gone) until the destination's copy runs.
            self.result["progress"]["run_after_confirm_ms"] = round(
                (self.placement.resumed_at - job.returned_at) * 1000, 1)
        if kind != "offline":
            self._check_runs_on_destination()
        if p["announce_self"] and kind != "offline":
            dest = self.placement.dest
            self.recorder.record("announce the guest's MACs on %s" % self.dest_host,
                                 dest.qemu_monitor_command, ANNOUNCE_SELF)

    def _report_checkpoints(self):
        """Checkpoints carried to the destination (incremental backups go on there); a warning
        when some could not be, since the next backup of the guest is then a full one."""
        carried = self.placement.checkpoints
        if not carried or not (carried["carried"] or carried["lost"]):
            return
        self.result["checkpoints"] = carried
        if carried["lost"]:
            self.warn("checkpoint%s %s of %s could not be defined on %s (%s): the next backup of %s there is a "
                      "full one" % ("s" if len(carried["lost"]) > 1 else "", ", ".join(carried["lost"]), self.params["name"],
                                    self.dest_host, carried["reason"], self.params["name"]))

    def _check_runs_on_destination(self):
        """libvirt said the migration completed; the guest must run on the destination now (a
        copy that died right after arriving is no success)."""
        self.placement.read()
        running = self.placement.running_on()
        if running != [self.dest_host]:
            self._report_placement()
            raise self._stuck("migration of %s from %s to %s completed, but afterwards the guest %s"
                              % (self.params["name"], self.source_host, self.dest_host,
                                 "runs on %s" % " and ".join(running) if running else
                                 "runs nowhere (%s on %s)" % (self.placement.describe()["destination"]["state"],
                                                              self.dest_host)))

    def _on_return(self, plan):
        """What runs the moment libvirt's migration call returned successfully."""
        if plan.start_paused and not self.check_mode:
            return self.placement.run_arrived_copy
        return None

    def _starter(self, source, plan):
        p = self.params
        if p["peer_to_peer"]:
            return functools.partial(source.migrate_to_peer, p["peer_uri"] or p["dest_uri"],
                                     plan.typed_params(), plan.flags())
        return functools.partial(source.migrate_to, self.dest_conn, plan.typed_params(), plan.flags())

    def _copy_images(self, plan):
        """Offline: copy each chosen image to the same path on the destination, after the backing
        files it needs that the destination lacks (deepest first; those it has are assumed the same
        base images, as Nova's image cache). Returns the files made there. A copy that fails
        removes the copies this run made; the source keeps every file."""
        made = []
        self.result["copies"] = copies = []
        try:
            for path in plan.copied_files():
                for file_path in reversed(backing_chain(self.conn, path)):
                    if file_path != path and (file_path in made or file_exists(self.dest_conn, file_path)):
                        continue
                    self.recorder.record("copy %s to %s" % (file_path, self.dest_host))
                    if self.check_mode:
                        continue
                    started = time.time()
                    sent = copy_file(self.conn, self.dest_conn, file_path)
                    made.append(file_path)
                    copies.append(dict(path=file_path, bytes=sent, seconds=round(time.time() - started, 3)))
        except (libvirt_errors(), VirtopsError) as exc:
            self._delete_copies(made)
            raise self.recorder.failure(
                "offline migration of %s from %s to %s failed while copying its disks: %s. It is still defined "
                "on %s only%s" % (self.params["name"], self.source_host, self.dest_host,
                                  exc.msg if isinstance(exc, VirtopsError) else error_text(exc), self.source_host,
                                  "; the copies this run made were removed" if made else ""))
        return made

    def _delete_copies(self, paths):
        """Remove files this run made on the destination (storage the source does not share)."""
        for path in paths:
            self.recorder.record("delete the partial copy %s on %s" % (path, self.dest_host),
                                 delete_file, self.dest_conn, path)

    @contextlib.contextmanager
    def _copy_targets(self, plan):
        """For a block migration, a pool on each copied image's directory of the destination
        (yielded by directory): libvirt creates the destination's images in it (same name,
        format and size)."""
        with contextlib.ExitStack() as stack:
            yield dict((directory, stack.enter_context(directory_pool(self.dest_conn, directory, build=True)))
                       for directory in plan.copy_directories())

    # -- after a failure --------------------------------------------------------------------------------
    def _recover(self, job, new_copies, action):
        """Read both hosts again and converge; fail saying where the guest runs (or finish, when
        libvirt's error came after the switch-over and the guest runs on the destination)."""
        p, placement = self.params, self.placement
        error = job.reason or error_text(job.error)
        error += trust_hint(error, p["peer_uri"] or p["dest_uri"], p["tls"])
        if job.finish_wait_s is not None and not job.reason:
            error = ("QEMU had sent everything and the source waited %.0f s for %s to finish the migration: %s"
                     % (job.finish_wait_s, self.dest_host, error))
        try:
            situation = call_within(p["read_timeout"], placement.survey)
        except libvirt_errors() as exc:
            raise self._unreadable_after_failure(error, exc)
        except StillRunning:
            raise self._unreadable_after_failure(error, None)
        self.result["situation_after_failure"] = situation
        try:
            situation = self._settle(situation, job.paused_guest)
        except (VirtopsError, libvirt.libvirtError) as exc:
            # Recovery itself failed (a host changed under it): still say where the guest runs.
            raise self._after_failed_recovery(error, exc)
        if situation in (ON_SOURCE, DEFINED_ON_SOURCE):
            self._delete_copies(new_copies)  # this run's copies, on storage the source does not share
            self._report_placement()
            raise self.recorder.failure(
                "migration of %s from %s to %s failed: %s. The guest %s on %s"
                % (p["name"], self.source_host, self.dest_host, error,
                   "still runs" if situation == ON_SOURCE else "is still defined", self.source_host),
                **self._failure_details())
        if situation in (ON_DESTINATION, DEFINED_ON_BOTH):
            self.warn("libvirt reported an error after the switch-over (%s); %s %s on %s"
                      % (error, p["name"], "runs" if situation == ON_DESTINATION else "is defined", self.dest_host))
            self.recorder.record(action)  # the guest did move: already done
            self.result["migrated"] = True
            placement.finish_on_destination(self.recorder, p["persist"], p["undefine_source"], job.paused_guest)
            self._report_checkpoints()
            return
        raise self._stuck("migration of %s from %s to %s failed: %s; afterwards: %s"
                          % (p["name"], self.source_host, self.dest_host, error, situation))

    def _read_within(self, call, *args):
        """``call(*args)``, reading both hosts, within read_timeout: a daemon stuck preparing an
        incoming copy of the guest blocks every call about it, and this run must not wait for good."""
        p = self.params
        try:
            return call_within(p["read_timeout"], call, *args)
        except StillRunning:
            pass
        on_source = busy = False
        try:
            source = call_within(p["read_timeout"], Guest.lookup, self.conn, p["name"])
            on_source = source is not None and call_within(p["read_timeout"], source.state) in ("running", "paused")
            busy = on_source and call_within(p["read_timeout"], source.has_job)
        except StillRunning:
            silent, told = "%s and %s" % (self.source_host, self.dest_host), "Neither host answered"
        else:
            silent = self.dest_host
            told = "%s answered: %s %s there%s" % (
                self.source_host, p["name"], "runs" if on_source else "does not run",
                ", with a job (an earlier migration that waits for %s)" % self.dest_host if busy else "")
        self.result["runs_on"] = [self.source_host] if silent == self.dest_host and on_source else []
        raise VirtopsError(
            "%s did not answer about %s within %d s (read_timeout); nothing was changed. %s. A daemon stuck "
            "preparing an incoming copy of the guest (a migration's preparation that never returned) blocks every "
            "call about it until it is restarted (its running guests keep running)"
            % (silent, p["name"], p["read_timeout"], told), runs_on=self.result["runs_on"])

    def _call_never_ended(self, job):
        """libvirt's call still waits for the destination after the abort: where the guest is, from
        the source alone (the destination's daemon blocks calls about the guest it is preparing)."""
        p, source = self.params, self.placement.source
        try:
            state = source.state()
        except libvirt_errors() as exc:
            state = None
            where = "Where the guest runs could not be read from %s (%s)" % (self.source_host, error_text(exc))
        else:
            where = "%s %s on %s (read from %s alone)" % (
                p["name"], "still runs" if state == "running" else "is %s" % state, self.source_host, self.source_host)
        self.result["runs_on"] = [self.source_host] if state in ("running", "paused") else []
        moved = job.last_stats.get("data_processed") or 0
        if moved:  # the transfer had begun: the cancellation waits for the destination
            stuck = ("The migration had moved %d MiB; its cancellation waits for %s, which does not answer"
                     % (moved // (1024 * 1024), self.dest_host))
        else:
            stuck = ("%s has not started the incoming guest (its daemon is stuck preparing it, where an abort cannot "
                     "reach it)" % self.dest_host)
        return self.recorder.failure(
            "migration of %s from %s to %s did not end: %s, and libvirt's call on %s had not ended %d s later. %s. "
            "%s. %s keeps the migration job until %s answers: restarting libvirt's daemon on %s (its running guests "
            "keep running) ends it, and a re-run converges"
            % (p["name"], self.source_host, self.dest_host, job.reason, self.source_host, p["abort_timeout"],
               stuck, where, self.source_host, self.dest_host, self.dest_host),
            progress=self.result.get("progress"), runs_on=self.result["runs_on"])

    def _failure_details(self):
        return dict(progress=self.result.get("progress"), recovery=self.result["recovery"],
                    runs_on=self.placement.running_on(), placement=self.result.get("placement"))

    def _after_failed_recovery(self, error, exc):
        p = self.params
        reason = exc.msg if isinstance(exc, VirtopsError) else error_text(exc)
        try:
            self.placement.survey()
            self._report_placement()
            where = self.placement.running_on()
        except libvirt_errors():
            where = None
        return self.recorder.failure(
            "migration of %s from %s to %s failed: %s; recovering from it failed too: %s. %s; a re-run converges"
            % (p["name"], self.source_host, self.dest_host, error, reason,
               "The guest runs on %s" % " and ".join(where) if where else
               "Where the guest runs could not be read" if where is None else "The guest runs nowhere"),
            **self._failure_details())

    def _unreadable_after_failure(self, error, exc):
        """A host cannot be read after the failure (its daemon died, or did not answer within
        read_timeout when ``exc`` is None): say what the source shows."""
        p = self.params
        source = self.placement.source
        try:
            on_source = source is not None and source.is_active() and not source.has_job()
        except libvirt_errors():
            on_source = False
        where_now = ("The guest still runs on %s; " % self.source_host if on_source else
                     "Where the guest runs could not be confirmed; ")
        why = error_text(exc) if exc is not None else "no answer within %d s, read_timeout" % p["read_timeout"]
        msg = ("migration of %s from %s to %s failed: %s. %sone host could not be read afterwards (%s): "
               "a re-run converges once both answer"
               % (p["name"], self.source_host, self.dest_host, error, where_now, why))
        return self.recorder.failure(
            msg,
            progress=self.result.get("progress"), runs_on=[self.source_host] if on_source else [])

    def _predicted_placement(self):
        """Where a migration that check mode only reported would leave the guest."""
        p, found = self.params, self.result["found"]
        destination = dict(found["source"], host=self.dest_host, persistent=p["persist"] or p["kind"] == "offline")
        source = dict(host=self.source_host, state="absent", persistent=False)
        if not p["undefine_source"] and found["source"]["persistent"]:
            source.update(state="shutoff", persistent=True)
        return dict(source=source, destination=destination)

    def _report_placement(self):
        if self.check_mode:
            after = self.predicted
            self.diff["after"] = self.diff["before"] if after is None else _placement_text(self.params["name"], after)
            return
        try:
            self.placement.read()
            self.result["placement"] = self.placement.describe()
            self.result["runs_on"] = self.placement.running_on()
            self.diff["after"] = _placement_text(self.params["name"], self.result["placement"])
        except libvirt_errors():
            self.result["placement"] = None


def trust_hint(error, peer_uri, tls):
    """What a TLS certificate failure of a migration means, for the operator."""
    if "certificate" not in error.lower() or not ("+tls" in peer_uri.split(":", 1)[0] or tls):
        return ""
    return (" (TLS: %s and the destination do not trust each other's certificate; each host's certificate must be "
            "signed by the CA the other trusts - /etc/pki/CA/cacert.pem for libvirt, /etc/pki/qemu/ca-cert.pem for "
            "QEMU - and name the host as it is dialled: %s)"
            % ("the source's libvirtd" if "+tls" in peer_uri.split(":", 1)[0] else "the source's QEMU", peer_uri))


def _state_text(copy):
    """``running``, ``paused (user)``: a copy's state with the reason libvirt gives for a pause."""
    return copy["state"] + (" (%s)" % copy["pause_reason"] if copy.get("pause_reason") else "")


def _placement_text(name, placement):
    """Where the guest is, one line per host, for --diff."""
    lines = []
    for role in ("source", "destination"):
        copy = placement[role]
        state = copy["state"] + (" (persistent)" if copy.get("persistent") else "")
        lines.append("%s on %s (%s): %s\n" % (name, copy["host"], role, state))
    return "".join(lines)
