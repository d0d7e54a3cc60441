# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting with a deadline on the monotonic clock (a wall-clock step must not end or stretch a wait)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

POLL_INTERVAL = 0.2


class Deadline:
    """A point ``timeout`` seconds from now."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.started = time.monotonic()
        self.at = self.started + timeout

    def remaining(self):
        return max(0.0, self.at - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.at

    def elapsed(self):
        return time.monotonic() - self.started


def wait_until(read, accept, timeout, interval=POLL_INTERVAL, first=None):
    """Call ``read()`` until ``accept(value)`` holds or ``timeout`` seconds pass.

    Returns (True, value) once accepted, (False, last value) when time ran out. ``read`` runs at
    least once, so a timeout of 0 still looks. With ``first``, the pauses start there and grow by
    half each time up to ``interval``: a wait that is often short (a job of a second) is not
    stretched to a whole interval, and a long one still reads rarely.
    """
    deadline = Deadline(timeout)
    pause = interval if first is None else min(first, interval)
    while True:
        value = read()
        if accept(value):
            return True, value
        if deadline.expired():
            return False, value
        time.sleep(min(pause, deadline.remaining()))
        pause = min(interval, pause * 1.5)


class StillRunning(Exception):
    """``call_within`` stopped waiting; the call goes on in its thread."""


def call_within(timeout, call, *args):
    """``call(*args)`` in a daemon thread, waited for at most ``timeout`` seconds.

    For a blocking call that cannot be interrupted (libvirt's volume clone): returns its result or
    raises its exception; raises StillRunning when the time is up, leaving the call running (a
    daemon thread does not keep the module's process alive).
    """
    outcome = {}

    def target():
        try:
            outcome["result"] = call(*args)
        except BaseException as exc:  # pylint: disable=broad-except  # re-raised by the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="call_within", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StillRunning()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
