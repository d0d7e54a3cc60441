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


class JobSample:
    """The figures of one reading of libvirt's job statistics that steering uses, typed."""

    __slots__ = ("active", "data_total", "data_remaining", "throttle_pct")

    def __init__(self, active, data_total=None, data_remaining=None, throttle_pct=0):
        self.active = active  # a migration job was running when read (libvirt's BOUNDED/UNBOUNDED)
        self.data_total = data_total
        self.data_remaining = data_remaining
        self.throttle_pct = throttle_pct

    @classmethod
    def from_stats(cls, stats, active_types):
        """From the dictionary ``virDomainGetJobStats`` returns; ``active_types`` are libvirt's job
        types of a running job."""
        return cls(stats.get("type") in active_types, stats.get("data_total"), stats.get("data_remaining"),
                   stats.get("auto_converge_throttle", 0))


class Steering:
    """The steering rules of one migration, with what they remember between samples: the ramp
    steps still to come, the least data left so far and when that was, when all data was sent.

    ``downtime_ramp``: [(seconds, ms), ...] in order; ``post_copy_after``: seconds or None;
    ``completion_limit`` / ``progress_limit``: seconds or None.
    """

    def __init__(self, downtime_ramp, post_copy_after=None, completion_limit=None, progress_limit=None):
        self.ramp = list(downtime_ramp)
        self.post_copy_after = post_copy_after
        self.completion_limit = completion_limit
        self.progress_limit = progress_limit
        self.best_remaining = None
        self.last_progress = 0.0  # seconds since the start at which the data left last fell
        self.all_sent_at = None  # seconds since the start at which nothing was left to send

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
        while self.ramp and elapsed >= self.ramp[0][0]:
            decisions.append((SET_DOWNTIME, self.ramp.pop(0)[1]))
        if self.post_copy_after is not None and not post_copy_started and elapsed >= self.post_copy_after:
            decisions.append((POST_COPY, "post_copy_after %d s" % self.post_copy_after))
            # Nothing else this sample: a post-copy migration must never be aborted (the source
            # cannot run again). Should the switch fail, the next sample decides anew.
            return decisions
        if self.completion_limit and elapsed >= self.completion_limit and not (post_copy_started or paused_guest):
            decisions.append((COMPLETION_TIMEOUT, self.completion_limit))
            return decisions  # the job aborts, switches or pauses: that settles this sample
        if self.progress_limit and not post_copy_started and not aborted \
                and elapsed - self.last_progress >= self.progress_limit:
            decisions.append((ABORT, "no progress for %d s (progress_timeout)" % self.progress_limit))
        return decisions
