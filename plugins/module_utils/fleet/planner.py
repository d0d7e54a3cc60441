# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The placement planner: where guests go, decided before anything moves, every decision explained.

One planner serves drains (empty hosts), rebalancing (even out memory use, repair anti-affinity)
and new instances. It works on plain facts (``Host``, ``Guest``) and never calls libvirt: the
``fleet.facts`` layer reads them from the hypervisors, a unit test or a benchmark makes them up.

Rules, in the order a candidate host is tried against a guest (the first that refuses is its reason):

1. the host is not being emptied and not in maintenance;
2. the host is in the guest's allowed list (name patterns), when the guest has one;
3. memory: a guest that runs needs its memory within the host's capacity (its memory less the
   reserve, less what the guests running there and the ones planned to arrive hold) and within
   what the host reports free now less the reserve; a shut-off guest needs no memory to move;
4. anti-affinity: no guest of the same anti-affinity group runs or is planned there;
5. affinity: guests of one affinity group go where the group's other members are (a group that
   moves together is placed as one unit);
6. the host can run the guest's CPU (a check the caller gives: libvirt's comparison in modules);
7. storage: a live migration needs the guest's disks on storage the host shares (block and
   offline migrations copy them).

Among the hosts that pass, ``spread`` (the default) takes the one with the most memory left,
``pack`` the one with the least that still fits; of equals, the first by name. The same facts give the
same plan. Candidates are kept sorted by memory left, so a guest costs O(log h) to place in the
common case; only a guest that no host takes is tried against every host (to name each refusal).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import fnmatch
import re

OBJECTIVES = ("spread", "pack")


def metadata_list(metadata, key):
    """A comma- or space-separated list kept in one metadata value."""
    return [part for part in re.split(r"[,\s]+", (metadata or {}).get(key) or "") if part]


MOVING_STATES = ("running", "paused")
KINDS = ("live", "block")


class Host:
    """A hypervisor as the planner sees it. ``memory_mb`` is what guests may use there (its memory,
    or what the operator allows); ``free_mb`` what it reports free now (None: not known)."""

    def __init__(self, name, memory_mb, free_mb=None, maintenance=None, storage=(), cpu_models=None,
                 cpu_features=()):
        self.name = name
        self.memory_mb = int(memory_mb)
        self.free_mb = None if free_mb is None else int(free_mb)
        self.maintenance = maintenance  # None, or the reason it is in maintenance
        self.storage = frozenset(storage)
        self.cpu_models = None if cpu_models is None else frozenset(cpu_models)
        self.cpu_features = frozenset(cpu_features)


class Guest:
    """A guest (or a new instance: ``host`` None). ``affinity``/``anti_affinity`` are group names,
    ``allowed`` name patterns of the hosts it may run on, ``storage`` what its disks need on a host
    for a live migration, ``cpu_model``/``cpu_features`` what its CPU definition asks for."""

    def __init__(self, name, memory_mb, host=None, state="running", affinity=(), anti_affinity=(), allowed=(),
                 storage=(), cpu_model=None, cpu_features=(), persistent=True):
        self.name = name
        self.memory_mb = int(memory_mb)
        self.host = host
        self.state = state
        self.affinity = frozenset(affinity)
        self.anti_affinity = frozenset(anti_affinity)
        self.allowed = tuple(allowed)
        self.storage = frozenset(storage)
        self.cpu_model = cpu_model
        self.cpu_features = frozenset(cpu_features)
        self.persistent = persistent

    @classmethod
    def from_metadata(cls, name, memory_mb, host, state, metadata, persistent=True):
        """A guest whose placement rules are the ``affinity``, ``anti_affinity`` and ``allowed_hosts``
        keys of its ``virtops`` metadata (the domain module's ``metadata`` option)."""
        return cls(name, memory_mb, host, state, affinity=metadata_list(metadata, "affinity"),
                   anti_affinity=metadata_list(metadata, "anti_affinity"),
                   allowed=metadata_list(metadata, "allowed_hosts"), persistent=persistent)

    @property
    def runs(self):
        """Whether it holds memory where it is (running or paused)."""
        return self.state in MOVING_STATES


def features_cpu_check(guest, host):
    """The CPU rule on synthetic facts: the host lists the guest's model and every feature it asks for."""
    if guest.cpu_model and host.cpu_models is not None and guest.cpu_model not in host.cpu_models:
        return "cannot run CPU model %s" % guest.cpu_model
    missing = sorted(guest.cpu_features - host.cpu_features) if host.cpu_models is not None else []
    if missing:
        return "lacks CPU features %s" % ", ".join(missing)
    return None


def labels_storage_check(guest, host):
    """The storage rule on synthetic facts: the host has every storage label the guest's disks need."""
    missing = sorted(guest.storage - host.storage)
    if missing:
        return "does not share the guest's storage %s" % ", ".join(missing)
    return None


class _HostState:
    """A host during planning: what runs there and what is planned to arrive or leave."""

    __slots__ = ("host", "used_mb", "free_mb", "anti", "guests")

    def __init__(self, host):
        self.host = host
        self.used_mb = 0
        self.free_mb = host.free_mb
        self.anti = {}
        self.guests = []

    @property
    def left_mb(self):
        left = self.host.memory_mb - self.used_mb
        return left if self.free_mb is None else min(left, self.free_mb)

    @property
    def use(self):
        return float(self.used_mb) / self.host.memory_mb if self.host.memory_mb > 0 else 1.0

    def add(self, guest, free_change=0):
        """``guest`` is (or is planned to be) here; ``free_change`` what that does to the memory the
        host reports free (a guest arriving takes its memory, one found there took it already)."""
        self.guests.append(guest)
        if guest.runs:
            self.used_mb += guest.memory_mb
        if self.free_mb is not None:
            self.free_mb += free_change
        for group in guest.anti_affinity:
            self.anti.setdefault(group, []).append(guest.name)

    def remove(self, guest, free_change=0):
        self.guests.remove(guest)
        if guest.runs:
            self.used_mb -= guest.memory_mb
        if self.free_mb is not None:
            self.free_mb += free_change
        for group in guest.anti_affinity:
            self.anti[group].remove(guest.name)


class Plan:
    """What the planner decided: ``moves`` (each guest, from where, to where, how and why) and
    ``unplaced`` (each guest no host takes, with every candidate's reason, or why it cannot move)."""

    def __init__(self):
        self.moves = []
        self.unplaced = []

    @property
    def complete(self):
        return not self.unplaced

    def as_dict(self):
        return dict(moves=list(self.moves), unplaced=list(self.unplaced), complete=self.complete)


class Planner:
    """Plans over ``hosts`` (Host) with ``guests`` (Guest, each on one of them or new).

    ``reserve_mb`` is kept free on every host; ``cpu_check(guest, host)`` and
    ``storage_check(guest, host)`` return None or why the host cannot take the guest.
    """

    def __init__(self, hosts, guests, reserve_mb=0, objective="spread", cpu_check=features_cpu_check,
                 storage_check=labels_storage_check, kind="live"):
        if objective not in OBJECTIVES:
            raise ValueError("objective must be one of %s, got %r" % (", ".join(OBJECTIVES), objective))
        if kind not in KINDS:
            raise ValueError("kind must be one of %s, got %r" % (", ".join(KINDS), kind))
        self.objective = objective
        self.kind = kind
        self.reserve_mb = int(reserve_mb)
        self.cpu_check = cpu_check
        self.storage_check = storage_check
        self.hosts = {}
        for host in sorted(hosts, key=lambda h: h.name):
            if host.name in self.hosts:
                raise ValueError("host %s is given twice" % host.name)
            self.hosts[host.name] = _HostState(host)
        self.guests = {}
        self.affinity = {}  # group -> {host name: names of its members there}
        self.closed = set()  # hosts that take nothing in this plan (being emptied, failed)
        self.failed = set()  # destinations that failed while the plan ran
        for guest in sorted(guests, key=lambda g: g.name):
            if guest.name in self.guests:
                raise ValueError("guest %s is given twice (on %s and %s)"
                                 % (guest.name, self.guests[guest.name].host, guest.host))
            if guest.host is not None and guest.host not in self.hosts:
                raise ValueError("guest %s is on %s, which is not one of the hosts" % (guest.name, guest.host))
            self.guests[guest.name] = guest
            if guest.host is not None:
                self._add(self.hosts[guest.host], guest)
        self._allowed_cache = {}
        self._order = None

    # -- the sorted candidates -------------------------------------------------------------------
    def _key(self, state):
        """The host's place among the candidates: the objective's best first, ties by name."""
        left = state.left_mb - self.reserve_mb
        return (-left if self.objective == "spread" else left, state.host.name)

    def _candidates(self):
        if self._order is None:
            self._order = sorted(self._key(state) for name, state in self.hosts.items() if self._open(state))
        return self._order

    def _open(self, state):
        return state.host.name not in self.closed and not state.host.maintenance

    def _update(self, state, change):
        """Apply ``change`` (a function of the state) keeping the sorted candidates in order."""
        order = self._order
        if order is not None and self._open(state):
            del order[bisect.bisect_left(order, self._key(state))]
        change(state)
        if order is not None and self._open(state):
            bisect.insort(order, self._key(state))

    def _add(self, state, guest, free_change=0):
        state.add(guest, free_change)
        for group in guest.affinity:
            self.affinity.setdefault(group, {}).setdefault(state.host.name, set()).add(guest.name)

    def _remove(self, state, guest, free_change=0):
        state.remove(guest, free_change)
        for group in guest.affinity:
            self.affinity[group][state.host.name].discard(guest.name)

    def close(self, names):
        """Hosts that take nothing from now on (being emptied, or failed as a destination)."""
        self.closed.update(names)
        self._order = None

    # -- the rules -------------------------------------------------------------------------------
    def _allowed(self, guest, host):
        if not guest.allowed:
            return True
        key = (guest.allowed, host.name)
        if key not in self._allowed_cache:
            self._allowed_cache[key] = any(fnmatch.fnmatchcase(host.name, pattern) for pattern in guest.allowed)
        return self._allowed_cache[key]

    def refusal(self, unit, state, kind, memory_mb, anchor=None):
        """Why ``state``'s host cannot take the guests of ``unit`` (None: it can)."""
        host = state.host
        if host.name in self.closed:
            return "failed as a destination in this run" if host.name in self.failed else "is being emptied"
        if host.maintenance:
            return "is in maintenance (%s)" % host.maintenance
        for guest in unit:
            if not self._allowed(guest, host):
                return "is not in %s's allowed hosts (%s)" % (guest.name, ", ".join(guest.allowed))
        left = state.left_mb - self.reserve_mb
        if memory_mb and left < memory_mb:
            return "has %d MiB left beyond the %d MiB reserve, %s need%s %d MiB" % (
                max(left, 0), self.reserve_mb, _names(unit), "s" if len(unit) == 1 else "", memory_mb)
        for guest in unit:
            for group in sorted(guest.anti_affinity):
                holders = [name for name in state.anti.get(group, ()) if name != guest.name]
                if holders:
                    return "holds %s of %s's anti-affinity group %s" % (", ".join(sorted(holders)), guest.name, group)
        if anchor is not None and anchor != host.name:
            group = sorted(g for guest in unit for g in guest.affinity)[0]
            return "is not %s, where the affinity group %s runs" % (anchor, group)
        for guest in unit:
            reason = self.cpu_check(guest, host)
            if reason:
                return "%s (for %s)" % (reason, guest.name) if len(unit) > 1 else reason
            if kind == "live" and guest.runs:
                reason = self.storage_check(guest, host)
                if reason:
                    return reason
        return None

    def fail_destination(self, name):
        """A destination that failed during execution takes nothing more."""
        self.failed.add(name)
        self.close([name])

    # -- placing ---------------------------------------------------------------------------------
    def _units(self, guests):
        """The guests to place grouped so that an affinity group moves as one unit, largest first."""
        parent = dict((guest.name, guest.name) for guest in guests)

        def find(name):
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        by_group = {}
        for guest in guests:
            for group in guest.affinity:
                by_group.setdefault(group, []).append(guest.name)
        for members in by_group.values():
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        units = {}
        for guest in guests:
            units.setdefault(find(guest.name), []).append(guest)
        return sorted((sorted(unit, key=lambda g: g.name) for unit in units.values()),
                      key=lambda unit: (-sum(g.memory_mb for g in unit if g.runs), unit[0].name))

    def _anchor(self, unit):
        """Where the unit's affinity groups already run (members that stay), or None."""
        names = set(g.name for g in unit)
        groups = set(group for guest in unit for group in guest.affinity)
        if not groups:
            return None
        counts = {}
        for group in groups:
            for host, members in self.affinity.get(group, {}).items():
                others = len(members - names)
                if others and host not in self.closed:
                    counts[host] = counts.get(host, 0) + others
        if not counts:
            return None
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]

    def _kind(self, guest):
        return self.kind if guest.runs else "offline"

    def _scan(self, memory_mb):
        """Candidate host names in the objective's order, starting where the memory fits."""
        order = self._candidates()
        if self.objective == "spread":
            for minus_left, name in order:
                if -minus_left < memory_mb:
                    return  # every host after this one has less left
                yield name
        else:
            for _left, name in order[bisect.bisect_left(order, (memory_mb, "")):]:
                yield name

    def place_unit(self, unit):
        """Choose a host for ``unit``: (host name, explanation) or (None, {host: reason})."""
        kind = self._kind(unit[0])
        memory = sum(g.memory_mb for g in unit if g.runs)
        conflict = _affinity_conflict(unit)
        if conflict:
            return None, conflict
        anchor = self._anchor(unit)
        if anchor is not None:
            refusal = self.refusal(unit, self.hosts[anchor], kind, memory, anchor)
            return (anchor, "where its affinity group runs") if refusal is None else (None, {anchor: refusal})
        tried = 0
        for name in self._scan(memory):
            if self.refusal(unit, self.hosts[name], kind, memory) is None:
                why = ("most memory left" if self.objective == "spread" else "least memory left that fits")
                if tried:
                    why += " (%d host%s with more refused)" % (tried, "" if tried == 1 else "s")
                return name, why
            tried += 1
        reasons = {}
        for name in sorted(self.hosts):
            if unit[0].host == name:
                continue
            reasons[name] = self.refusal(unit, self.hosts[name], kind, memory) or "not chosen"
        return None, reasons

    def _move(self, guest, destination, kind, why):
        """Plan ``guest`` onto ``destination``: the move as the plan lists it."""
        source = guest.host
        memory = guest.memory_mb if guest.runs else 0
        if source is not None:
            self._update(self.hosts[source], lambda state: self._remove(state, guest, memory))
        moved = _copy(guest, destination)
        self._update(self.hosts[destination], lambda state: self._add(state, moved, -memory))
        self.guests[guest.name] = moved
        return dict(name=guest.name, source=source, destination=destination, kind=kind,
                    memory_mb=guest.memory_mb, why=why)

    def undo(self, move):
        """Take back a planned move that did not happen (its migration failed or never started):
        the guest counts on its source again."""
        guest = self.guests[move["name"]]
        memory = guest.memory_mb if guest.runs else 0
        self._update(self.hosts[move["destination"]], lambda state: self._remove(state, guest, memory))
        back = _copy(guest, move["source"])
        if move["source"] is not None:
            self._update(self.hosts[move["source"]], lambda state: self._add(state, back, -memory))
            self.guests[guest.name] = back
        else:
            del self.guests[guest.name]
        return back

    def pin(self, name, destination, why):
        """A move decided outside the rules (a copy of the guest is already on ``destination``)."""
        guest = self.guests[name]
        return self._move(guest, destination, self._kind(guest), why)

    def place(self, guests, plan=None):
        """Place ``guests`` (names of known guests, or new Guest objects): a Plan."""
        plan = plan or Plan()
        chosen = []
        for item in guests:
            guest = item if isinstance(item, Guest) else self.guests[item]
            if isinstance(item, Guest) and item.name in self.guests:
                existing = self.guests[item.name]
                plan.unplaced.append(dict(name=item.name, reason="already exists on %s" % existing.host,
                                          candidates={}))
                continue
            chosen.append(guest)
        for unit in self._units(chosen):
            unmovable = [g for g in unit
                         if g.host is not None and not g.runs and (g.state != "shutoff" or not g.persistent)]
            if unmovable:
                for guest in unit:
                    plan.unplaced.append(dict(name=guest.name, candidates={}, reason=_why_unmovable(unmovable)))
                continue
            destination, why = self.place_unit(unit)
            if destination is None:
                text = why if isinstance(why, str) else "no host can take it"
                for guest in unit:
                    plan.unplaced.append(dict(name=guest.name, reason=text,
                                              candidates=why if isinstance(why, dict) else {}))
                continue
            for guest in unit:
                kind = self._kind(guest) if guest.host is not None else "create"
                plan.moves.append(self._move(guest, destination, kind, why))
        return plan

    def drain(self, sources, only=None):
        """Empty ``sources`` (host names): every guest on them placed elsewhere. ``only``: a
        predicate choosing which of their guests move (the others are not touched)."""
        unknown = sorted(set(sources) - set(self.hosts))
        if unknown:
            raise ValueError("cannot empty %s: not one of the hosts" % ", ".join(unknown))
        self.close(sources)
        moving = [g.name for name in sorted(sources) for g in self.hosts[name].guests
                  if only is None or only(g)]
        return self.place(moving)

    def rebalance(self, spread_pct, max_moves):
        """Moves that bring every open host's memory use within ``spread_pct`` points of each
        other and repair anti-affinity, with as few moves as this greedy search finds (largest
        useful guest first), never more than ``max_moves``."""
        plan = Plan()
        for state in sorted(self.hosts.values(), key=lambda s: s.host.name):
            if not self._open(state):
                continue
            for group in sorted(state.anti):
                holders = sorted(state.anti[group])
                for name in holders[1:]:
                    if len(plan.moves) >= max_moves:
                        break
                    guest = self.guests[name]
                    if not guest.runs or guest.affinity:
                        continue
                    before = len(plan.moves)
                    self.place([name], plan)
                    if len(plan.moves) > before:
                        plan.moves[-1]["why"] = "repairs anti-affinity group %s; %s" % (group, plan.moves[-1]["why"])
        target = float(spread_pct) / 100.0
        while len(plan.moves) < max_moves:
            open_states = sorted((s for s in self.hosts.values() if self._open(s)),
                                 key=lambda s: (s.use, s.host.name))
            if len(open_states) < 2:
                break
            low, high = open_states[0], open_states[-1]
            if high.use - low.use <= target + 1e-9:
                break
            move = self._rebalancing_move(high, open_states)
            if move is None:
                break
            guest, destination = move
            plan.moves.append(self._move(guest, destination, self.kind, "evens out memory use (%s at %d%%)"
                                         % (high.host.name, round(high.use * 100))))
        plan.spread_pct = self.spread_pct()
        return plan

    def _rebalancing_move(self, high, open_states):
        """The guest of the most used host, and the destination, that lowers the pair's larger use
        the most: the largest guest that does not overshoot, to the least used host that takes it."""
        candidates = sorted((g for g in high.guests if g.runs and not g.affinity),
                            key=lambda g: (-g.memory_mb, g.name))
        for guest in candidates:
            for low in open_states[:-1]:
                if low is high:
                    continue
                after_high = float(high.used_mb - guest.memory_mb) / high.host.memory_mb
                after_low = float(low.used_mb + guest.memory_mb) / low.host.memory_mb
                if max(after_high, after_low) >= high.use - 1e-9:
                    continue  # does not lower the larger of the two
                if self.refusal([guest], low, self.kind, guest.memory_mb) is None:
                    return guest, low.host.name
        return None

    def spread_pct(self):
        uses = [s.use for s in self.hosts.values() if self._open(s)]
        return round((max(uses) - min(uses)) * 100, 1) if uses else 0.0


def unplaced_text(item):
    """An unplaced guest's reason, with every candidate's refusal when there are some."""
    if item.get("candidates"):
        return "%s (%s)" % (item["reason"], "; ".join(
            "%s %s" % (host, why) for host, why in sorted(item["candidates"].items())))
    return item["reason"]


def _copy(guest, host):
    return Guest(guest.name, guest.memory_mb, host, guest.state, guest.affinity, guest.anti_affinity, guest.allowed,
                 guest.storage, guest.cpu_model, guest.cpu_features, guest.persistent)


def _names(unit):
    return ", ".join(g.name for g in unit)


def _affinity_conflict(unit):
    """A unit whose members share an anti-affinity group can never be placed."""
    if len(unit) < 2:
        return None
    seen = {}
    for guest in unit:
        for group in guest.anti_affinity:
            if group in seen:
                return ("%s and %s share an affinity group and the anti-affinity group %s: no host can hold both "
                        "and neither may run apart" % (seen[group], guest.name, group))
            seen[group] = guest.name
    return None


def _why_unmovable(unmovable):
    guest = unmovable[0]
    if guest.state == "saved":
        return "%s has a managed-save image: start it (it then moves live) or discard the saved state" % guest.name
    return "%s is %s and cannot be migrated" % (guest.name, guest.state)
