# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``maintenance`` module: a hypervisor marked in maintenance, or not."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.host.maintenance import (
    clear_mark, read_mark, set_mark,
)

MAINTENANCE_ARGUMENT_SPEC = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    reason=dict(type="str"),
)
MAX_REASON = 1024


def _text(mark):
    if mark is None:
        return "maintenance: none\n"
    return "maintenance: %s (since %s, by %s)\n" % (mark["reason"] or "(no reason)", mark["since"], mark["by"])


class MaintenanceRunner(Runner):
    def subject(self):
        return "maintenance mark of %s" % self.params["uri"]

    def run(self):
        p = self.params
        if p["reason"] is not None and len(p["reason"]) > MAX_REASON:
            raise VirtopsError("reason is %d characters long; give at most %d" % (len(p["reason"]), MAX_REASON))
        mark = read_mark(self.conn, required=p["state"] == "present")
        self.result.update(hostname=self.conn.getHostname(), maintenance=mark, diff=self.diff)
        self.diff["before"] = _text(mark)
        if p["state"] == "absent":
            if mark is not None:
                self.recorder.record("clear the maintenance mark", clear_mark, self.conn)
                self.result["maintenance"] = None
        else:
            reason = p["reason"] if p["reason"] is not None else (mark or {}).get("reason") or ""
            if mark is None or mark["reason"] != reason:
                since = mark["since"] if mark is not None else None
                self.recorder.record("mark in maintenance" if mark is None else "change the maintenance reason",
                                     set_mark, self.conn, reason, since)
                self.result["maintenance"] = read_mark(self.conn) if not self.check_mode else dict(
                    reason=reason, since=since, by=None)
        self.diff["after"] = _text(self.result["maintenance"])
        return self.result
