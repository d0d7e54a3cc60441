# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_timeout
from ansible_collections.virtops.libvirt.plugins.module_utils.common import waits
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import StillRunning, call_within, wait_until


def test_call_within_returns_the_result_of_a_call_that_ends_in_time():
    assert call_within(5, lambda a, b: a + b, 2, 3) == 5


def test_call_within_raises_the_calls_own_error():
    def fails():
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        call_within(5, fails)


def test_call_within_stops_waiting_and_leaves_the_call_running():
    release = threading.Event()
    finished = threading.Event()

    def blocks():
        release.wait(10)
        finished.set()

    started = time.monotonic()
    with pytest.raises(StillRunning):
        call_within(0.2, blocks)
    assert time.monotonic() - started < 2
    assert not finished.is_set()
    release.set()
    assert finished.wait(5)


@pytest.mark.parametrize("value", [0, -1, 365 * 24 * 3600 + 1, 10 ** 30])
def test_a_timeout_is_between_one_second_and_a_year(value):
    with pytest.raises(VirtopsError, match=r"timeout is the seconds an import may take: between 1 and 31536000 "
                                           r"\(got %d\)" % value):
        check_timeout(value, "timeout", "an import")


def test_one_second_is_a_timeout():
    check_timeout(1, "timeout", "an import")


def test_wait_until_pauses_grow_from_first_to_the_interval(monkeypatch):
    pauses = []
    monkeypatch.setattr(waits.time, "sleep", pauses.append)
    reads = iter(range(10))
    assert wait_until(lambda: next(reads), lambda value: value == 7, 60, interval=0.5, first=0.05) == (True, 7)
    assert pauses == pytest.approx([0.05, 0.075, 0.1125, 0.16875, 0.253125, 0.3796875, 0.5])


def test_wait_until_without_first_pauses_the_whole_interval(monkeypatch):
    pauses = []
    monkeypatch.setattr(waits.time, "sleep", pauses.append)
    reads = iter(range(10))
    assert wait_until(lambda: next(reads), lambda value: value == 2, 60, interval=0.5) == (True, 2)
    assert pauses == [0.5, 0.5]
