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


@pytest.fixture
def conn():
    connection = libvirt.open("test:///default")
    yield connection
    connection.close()


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
