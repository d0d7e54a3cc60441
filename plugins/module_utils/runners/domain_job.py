# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``domain_job`` module: read, abort or switch to post-copy the job of a domain
(a migration started by another task with ``async``/``poll: 0``, a managed save, a dump...)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.job import progress_from

DOMAIN_JOB_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    action=dict(type="str", default="info", choices=["info", "abort", "post_copy"]),
    completed=dict(type="bool", default=False),
)

JOB_TYPES = ("NONE", "BOUNDED", "UNBOUNDED", "COMPLETED", "FAILED", "CANCELLED")
OPERATIONS = ("UNKNOWN", "START", "SAVE", "RESTORE", "MIGRATION_IN", "MIGRATION_OUT", "SNAPSHOT",
              "SNAPSHOT_REVERT", "DUMP", "BACKUP", "SNAPSHOT_DELETE")


def _name(prefix, names, number):
    for name in names:
        if getattr(libvirt, prefix + name, object()) == number:
            return name.lower()
    return str(number)


def describe_job(stats):
    """A job's statistics as the result shows them: type, operation and the progress figures."""
    job_type = _name("VIR_DOMAIN_JOB_", JOB_TYPES, stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE))
    described = dict(type=job_type, active=job_type in ("bounded", "unbounded"))
    if "operation" in stats:
        described["operation"] = _name("VIR_DOMAIN_JOB_OPERATION_", OPERATIONS, stats["operation"])
    described["progress"] = progress_from(stats)
    return described


class DomainJobRunner(Runner):
    def subject(self):
        return "job of domain %s" % self.params["name"]

    def run(self):
        p = self.params
        guest = Guest.lookup(self.conn, p["name"])
        if guest is None:
            raise VirtopsError("domain %s does not exist on %s" % (p["name"], self.conn.getHostname()))
        if not guest.is_active():
            if p["action"] != "info":
                raise VirtopsError("domain %s is not running; it has no job to %s" % (p["name"], p["action"]))
            self.result["job"] = dict(type="none", active=False, progress={})
            return self.result
        job = describe_job(guest.job_stats(completed=p["completed"]))
        self.result["job"] = job
        if p["action"] == "abort" and job["active"]:
            self.recorder.record("abort the %s job" % job.get("operation", "running"), guest.abort_job)
        elif p["action"] == "post_copy":
            if not (job["active"] and job.get("operation") == "migration_out"):
                raise VirtopsError("domain %s has no outgoing migration to switch to post-copy (job: %s)"
                                   % (p["name"], job.get("operation", job["type"])))
            if guest.in_post_copy():
                return self.result
            self.recorder.record("switch the migration to post-copy", guest.start_post_copy)
        return self.result
