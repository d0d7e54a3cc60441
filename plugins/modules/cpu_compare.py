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

from ansible_collections.virtops.libvirt.plugins.module_utils.config.base import XmlModelError
from ansible_collections.virtops.libvirt.plugins.module_utils.config.cpu import CPU_FEATURES_SPEC, CpuConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    CONNECTION_ARGUMENT_SPEC, LibvirtModule, VirtopsError,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.cpu_models import (
    CPU_TARGET_ARGUMENT_SPEC, custom_cpu_xml, hypervisor_for,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.hypervisor import KVM_PROBE_ARGUMENT_SPEC


def guest_cpu_xml(params):
    if params["xml"]:
        try:
            CpuConfig.from_xml(params["xml"])
        except XmlModelError as exc:
            raise VirtopsError("xml: %s" % exc)
        return params["xml"]
    cpu = params["cpu"]
    return custom_cpu_xml(cpu["model"], [(f["name"], f["policy"]) for f in cpu["features"]], cpu["fallback"])


def compare(conn, params):
    hypervisor, _probe = hypervisor_for(conn, params)
    verdict = hypervisor.compare(guest_cpu_xml(params))
    verdict.update(changed=False, virt_type=hypervisor.virt_type,
                   compatible=verdict["result"] != "incompatible")
    if params["fail_on_incompatible"] and not verdict["compatible"]:
        raise VirtopsError("the CPU cannot run here with virt_type=%s: %s" % (hypervisor.virt_type, verdict["message"]),
                           **dict((key, value) for key, value in verdict.items() if key != "message"))
    return verdict


def main():
    argument_spec = dict(
        cpu=dict(type="dict", options=dict(
            mode=dict(type="str", default="custom", choices=["custom"]),
            model=dict(type="str", required=True),
            fallback=dict(type="str", default="forbid", choices=["allow", "forbid"]),
            features=CPU_FEATURES_SPEC,
        )),
        xml=dict(type="str"),
        fail_on_incompatible=dict(type="bool", default=False),
    )
    argument_spec.update(CPU_TARGET_ARGUMENT_SPEC)
    argument_spec.update(KVM_PROBE_ARGUMENT_SPEC)
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_one_of=[("cpu", "xml")], mutually_exclusive=[("cpu", "xml")])
    LibvirtModule(module).run(lambda conn: compare(conn, module.params))


if __name__ == "__main__":
    main()
