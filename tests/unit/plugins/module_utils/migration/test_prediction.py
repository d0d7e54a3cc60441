# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The prediction of a live migration, case by case: plain pre-copy that converges, a guest that
dirties faster than the link (auto-converge or post-copy needed), and what is permitted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.migration.prediction import (
    allowance, AUTO_CONVERGE, CANNOT, CONVERGES, NEEDS_HELP, POST_COPY, PRE_COPY, Prediction, simulate_post_copy,
    simulate_pre_copy, working_set,
)

BOTH = (AUTO_CONVERGE, POST_COPY)


def test_an_idle_guest_converges_in_one_pass():
    course = simulate_pre_copy(256, 1, 32, 500)
    assert course.finished and course.passes == 1
    assert course.seconds == pytest.approx(8.75) and course.downtime_ms == pytest.approx(250)
    assert course.data_mib == pytest.approx(264)


def test_a_light_guest_needs_a_few_passes_each_smaller():
    course = simulate_pre_copy(1024, 40, 100, 300)
    # 10.24 s, then 409.6 MiB (4.1 s), 163.8 (1.6 s), 65.5 (0.66 s), 26.2 -> 0.26 s of downtime
    assert course.finished and course.passes == 4
    assert course.seconds == pytest.approx(0.5 + 10.24 + 4.096 + 1.638 + 0.655 + 0.262, rel=1e-3)
    assert course.downtime_ms == pytest.approx(262, rel=1e-2)


def test_a_guest_dirtying_faster_than_the_link_never_converges_by_itself():
    course = simulate_pre_copy(256, 38, 16, 500)
    assert not course.finished and course.downtime_ms is None and course.passes == 2  # the second did not shrink


def test_auto_converge_throttles_until_it_converges_or_reaches_its_ceiling():
    course = simulate_pre_copy(256, 38, 16, 500, throttle_ceiling=99)
    assert course.finished and 20 <= course.throttle_pct <= 99
    assert 38 * (1 - course.throttle_pct / 100.0) < 16  # throttled below what the link sends
    capped = simulate_pre_copy(256, 38, 16, 500, throttle_ceiling=50)
    assert not capped.finished and capped.throttle_pct == 50


def test_a_steeper_throttle_converges_in_fewer_passes_and_sooner():
    default = simulate_pre_copy(256, 38, 16, 500, throttle_ceiling=99)
    steep = simulate_pre_copy(256, 38, 16, 500, throttle_ceiling=99, steps=(60, 20))
    assert default.finished and steep.finished
    assert steep.passes < default.passes and steep.seconds < default.seconds
    assert steep.throttle_pct >= 60 and (steep.throttle_pct - 60) % 20 == 0
    # the prediction takes the same steps
    prediction = Prediction(256, 38, 16, 500, BOTH, 99, steps=(60, 20))
    assert prediction.courses[AUTO_CONVERGE].passes == steep.passes


def test_post_copy_always_finishes_with_one_pass_and_the_rest_fetched():
    course = simulate_post_copy(256, 38, 16)
    assert course.finished and course.passes == 1 and course.downtime_ms is None
    assert course.seconds == pytest.approx(32.5) and course.data_mib == pytest.approx(512)


@pytest.mark.parametrize("dirty, permitted, ceiling, strategy, verdict, said", [
    (1, BOTH, 99, PRE_COPY, CONVERGES, "pre-copy converges in 1 passes"),
    (38, BOTH, 99, AUTO_CONVERGE, NEEDS_HELP, "auto-converge would, throttling the vCPUs to"),
    (38, (POST_COPY,), 99, POST_COPY, NEEDS_HELP, "post-copy finishes in about 32.5 s"),
    (38, BOTH, 50, POST_COPY, NEEDS_HELP, "nor would auto-converge within its throttle"),
    (38, (AUTO_CONVERGE,), 50, None, CANNOT, "post_copy would finish but is not permitted"),
    (38, (), 99, None, CANNOT, "auto_converge or post_copy would finish but neither is permitted"),
])
def test_the_strategy_is_the_first_that_finishes_within_what_is_permitted(dirty, permitted, ceiling, strategy,
                                                                          verdict, said):
    prediction = Prediction(256, dirty, 16 if dirty > 1 else 32, 500, permitted, ceiling)
    assert (prediction.strategy, prediction.verdict) == (strategy, verdict)
    assert said in prediction.reason
    shown = prediction.as_dict()
    assert shown["verdict"] == verdict and set(shown["strategies"]) == set([PRE_COPY, AUTO_CONVERGE, POST_COPY])
    assert shown["strategies"][PRE_COPY]["finishes"] is (verdict == CONVERGES)


def test_a_course_longer_than_the_completion_timeout_does_not_finish_in_time():
    prediction = Prediction(4096, 1, 16, 500, (POST_COPY,), 99, time_limit=120)
    assert prediction.courses[PRE_COPY].seconds > 120
    assert (prediction.strategy, prediction.verdict) == (POST_COPY, NEEDS_HELP)
    assert "beyond the completion timeout of 120 s" in prediction.reason


def test_the_allowance_follows_the_ramp_and_stall_detection_takes_its_maximum():
    ramp = [(0.0, 50), (150.0, 95), (300.0, 140)]
    allowed, next_change = allowance(ramp)
    assert (allowed(0), allowed(149.9), allowed(150), allowed(1000)) == (0.05, 0.05, 0.095, 0.14)
    assert (next_change(10), next_change(200), next_change(400)) == (150.0, 300.0, None)
    stalled, stalled_next = allowance(ramp, stall_limit=20)
    assert stalled(30, steady_since=5) == 0.14 and stalled(24, steady_since=5) == 0.05
    assert stalled_next(10, steady_since=5) == 25  # the stall switch comes before the ramp's step
    assert allowance(500)[0](0) == 0.5 and allowance(500)[1](0) is None


def test_a_ramp_that_starts_low_delays_convergence_until_its_step():
    # 64 MiB dirtied at 2 MiB/s over 16 MiB/s: passes of 4 s, 0.5 s, 62 ms... the last 0.125 MiB
    # needs 8 ms, within the first step's 50 ms: no wait
    quick = simulate_pre_copy(64, 2, 16, [(0.0, 50), (150.0, 500)])
    assert quick.finished and quick.seconds < 10
    # 8 MiB dirtied at 15.5 MiB/s over 16 MiB/s: each pass leaves ~0.48 s of data, above 50 ms and
    # no longer shrinking - it waits for the 500 ms step at 150 s, or for stall detection at 20 s
    steady = simulate_pre_copy(8, 15.5, 16, [(0.0, 50), (150.0, 500)])
    assert steady.finished and 150 <= steady.seconds < 151.5 and 400 < steady.downtime_ms <= 500
    with_stall = simulate_pre_copy(8, 15.5, 16, [(0.0, 50), (150.0, 500)], stall_limit=20)
    assert with_stall.finished and 21 <= with_stall.seconds < 23  # steady from the second pass on
    assert not simulate_pre_copy(8, 15.5, 16, [(0.0, 50)], stall_limit=20).finished  # nothing to rise to


def test_auto_post_copy_switches_after_the_first_pass_and_the_others_keep_the_user_s_permission():
    from ansible_collections.virtops.libvirt.plugins.module_utils.migration.prediction import controls_for
    assert controls_for(POST_COPY, dict(post_copy=True)) == dict(auto_converge=False, post_copy=True,
                                                                 switch_after_first_pass=True)
    assert controls_for(AUTO_CONVERGE, dict(post_copy=True)) == dict(auto_converge=True, post_copy=False)
    assert controls_for(PRE_COPY, dict(post_copy=True)) == dict(auto_converge=False, post_copy=True)


# Measured on the test bed (QEMU 7.2, TCG, 192 MiB guests, 1 s then 2 s windows): a light guest
# rewriting 4 MiB each second, a heavy one rewriting 32 MiB without pause.
@pytest.mark.parametrize("short, long_, expected", [
    ((1, 6), (2, 2), 6.0),     # light: 6 MiB in one second, 4 in two - the same pages again
    ((1, 36), (2, 20), 40.0),  # heavy: 36 MiB, then 40 - a set of about 32 MiB rewritten
    ((1, 0), (2, 0), 0.0),     # idle
    ((1, 10), (2, 10), None),  # twice the memory in twice the time: new memory, no bound seen
    ((1, 0), (2, 2), None),    # nothing, then something: no bound seen
    ((2, 10), (2, 5), None),   # windows of the same length say nothing about a set
])
def test_working_set_is_seen_when_a_longer_window_finds_about_the_same_pages(short, long_, expected):
    assert working_set(short, long_) == expected


def test_a_light_guests_passes_shrink_to_its_working_set_not_its_rate_times_the_pass():
    # 95 MiB to send at 8 MiB/s, 6 MiB/s measured over a 6 MiB set
    bounded = simulate_pre_copy(95, 6, 8, 500, working_set_mib=6)
    unbounded = simulate_pre_copy(95, 6, 8, 500)
    assert bounded.finished and bounded.passes <= 4
    assert 12.0 < bounded.seconds < 14.5
    assert unbounded.seconds > 2 * bounded.seconds


def test_post_copy_fetches_at_most_the_working_set_after_the_switch():
    assert simulate_post_copy(113, 36, 8, working_set_mib=40).data_mib == pytest.approx(153)
    assert simulate_post_copy(113, 36, 8).data_mib == pytest.approx(226)


def test_the_prediction_reports_the_working_set():
    assert Prediction(95, 6, 8, 500, (), 0, working_set_mib=6).as_dict()["working_set_mib"] == 6
    assert Prediction(95, 6, 8, 500, (), 0).as_dict()["working_set_mib"] is None
