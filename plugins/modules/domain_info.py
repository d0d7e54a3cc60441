#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: domain_info
short_description: List libvirt domains and describe the hypervisor host
version_added: 0.1.0
description:
  - Lists domains with their state, vCPUs, memory, disks, interfaces (with MACs), autostart
    and persistence, filtered by name pattern and state, and optionally their XML.
  - Describes the host - libvirt and QEMU versions, CPU, memory, what guests the hypervisor can
    run - and whether KVM really runs guests here (the probe behind
    C(virt_type=auto) of M(virtops.libvirt.domain)).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.read_only
  - virtops.libvirt.connection
  - virtops.libvirt.kvm_probe
options:
  name:
    description: Only domains whose name matches this shell-style pattern (for example C(web*)).
    type: str
  states:
    description: Only domains in one of these run states.
    type: list
    elements: str
    choices: [running, paused, shutoff, saved, crashed, pmsuspended, shutting-down]
  return_xml:
    description: Include each domain's live XML as C(xml).
    type: bool
    default: false
  host:
    description: Include the host facts (RV(host)), with the KVM probe.
    type: bool
    default: true
seealso:
  - module: virtops.libvirt.domain
"""

EXAMPLES = r"""
- name: List the running web instances
  virtops.libvirt.domain_info:
    name: "web*"
    states: [running]
  register: web

- name: Show each instance's MACs
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.interfaces | map(attribute='mac') | list }}"
  loop: "{{ web.domains }}"

- name: Does KVM really work on this host?
  virtops.libvirt.domain_info:
    name: none-wanted
  register: facts

- name: Pick the virt_type for new instances
  ansible.builtin.set_fact:
    instance_virt_type: "{{ 'kvm' if facts.host.kvm.usable else 'qemu' }}"
"""

RETURN = r"""
domains:
  description: The matching domains, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name.
      type: str
    uuid:
      description: UUID.
      type: str
    state:
      description: Run state (V(saved) is shut off with a managed-save image).
      type: str
    persistent:
      description: Whether the domain has a persistent definition.
      type: bool
    autostart:
      description: Whether libvirtd starts it at its own start.
      type: bool
    virt_type:
      description: C(kvm) or C(qemu).
      type: str
    vcpus:
      description: Maximum vCPUs.
      type: int
    current_vcpus:
      description: vCPUs online.
      type: int
    memory_mb:
      description: Maximum memory in MiB.
      type: int
    current_memory_mb:
      description: Current memory in MiB.
      type: int
    disks:
      description: Disks with target, bus, device, source, format, serial and readonly.
      type: list
      elements: dict
    interfaces:
      description: Interfaces with mac, type, network or bridge, model and filter.
      type: list
      elements: dict
    metadata:
      description: This collection's key/value metadata.
      type: dict
    xml:
      description: Live XML, with O(return_xml=true).
      type: str
host:
  description: Facts about the hypervisor host.
  returned: when O(host=true)
  type: dict
  contains:
    hostname:
      description: Host name libvirt reports.
      type: str
    libvirt_version:
      description: libvirt version.
      type: str
      sample: 9.0.0
    hypervisor_version:
      description: Hypervisor (QEMU) version.
      type: str
      sample: 7.2.0
    arch:
      description: Host CPU architecture.
      type: str
    cpu_model:
      description: Host CPU model as libvirt names it.
      type: str
    cpus:
      description: Logical CPUs.
      type: int
    memory_mb:
      description: Host memory in MiB.
      type: int
    guests:
      description: Guest architectures with the domain types (C(kvm), C(qemu)) each offers.
      type: list
      elements: dict
    kvm:
      description: >-
        The KVM probe - C(usable), C(method) (C(boot), C(capabilities) or C(none) when no boot
        could be tried) and C(reason).
      type: dict
"""

import fnmatch

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    CONNECTION_ARGUMENT_SPEC, LibvirtModule, is_error, libvirt,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_service import domain_summary
from ansible_collections.virtops.libvirt.plugins.module_utils.hypervisor import (
    KVM_PROBE_ARGUMENT_SPEC, host_facts, kvm_probe,
)

INFO_STATES = ["running", "paused", "shutoff", "saved", "crashed", "pmsuspended", "shutting-down"]


def gather(conn, params):
    domains = []
    for dom in conn.listAllDomains(0):
        if params["name"] and not fnmatch.fnmatchcase(dom.name(), params["name"]):
            continue
        try:
            summary = domain_summary(dom)
        except libvirt.libvirtError as exc:
            if is_error(exc, "NO_DOMAIN"):
                continue  # undefined while we were listing
            raise
        if params["states"] and summary["state"] not in params["states"]:
            continue
        if params["return_xml"]:
            summary["xml"] = dom.XMLDesc(0)
        domains.append(summary)
    result = dict(changed=False, domains=sorted(domains, key=lambda item: item["name"]))
    if params["host"]:
        facts = host_facts(conn)
        facts["kvm"] = kvm_probe(conn, facts["arch"], params["kvm_probe_kernel"])
        result["host"] = facts
    return result


def main():
    argument_spec = dict(
        name=dict(type="str"),
        states=dict(type="list", elements="str", choices=INFO_STATES),
        return_xml=dict(type="bool", default=False),
        host=dict(type="bool", default=True),
    )
    argument_spec.update(KVM_PROBE_ARGUMENT_SPEC)
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    LibvirtModule(module).run(lambda conn: gather(conn, module.params))


if __name__ == "__main__":
    main()
