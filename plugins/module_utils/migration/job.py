# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A running outgoing migration: libvirt's blocking call in a worker thread while this thread
reads the job's statistics and carries out what steering.py decides from them (downtime ramp,
post-copy switch, completion and progress timeouts), as Nova's migration monitor does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt, libvirt_errors,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.steering import (
    ABORT, ALL_SENT, COMPLETION_TIMEOUT, POST_COPY, SET_DOWNTIME, STALLED, JobSample, Steering,
)

POLL_INTERVAL = 0.25
# libvirt's job types of a migration that runs (a job that just ended reads NONE or COMPLETED)
ACTIVE_JOB_TYPES = (libvirt.VIR_DOMAIN_JOB_BOUNDED, libvirt.VIR_DOMAIN_JOB_UNBOUNDED) if libvirt else ()
COMPLETED_EVENT_WAIT = 2.0


def progress_from(stats):
    """The figures of libvirt's job statistics a user reads, with names that say their unit."""
    if not stats:
        return {}
    keys = (
        ("elapsed_ms", "time_elapsed"), ("downtime_ms", "downtime"), ("setup_time_ms", "setup_time"),
        ("data_total_bytes", "data_total"), ("data_processed_bytes", "data_processed"),
        ("data_remaining_bytes", "data_remaining"), ("memory_total_bytes", "memory_total"),
        ("memory_processed_bytes", "memory_processed"), ("memory_remaining_bytes", "memory_remaining"),
        ("memory_iterations", "memory_iteration"), ("memory_dirty_rate_pages_s", "memory_dirty_rate"),
        ("memory_bps", "memory_bps"), ("memory_postcopy_requests", "memory_postcopy_requests"),
        ("disk_total_bytes", "disk_total"), ("disk_processed_bytes", "disk_processed"),
        ("disk_remaining_bytes", "disk_remaining"), ("auto_converge_throttle_pct", "auto_converge_throttle"),
    )
    return dict((name, stats[key]) for name, key in keys if key in stats)


class CompletedWatch:
    """Catches the JOB_COMPLETED event of the source domain: the only place the final statistics
    of a post-copy migration appear (needs libvirt's event loop, ``Runner.EVENTS``)."""

    def __init__(self, conn, dom):
        self.conn = conn
        self.stats = None
        self.done = threading.Event()
        self.callback_id = conn.domainEventRegisterAny(
            dom, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, self._completed, None)

    def _completed(self, _conn, _dom, params, _opaque):
        self.stats = dict(params)
        self.done.set()

    def wait(self, timeout):
        self.done.wait(timeout)
        return self.stats

    def close(self):
        try:
            self.conn.domainEventDeregisterAny(self.callback_id)
        except libvirt.libvirtError:
            pass


class MigrationJob:
    """Runs ``start()`` (the blocking libvirt call) in a thread and steers the job of ``guest``.

    ``steering`` lists what this job did to the migration while it ran, with the second it did
    it (``max downtime 50 ms``, ``switched to post-copy``, ``paused the guest to finish``, ...).
    """

    def __init__(self, guest, plan):
        self.guest = guest
        self.plan = plan
        self.steering = []
        self.last_stats = {}
        self.error = None
        self.reason = None  # why this job aborted the migration, when it did
        self.post_copy_started = False
        self.paused_guest = False
        self.max_throttle = 0  # the highest vCPU throttle auto-converge applied (percent)
        self.stalls = 0  # switch-overs made because the data left stopped shrinking
        self.returned_at = None  # monotonic time libvirt's call returned
        # libvirt's call had not ended plan.abort_timeout seconds after this job aborted the
        # migration (a destination stuck before its QEMU runs: the abort cannot reach it)
        self.unreturned = False
        self._aborted_at = None
        self.finish_wait_s = None  # seconds the job waited, with all data sent, for the destination
        self._started = None
        self._all_sent_at = None
        self._returned = threading.Event()  # set when libvirt's call returns: steering stops at once

    def _note(self, text):
        self.steering.append("%.1f s: %s" % (time.monotonic() - self._started, text))

    # -- running ---------------------------------------------------------------------------
    def run(self, start, on_return=None):
        """Start the migration with ``start()`` and steer it until libvirt's call returns; then,
        when it succeeded, ``on_return()`` at once (the destination's copy runs before this job
        waits for its final statistics)."""
        watch = CompletedWatch(self.guest.conn, self.guest.dom)
        self._started = time.monotonic()
        worker = threading.Thread(target=self._call, args=(start,), name="virtops-migrate")
        worker.daemon = True
        worker.start()
        try:
            self._steer(worker.is_alive)
            if self.unreturned:
                return False  # the worker stays blocked in libvirt's call; the process ends without it
            worker.join()
            if self.error is None and on_return is not None:
                on_return()
            completed = watch.wait(COMPLETED_EVENT_WAIT) if self.error is None else None
        finally:
            watch.close()
        if completed:
            self.last_stats = completed
        return self.error is None

    def follow(self):
        """Steer a migration some earlier run started (found in progress) until it ends."""
        self._started = time.monotonic()
        self._note("found a migration in progress; following it")
        self._steer(self._job_running)

    def _call(self, start):
        try:
            start()
        except libvirt_errors() as exc:
            self.error = exc
        finally:
            self.returned_at = time.monotonic()
            self._returned.set()
            if self._all_sent_at is not None:
                self.finish_wait_s = round(self.returned_at - self._all_sent_at, 1)

    def _job_running(self):
        try:
            return self.guest.has_job()
        except libvirt.libvirtError:
            return False

    def _steer(self, running):
        steering = Steering(self.plan.downtime, self.plan.post_copy_after, self.plan.completion_limit,
                            self.plan.progress_limit, self.plan.stall_limit, self.plan.post_copy,
                            self.plan.post_copy_after_first_pass)
        while running():
            if self._aborted_at is not None and time.monotonic() - self._aborted_at >= self.plan.abort_timeout:
                self.unreturned = True
                self._note("libvirt's call had not ended %d s after the abort; stopped waiting for it"
                           % self.plan.abort_timeout)
                return
            stats = self._stats()
            sample = JobSample.from_stats(stats, ACTIVE_JOB_TYPES)
            if sample.active:
                self.last_stats = stats  # a job that just ended reports zeros: keep the last real figures
                self.max_throttle = max(self.max_throttle, sample.throttle_pct)
            decisions = steering.decide(time.monotonic() - self._started, sample, self.post_copy_started,
                                        self.paused_guest, self.reason is not None)
            for kind, value in decisions:
                self._carry_out(kind, value)
            self._returned.wait(POLL_INTERVAL)  # a poll's pause, cut short when libvirt's call returns

    def _carry_out(self, kind, value):
        if kind == ALL_SENT:
            self._all_sent_at = self._started + value
            self._note("all data sent; waiting for the destination to finish")
        elif kind == SET_DOWNTIME:
            if self._try(self.guest.set_max_downtime, value):
                self._note("max downtime %d ms" % value)
        elif kind == POST_COPY:
            self._switch_to_post_copy(value)
        elif kind == COMPLETION_TIMEOUT:
            self._on_completion_timeout(value)
        elif kind == STALLED:
            self.stalls += 1
            self._note("stalled: %s" % value)
        elif kind == ABORT:
            self.reason = value
            self._abort()

    def _stats(self):
        try:
            return self.guest.job_stats()
        except libvirt.libvirtError:
            return {}

    def _try(self, call, *args):
        """A steering call; the job may just have ended, which is no error of the migration."""
        try:
            call(*args)
            return True
        except libvirt.libvirtError as exc:
            if not is_error(exc, "OPERATION_INVALID", "NO_DOMAIN", "OPERATION_FAILED"):
                self._note("%s failed: %s" % (getattr(call, "__name__", "call"), error_text(exc)))
            return False

    # -- steering --------------------------------------------------------------------------
    def _switch_to_post_copy(self, why):
        if self._try(self.guest.start_post_copy):
            self.post_copy_started = True
            self._note("switched to post-copy (%s)" % why)

    def _on_completion_timeout(self, limit):
        why = "completion timeout %d s" % limit
        if self.plan.params["completion_timeout_action"] == "abort":
            if self.reason is None:
                self.reason = "%s reached (completion_timeout_action abort)" % why
                self._abort()
            return
        if self.plan.post_copy:
            self._switch_to_post_copy(why)
            if self.post_copy_started:
                return
        # As Nova: without post-copy, pausing the guest lets the rest of its memory go over.
        try:
            self.guest.suspend()
        except libvirt.libvirtError as exc:
            self._note("pausing the guest to finish failed: %s" % error_text(exc))
            return
        self.paused_guest = True
        self._note("paused the guest to finish (%s, completion_timeout_action force_complete)" % why)
        # Mark the pause as ours for a later run, in case this process dies before the end.
        # libvirt refuses metadata changes during some migration phases; this run still knows.
        self._try(self.guest.mark_paused_for_migration, True)

    def _abort(self):
        if self._aborted_at is None:
            self._aborted_at = time.monotonic()
        if self._try(self.guest.abort_job):
            self._note("aborted: %s" % self.reason)

    def progress(self):
        """What the result reports of this migration."""
        progress = progress_from(self.last_stats)
        progress.update(post_copy=self.post_copy_started, paused_to_finish=self.paused_guest,
                        auto_converge=self.plan.auto_converge, auto_converge_max_throttle_pct=self.max_throttle,
                        stalls=self.stalls,
                        steering=list(self.steering))
        return progress
