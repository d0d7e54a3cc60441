# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``snapshot`` module: external snapshots of an instance made to exist (or not),
an instance reverted to one, and the snapshot tree listed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.job import QUIESCE
from ansible_collections.virtops.libvirt.plugins.module_utils.backup.snapshots import (
    UNSUPPORTED, DeletePlan, RevertPlan, check_snapshot_name, delete, describe, in_creation_order, plan_snapshot, revert, take_snapshot,
    unchanged_since,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner, diff_lines
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest

SNAPSHOT_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    snapshot=dict(type="str"),
    snapshots=dict(type="list", elements="str"),
    exclusive=dict(type="bool", default=False),
    state=dict(type="str", default="present", choices=["present", "absent", "reverted", "listed"]),
    memory=dict(type="bool", default=False),
    disks=dict(type="list", elements="str"),
    unsupported_disks=dict(type="str", default="refuse", choices=list(UNSUPPORTED)),
    quiesce=dict(type="str", default="auto", choices=list(QUIESCE)),
    description=dict(type="str"),
)


class SnapshotRunner(Runner):
    MODULE_OPTIONS = dict(mutually_exclusive=[("snapshot", "snapshots")],
                          required_if=[("state", "reverted", ("snapshot",))])

    def subject(self):
        return "snapshot of %s" % self.params["name"]

    def run(self):
        p = self.params
        wanted = [p["snapshot"]] if p["snapshot"] is not None else list(p["snapshots"] or [])
        for name in wanted:
            check_snapshot_name(name)
        if len(set(wanted)) != len(wanted):
            raise VirtopsError("snapshots names a snapshot twice: %s" % ", ".join(wanted))
        if p["state"] in ("present", "absent") and not wanted and not p["exclusive"]:
            raise VirtopsError("state %s needs the snapshot (or snapshots) it is about" % p["state"])
        if p["exclusive"] and p["state"] != "present":
            raise VirtopsError("exclusive applies to state present (the snapshots not named are deleted), not to %s"
                               % p["state"])
        self.guest = Guest.lookup(self.conn, p["name"])
        if self.guest is None:
            raise VirtopsError("instance %s does not exist on %s" % (p["name"], self.conn.getHostname()))
        existing = self.guest.snapshots()
        before = in_creation_order(existing)
        if p["state"] == "present":
            self._present(wanted, existing)
        elif p["state"] == "absent":
            self._absent([name for name in wanted if name in existing], existing)
        elif p["state"] == "reverted":
            self._reverted(wanted[0], existing)
        final, current = self.guest.snapshots(), self.guest.current_snapshot_name()
        ordered = in_creation_order(final)
        after = ordered if not self.check_mode else self._planned(before, wanted)
        self.diff = dict(before=diff_lines(before), after=diff_lines(after))
        self.result["snapshots"] = [describe(final[name][0], current, final[name][1]) for name in ordered]
        self.result["current"] = current
        self.result["diff"] = self.diff
        return self.result

    def _planned(self, before, wanted):
        state = self.params["state"]
        if state == "present":
            kept = [name for name in before if name in wanted or not self.params["exclusive"]]
            return kept + [name for name in wanted if name not in before]
        if state == "absent":
            return [name for name in before if name not in wanted]
        return before

    def _refuse_during_job(self, what):
        if self.guest.has_job():
            raise VirtopsError("instance %s runs a job now; %s once it has ended - watch or abort it with "
                               "virtops.libvirt.domain_job" % (self.params["name"], what))

    # -- state: present ----------------------------------------------------------------------
    def _present(self, wanted, existing):
        p = self.params
        missing = [name for name in wanted if name not in existing]
        if missing:
            self._refuse_during_job("a snapshot is taken")
        for name in missing:
            plan, left_out = plan_snapshot(self.guest, name, p["disks"], p["unsupported_disks"], p["memory"],
                                           p["description"])
            self.result.setdefault("plans", []).append(plan.describe())
            self.result["left_out"] = left_out
            taken = self.recorder.record("take snapshot %s of %s (%s)" % (
                name, ", ".join(sorted(plan.overlays)), "with its memory state" if plan.memory else "disks only"),
                take_snapshot, self.guest, plan, p["quiesce"])
            if taken is not None and not taken[0]:
                self.warn("snapshot %s of %s was not quiesced: %s" % (name, p["name"], taken[1]))
        if p["exclusive"]:
            self._absent([name for name in in_creation_order(existing) if name not in wanted], existing)

    # -- state: absent -----------------------------------------------------------------------
    def _absent(self, names, existing):
        if names:
            self._refuse_during_job("a snapshot is deleted")
        # the newest first: a snapshot built on an older one goes before it
        for name in reversed(names):
            plan = DeletePlan(self.guest, existing[name][0])
            if plan.refusal():
                raise VirtopsError(plan.refusal())
            self.result.setdefault("deleted", []).append(plan.describe())
            how = []
            if plan.merged:
                how.append("merge %s into the images below" % ", ".join(plan.merged[t] for t in sorted(plan.merged)))
            if plan.dropped:
                how.append("remove %s (written after it on a branch a revert left)" % ", ".join(
                    plan.dropped[t] for t in sorted(plan.dropped)))
            if plan.memory_file:
                how.append("remove its memory state %s" % plan.memory_file)
            self.recorder.record("delete snapshot %s: %s" % (name, "; ".join(how) or "its metadata only"),
                                 delete, self.guest, plan)
            # a later delete in this run reads the images as this one left them
            existing = self.guest.snapshots() if not self.check_mode else existing

    # -- state: reverted ---------------------------------------------------------------------
    def _reverted(self, name, existing):
        if name not in existing:
            raise VirtopsError("instance %s has no snapshot %s (it has: %s)" % (
                self.params["name"], name, ", ".join(in_creation_order(existing)) or "none"))
        xml = existing[name][0]
        if unchanged_since(self.guest, xml, self.guest.current_snapshot_name()):
            return
        self._refuse_during_job("a revert is made")
        plan = RevertPlan(self.guest, xml, time.strftime("%Y%m%dT%H%M%S", time.gmtime()))
        self.result["revert"] = plan.describe()
        self.recorder.record("revert to snapshot %s: %s on new overlays of its images, then %s" % (
            name, ", ".join(sorted(plan.overlays)), plan.comes_back()), revert, self.guest, plan)
