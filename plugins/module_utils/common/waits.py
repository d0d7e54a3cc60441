# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting with a deadline on the monotonic clock (a wall-clock step must not end or stretch a wait)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


def wait_until(read, accept, timeout, interval=POLL_INTERVAL):
    """Call ``read()`` until ``accept(value)`` holds or ``timeout`` seconds pass.

    Returns (True, value) once accepted, (False, last value) when time ran out. ``read`` runs at
    least once, so a timeout of 0 still looks.
    """
    deadline = Deadline(timeout)
    while True:
        value = read()
        if accept(value):
            return True, value
        if deadline.expired():
            return False, value
        time.sleep(min(interval, deadline.remaining()))
