# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``instance_placement`` filter behind the instance role's ``instance_hypervisors``: which
hypervisor each instance is on, decided by the collection's planner before anything is created.

An instance that exists on one of the hypervisors stays there; a new one goes where the planner
puts it (memory beyond the reserve, maintenance marks, its anti-affinity, affinity and allowed
hosts from its metadata, spread or pack). An instance to remove is removed where it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import Guest, Host, Planner


def _fail(message):
    raise AnsibleFilterError("instance_placement: %s" % message)


def _hosts(facts):
    """[(host name, uri, Host, domains)] from the registered domain_info loop over the hypervisors."""
    hosts = []
    for index, result in enumerate(facts or []):
        spec = result.get("instance_hypervisor") or result.get("item") or {}
        host = result.get("host")
        if not isinstance(spec, dict) or not spec.get("uri") or not isinstance(host, dict):
            _fail("hypervisor facts[%d] need the hypervisor (uri) and domain_info's host facts, got %r" % (index, result))
        name = spec.get("name") or host.get("hostname") or spec["uri"]
        mark = host.get("maintenance")
        memory = spec.get("memory_mb") or host.get("memory_mb")
        hosts.append((name, spec["uri"], Host(name, memory, free_mb=host.get("free_memory_mb"),
                                              maintenance=((mark or {}).get("reason") or "no reason given") if mark else None),
                      result.get("domains") or []))
    if not hosts:
        _fail("no hypervisor to place the instances on")
    return hosts


def instance_placement(instances, facts, defaults=None, reserve_mb=0, objective="spread"):
    """``instances`` (the role's list, items without the prefix, over ``defaults``) and ``facts``
    (domain_info's results per hypervisor) -> {uri: [the items placed there]}."""
    if not isinstance(instances, list):
        _fail("the instances must be a list, got %r" % (instances,))
    hosts = _hosts(facts)
    uri_of = dict((name, uri) for name, uri, _host, _domains in hosts)
    existing, guests = {}, []
    for name, _uri, _host, domains in hosts:
        for domain in domains:
            if domain["name"] in existing:
                _fail("%s is defined on %s and %s; migrate or remove one copy first"
                      % (domain["name"], existing[domain["name"]], name))
            existing[domain["name"]] = name
            guests.append(Guest.from_metadata(domain["name"], domain.get("memory_mb") or 0, name, domain.get("state"),
                                              domain.get("metadata")))
    try:
        planner = Planner([host for _name, _uri, host, _domains in hosts], guests, reserve_mb=reserve_mb,
                          objective=objective, cpu_check=lambda guest, host: None,
                          storage_check=lambda guest, host: None)
    except ValueError as exc:
        _fail(str(exc))
    placed = dict((uri, []) for uri in uri_of.values())
    new = {}
    for index, item in enumerate(instances):
        instance = dict(defaults or {})
        instance.update(item or {})
        name = instance.get("name")
        if not name:
            _fail("instance #%d has no name" % index)
        if name in existing:
            placed[uri_of[existing[name]]].append(item)
        elif instance.get("state") != "absent":
            metadata = ((instance.get("domain_options") or {}).get("metadata")) or {}
            new[name] = (item, Guest.from_metadata(name, int(instance.get("memory_mb") or 0), None, "running", metadata))
    plan = planner.place([guest for _item, guest in new.values()])
    if plan.unplaced:
        _fail("no hypervisor can take %s; nothing was created" % "; ".join(
            "%s (%s)" % (item["name"], "; ".join("%s %s" % (host, why) for host, why in sorted(item["candidates"].items()))
                         or item["reason"]) for item in plan.unplaced))
    for move in plan.moves:
        placed[uri_of[move["destination"]]].append(new[move["name"]][0])
    return placed


class FilterModule(object):
    def filters(self):
        return dict(instance_placement=instance_placement)
