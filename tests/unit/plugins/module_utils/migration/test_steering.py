# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The steering rules of a running migration, case by case: each sample is (seconds since the
start, data left of the total) and the test reads the decisions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.migration.plan import downtime_steps
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.steering import (
    ABORT, ALL_SENT, COMPLETION_TIMEOUT, POST_COPY, SET_DOWNTIME, STALLED, JobSample, Steering,
)

GIB = 1024 ** 3


def sample(remaining, total=GIB):
    return JobSample(True, total, remaining)


def kinds(decisions):
    return [kind for kind, _value in decisions]


def test_the_ramp_starts_at_once_and_each_step_comes_at_its_second():
    # Nova's defaults for a 1 GiB guest: 500 ms in 10 steps, 75 s per GiB apart
    steering = Steering(downtime_steps(500, 10, 75, 1.0))
    assert steering.decide(0.0, sample(GIB)) == [(SET_DOWNTIME, 50)]
    assert steering.decide(74.9, sample(GIB // 2)) == []
    assert steering.decide(75.0, sample(GIB // 3)) == [(SET_DOWNTIME, 95)]
    assert steering.decide(76.0, sample(GIB // 4)) == []


def test_steps_that_fell_due_between_two_samples_all_apply_in_order():
    steering = Steering([(0.0, 30), (10.0, 60), (20.0, 90), (30.0, 120)])
    steering.decide(0.0, sample(GIB))
    assert steering.decide(25.0, sample(GIB // 2)) == [(SET_DOWNTIME, 60), (SET_DOWNTIME, 90)]
    assert steering.decide(1000.0, sample(GIB // 4)) == [(SET_DOWNTIME, 120)]
    assert steering.decide(2000.0, sample(GIB // 8)) == []


def test_no_ramp_sets_the_whole_allowance_once():
    steering = Steering(downtime_steps(2000, 0, 75, 1.0))
    assert steering.decide(0.0, sample(GIB)) == [(SET_DOWNTIME, 2000)]
    assert steering.decide(5.0, sample(0)) == [(ALL_SENT, 5.0)]


def test_a_transfer_whose_remaining_data_does_not_fall_is_aborted_after_the_progress_timeout():
    steering = Steering([], progress_limit=30)
    assert steering.decide(0.0, sample(GIB)) == []
    assert steering.decide(10.0, sample(GIB // 2)) == []  # progress at 10 s
    assert steering.decide(39.9, sample(GIB // 2)) == []
    assert steering.decide(40.0, sample(GIB)) == [(ABORT, "no progress for 30 s (progress_timeout)")]


def test_progress_is_the_least_data_left_so_far_so_a_rise_and_fall_back_is_no_progress():
    steering = Steering([], progress_limit=30)
    steering.decide(0.0, sample(100))
    steering.decide(10.0, sample(500))  # the guest dirtied more than was sent
    assert steering.decide(29.0, sample(100)) == []  # back to the least: still none since 0 s
    assert kinds(steering.decide(30.0, sample(100))) == [ABORT]
    assert kinds(steering.decide(31.0, sample(99))) == []  # less than ever: progress


def test_no_abort_once_aborted_nor_in_post_copy():
    steering = Steering([], progress_limit=5)
    steering.decide(0.0, sample(GIB))
    assert steering.decide(6.0, sample(GIB), aborted=True) == []
    assert steering.decide(7.0, sample(GIB), post_copy_started=True) == []


def test_all_data_sent_is_reported_once_and_waiting_for_the_destination_is_not_a_stall():
    steering = Steering([], progress_limit=5)
    steering.decide(0.0, sample(GIB))
    assert steering.decide(3.0, sample(0)) == [(ALL_SENT, 3.0)]
    assert steering.decide(60.0, sample(0)) == []  # the destination's finish takes long: no abort
    assert steering.all_sent_at == 3.0


def test_all_data_sent_is_not_reported_in_post_copy():
    steering = Steering([])
    assert steering.decide(1.0, sample(0), post_copy_started=True) == []
    assert steering.all_sent_at is None


def test_samples_without_figures_are_neither_progress_nor_all_sent():
    # libvirt's first reading of a job, and the reading after it ended, have no data total
    steering = Steering([], progress_limit=10)
    assert steering.decide(0.0, JobSample(True, 0, 0)) == []
    assert steering.decide(5.0, JobSample(False)) == []
    assert kinds(steering.decide(10.0, JobSample(True, None, None))) == [ABORT]


def test_post_copy_is_switched_to_at_post_copy_after_until_it_started():
    steering = Steering([], post_copy_after=20)
    assert steering.decide(19.0, sample(GIB)) == []
    assert steering.decide(20.0, sample(GIB)) == [(POST_COPY, "post_copy_after 20 s")]
    assert steering.decide(21.0, sample(GIB)) == [(POST_COPY, "post_copy_after 20 s")]  # the switch failed
    assert steering.decide(22.0, sample(GIB), post_copy_started=True) == []


def test_the_completion_timeout_comes_at_its_limit_until_the_guest_is_paused_or_in_post_copy():
    steering = Steering([], completion_limit=800)
    assert steering.decide(799.0, sample(GIB)) == []
    assert steering.decide(800.0, sample(GIB)) == [(COMPLETION_TIMEOUT, 800)]
    assert steering.decide(801.0, sample(GIB), paused_guest=True) == []
    assert steering.decide(802.0, sample(GIB), post_copy_started=True) == []


def test_a_completion_timeout_before_any_data_moved_aborts_and_never_pauses_the_guest():
    # the destination's preparation of the incoming guest hangs: libvirt reports no figures
    steering = Steering([], completion_limit=30)
    assert steering.decide(29.0, JobSample(True, None, None)) == []
    assert steering.decide(30.0, JobSample(True, 0, 0)) == [
        (ABORT, "completion timeout 30 s reached before any data moved (the destination had not started the "
                "incoming guest)")]
    assert steering.decide(31.0, JobSample(True, None, None), aborted=True) == []
    moving = Steering([], completion_limit=30)
    moving.decide(1.0, sample(GIB))
    assert moving.decide(30.0, sample(GIB // 2)) == [(COMPLETION_TIMEOUT, 30)]


def test_no_limits_no_decisions_but_the_ramp():
    steering = Steering([(0.0, 300)])
    assert steering.decide(0.0, sample(GIB)) == [(SET_DOWNTIME, 300)]
    assert steering.decide(10 ** 6, sample(GIB)) == []


def test_a_switch_to_post_copy_settles_its_sample_so_a_post_copy_migration_is_never_aborted():
    steering = Steering([(0.0, 50), (10.0, 100)], post_copy_after=10, completion_limit=10, progress_limit=10)
    steering.decide(0.0, sample(GIB))
    assert kinds(steering.decide(10.0, sample(GIB))) == [SET_DOWNTIME, POST_COPY]
    # the switch failed: the next sample decides anew, the timeouts included
    assert kinds(steering.decide(11.0, sample(GIB))) == [POST_COPY]
    assert kinds(steering.decide(12.0, sample(GIB), post_copy_started=True)) == []


def test_the_completion_timeout_settles_its_sample_the_progress_timeout_waits_for_the_next():
    steering = Steering([], completion_limit=10, progress_limit=10)
    steering.decide(0.0, sample(GIB))
    assert kinds(steering.decide(10.0, sample(GIB))) == [COMPLETION_TIMEOUT]
    assert kinds(steering.decide(11.0, sample(GIB), aborted=True)) == [COMPLETION_TIMEOUT]  # the job keeps its abort
    assert kinds(steering.decide(12.0, sample(GIB), paused_guest=True)) == [ABORT]


def test_job_sample_from_libvirt_statistics():
    active = JobSample.from_stats({"type": 2, "data_total": 10, "data_remaining": 4,
                                   "auto_converge_throttle": 30}, (1, 2))
    assert (active.active, active.data_total, active.data_remaining, active.throttle_pct) == (True, 10, 4, 30)
    ended = JobSample.from_stats({"type": 3}, (1, 2))
    assert (ended.active, ended.data_total, ended.throttle_pct) == (False, None, 0)


# -- stall detection --------------------------------------------------------------------------------------
def passing(remaining, iteration, total=GIB):
    return JobSample(True, total, remaining, 0, iteration)


def test_a_stall_raises_the_downtime_to_its_maximum_at_once_then_switches_to_post_copy():
    ramp = downtime_steps(500, 10, 75, 1.0)
    steering = Steering(ramp, stall_limit=10, post_copy_permitted=True, progress_limit=150)
    steering.decide(0.0, passing(GIB, 1))
    steering.decide(4.0, passing(GIB // 100, 1))  # within a pass the data left falls to nearly nothing
    steering.decide(5.0, passing(GIB // 4, 2))  # the second pass starts with what was dirtied: 256 MiB
    steering.decide(9.0, passing(GIB // 50, 2))
    assert steering.decide(14.9, passing(GIB // 3, 3)) == []  # no pass began with less than 256 MiB: 9.9 s
    stalled = steering.decide(15.0, passing(GIB // 3, 3))
    assert kinds(stalled) == [STALLED, SET_DOWNTIME] and stalled[1][1] == 500
    assert "at each pass has not fallen below 256 MiB for 10 s" in stalled[0][1]
    assert steering.decide(24.9, passing(GIB // 3, 4)) == []  # the rest of the ramp is gone; 9.9 s since
    switched = steering.decide(25.0, passing(GIB // 2, 4))
    assert kinds(switched) == [STALLED, POST_COPY] and switched[1][1].startswith("stalled: ")


def test_a_pass_that_begins_with_less_resets_the_stall_clock():
    steering = Steering([(0.0, 500)], stall_limit=10, post_copy_permitted=True)
    steering.decide(0.0, passing(GIB, 1))
    steering.decide(9.0, passing(GIB // 2, 2))
    assert steering.decide(18.0, passing(GIB // 3, 3)) == []  # this pass began with less, at 18 s
    assert steering.decide(27.9, passing(GIB // 3, 4)) == []
    assert kinds(steering.decide(28.0, passing(GIB // 2, 4))) == [STALLED, POST_COPY]  # max downtime was set at once


def test_the_first_pass_is_no_stall_however_long_it_takes():
    steering = Steering([(0.0, 500)], stall_limit=10, post_copy_permitted=True)
    steering.decide(0.0, passing(GIB, 1))
    assert steering.decide(100.0, passing(GIB // 2, 1)) == []


def test_the_first_pass_is_no_stall_when_the_job_was_seen_before_it_began():
    # seen on the test bed (QEMU 7.2): the first sample reported pass 0, the first pass is 1; a first
    # pass longer than the limit raised the downtime and later switched to post-copy within that pass
    steering = Steering([(0.0, 50), (30.0, 500)], stall_limit=8, post_copy_permitted=True)
    steering.decide(0.0, passing(GIB, 0))
    steering.decide(0.8, passing(GIB - 1, 1))
    assert steering.decide(8.8, passing(GIB // 2, 1)) == []
    assert steering.decide(20.0, passing(GIB // 10, 1)) == []


def test_without_post_copy_a_stall_at_maximum_downtime_is_left_to_the_progress_timeout():
    steering = Steering([(0.0, 500)], stall_limit=10, progress_limit=30)
    steering.decide(0.0, passing(GIB, 1))
    steering.decide(1.0, passing(GIB // 2, 2))
    assert steering.decide(11.0, passing(GIB // 2, 3)) == []  # nothing left to switch to
    assert kinds(steering.decide(31.0, passing(GIB // 2, 4))) == [ABORT]


def test_no_stall_is_seen_without_the_limit_after_all_data_was_sent_or_after_the_switch():
    off = Steering([(0.0, 500)])
    off.decide(0.0, passing(GIB, 1))
    off.decide(1.0, passing(GIB, 2))
    assert off.decide(500.0, passing(GIB, 3)) == []
    sent = Steering([(0.0, 500)], stall_limit=5, post_copy_permitted=True)
    sent.decide(0.0, passing(GIB, 1))
    sent.decide(1.0, passing(GIB // 2, 2))
    assert kinds(sent.decide(2.0, passing(0, 2))) == [ALL_SENT]
    assert sent.decide(60.0, passing(0, 2)) == []
    switched = Steering([(0.0, 500)], stall_limit=5, post_copy_permitted=True)
    switched.decide(0.0, passing(GIB, 1))
    switched.decide(1.0, passing(GIB, 2))
    assert switched.decide(60.0, passing(GIB, 3), post_copy_started=True) == []


def test_auto_post_copy_switches_once_the_first_pass_is_done():
    steering = Steering([(0.0, 500)], stall_limit=20, post_copy_permitted=True, post_copy_after_first_pass=True)
    assert kinds(steering.decide(0.0, passing(GIB, 1))) == [SET_DOWNTIME]
    assert steering.decide(10.0, passing(GIB // 10, 1)) == []  # the first pass still sends
    switched = steering.decide(11.0, passing(GIB // 2, 2))
    assert switched == [(POST_COPY, "the first pass is done (strategy auto chose post-copy)")]
    assert steering.decide(12.0, passing(GIB // 2, 2), post_copy_started=True) == []
