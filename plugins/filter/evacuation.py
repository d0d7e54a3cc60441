# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``evacuation_plan`` and ``evacuation_report`` filters behind the evacuate role.

``evacuation_plan`` decides, on the controller and before anything moves, where each instance of
the host being emptied goes and how: a running or paused guest by live (or block) migration, a
shut-off one by offline migration, each to the destination with the most memory left after the
guests placed before it (larger guests first, as Nova's RAM weigher spreads them). What cannot
move (a saved guest, one no destination has room for) is left with the reason.
``evacuation_report`` sums up the migrate results: what moved where, what failed and where it
runs, what was left, and what still is on the source.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible.errors import AnsibleFilterError

MOVING_STATES = ("running", "paused")
KINDS = ("live", "block")
SHUTOFF_CHOICES = ("migrate", "leave")


def _fail(message):
    raise AnsibleFilterError("evacuation_plan: %s" % message)


def _destinations(destinations):
    """[{uri, peer_uri, hostname, free_mb}] from the destinations with their host facts: each
    {uri, peer_uri, host} or a registered domain_info loop result ({item: {uri, peer_uri}, host})."""
    found = []
    for index, item in enumerate(destinations or []):
        if isinstance(item, dict) and isinstance(item.get("item"), dict):
            item = dict(item["item"], host=item.get("host"))
        if not isinstance(item, dict) or not item.get("uri") or not isinstance(item.get("host"), dict):
            _fail("destinations[%d] needs uri and host (domain_info's host facts), got %r" % (index, item))
        free = item["host"].get("free_memory_mb")
        if free is None:
            _fail("destination %s does not say how much memory it has free" % item["uri"])
        found.append(dict(uri=item["uri"], peer_uri=item.get("peer_uri"), hostname=item["host"].get("hostname"),
                          free_mb=int(free)))
    if not found:
        _fail("no destination to evacuate to; give at least one")
    return found


def _wanted(name, instances, exclude):
    if instances and not any(fnmatch.fnmatchcase(name, pattern) for pattern in instances):
        return False
    return not any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude or [])


def evacuation_plan(domains, destinations, kind="live", shutoff="migrate", instances=None, exclude=None,
                    reserve_mb=0, source_hostname=None):
    """The source's ``domains`` (domain_info's list) -> {'moves': [...], 'left': [...]}.

    Each move: name, kind (live, block or offline), destination (host name), memory_mb and args
    (M(virtops.libvirt.migrate)'s name, dest_uri, kind and peer_uri). Each left: name, state,
    reason. ``instances`` and ``exclude`` are name patterns.
    """
    if kind not in KINDS:
        _fail("kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    if shutoff not in SHUTOFF_CHOICES:
        _fail("shutoff must be one of %s, got %r" % (", ".join(SHUTOFF_CHOICES), shutoff))
    if not isinstance(domains, list):
        _fail("the domains must be domain_info's list, got %r" % (domains,))
    hosts = _destinations(destinations)
    if source_hostname and any(host["hostname"] == source_hostname for host in hosts):
        _fail("destination %s is the host being evacuated" % source_hostname)
    reserve = int(reserve_mb or 0)
    plan = dict(moves=[], left=[])
    chosen = [d for d in domains if _wanted(d["name"], instances, exclude)]
    for domain in sorted(chosen, key=lambda d: (-int(d.get("memory_mb") or 0), d["name"])):
        name, state, memory = domain["name"], domain["state"], int(domain.get("memory_mb") or 0)
        if state in MOVING_STATES:
            move_kind = kind
        elif state == "shutoff" and domain.get("persistent", True):
            if shutoff == "leave":
                plan["left"].append(dict(name=name, state=state, reason="shut off, and shutoff is leave"))
                continue
            move_kind = "offline"
        elif state == "saved":
            plan["left"].append(dict(name=name, state=state, reason=(
                "has a managed-save image: start it (it then moves live) or discard the saved state")))
            continue
        else:
            plan["left"].append(dict(name=name, state=state, reason="a guest in state %s cannot be migrated" % state))
            continue
        # A guest that runs needs its memory there now; a shut-off one only when it starts, so it
        # goes where most is free but is never refused for it, nor takes memory from the others.
        fits = [host for host in hosts if move_kind == "offline" or host["free_mb"] - reserve >= memory]
        if not fits:
            most = max(hosts, key=lambda host: host["free_mb"])
            plan["left"].append(dict(name=name, state=state, reason=(
                "no destination has %d MiB free beyond the %d MiB reserve (most free: %s with %d MiB)"
                % (memory, reserve, most["hostname"] or most["uri"], most["free_mb"]))))
            continue
        best = max(fits, key=lambda host: host["free_mb"])  # max keeps the first of equals: list order
        if move_kind != "offline":
            best["free_mb"] -= memory
        args = dict(name=name, dest_uri=best["uri"], kind=move_kind)
        if best["peer_uri"]:
            args["peer_uri"] = best["peer_uri"]
        plan["moves"].append(dict(name=name, kind=move_kind, destination=best["hostname"] or best["uri"],
                                  memory_mb=memory, args=args))
    return plan


def evacuation_report(plan, results, remaining, source_hostname=None):
    """Sum up an evacuation: ``plan`` (evacuation_plan's), ``results`` (the registered migrate
    loop's results) and ``remaining`` (domain_info's list of the source afterwards) ->
    {'moved', 'failed', 'left', 'remaining', 'problems'}; ``problems`` says in one line per guest
    why it did not move and where it runs. A failure that does not say where the guest runs (a
    pre-check refused it) names ``source_hostname`` when the guest is still listed there."""
    moved, failed = [], []
    still_there = sorted(domain["name"] for domain in remaining or [])
    by_name = dict((result.get("item", {}).get("name"), result) for result in results or [])
    for move in plan.get("moves", []):
        result = by_name.get(move["name"])
        if result is None or result.get("skipped"):
            failed.append(dict(name=move["name"], destination=move["destination"], msg="not attempted", runs_on=None))
        elif result.get("failed"):
            runs_on = result.get("runs_on")
            if runs_on is None and source_hostname and move["name"] in still_there:
                runs_on = [source_hostname]
            failed.append(dict(name=move["name"], destination=move["destination"], msg=result.get("msg"),
                               runs_on=runs_on))
        else:
            moved.append(dict(name=move["name"], kind=move["kind"], destination=move["destination"],
                              changed=bool(result.get("changed"))))
    left = list(plan.get("left", []))
    problems = ["%s: migration to %s failed (%s); it runs on %s"
                % (item["name"], item["destination"], item["msg"], ", ".join(item["runs_on"] or []) or "an unknown host")
                for item in failed]
    problems += ["%s (%s) stays: %s" % (item["name"], item["state"], item["reason"]) for item in left]
    return dict(moved=moved, failed=failed, left=left, remaining=still_there, problems=problems)


class FilterModule(object):
    def filters(self):
        return dict(evacuation_plan=evacuation_plan, evacuation_report=evacuation_report)
