# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a live migration will finish, predicted before it starts, and the strategy that would.

Pure functions of the guest's figures - the memory it has touched, its dirty rate (libvirt's
dirty-rate calculation) - and of the link's bandwidth and the downtime allowed; nothing here
calls libvirt, so each case is a unit test.

Pre-copy sends the memory, then what the guest dirtied meanwhile, pass after pass; it converges
when what is left can be sent within the allowed downtime. QEMU's auto-converge throttles the
vCPUs after passes that did not shrink the data enough (20 %, then 10 % more each time), which
lowers the dirty rate in proportion. Post-copy always finishes - one pass, then the guest runs on
the destination and fetches the rest - but a failure after the switch loses the guest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MIB = 1024 * 1024
PRE_COPY, AUTO_CONVERGE, POST_COPY = "pre_copy", "auto_converge", "post_copy"
CONVERGES, NEEDS_HELP, CANNOT = "converges", "needs_help", "cannot"
# QEMU's auto-converge: first throttle, step, and the highest it goes.
THROTTLE_INITIAL, THROTTLE_STEP, THROTTLE_MAX = 20, 10, 99
# A pass whose dirtied data is more than this share of what it sent raises the throttle (QEMU's rule).
THROTTLE_TRIGGER = 0.5
MAX_PASSES = 100000
# A pass that leaves at least this share of what it sent dirty again does not shrink the data.
STEADY = 0.95
# A guest that dirtied less than this many times the memory in twice the time rewrites the same pages.
REWRITE_GROWTH = 1.5
# What a migration costs besides sending memory: the daemons' handshake, QEMU's setup, the
# destination's start (measured on the test bed: about half a second).
SETUP_SECONDS = 0.5


class Simulation:
    """One strategy's predicted course: seconds, downtime (ms), data sent (MiB), passes, the
    throttle it reached (percent), and whether it finished."""

    __slots__ = ("finished", "seconds", "downtime_ms", "data_mib", "passes", "throttle_pct")

    def __init__(self, finished, seconds, downtime_ms, data_mib, passes, throttle_pct=0):
        self.finished = finished
        self.seconds = seconds
        self.downtime_ms = downtime_ms
        self.data_mib = data_mib
        self.passes = passes
        self.throttle_pct = throttle_pct

    def as_dict(self):
        return dict(finishes=self.finished, seconds=round(self.seconds, 1),
                    downtime_ms=None if self.downtime_ms is None else int(round(self.downtime_ms)),
                    data_mib=int(round(self.data_mib)), iterations=self.passes, throttle_pct=self.throttle_pct)


def allowance(downtime, stall_limit=None):
    """The downtime allowed (seconds) at a second of the migration, and when it changes next:
    ``downtime`` is a constant in ms or the ramp [(second, ms), ...] the module steers by; with
    ``stall_limit`` a steady state that lasts that long gets the ramp's maximum at once (stall
    detection). Returns (allowed(second, steady_since), next_change(second, steady_since))."""
    ramp = [(0.0, downtime)] if isinstance(downtime, (int, float)) else list(downtime) or [(0.0, 0)]
    top = max(ms for _at, ms in ramp)

    def allowed(second, steady_since=None):
        if stall_limit and steady_since is not None and second - steady_since >= stall_limit:
            return top / 1000.0
        return max([ms for at, ms in ramp if at <= second] or [ramp[0][1]]) / 1000.0

    def next_change(second, steady_since=None):
        times = [at for at, ms in ramp if at > second and ms / 1000.0 > allowed(second, steady_since)]
        if stall_limit and steady_since is not None and allowed(second, steady_since) < top / 1000.0:
            times.append(max(second, steady_since + stall_limit))
        return min(times) if times else None
    return allowed, next_change


def working_set(short, long_):
    """The memory (MiB) a guest keeps rewriting, from two dirty-rate measurements ``short`` and
    ``long_`` - each (seconds, MiB/s), the long window about twice the short one - or None.

    QEMU's calculation counts the distinct pages that changed within its window, so the window's
    rate times its length is the memory dirtied in that time. A guest that dirties new memory finds
    about twice as much in twice the time; one that rewrites the same pages finds about the same
    (the long window found less than half again as much): that set bounds what a pass of any
    length leaves dirty. Without it a light guest that rewrites a few MiB every second would be
    predicted to dirty its rate times a pass of many seconds."""
    (short_s, short_rate), (long_s, long_rate) = short, long_
    if long_s < 1.5 * short_s:
        return None
    short_set, long_set = short_rate * short_s, long_rate * long_s
    if long_set < REWRITE_GROWTH * short_set or long_set == short_set == 0:
        return float(max(short_set, long_set))
    return None


def throttle_steps(params):
    """(first, step) of auto-converge's vCPU throttle in percent: the migration's
    ``auto_converge_initial_pct`` and ``auto_converge_increment_pct``, else QEMU's defaults."""
    return (params.get("auto_converge_initial_pct") or THROTTLE_INITIAL,
            params.get("auto_converge_increment_pct") or THROTTLE_STEP)


def simulate_pre_copy(memory_mib, dirty_mib_s, bandwidth_mib_s, downtime, throttle_ceiling=0, stall_limit=None,
                      working_set_mib=None, steps=(THROTTLE_INITIAL, THROTTLE_STEP)):
    """Pass by pass: each pass sends what the previous one left dirty (at most the memory, and at
    most the ``working_set_mib`` the guest keeps rewriting), the guest dirtying at ``dirty_mib_s``
    less the throttle; it converges when that fits in the downtime allowed then (``allowance``).
    ``throttle_ceiling`` 0 is plain pre-copy; otherwise auto-converge may throttle up to it, starting
    at ``steps[0]`` percent and adding ``steps[1]`` each time a pass still dirties too much. A steady
    state (the passes no longer shrink) waits for the allowance to rise - the ramp's next step, or
    stall detection - and never converges when nothing will."""
    allowed, next_change = allowance(downtime, stall_limit)
    bound = float(memory_mib) if working_set_mib is None else min(float(memory_mib), working_set_mib)
    to_send, seconds, data, throttle, passes, steady_since = float(memory_mib), SETUP_SECONDS, 0.0, 0, 0, None
    while passes < MAX_PASSES:
        passes += 1
        pass_s = to_send / bandwidth_mib_s
        seconds += pass_s
        data += to_send
        dirtied = min(bound, dirty_mib_s * (1 - throttle / 100.0) * pass_s)
        if dirtied / bandwidth_mib_s <= allowed(seconds, steady_since):
            downtime_s = dirtied / bandwidth_mib_s
            return Simulation(True, seconds + downtime_s, downtime_s * 1000, data + dirtied, passes, throttle)
        if throttle_ceiling and passes >= 2 and dirtied > THROTTLE_TRIGGER * to_send and \
                throttle < min(throttle_ceiling, THROTTLE_MAX):
            throttle = min(throttle_ceiling, THROTTLE_MAX, steps[0] if throttle == 0 else throttle + steps[1])
        elif passes >= 2 and dirtied >= STEADY * to_send:
            # not shrinking, and no more throttle: the same passes repeat until the allowance rises
            steady_since = seconds if steady_since is None else steady_since
            later = next_change(seconds, steady_since)
            if later is None:
                break
            repeats = max(1, int((later - seconds) / max(dirtied / bandwidth_mib_s, 1e-6)))
            data += bandwidth_mib_s * (later - seconds)
            passes += repeats
            seconds = later
        to_send = dirtied
    return Simulation(False, seconds, None, data, passes, throttle)


def simulate_post_copy(memory_mib, dirty_mib_s, bandwidth_mib_s, working_set_mib=None):
    """One full pass, then the switch: the pages dirtied during it are fetched afterwards; the
    guest's pause is the switch itself (device state), not a memory transfer."""
    first_s = memory_mib / float(bandwidth_mib_s)
    bound = float(memory_mib) if working_set_mib is None else min(float(memory_mib), working_set_mib)
    rest = min(bound, dirty_mib_s * first_s)
    return Simulation(True, SETUP_SECONDS + first_s + rest / bandwidth_mib_s, None, memory_mib + rest, 1)


class Prediction:
    """The measured figures, what each strategy would do, the verdict and the chosen strategy."""

    def __init__(self, memory_mib, dirty_mib_s, bandwidth_mib_s, downtime, permitted, throttle_ceiling,
                 time_limit=None, stall_limit=None, working_set_mib=None, steps=(THROTTLE_INITIAL, THROTTLE_STEP)):
        self.memory_mib = memory_mib
        self.dirty_mib_s = dirty_mib_s
        self.working_set_mib = working_set_mib
        self.bandwidth_mib_s = bandwidth_mib_s
        self.max_downtime_ms = downtime if isinstance(downtime, (int, float)) else max(ms for _at, ms in downtime)
        self.courses = {PRE_COPY: simulate_pre_copy(memory_mib, dirty_mib_s, bandwidth_mib_s, downtime,
                                                    stall_limit=stall_limit, working_set_mib=working_set_mib)}
        self.courses[AUTO_CONVERGE] = simulate_pre_copy(memory_mib, dirty_mib_s, bandwidth_mib_s, downtime,
                                                        throttle_ceiling or THROTTLE_MAX, stall_limit, working_set_mib,
                                                        steps)
        self.courses[POST_COPY] = simulate_post_copy(memory_mib, dirty_mib_s, bandwidth_mib_s, working_set_mib)
        self.throttle_ceiling = throttle_ceiling
        self.strategy, self.verdict, self.reason = choose(self.courses, permitted, throttle_ceiling, time_limit)

    def course(self):
        return self.courses.get(self.strategy) or self.courses[PRE_COPY]

    def as_dict(self):
        chosen = self.course()
        result = dict(
            memory_mib=int(round(self.memory_mib)), dirty_rate_mib_s=self.dirty_mib_s,
            working_set_mib=None if self.working_set_mib is None else int(round(self.working_set_mib)),
            bandwidth_mib_s=self.bandwidth_mib_s, max_downtime_ms=self.max_downtime_ms,
            verdict=self.verdict, strategy=self.strategy, reason=self.reason,
            strategies=dict((name, course.as_dict()) for name, course in sorted(self.courses.items())),
        )
        result.update((key, value) for key, value in chosen.as_dict().items() if key != "finishes")
        return result


def choose(courses, permitted, throttle_ceiling, time_limit=None):
    """(strategy, verdict, reason): plain pre-copy when it converges; else auto-converge when it is
    permitted and converges within ``throttle_ceiling``; else post-copy when permitted; else the
    verdict ``cannot`` (strategy None) naming what would have finished. A course longer than
    ``time_limit`` (the completion timeout, seconds) does not finish in time."""
    pre, auto, post = courses[PRE_COPY], courses[AUTO_CONVERGE], courses[POST_COPY]
    too_long = pre.finished and time_limit and pre.seconds > time_limit
    for course in (pre, auto):
        if course.finished and time_limit and course.seconds > time_limit:
            course.finished = False
    if pre.finished:
        return PRE_COPY, CONVERGES, "pre-copy converges in %d passes (%.1f s, about %d ms downtime)" % (
            pre.passes, pre.seconds, pre.downtime_ms)
    auto_fits = auto.finished and auto.throttle_pct <= (throttle_ceiling or THROTTLE_MAX)
    if too_long:
        why = "pre-copy would take about %.0f s, beyond the completion timeout of %d s" % (pre.seconds, time_limit)
    else:
        why = "pre-copy does not converge: %s" % (
            "the guest dirties memory faster than the link sends it" if pre.passes <= 2
            else "what the guest dirties during a pass never fits within the allowed downtime")
    if auto_fits and AUTO_CONVERGE in permitted:
        return AUTO_CONVERGE, NEEDS_HELP, "%s; auto-converge would, throttling the vCPUs to %d %%" % (
            why, auto.throttle_pct)
    if POST_COPY in permitted:
        return POST_COPY, NEEDS_HELP, "%s%s; post-copy finishes in about %.1f s (a failure after the switch " \
            "cannot be rolled back)" % (why, "" if auto_fits else ", nor would auto-converge within its throttle",
                                        post.seconds)
    would = [name for name, fits in ((AUTO_CONVERGE, auto_fits), (POST_COPY, True)) if fits]
    return None, CANNOT, "%s; %s would finish but %s permitted" % (
        why, " or ".join(would), "is not" if len(would) == 1 else "neither is")


def controls_for(strategy, params):
    """The controls of an ``auto`` migration for the chosen strategy: auto-converge only when
    chosen; post-copy when chosen, switching once the first pass has sent the memory (as the
    prediction assumes), or kept permitted behind plain pre-copy so that a stall can still switch."""
    if strategy == AUTO_CONVERGE:
        return dict(auto_converge=True, post_copy=False)
    if strategy == POST_COPY:
        return dict(auto_converge=False, post_copy=True, switch_after_first_pass=True)
    return dict(auto_converge=False, post_copy=params["post_copy"])


def permitted_strategies(params):
    """What ``auto`` may choose besides plain pre-copy: the helpers the user's controls permit."""
    return tuple(name for name, option in ((AUTO_CONVERGE, "auto_converge"), (POST_COPY, "post_copy"))
                 if params[option])


def measured_against(prediction, stats):
    """The prediction's figures beside what the migration's final statistics say, and the time's
    error in percent."""
    actual = dict(
        seconds=round(stats.get("time_elapsed", 0) / 1000.0, 1) if "time_elapsed" in stats else None,
        downtime_ms=stats.get("downtime"),
        data_mib=int(round(stats["data_processed"] / float(MIB))) if "data_processed" in stats else None,
        iterations=stats.get("memory_iteration"),
    )
    predicted = prediction.course().as_dict()
    shown = dict(predicted=dict((key, predicted[key]) for key in actual), actual=actual)
    if actual["seconds"] and predicted["seconds"]:
        shown["seconds_error_pct"] = int(round((actual["seconds"] - predicted["seconds"]) * 100.0 / predicted["seconds"]))
    return shown
