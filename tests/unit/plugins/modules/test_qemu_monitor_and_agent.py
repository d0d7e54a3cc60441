# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""qemu_monitor and guest_agent refuse bad input before they talk to QEMU (in-process, against
libvirt's test:///default driver, whose domain 'test' runs but has no QEMU); the integration
targets talk to real QEMU and a real qemu-ga."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest


from ansible_collections.virtops.libvirt.plugins.modules import guest_agent as guest_agent_module
from ansible_collections.virtops.libvirt.plugins.modules import qemu_monitor as qemu_monitor_module

libvirt = pytest.importorskip("libvirt")


@pytest.mark.parametrize("args, message", [
    (dict(name="test", command="info status", hmp=True, arguments={"a": 1}),
     "arguments are for QMP commands; a human monitor command carries them in its text"),
    (dict(name="test", command='{"execute": '), "command is not valid JSON"),
    (dict(name="test", command="info status"), "for a human monitor command such as 'info status' set hmp: true"),
    (dict(name="no-such-domain", command="query-status"), "domain no-such-domain does not exist"),
    (dict(name="test"), "one of the following is required: command, queries"),
])
def test_qemu_monitor_refusals(run_module, args, message):
    result = run_module(qemu_monitor_module, **args)
    assert result["failed"] and message in result["msg"] and not result.get("changed")


@pytest.mark.parametrize("args, message", [
    (dict(name="test", action="exec"), "action exec needs command"),
    (dict(name="test", action="set_password", user="root"), "action set_password needs password"),
    (dict(name="test", action="read_file"), "action read_file needs path"),
    (dict(name="test", wait_timeout=-1), "wait_timeout must be between 0 and 31536000, got -1"),
    (dict(name="test", max_bytes=2 ** 24 + 1), "max_bytes must be between 0 and 16777216, got 16777217"),
    (dict(name="test", action="read_file", path="/etc/passwd\x00.bak"), "character U+0000 at position 11 is a NUL"),
    (dict(name="no-such-domain"), "domain no-such-domain does not exist"),
])
def test_guest_agent_refusals(run_module, args, message):
    result = run_module(guest_agent_module, **args)
    assert result["failed"] and message in result["msg"] and not result.get("changed")


def test_the_password_never_reaches_the_result(run_module):
    result = run_module(guest_agent_module, name="no-such-domain", action="set_password", user="root",
                        password="s3cret-value")
    assert "s3cret-value" not in json.dumps(result)
