#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpu_info
short_description: Describe the host CPU and the CPU models the hypervisor can run
version_added: 0.1.0
description:
  - Returns the host's CPU (model, vendor, features, topology) as libvirt sees it, and for one
    O(virt_type), O(arch) and O(machine) what the hypervisor offers - the CPU modes it supports,
    what V(host-model) expands to, and every named model with whether it is usable.
  - RV(host_model_xml) - what a guest can get on this host with this hypervisor - is the input
    M(virtops.libvirt.cpu_baseline) takes from each host of a group.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.attributes.read_only
  - virtops.libvirt.connection
  - virtops.libvirt.kvm_probe
  - virtops.libvirt.cpu_target
seealso:
  - module: virtops.libvirt.cpu_compare
  - module: virtops.libvirt.cpu_baseline
"""

EXAMPLES = r"""
- name: Which CPU models can TCG run here?
  virtops.libvirt.cpu_info:
    virt_type: qemu
  register: cpus

- name: Show them
  ansible.builtin.debug:
    msg: "{{ cpus.usable_models }}"
"""

RETURN = r"""
virt_type:
  description: The virt_type the answer is for (V(auto) resolved by the KVM probe).
  returned: always
  type: str
  sample: kvm
kvm_probe:
  description: How O(virt_type=auto) was resolved.
  returned: when O(virt_type=auto)
  type: dict
emulator:
  description: The emulator binary libvirt would use.
  returned: always
  type: str
  sample: /usr/bin/qemu-system-x86_64
arch:
  description: Guest architecture.
  returned: always
  type: str
machine:
  description: Machine type (canonical name).
  returned: always
  type: str
  sample: pc-i440fx-7.2
host_cpu:
  description: The host CPU - arch, model, vendor, features (names) and topology.
  returned: always
  type: dict
  sample: {arch: x86_64, model: Skylake-Server-IBRS, vendor: Intel, features: [ds, acpi, ss]}
host_cpu_xml:
  description:
    - The host CPU as libvirt's capabilities give it. M(virtops.libvirt.cpu_baseline) takes it
      too, but it describes the silicon, not what the hypervisor offers a guest.
  returned: always
  type: str
host_model_xml:
  description:
    - What V(host-model) gives a guest here, as a C(<cpu mode='custom'>) element; give this from
      every host of a group to M(virtops.libvirt.cpu_baseline).
  returned: when V(host-model) is supported
  type: str
modes:
  description: Whether each CPU mode (V(host-passthrough), V(host-model), V(custom), V(maximum)) is supported.
  returned: always
  type: dict
  sample: {host-passthrough: true, host-model: true, custom: true, maximum: true}
host_model:
  description: What V(host-model) gives a guest, in the form the domain module's C(cpu) option takes.
  returned: when V(host-model) is supported
  type: dict
  sample: {mode: custom, model: EPYC, fallback: forbid, features: [{name: ss, policy: require}]}
models:
  description: Every named CPU model, with C(usable) (V(yes), V(no) or V(unknown)) and C(vendor).
  returned: always
  type: list
  elements: dict
usable_models:
  description: Names of the models whose C(usable) is not V(no), sorted.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.cpu import CPU_INFO_ARGUMENT_SPEC, CpuInfoRunner


def main():
    run_module(AnsibleModule, CPU_INFO_ARGUMENT_SPEC, CpuInfoRunner)


if __name__ == "__main__":
    main()
