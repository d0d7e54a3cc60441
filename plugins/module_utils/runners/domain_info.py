# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``domain_info`` module: domains as plain data, and the host's facts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_error, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import KVM_PROBE_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.definition_options import definition_options
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.summary import guest_summary
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import host_facts, host_objects
from ansible_collections.virtops.libvirt.plugins.module_utils.host.kvm import kvm_probe
from ansible_collections.virtops.libvirt.plugins.module_utils.host.maintenance import read_mark
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

INFO_STATES = ["running", "paused", "shutoff", "saved", "crashed", "pmsuspended", "shutting-down"]
DOMAIN_INFO_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    states=dict(type="list", elements="str", choices=INFO_STATES),
    return_xml=dict(type="bool", default=False),
    return_options=dict(type="bool", default=False),
    host=dict(type="bool", default=True),
)
DOMAIN_INFO_ARGUMENT_SPEC.update(KVM_PROBE_ARGUMENT_SPEC)


class DomainInfoRunner(Runner):
    def run(self):
        p = self.params
        domains = []
        for guest in Guest.all(self.conn):
            if p["name"] and not fnmatch.fnmatchcase(guest.name, p["name"]):
                continue
            try:
                summary = guest_summary(guest)
                if p["return_xml"]:
                    summary["xml"] = guest.xml()
                if p["return_options"]:
                    # the persistent definition (the domain module's options describe it), read without
                    # its secrets: a graphics password is never returned
                    options, summary["untyped"] = definition_options(DomainConfig.from_xml(guest.xml(inactive=True)))
                    summary["options"] = dict(options, name=guest.name)  # an item for the domains module
            except libvirt.libvirtError as exc:
                if is_error(exc, "NO_DOMAIN"):
                    continue  # undefined while we were listing
                raise
            if p["states"] and summary["state"] not in p["states"]:
                continue
            domains.append(summary)
        result = dict(changed=False, domains=sorted(domains, key=lambda item: item["name"]))
        if p["host"]:
            facts = host_facts(self.conn)
            facts["kvm"] = kvm_probe(self.conn, facts["arch"], p["kvm_probe_kernel"])
            facts["maintenance"] = read_mark(self.conn)
            facts.update(host_objects(self.conn))
            result["host"] = facts
        return result
