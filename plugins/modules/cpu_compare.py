#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpu_compare
short_description: Check whether a guest CPU definition can run on this hypervisor
version_added: 0.1.0
description:
  - Asks libvirt (compareHypervisorCPU) whether a guest CPU - given like the domain module's
    C(cpu) option, or as C(<cpu>) XML - can run with this host's O(virt_type), as Nova does
    before a live migration.
  - Returns V(identical), V(superset) or V(incompatible), and for V(incompatible) the features
    the hypervisor lacks (or provides although they are forbidden).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.attributes.read_only
  - virtops.libvirt.connection
  - virtops.libvirt.kvm_probe
  - virtops.libvirt.cpu_target
options:
  cpu:
    description:
      - The guest CPU, as the domain module's C(cpu) option (C(mode=custom) with C(model) and
        C(features)), for example the RV(virtops.libvirt.cpu_baseline#module:cpu) of a group.
    type: dict
    suboptions:
      mode:
        description: Only V(custom) names a model that can be compared.
        type: str
        default: custom
        choices: [custom]
      model:
        description: CPU model name.
        type: str
        required: true
      fallback:
        description: Whether libvirt may fall back to a close model.
        type: str
        default: forbid
        choices: [allow, forbid]
      features:
        description: Feature flags with their policy.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Feature name.
            type: str
            required: true
          policy:
            description: libvirt's feature policy.
            type: str
            default: require
            choices: [require, disable, force, optional, forbid]
  xml:
    description: The guest CPU as a C(<cpu>) element, instead of O(cpu).
    type: str
  fail_on_incompatible:
    description: Fail the task, naming the missing features, when the CPU is incompatible.
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.cpu_info
  - module: virtops.libvirt.cpu_baseline
"""

EXAMPLES = r"""
- name: Can this hypervisor run the group's baseline CPU?
  virtops.libvirt.cpu_compare:
    cpu: "{{ group_cpu.cpu }}"
    fail_on_incompatible: true

- name: Check a Skylake guest against TCG
  virtops.libvirt.cpu_compare:
    virt_type: qemu
    cpu:
      model: Skylake-Server-IBRS
  register: verdict
"""

RETURN = r"""
result:
  description: V(identical), V(superset) (the hypervisor offers more) or V(incompatible).
  returned: always
  type: str
  sample: incompatible
compatible:
  description: Whether the result is V(identical) or V(superset).
  returned: always
  type: bool
missing_features:
  description: Required features the hypervisor does not provide.
  returned: always
  type: list
  elements: str
  sample: [avx512f, avx512dq]
forbidden_features:
  description: Forbidden features the hypervisor does provide.
  returned: always
  type: list
  elements: str
message:
  description: libvirt's explanation when incompatible.
  returned: always
  type: str
virt_type:
  description: The virt_type compared against.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.cpu import CPU_COMPARE_ARGUMENT_SPEC, CpuCompareRunner


def main():
    run_module(AnsibleModule, CPU_COMPARE_ARGUMENT_SPEC, CpuCompareRunner)


if __name__ == "__main__":
    main()
