#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpu_baseline
short_description: Compute a CPU that every host of a group can run, for safe live migration
version_added: 0.1.0
description:
  - Computes the baseline of several hosts' CPU definitions (libvirt's
    baselineHypervisorCPU) - the most capable CPU model and features that all of them, and this
    hypervisor with O(virt_type), can run.
  - Returns it as RV(cpu), a value the domain module's C(cpu) option takes as it is. Give it to
    every instance of the group and they can live-migrate between its hosts.
  - "Pattern: gather M(virtops.libvirt.cpu_info) on every host of the group, compute the
    baseline once (C(run_once)) from their C(host_model_xml), and define every instance with it.
    See R(the CPU baseline guide,ansible_collections.virtops.libvirt.docsite.guide_cpu_baseline)."
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.attributes.read_only
  - virtops.libvirt.connection
  - virtops.libvirt.kvm_probe
  - virtops.libvirt.cpu_target
options:
  cpus:
    description:
      - One C(<cpu>) element per host - best what a guest can get there,
        RV(virtops.libvirt.cpu_info#module:host_model_xml); a host CPU definition from
        libvirt's capabilities (RV(virtops.libvirt.cpu_info#module:host_cpu_xml)) works too.
      - All must be of the same CPU vendor.
    type: list
    elements: str
    required: true
  migratable:
    description: Leave out features that block migration (libvirt's C(MIGRATABLE) flag).
    type: bool
    default: true
  expand_features:
    description:
      - List every feature of the model explicitly (libvirt's C(EXPAND_FEATURES) flag) instead
        of only those beyond the model.
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.cpu_info
  - module: virtops.libvirt.cpu_compare
  - module: virtops.libvirt.domain
"""

EXAMPLES = r"""
- name: Gather each hypervisor's CPU
  virtops.libvirt.cpu_info:
  register: cpu

- name: Compute the group's baseline once
  virtops.libvirt.cpu_baseline:
    cpus: "{{ ansible_play_hosts | map('extract', hostvars, ['cpu', 'host_model_xml']) | list }}"
  run_once: true
  register: group_cpu

- name: Define instances with it
  virtops.libvirt.domain:
    name: web1
    memory_mb: 1024
    cpu: "{{ group_cpu.cpu }}"
"""

RETURN = r"""
cpu:
  description: The baseline as the domain module's C(cpu) option.
  returned: always
  type: dict
  sample:
    mode: custom
    model: IvyBridge
    fallback: forbid
    features: [{name: ds, policy: require}, {name: vmx, policy: require}]
model:
  description: The baseline's CPU model.
  returned: always
  type: str
  sample: IvyBridge
vendor:
  description: CPU vendor of the baseline.
  returned: always
  type: str
  sample: Intel
xml:
  description: The baseline C(<cpu>) as libvirt returned it.
  returned: always
  type: str
virt_type:
  description: The virt_type the baseline was computed for.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.cpu import CPU_BASELINE_ARGUMENT_SPEC, CpuBaselineRunner


def main():
    run_module(AnsibleModule, CPU_BASELINE_ARGUMENT_SPEC, CpuBaselineRunner)


if __name__ == "__main__":
    main()
