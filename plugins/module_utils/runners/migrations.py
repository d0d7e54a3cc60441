# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``migrations`` module: empty hosts or even out a fleet, many guests at once.

Read every host (``fleet.facts``), plan every move before anything moves (``fleet.planner``),
refuse the whole run when a chosen guest has no place (unless a partial plan is allowed), then
run the moves within the bounds (``fleet.execution``), each through the ``migrate`` module's own
runner - its pre-checks, steering and recovery - and report each guest's outcome and where it runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import fnmatch
import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import VALIDATION_RULES, ItemModule
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt, open_connection
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner, failure
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.execution import BoundedExecution
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.facts import Fleet
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import Planner, unplaced_text
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.policies import (
    POLICY_OPTIONS, check_policies, matching_policy,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest as Domain

HOST_SPEC = dict(
    uri=dict(type="str", required=True),
    peer_uri=dict(type="str"),
    name=dict(type="str"),
    memory_mb=dict(type="int"),
)
REBALANCE_SPEC = dict(
    spread_pct=dict(type="int", default=20),
    max_moves=dict(type="int", default=10),
)
MIGRATIONS_ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="dict", required=True, options=HOST_SPEC),
    drain=dict(type="list", elements="str"),
    rebalance=dict(type="dict", options=REBALANCE_SPEC),
    instances=dict(type="list", elements="str", default=[]),
    exclude=dict(type="list", elements="str", default=[]),
    kind=dict(type="str", default="live", choices=["live", "block"]),
    shutoff=dict(type="str", default="migrate", choices=["migrate", "leave"]),
    objective=dict(type="str", default="spread", choices=["spread", "pack"]),
    memory_reserve_mb=dict(type="int", default=512),
    allow_partial=dict(type="bool", default=False),
    max_parallel=dict(type="int", default=5),
    max_outbound=dict(type="int", default=2),
    max_inbound=dict(type="int", default=1),
    migrate_options=dict(type="dict", default={}),
    policies=dict(type="list", elements="dict", default=[], options=POLICY_OPTIONS),
)
# What migrate_options may not set: the run decides them for each move.
DECIDED_PER_MOVE = ("name", "dest_uri", "peer_uri", "kind")
MAX_BOUND = 64  # Proxmox's migrateall runs at most 64 workers
DESTINATION_CHECK_TIMEOUT = 15.0


def _answers(uri, timeout):
    """Whether a fresh connection to ``uri`` answers within ``timeout`` seconds (a hung daemon
    accepts the connection and then never replies; the check runs in a thread it may leave behind)."""
    outcome = []

    def ask():
        try:
            conn = open_connection(uri)
            conn.getHostname()
            conn.close()
            outcome.append(True)
        except Exception:  # pylint: disable=broad-except  # any failure means it does not answer
            outcome.append(False)

    thread = threading.Thread(target=ask, name="virtops-destination-check")
    thread.daemon = True
    thread.start()
    thread.join(timeout)
    return bool(outcome and outcome[0])


def migrations_runner(migrate_runner, migrate_spec):
    """The migrations module's runner class, running each move with ``migrate_runner`` (the
    migrate module's runner and argument spec, which the module file passes in: no runner imports
    another, as the plural modules get their singular module's runner)."""
    return type("MigrationsRunner", (MigrationsRunner,), dict(MIGRATE_RUNNER=migrate_runner, MIGRATE_SPEC=migrate_spec))


class MigrationsRunner(Runner):
    MIGRATE_RUNNER = None
    MIGRATE_SPEC = None
    EVENTS = True  # each migration's runner waits for libvirt's JOB_COMPLETED event
    CONNECTION = "own"
    MODULE_OPTIONS = dict(required_one_of=[("drain", "rebalance")], mutually_exclusive=[("drain", "rebalance")])

    def subject(self):
        p = self.params
        return "drain of %s" % ", ".join(p["drain"]) if p["drain"] else "rebalance"

    def run(self):
        p = self.params
        self._check_options()
        self.fleet = Fleet(p["hosts"])
        self._move_warnings = []  # every migration's warnings; moves run in threads, _report keeps each once
        try:
            return self._run()
        finally:
            self.fleet.close()

    def _check_options(self):
        p = self.params
        for name in ("max_parallel", "max_outbound", "max_inbound"):
            if not 1 <= p[name] <= MAX_BOUND:
                raise VirtopsError("%s must be between 1 and %d, got %d" % (name, MAX_BOUND, p[name]))
        if p["memory_reserve_mb"] < 0:
            raise VirtopsError("memory_reserve_mb must be 0 or more, got %d" % p["memory_reserve_mb"])
        for index, host in enumerate(p["hosts"]):
            if not (host["uri"] or "").strip():
                raise VirtopsError("hosts[%d].uri is empty; name each hypervisor (an empty URI would be libvirt's "
                                   "default connection)" % index)
            if host["memory_mb"] is not None and host["memory_mb"] < 1:
                raise VirtopsError("hosts[%d].memory_mb must be at least 1, got %d" % (index, host["memory_mb"]))
        if p["rebalance"] is not None:
            if not 0 <= p["rebalance"]["spread_pct"] <= 100:
                raise VirtopsError("rebalance.spread_pct must be between 0 and 100, got %d"
                                   % p["rebalance"]["spread_pct"])
            if p["rebalance"]["max_moves"] < 1:
                raise VirtopsError("rebalance.max_moves must be at least 1, got %d" % p["rebalance"]["max_moves"])
        check_policies(p["policies"])
        for where, options in [("migrate_options", p["migrate_options"])] + [
                ("policies[%d].migrate_options" % index, policy["migrate_options"])
                for index, policy in enumerate(p["policies"])]:
            decided = sorted(set(options) & set(DECIDED_PER_MOVE))
            unknown = sorted(set(options) - set(self.MIGRATE_SPEC))
            if decided or unknown:
                raise VirtopsError("%s: %s; it takes the options of virtops.libvirt.migrate but %s"
                                   % (where, "; ".join(["%s is decided for each move" % ", ".join(decided)] * bool(decided)
                                                       + ["%s: no such option" % ", ".join(unknown)] * bool(unknown)),
                                      ", ".join(DECIDED_PER_MOVE)))
        for policy in [None] + list(p["policies"]):
            self._migrate_params(dict(name="check", source="a", destination="b", kind="live"), validate_only=True,
                                 policy=policy)

    # -- planning ----------------------------------------------------------------------------------
    def _run(self):
        p, fleet = self.params, self.fleet
        self.result.update(unreachable=fleet.unreachable, plan=None, results=[], moved=[], failed_migrations=[], left=[],
                           empty={}, peak=None, diff=self.diff)
        if not fleet.members:
            raise VirtopsError("no host of the fleet answers: %s" % "; ".join(
                "%s: %s" % item for item in sorted(fleet.unreachable.items())))
        hosts, guests = fleet.read()
        planner = Planner(hosts, guests, reserve_mb=p["memory_reserve_mb"], objective=p["objective"],
                          cpu_check=fleet.cpu_check, storage_check=fleet.storage_check, kind=p["kind"])
        if p["drain"]:
            plan, sources = self._plan_drain(planner, guests)
        else:
            before = planner.spread_pct()
            plan, sources = planner.rebalance(p["rebalance"]["spread_pct"], p["rebalance"]["max_moves"]), None
            self.result["spread_pct"] = dict(before=before, after=plan.spread_pct)
        for move in plan.moves:
            move["uri"] = fleet.members[move["source"]]["uri"]
            move["dest_uri"] = fleet.members[move["destination"]]["uri"]
        self.result["plan"] = plan.as_dict()
        self.diff["before"] = "".join("%s: %s\n" % (m["name"], m["source"]) for m in plan.moves)
        self.diff["after"] = "".join("%s: %s\n" % (m["name"], m["destination"]) for m in plan.moves)
        if plan.unplaced and not p["allow_partial"]:
            raise VirtopsError(
                "%d guest(s) have no place, so nothing was moved (allow_partial: true moves the others): %s"
                % (len(plan.unplaced), "; ".join("%s: %s" % (item["name"], unplaced_text(item))
                                                 for item in plan.unplaced)))
        self.result["left"] = list(plan.unplaced)
        if plan.moves:
            self.recorder.record("migrate %d guest(s): %s" % (len(plan.moves), ", ".join(
                "%s to %s" % (m["name"], m["destination"]) for m in plan.moves)), self._execute, planner, plan)
        if sources is not None:
            self.result["empty"] = self._empty(sources)
        return self._report()

    def _plan_drain(self, planner, guests):
        p, fleet = self.params, self.fleet
        sources = []
        for host in p["drain"]:
            name = fleet.name_of(host)
            if name is None:
                raise VirtopsError("drain names %s, which is not one of the hosts that answered (%s)%s"
                                   % (host, ", ".join(sorted(fleet.members)), "; unreachable: %s" % ", ".join(
                                       sorted(fleet.unreachable)) if fleet.unreachable else ""))
            sources.append(name)
        wanted = [guest for guest in guests if guest.host in sources and self._wanted(guest.name)]
        stay = [guest for guest in wanted if guest.state == "shutoff" and p["shutoff"] == "leave"]
        chosen = dict((guest.name, guest) for guest in wanted if guest not in stay)
        planner.close(sources)
        pinned = []
        for name in sorted(fleet.duplicates):
            others = [host for host in fleet.duplicates[name] if host not in sources]
            if name in chosen and others:
                pinned.append(planner.pin(name, others[0], "a copy is already on %s (an earlier migration): "
                                          "migrate follows or converges it" % others[0]))
                del chosen[name]
        plan = planner.place(sorted(chosen))
        plan.moves[:0] = pinned
        plan.unplaced.extend(dict(name=guest.name, reason="shut off, and shutoff is leave", candidates={})
                             for guest in stay)
        return plan, sources

    def _wanted(self, name):
        p = self.params
        if p["instances"] and not any(fnmatch.fnmatchcase(name, pattern) for pattern in p["instances"]):
            return False
        return not any(fnmatch.fnmatchcase(name, pattern) for pattern in p["exclude"])

    # -- running -----------------------------------------------------------------------------------
    def _execute(self, planner, plan):
        p = self.params
        execution = BoundedExecution(
            planner, plan.moves, self._run_move,
            lambda name: _answers(self.fleet.members[name]["uri"], DESTINATION_CHECK_TIMEOUT),
            total=p["max_parallel"], outbound=p["max_outbound"], inbound=p["max_inbound"]).run()
        self.result["results"] = sorted(execution.results, key=lambda item: item["ended_s"])
        self.result["left"].extend(execution.left)
        self.result["replanned"] = execution.replanned
        self.result["failed_destinations"] = execution.failed_destinations
        self.result["peak"] = execution.peak

    def _policy(self, name):
        """The migration policy of guest ``name`` (by its name and virtops metadata), or None."""
        config = self.fleet.configs.get(name)
        return matching_policy(self.params["policies"], name, config.metadata if config is not None else None)

    def _migrate_params(self, move, validate_only=False, policy=None):
        options = copy.deepcopy(self.params["migrate_options"])
        if policy is not None:
            options.update(copy.deepcopy(policy["migrate_options"]))
        destination = self.fleet.members.get(move["destination"], {}) if not validate_only else {}
        # the plan's kind: the run's kind for a guest that runs, offline for a shut-off one
        options.update(name=move["name"], dest_uri=destination.get("uri") or "check", kind=move["kind"])
        if destination.get("peer_uri"):
            options["peer_uri"] = destination["peer_uri"]
        rules = dict((key, value) for key, value in self.MIGRATE_RUNNER.MODULE_OPTIONS.items() if key in VALIDATION_RULES)
        validated = ArgumentSpecValidator(self.MIGRATE_SPEC, **rules).validate(options)
        if validated.error_messages:
            raise VirtopsError("%s are not valid for virtops.libvirt.migrate: %s"
                               % ("migrate_options" if policy is None else "policy %s's migrate_options" % policy["name"],
                                  "; ".join(validated.error_messages)))
        return validated.validated_parameters

    def _run_move(self, move):
        """One migration through the migrate module's runner; its result, never an exception."""
        runner = None
        policy = self._policy(move["name"])
        try:
            params = self._migrate_params(move, policy=policy)
            runner = self.MIGRATE_RUNNER(ItemModule(self.module, params), self.fleet.conn(move["source"]))
            result = dict(runner.run(), failed=False)
        except Exception as exc:  # pylint: disable=broad-except
            msg, result = failure(exc, runner, "migration of %s" % move["name"])
            result.update(failed=True, msg=msg)
        if runner is not None:
            self._move_warnings.extend(runner.result.get("warnings") or [])
        progress = result.get("progress") or {}
        names = dict((member["hostname"], name) for name, member in self.fleet.members.items())
        return dict(
            name=move["name"], source=move["source"], destination=move["destination"], kind=move["kind"],
            failed=result["failed"], msg=result.get("msg"), changed=bool(result.get("changed")),
            runs_on=[names.get(host, host) for host in (result.get("runs_on") or [])]
            if result.get("runs_on") is not None else self._runs_on(result, move),
            downtime_ms=progress.get("downtime_ms"), data_bytes=progress.get("data_processed_bytes"),
            recovery=result.get("recovery") or [], replaced_from=move.get("replaced_from"),
            policy=policy["name"] if policy is not None else None, prediction=result.get("prediction"),
            checkpoints=result.get("checkpoints"))

    def _runs_on(self, result, move):
        """Where the migrate run left the guest, in the fleet's host names."""
        placement = result.get("placement") or {}
        running = []
        for side, host in (("source", move["source"]), ("destination", move["destination"])):
            if (placement.get(side) or {}).get("active"):
                running.append(host)
        if not running and result.get("migrated"):
            running.append(move["destination"])
        if not running and result["failed"] and not result.get("changed"):
            running.append(move["source"])  # refused before anything moved: it is where it was
        return running

    def _empty(self, sources):
        empty = {}
        for name in sources:
            try:
                left = [domain.name for domain in Domain.all(self.fleet.conn(name))]
            except libvirt.libvirtError:
                left = None  # the host stopped answering: whether it is empty is not known
            empty[name] = None if left is None else not [n for n in left if self._wanted(n)]
        return empty

    def _report(self):
        results = self.result["results"]
        # The same warning of several migrations (one per guest of a host) says one thing: once.
        self.warn(*[warning for index, warning in enumerate(self._move_warnings)
                    if warning not in self._move_warnings[:index]])
        self.result["moved"] = [dict(name=r["name"], destination=r["destination"], kind=r["kind"])
                                for r in results if not r["failed"]]
        self.result["failed_migrations"] = [dict(name=r["name"], destination=r["destination"], msg=r["msg"],
                                                 runs_on=r["runs_on"]) for r in results if r["failed"]]
        self.result["changed"] = self.result["changed"] and (self.check_mode or any(r["changed"] for r in results))
        problems = ["%s: migration to %s failed (%s); it runs on %s" % (
            item["name"], item["destination"], item["msg"], ", ".join(item["runs_on"]) or "no host (see results)")
            for item in self.result["failed_migrations"]]
        if problems:
            raise VirtopsError("%d of %d migration(s) failed (the others ran): %s" % (
                len(problems), len(results), "; ".join(problems)), **dict(
                    (key, value) for key, value in self.result.items() if key not in ("diff",)))
        return self.result
