# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to do to a running migration, decided from its plan, one sample of its job statistics and
the seconds since it started - no libvirt here, so each rule is tested case by case (as Nova's
``migration.py`` keeps its monitor's decisions apart from the calls that carry them out).

``MigrationJob`` (job.py) samples the job, asks ``Steering.decide`` and carries out the decisions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The decisions, in the order one sample yields them.
ALL_SENT = "all_sent"  # nothing left to send: from now on the destination finishes
SET_DOWNTIME = "set_downtime"  # value: the allowed downtime in ms (a step of the ramp)
POST_COPY = "post_copy"  # value: why (post_copy_after reached)
COMPLETION_TIMEOUT = "completion_timeout"  # value: the limit in s; the job aborts, switches or pauses
ABORT = "abort"  # value: why (no progress)
STALLED = "stalled"  # value: what stalled; the switch-over decision follows in the same sample


class JobSample:
    """The figures of one reading of libvirt's job statistics that steering uses, typed."""

    __slots__ = ("active", "data_total", "data_remaining", "throttle_pct", "iteration")

    def __init__(self, active, data_total=None, data_remaining=None, throttle_pct=0, iteration=None):
        self.active = active  # a migration job was running when read (libvirt's BOUNDED/UNBOUNDED)
        self.data_total = data_total
        self.data_remaining = data_remaining
        self.throttle_pct = throttle_pct
        self.iteration = iteration  # the pre-copy pass (QEMU's memory iteration), from 1

    @classmethod
    def from_stats(cls, stats, active_types):
        """From the dictionary ``virDomainGetJobStats`` returns; ``active_types`` are libvirt's job
        types of a running job."""
        return cls(stats.get("type") in active_types, stats.get("data_total"), stats.get("data_remaining"),
                   stats.get("auto_converge_throttle", 0), stats.get("memory_iteration"))


class Steering:
    """The steering rules of one migration, with what they remember between samples: the ramp
    steps still to come, the least data left so far and when that was, when all data was sent.

    ``downtime_ramp``: [(seconds, ms), ...] in order; ``post_copy_after``: seconds or None;
    ``completion_limit`` / ``progress_limit``: seconds or None.

    Stall detection (``stall_limit`` seconds, None: off): the data left when a pass begins is what
    the guest dirtied during the one before (within a pass it always falls, to nearly nothing);
    once that has not fallen below its least for that long, the migration switches over instead of waiting for a timeout - first
    the allowed downtime goes to its maximum (the rest of the ramp at once), then, when that too
    stalls, to post-copy where ``post_copy_permitted``. When neither is left, the progress and
    completion timeouts decide as before.
    """

    def __init__(self, downtime_ramp, post_copy_after=None, completion_limit=None, progress_limit=None,
                 stall_limit=None, post_copy_permitted=False, post_copy_after_first_pass=False):
        self.ramp = list(downtime_ramp)
        self.max_downtime = max([ms for _at, ms in self.ramp] or [0])
        self.downtime_now = None  # the allowance set last (None: QEMU's default until the ramp starts)
        self.stall_limit = stall_limit
        self.post_copy_permitted = post_copy_permitted
        self.stall_acted_at = None  # seconds since the start of the last switch-over for a stall
        # strategy auto chose post-copy: switch once the first pass has sent the memory
        self.post_copy_after_first_pass = post_copy_after_first_pass
        self.iteration = None  # the pass seen last
        self.least_pass = None  # the least data left at the start of a pass (after the first)
        self.least_pass_at = None  # seconds since the start at which that was
        self.post_copy_after = post_copy_after
        self.completion_limit = completion_limit
        self.progress_limit = progress_limit
        self.best_remaining = None
        self.last_progress = 0.0  # seconds since the start at which the data left last fell
        self.all_sent_at = None  # seconds since the start at which nothing was left to send

    def _stalled(self, elapsed, post_copy_started):
        if not self.stall_limit or post_copy_started or self.all_sent_at is not None or self.least_pass is None:
            return False
        since = max(self.least_pass_at, self.stall_acted_at if self.stall_acted_at is not None else 0.0)
        return elapsed - since >= self.stall_limit

    def _switch_over(self, sample, elapsed, decisions):
        """The next switch-over for a stall, added to ``decisions``; returns its kind or None."""
        what = "the data left at each pass has not fallen below %d MiB for %d s" % (
            self.least_pass // (1024 * 1024), elapsed - self.least_pass_at)
        if self.max_downtime and (self.downtime_now or 0) < self.max_downtime:
            self.ramp, self.downtime_now, self.stall_acted_at = [], self.max_downtime, elapsed
            decisions.extend([(STALLED, what), (SET_DOWNTIME, self.max_downtime)])
            return SET_DOWNTIME
        if self.post_copy_permitted:
            self.stall_acted_at = elapsed
            decisions.append((STALLED, what))
            decisions.append((POST_COPY, "stalled: %s" % what))
            return POST_COPY
        return None

    def decide(self, elapsed, sample, post_copy_started=False, paused_guest=False, aborted=False):
        """The decisions for a sample taken ``elapsed`` seconds after the start: [(kind, value)]."""
        decisions = []
        remaining = sample.data_remaining
        if remaining is not None and sample.data_total:
            if self.best_remaining is None or remaining < self.best_remaining:
                self.best_remaining, self.last_progress = remaining, elapsed
            if remaining == 0 and self.all_sent_at is None and not post_copy_started:
                # The destination finishes now (its daemon starts the copy). Waiting for it is not a
                # stalled transfer; libvirt's keepalive ends a dead one.
                self.all_sent_at = elapsed
                decisions.append((ALL_SENT, elapsed))
        if self.all_sent_at is not None:
            self.last_progress = elapsed
        if sample.iteration is not None and sample.iteration != self.iteration:
            # QEMU counts the first pass as 1 (0 before it starts): a pass that begins is the 2nd or later
            if sample.iteration >= 2 and remaining is not None and \
                    (self.least_pass is None or remaining < self.least_pass):
                self.least_pass, self.least_pass_at = remaining, elapsed
            self.iteration = sample.iteration
        while self.ramp and elapsed >= self.ramp[0][0]:
            self.downtime_now = self.ramp.pop(0)[1]
            decisions.append((SET_DOWNTIME, self.downtime_now))
        if self._stalled(elapsed, post_copy_started):
            switch = self._switch_over(sample, elapsed, decisions)
            if switch == POST_COPY:
                return decisions
        if self.post_copy_after_first_pass and not post_copy_started and (sample.iteration or 0) >= 2:
            decisions.append((POST_COPY, "the first pass is done (strategy auto chose post-copy)"))
            return decisions
        if self.post_copy_after is not None and not post_copy_started and elapsed >= self.post_copy_after:
            decisions.append((POST_COPY, "post_copy_after %d s" % self.post_copy_after))
            # Nothing else this sample: a post-copy migration must never be aborted (the source
            # cannot run again). Should the switch fail, the next sample decides anew.
            return decisions
        if self.completion_limit and elapsed >= self.completion_limit and not (post_copy_started or paused_guest):
            if self.best_remaining is None:
                # No data has moved: the destination has not started the incoming guest. Pausing
                # the guest (force_complete) would only stop it on the source; abort.
                if not aborted:
                    decisions.append((ABORT, "completion timeout %d s reached before any data moved (the destination "
                                             "had not started the incoming guest)" % self.completion_limit))
                return decisions
            decisions.append((COMPLETION_TIMEOUT, self.completion_limit))
            return decisions  # the job aborts, switches or pauses: that settles this sample
        if self.progress_limit and not post_copy_started and not aborted \
                and elapsed - self.last_progress >= self.progress_limit:
            decisions.append((ABORT, "no progress for %d s (progress_timeout)" % self.progress_limit))
        return decisions
