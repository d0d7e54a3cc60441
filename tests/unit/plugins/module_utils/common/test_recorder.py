# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ChangeRecorder on libvirt's test:///default driver: what a run reports, and how a failed call reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.recorder import ChangeRecorder

libvirt = pytest.importorskip("libvirt")


def test_records_and_calls(conn):
    result = {}
    record = ChangeRecorder(result, False, "pool default-pool").record
    assert record("look at it", conn.storagePoolLookupByName, "default-pool").name() == "default-pool"
    assert result == {"changed": True, "actions": ["look at it"]}


def test_check_mode_records_without_calling(conn):
    result = {}
    record = ChangeRecorder(result, True, "pool default-pool").record
    assert record("stop", conn.storagePoolLookupByName("default-pool").destroy) is None
    assert conn.storagePoolLookupByName("default-pool").isActive()
    assert result == {"changed": True, "actions": ["stop"]}


def test_a_failed_call_names_the_subject_the_action_and_what_was_done(conn):
    result = {}
    record = ChangeRecorder(result, False, "pool virtops-x").record
    record("define")
    with pytest.raises(VirtopsError) as failure:
        record("start", conn.storagePoolLookupByName, "virtops-no-such-pool")
    assert failure.value.msg.startswith("pool virtops-x: start failed: ")
    assert "virtops-no-such-pool" in failure.value.msg
    assert failure.value.details == {"actions": ["define"], "changed": True}


def test_a_call_that_failed_after_it_took_effect_counts_as_done():
    """Issue 12, item 17: a live detach that gives up was reported unchanged although the request
    was sent (and the guest may still act on it)."""
    result = {}
    recorder = ChangeRecorder(result, False, "disk of domain d")

    def detach():
        raise VirtopsError("the guest did not release it", took_effect=True)
    with pytest.raises(VirtopsError) as failure:
        recorder.record("detach /a from the running domain", detach)
    assert failure.value.details == {"actions": ["detach /a from the running domain"], "changed": True}
    assert "already done: detach /a from the running domain" in failure.value.msg


def test_rollback_forgets_what_another_run_did():
    result = {}
    recorder = ChangeRecorder(result, False, "domain d")
    recorder.note("refresh")
    mark = recorder.mark()
    recorder.record("start")
    recorder.rollback(mark)
    assert result == {"changed": False, "actions": ["refresh"]}
