# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""QEMU's monitor through libvirt: one QMP or HMP command, which commands only read, and the typed
queries operators ask most (status, block devices and jobs, block statistics, migration, CPUs,
memory and balloon), each as plain data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

# QMP commands that only read, besides every query-*.
READ_ONLY_QMP = ("qom-get", "qom-list", "qom-list-types", "qom-list-properties", "device-list-properties")
# HMP commands that only read.
READ_ONLY_HMP = ("info",)


def parse_qmp(command, arguments=None):
    """The QMP message for ``command``: a command name ('query-status', with ``arguments``) or a
    whole JSON message ('{"execute": "query-status"}'). VirtopsError says what does not parse."""
    text = command.strip()
    if text.startswith("{"):
        try:
            message = json.loads(text)
        except ValueError as exc:
            raise VirtopsError("command is not valid JSON (%s); give a QMP message such as "
                               '{"execute": "query-status"} or just the command name' % exc)
        if not isinstance(message, dict) or not isinstance(message.get("execute"), str):
            raise VirtopsError('command: a QMP message is an object with "execute" naming the command, got %s' % text)
        if arguments:
            if "arguments" in message:
                raise VirtopsError("arguments are given twice: in the command's JSON and in arguments")
            message["arguments"] = arguments
        return message
    if not text or any(char.isspace() for char in text):
        raise VirtopsError("command %r is not a QMP command name; for a human monitor command such as "
                           "'info status' set hmp: true" % command)
    message = {"execute": text}
    if arguments:
        message["arguments"] = arguments
    return message


def is_read_only(command, hmp):
    """Whether a command only reads (query-*, qom-get, ...; HMP info ...)."""
    if hmp:
        return command.split(None, 1)[0] in READ_ONLY_HMP if command.strip() else False
    return command.startswith("query-") or command in READ_ONLY_QMP


def _device_name(device):
    return device.get("qdev") or device.get("device") or device.get("node-name")


def _block(reply):
    devices = []
    for device in reply:
        inserted = device.get("inserted") or {}
        devices.append(dict(
            device=_device_name(device), removable=device.get("removable"), locked=device.get("locked"),
            io_status=device.get("io-status"), file=inserted.get("file"), format=inserted.get("drv"),
            read_only=inserted.get("ro"), backing_file=inserted.get("backing_file"),
            node_name=inserted.get("node-name"), cache=(inserted.get("cache") or {}).get("writeback")))
    return devices


def _block_stats(reply):
    stats = []
    for device in reply:
        counters = device.get("stats") or {}
        stats.append(dict(
            device=_device_name(device),
            rd_bytes=counters.get("rd_bytes"), wr_bytes=counters.get("wr_bytes"),
            rd_operations=counters.get("rd_operations"), wr_operations=counters.get("wr_operations"),
            flush_operations=counters.get("flush_operations"),
            rd_total_time_ns=counters.get("rd_total_time_ns"), wr_total_time_ns=counters.get("wr_total_time_ns"),
            failed_rd_operations=counters.get("failed_rd_operations"),
            failed_wr_operations=counters.get("failed_wr_operations")))
    return stats


def _block_jobs(reply):
    return [dict(device=job.get("device"), type=job.get("type"), status=job.get("status"),
                 offset=job.get("offset"), length=job.get("len"), speed=job.get("speed"),
                 ready=job.get("ready"), paused=job.get("paused")) for job in reply]


def _cpus(reply):
    return [dict(index=cpu.get("cpu-index"), thread_id=cpu.get("thread-id"), target=cpu.get("target"),
                 qom_path=cpu.get("qom-path"), props=cpu.get("props")) for cpu in reply]


def _migration(reply):
    ram = reply.get("ram") or {}
    return dict(status=reply.get("status", "none"), total_time_ms=reply.get("total-time"),
                downtime_ms=reply.get("downtime"), expected_downtime_ms=reply.get("expected-downtime"),
                ram_transferred=ram.get("transferred"), ram_remaining=ram.get("remaining"),
                ram_total=ram.get("total"), dirty_pages_rate=ram.get("dirty-pages-rate"),
                error=reply.get("error-desc"))


def _memory(reply):
    return dict(base_memory=reply.get("base-memory"), plugged_memory=reply.get("plugged-memory"))


def _balloon(reply):
    return dict(actual=reply.get("actual"))


def _status(reply):
    return dict(running=reply.get("running"), status=reply.get("status"), singlestep=reply.get("singlestep"))


def _as_is(reply):
    return reply


# name: (QMP command, what the reply becomes)
QUERIES = dict(
    status=("query-status", _status),
    block=("query-block", _block),
    block_stats=("query-blockstats", _block_stats),
    block_jobs=("query-block-jobs", _block_jobs),
    migration=("query-migrate", _migration),
    migration_parameters=("query-migrate-parameters", _as_is),
    cpus=("query-cpus-fast", _cpus),
    memory=("query-memory-size-summary", _memory),
    balloon=("query-balloon", _balloon),
)


def qmp_reply(text, speaker="QEMU", command="the command"):
    """The ``return`` of a QMP reply (JSON text) from QEMU or the guest agent (which speaks QMP
    too), or VirtopsError naming who refused ``command``, with the error's class and text."""
    try:
        reply = json.loads(text)
    except ValueError:
        raise VirtopsError("%s's reply is not JSON: %s" % (speaker, text[:200]))
    if "error" in reply:
        error = reply["error"] or {}
        raise VirtopsError("%s refused %s: %s (%s)" % (speaker, command, error.get("desc"), error.get("class")),
                           qmp_error=error)
    return reply.get("return")


def run_query(guest, name):
    """One typed query on ``guest`` (a running Guest)."""
    command, shape = QUERIES[name]
    return shape(qmp_reply(guest.qemu_monitor_command(json.dumps({"execute": command}))))
