# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``qemu_monitor`` module: a QMP or HMP command, and typed queries, on a running guest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.monitor import (
    QUERIES, is_read_only, parse_qmp, qmp_reply, run_query,
)

QEMU_MONITOR_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    command=dict(type="str"),
    arguments=dict(type="dict"),
    hmp=dict(type="bool", default=False),
    queries=dict(type="list", elements="str", choices=sorted(QUERIES)),
)


class QemuMonitorRunner(Runner):
    # Sent to QEMU inside JSON (escaped there), never into libvirt's XML.
    FREE_TEXT_OPTIONS = ("command", "arguments")

    MODULE_OPTIONS = dict(required_one_of=[("command", "queries")])

    def subject(self):
        return "QEMU monitor of %s" % self.params["name"]

    def run(self):
        p = self.params
        if p["command"] is not None and not p["command"].strip():
            raise VirtopsError("command is empty; give a QMP command (such as query-status) or, with hmp: true, "
                               "a human monitor command (such as 'info status')")
        if p["hmp"] and p["arguments"]:
            raise VirtopsError("arguments are for QMP commands; a human monitor command carries them in its text")
        message = None if p["command"] is None or p["hmp"] else parse_qmp(p["command"], p["arguments"])
        guest = Guest.lookup(self.conn, p["name"])
        if guest is None:
            raise VirtopsError("domain %s does not exist" % p["name"])
        state = guest.state()
        if state not in ("running", "paused"):
            raise VirtopsError("domain %s is %s; its QEMU monitor exists only while it runs (running or paused)"
                               % (p["name"], state))
        self.result.update(name=p["name"])
        if p["queries"]:
            self._queries(guest, p["queries"])
        if p["command"] is not None:
            self._command(guest, message)
        return self.result

    def _queries(self, guest, names):
        answers, unavailable = {}, {}
        for name in names:
            try:
                answers[name] = run_query(guest, name)
            except VirtopsError as exc:  # QEMU has no such device (no balloon, say): say so, go on
                unavailable[name] = exc.msg
        self.result.update(queries=answers, unavailable=unavailable)

    def _command(self, guest, message):
        p = self.params
        name = p["command"].strip() if p["hmp"] else message["execute"]
        read_only = is_read_only(name, p["hmp"])
        self.result.update(read_only=read_only, executed=False)
        if not read_only:
            self.recorder.record("run %s command %s" % ("HMP" if p["hmp"] else "QMP", name))
            if self.check_mode:
                self.warn("check mode: %s changes the guest and was not run" % name)
                return
        # A command libvirt or QEMU refuses changed nothing: the failure lists no action.
        try:
            text = guest.qemu_monitor_command(p["command"] if p["hmp"] else json.dumps(message), p["hmp"])
        except libvirt_errors() as exc:
            raise self.recorder.failure("%s failed: %s" % (name, error_text(exc)), done=[])
        if p["hmp"]:
            self.result.update(executed=True, reply=text, reply_lines=text.splitlines())
            return
        try:
            self.result["reply"] = qmp_reply(text)
        except VirtopsError as exc:
            raise self.recorder.failure("%s: %s" % (name, exc.msg), done=[], **exc.details)
        self.result["executed"] = True
