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
  - virtops.libvirt.attributes.action_group
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
  return_options:
    description:
      - Include each domain's persistent definition as the typed options of M(virtops.libvirt.domain)
        with its name (C(options)), and the parts of it that no typed option can ask for (C(untyped)).
      - "Given back (as an item of M(virtops.libvirt.domains)), the options change nothing: a domain
        defined elsewhere can be taken over by a playbook. Where C(untyped) is empty, a domain defined
        from them anew is the same."
      - A graphics password is never returned (libvirt does not show it); give it again.
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

- name: Read a domain defined elsewhere (legacy_domain names it) as the domain module's typed options
  virtops.libvirt.domain_info:
    name: "{{ legacy_domain }}"
    return_options: true
    host: false
  register: legacy

- name: Show what no typed option covers (the domain module leaves it as it is)
  ansible.builtin.debug:
    var: legacy.domains[0].untyped

- name: Manage it with those options from now on (the first run changes nothing)
  virtops.libvirt.domains:
    domains: "{{ legacy.domains | map(attribute='options') | list }}"
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
    guest_agent:
      description: Whether the domain has the QEMU guest agent's channel.
      type: bool
    xml:
      description: Live XML, with O(return_xml=true).
      type: str
    options:
      description:
        - The persistent definition as the typed options of M(virtops.libvirt.domain) and the domain's
          C(name), with O(return_options=true); options without a value are left out.
      type: dict
      sample: {"name": "db1", "memory_mb": 64, "vcpus": 1, "virt_type": "qemu", "features": {"acpi": true, "apic": true}}
    untyped:
      description:
        - "What no typed option can ask for, one C(where: why) each, with O(return_options=true);
          M(virtops.libvirt.domain)'s O(virtops.libvirt.domain#module:devices_xml) adds such devices."
      type: list
      elements: str
      sample: ["devices/channel[com.redhat.spice.0]: no typed option (devices_xml adds it)"]
host:
  description: Facts about the hypervisor host.
  returned: when O(host=true)
  type: dict
  contains:
    hostname:
      description: Host name libvirt reports.
      type: str
    host_uuid:
      description: The host's UUID from libvirt's capabilities (migration refuses a destination with the same one).
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
    free_memory_mb:
      description: Memory free on the host now, in MiB (what a migration or a new guest can use; the evacuate role places guests by it).
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
    networks:
      description: The host's virtual networks, each C(name), C(active) and C(autostart).
      type: list
      elements: dict
    pools:
      description: The host's storage pools, each C(name), C(active) and C(autostart).
      type: list
      elements: dict
    maintenance:
      description: >-
        The host's maintenance mark (C(reason), C(since), C(by)) as M(virtops.libvirt.maintenance)
        set it, or null when the host is not in maintenance.
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain_info import DOMAIN_INFO_ARGUMENT_SPEC, DomainInfoRunner


def main():
    run_module(AnsibleModule, DOMAIN_INFO_ARGUMENT_SPEC, DomainInfoRunner)


if __name__ == "__main__":
    main()
