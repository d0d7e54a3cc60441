# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``evacuation_report`` filter behind the evacuate role: what a drain by
``virtops.libvirt.migrations`` did, in the role's terms - what moved where, what failed and where
it runs, what was left and why, what still is on the source, and one line per problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import unplaced_text


def evacuation_report(migrations, remaining, source_hostname=None):
    """``migrations`` (the registered result of the migrations module, failed or not) and
    ``remaining`` (domain_info's list of the source afterwards) -> {'moved', 'failed', 'left',
    'remaining', 'problems'}."""
    if not isinstance(migrations, dict):
        raise AnsibleFilterError("evacuation_report: expected the migrations module's result, got %r" % (migrations,))
    still_there = sorted(domain["name"] for domain in remaining or [])
    results = migrations.get("results") or []
    moved = [dict(name=r["name"], kind=r["kind"], destination=r["destination"], changed=bool(r.get("changed")))
             for r in results if not r.get("failed")]
    failed = [dict(name=r["name"], destination=r["destination"], msg=r.get("msg"), runs_on=r.get("runs_on"))
              for r in results if r.get("failed")]
    left = [dict(name=item["name"], reason=unplaced_text(item),
                 runs_on=[source_hostname] if item["name"] in still_there else None)
            for item in migrations.get("left") or []]
    plan = migrations.get("plan") or {}
    if not results and not migrations.get("failed") and migrations.get("changed"):
        # check mode: the plan's moves are what would move
        moved = [dict(name=m["name"], kind=m["kind"], destination=m["destination"], changed=True)
                 for m in plan.get("moves", [])]
    problems = []
    if migrations.get("failed") and not results and plan.get("unplaced") and not migrations.get("left"):
        # No partial plan allowed: nothing moved because some guests have no place.
        left += [dict(name=item["name"], reason=unplaced_text(item), runs_on=[source_hostname])
                 for item in plan["unplaced"]]
        left += [dict(name=move["name"], reason="not moved: other guests have no place (allow a partial plan to "
                                                "move it)", runs_on=[source_hostname]) for move in plan.get("moves", [])]
    elif migrations.get("failed") and not results and not plan:
        problems.append("the drain did not start: %s" % migrations.get("msg"))
    problems += ["%s: migration to %s failed (%s); it runs on %s"
                 % (item["name"], item["destination"], item["msg"], ", ".join(item["runs_on"] or []) or "an unknown host")
                 for item in failed]
    problems += ["%s stays: %s; it runs on %s"
                 % (item["name"], item["reason"], ", ".join(item["runs_on"] or []) or "an unknown host") for item in left]
    return dict(moved=moved, failed=failed, left=left, remaining=still_there, problems=problems)


class FilterModule(object):
    def filters(self):
        return dict(evacuation_report=evacuation_report)
