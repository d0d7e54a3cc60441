# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``nwfilter`` module (define, update, remove a traffic filter) and of
``nwfilter_info`` (the filters and the bindings that apply them to running guests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import lookup_or_none
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import FILTER_REFERENCE_OPTIONS
from ansible_collections.virtops.libvirt.plugins.module_utils.network.users import (
    filters_referencing, guests_filtered_by,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList, format_changes
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import FilterRef
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.nwfilter import (
    ACTIONS, CHAINS, COMMON_ATTRIBUTES, DEFAULT_PRIORITY, DIRECTIONS, PROTOCOL_ATTRIBUTES, FilterBinding,
    FilterRule, NWFilterConfig, normal_value,
)

NWFILTER_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    chain=dict(type="str"),
    priority=dict(type="int"),
    filters=dict(type="list", elements="dict", options=FILTER_REFERENCE_OPTIONS),
    rules=dict(type="list", elements="dict", options=dict(
        action=dict(type="str", required=True, choices=list(ACTIONS)),
        direction=dict(type="str", required=True, choices=list(DIRECTIONS)),
        priority=dict(type="int", default=DEFAULT_PRIORITY),
        statematch=dict(type="bool", default=True),
        protocol=dict(type="str", required=True),
        match=dict(type="dict", default={}),
    )),
    force=dict(type="bool", default=False),
)
NWFILTER_INFO_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
)
CHAIN_PREFIXES = ("mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6")


def lookup_filter(conn, name):
    return lookup_or_none(conn.nwfilterLookupByName, "NO_NWFILTER", name)


def _check_priority(value, option):
    if value is not None and not -1000 <= value <= 1000:
        raise VirtopsError("%s must be between -1000 and 1000, got %d" % (option, value))


def _check_chain(chain):
    # libvirt also takes "<protocol>-<suffix>" chains (e.g. ipv4-myrules) for the protocol's table.
    if chain is None or chain in CHAINS or chain.split("-", 1)[0] in CHAIN_PREFIXES and "-" in chain:
        return
    raise VirtopsError("chain %r is not one libvirt knows: give one of %s, or <%s>-<name>"
                       % (chain, ", ".join(CHAINS), "|".join(CHAIN_PREFIXES)))


def _value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# libvirt keeps a rule's comment up to this many bytes (nwfilter_conf.c, MAX_COMMENT_LENGTH).
MAX_COMMENT_BYTES = 256


def build_rule(index, spec):
    """A FilterRule from one item of ``rules``, or VirtopsError naming what is wrong."""
    where = "rules[%d]" % index
    protocol = spec["protocol"]
    if protocol not in PROTOCOL_ATTRIBUTES:
        raise VirtopsError("%s.protocol: %r is not a protocol libvirt filters; use one of %s"
                           % (where, protocol, ", ".join(sorted(PROTOCOL_ATTRIBUTES))))
    allowed = PROTOCOL_ATTRIBUTES[protocol] + COMMON_ATTRIBUTES
    unknown = sorted(set(spec["match"]) - set(allowed))
    if unknown:
        raise VirtopsError("%s.match: %s %s not an attribute of protocol %s; it takes %s"
                           % (where, ", ".join(unknown), "is" if len(unknown) == 1 else "are", protocol,
                              ", ".join(sorted(allowed))))
    _check_priority(spec["priority"], where + ".priority")
    comment = spec["match"].get("comment")
    if comment is not None and len(_value(comment).encode("utf-8")) > MAX_COMMENT_BYTES:
        raise VirtopsError("%s.match.comment is %d bytes long; libvirt keeps at most %d (it would cut the rest off, "
                           "and every run would report a change)"
                           % (where, len(_value(comment).encode("utf-8")), MAX_COMMENT_BYTES))
    attributes = dict((name, normal_value(name, _value(value))) for name, value in spec["match"].items())
    return FilterRule(action=spec["action"], direction=spec["direction"], priority=spec["priority"],
                      statematch=spec["statematch"], match=dict(protocol=protocol, attributes=attributes))


class NWFilterRunner(Runner):
    def subject(self):
        return "nwfilter %s" % self.params["name"]

    def run(self):
        p = self.params
        self.result["name"] = p["name"]
        nwfilter = lookup_filter(self.conn, p["name"])
        if p["state"] == "absent":
            self._absent(nwfilter)
        else:
            nwfilter = self._define(nwfilter)
        if nwfilter is not None and p["state"] == "present" and self.shows_outcome():
            self.result["filter"] = describe_filter(nwfilter)
        self.result["diff"] = self.diff
        return self.result

    def _desired(self):
        p = self.params
        _check_chain(p["chain"])
        _check_priority(p["priority"], "priority")
        desired = NWFilterConfig(name=p["name"], chain=p["chain"], priority=p["priority"])
        if p["filters"] is not None:
            for spec in p["filters"]:
                if spec["name"] == p["name"]:
                    raise VirtopsError("filters: a filter cannot include itself (%s)" % p["name"])
                if lookup_filter(self.conn, spec["name"]) is None:
                    raise VirtopsError("filters: %s is not a defined nwfilter" % spec["name"])
            desired.filterrefs = ExclusiveList(
                FilterRef.with_parameters(spec["name"], spec["parameters"]) for spec in p["filters"])
        if p["rules"] is not None:
            desired.rules = [build_rule(index, spec) for index, spec in enumerate(p["rules"])]
        return desired

    def _define(self, nwfilter):
        p = self.params
        requested = any(p[option] is not None for option in ("chain", "priority", "filters", "rules"))
        if nwfilter is None and not requested:
            raise VirtopsError("nwfilter %s does not exist; give its rules (and filters, chain) to define it" % p["name"])
        if not requested:
            return nwfilter
        desired = self._desired()
        if nwfilter is None:
            if desired.chain is None:
                desired.chain = "root"
            self.diff["after"] = desired.to_xml()
            nwfilter, created = self.recorder.record_or_adopt(
                "define", lambda: lookup_filter(self.conn, p["name"]),
                self.conn.nwfilterDefineXML, desired.to_xml())
            if created:
                return nwfilter
            self.diff["after"] = ""  # a concurrent run defined it first: converge on it
            return self._define(nwfilter)
        live = NWFilterConfig.from_xml(nwfilter.XMLDesc(0))
        changes = desired.changes(live)
        if changes:
            self.diff.update(format_changes(changes))
            self.result["changes"] = [change.path for change in changes]
            desired.apply_to(live)
            # libvirt applies a redefined filter to every running guest that uses it at once.
            nwfilter = self.recorder.record("update definition", self.conn.nwfilterDefineXML, live.to_xml()) or nwfilter
        return nwfilter

    def _absent(self, nwfilter):
        p = self.params
        if nwfilter is None:
            return
        users = guests_filtered_by(self.conn, p["name"])
        referencing = filters_referencing(self.conn, p["name"])
        if (users or referencing) and not p["force"]:
            raise VirtopsError("nwfilter %s is in use (%s); refusing to remove it (set force: true to try anyway: "
                               "libvirt still refuses while a running guest or another filter uses it)"
                               % (p["name"], "; ".join(part for part in (
                                   "guests: " + ", ".join(users) if users else "",
                                   "filters: " + ", ".join(referencing) if referencing else "") if part)))
        self.diff["before"] = nwfilter.XMLDesc(0)
        self.recorder.record("undefine", nwfilter.undefine)


def describe_filter(nwfilter):
    config = NWFilterConfig.from_xml(nwfilter.XMLDesc(0))
    return dict(
        name=config.name, uuid=config.uuid, chain=config.chain, priority=config.priority,
        filters=[dict(name=ref.filter, parameters=dict((item.name, item.value) for item in ref.parameters or []))
                 for ref in config.filterrefs or []],
        rules=[dict(action=rule.action, direction=rule.direction, priority=rule.priority,
                    statematch=rule.statematch, protocol=(rule.match or {}).get("protocol"),
                    match=(rule.match or {}).get("attributes", {}))
               for rule in config.rules or []],
    )


class NWFilterInfoRunner(Runner):
    def subject(self):
        return "nwfilter_info"

    def run(self):
        p = self.params
        if p["name"] is not None:
            nwfilter = lookup_filter(self.conn, p["name"])
            if nwfilter is None:
                raise VirtopsError("nwfilter %s is not defined" % p["name"])
            filters = [nwfilter]
        else:
            filters = sorted(self.conn.listAllNWFilters(0), key=lambda item: item.name())
        self.result["filters"] = [describe_filter(item) for item in filters]
        names = set(item.name() for item in filters)
        bindings = []
        for binding in self.conn.listAllNWFilterBindings(0):
            config = FilterBinding.from_xml(binding.XMLDesc(0))
            if config.filter in names:
                bindings.append(config.summary())
        self.result["bindings"] = sorted(bindings, key=lambda item: (item["owner"] or "", item["port"] or ""))
        return self.result
