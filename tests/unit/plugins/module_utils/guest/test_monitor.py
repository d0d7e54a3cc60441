# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The QEMU monitor helpers: what a command parses to, which commands only read, and the typed
queries' shapes on replies as QEMU 7.2 gives them (the integration target reads a live guest)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.monitor import (
    QUERIES, is_read_only, parse_qmp, qmp_reply,
)


@pytest.mark.parametrize("command, arguments, message", [
    ("query-status", None, {"execute": "query-status"}),
    ("qom-get", {"path": "/machine", "property": "type"},
     {"execute": "qom-get", "arguments": {"path": "/machine", "property": "type"}}),
    ('{"execute": "query-block"}', None, {"execute": "query-block"}),
    (' {"execute": "stop"} ', {"x": 1}, {"execute": "stop", "arguments": {"x": 1}}),
])
def test_a_command_name_or_a_json_message_becomes_one_qmp_message(command, arguments, message):
    assert parse_qmp(command, arguments) == message


@pytest.mark.parametrize("command, arguments, error", [
    ('{"execute": "query-block"', None, "command is not valid JSON"),
    ('{"exec": "query-block"}', None, 'a QMP message is an object with "execute" naming the command'),
    ('{"execute": "x", "arguments": {}}', {"a": 1}, "arguments are given twice"),
    ("info status", None, "is not a QMP command name; for a human monitor command such as 'info status' set hmp: true"),
    ("", None, "is not a QMP command name"),
])
def test_what_does_not_parse_says_why(command, arguments, error):
    with pytest.raises(VirtopsError) as caught:
        parse_qmp(command, arguments)
    assert error in caught.value.msg


@pytest.mark.parametrize("command, hmp, read_only", [
    ("query-block", False, True), ("qom-get", False, True), ("stop", False, False),
    ("announce-self", False, False), ("info status", True, True), ("info", True, True),
    ("system_reset", True, False), ("  ", True, False),
])
def test_only_queries_read(command, hmp, read_only):
    assert is_read_only(command, hmp) is read_only


def test_qemu_errors_carry_its_class_and_text():
    with pytest.raises(VirtopsError) as caught:
        qmp_reply(json.dumps({"id": "libvirt-1", "error": {
            "class": "CommandNotFound", "desc": "The command nope has not been found"}}))
    assert caught.value.msg == "QEMU refused the command: The command nope has not been found (CommandNotFound)"
    assert caught.value.details["qmp_error"]["class"] == "CommandNotFound"
    with pytest.raises(VirtopsError, match="not JSON"):
        qmp_reply("garbage")


def test_typed_queries_shape_qemus_replies():
    block = [{"device": "", "qdev": "/machine/peripheral/virtio-disk0/virtio-backend", "removable": False,
              "locked": False, "io-status": "ok",
              "inserted": {"file": "/var/lib/libvirt/images/g.qcow2", "drv": "qcow2", "ro": False,
                           "node-name": "libvirt-1-format", "cache": {"writeback": True},
                           "backing_file": "/var/lib/libvirt/images/base.raw"}}]
    shaped = QUERIES["block"][1](block)
    assert shaped == [dict(device="/machine/peripheral/virtio-disk0/virtio-backend", removable=False, locked=False,
                           io_status="ok", file="/var/lib/libvirt/images/g.qcow2", format="qcow2", read_only=False,
                           backing_file="/var/lib/libvirt/images/base.raw", node_name="libvirt-1-format",
                           cache=True)]
    assert QUERIES["status"][1]({"running": True, "singlestep": False, "status": "running"}) == dict(
        running=True, status="running", singlestep=False)
    assert QUERIES["migration"][1]({})["status"] == "none"
    assert QUERIES["memory"][1]({"base-memory": 134217728}) == dict(base_memory=134217728, plugged_memory=None)
    assert QUERIES["cpus"][1]([{"cpu-index": 0, "thread-id": 4242, "target": "x86_64", "qom-path": "/m/cpu"}])[0][
        "thread_id"] == 4242
