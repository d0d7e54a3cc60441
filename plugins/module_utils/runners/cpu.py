# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs of the CPU modules: ``cpu_info`` (facts), ``cpu_compare`` and ``cpu_baseline``.

They share one runner file because they share everything but the question they ask.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_cpu_features, check_token
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import (
    CPU_FEATURES_SPEC, CPU_TARGET_ARGUMENT_SPEC, KVM_PROBE_ARGUMENT_SPEC,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.host.cpu import (
    cpu_option, custom_cpu_xml, host_cpu, hypervisor_for,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import XmlModelError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig


def _with_target(spec):
    spec = dict(spec)
    spec.update(CPU_TARGET_ARGUMENT_SPEC)
    spec.update(KVM_PROBE_ARGUMENT_SPEC)
    return spec


CPU_INFO_ARGUMENT_SPEC = _with_target({})
CPU_COMPARE_ARGUMENT_SPEC = _with_target(dict(
    cpu=dict(type="dict", options=dict(
        mode=dict(type="str", default="custom", choices=["custom"]),
        model=dict(type="str", required=True),
        fallback=dict(type="str", default="forbid", choices=["allow", "forbid"]),
        features=CPU_FEATURES_SPEC,
    )),
    xml=dict(type="str"),
    fail_on_incompatible=dict(type="bool", default=False),
))
CPU_BASELINE_ARGUMENT_SPEC = _with_target(dict(
    cpus=dict(type="list", elements="str", required=True),
    migratable=dict(type="bool", default=True),
    expand_features=dict(type="bool", default=False),
))


class CpuInfoRunner(Runner):
    def run(self):
        hypervisor, probe = hypervisor_for(self.conn, self.params)
        host, host_xml = host_cpu(self.conn)
        result = dict(
            changed=False,
            virt_type=hypervisor.virt_type,
            emulator=hypervisor.emulator,
            arch=hypervisor.arch,
            machine=hypervisor.machine,
            host_cpu=dict(arch=host.arch, model=host.model, vendor=host.vendor,
                          features=[feature.name for feature in host.features],
                          topology=host.topology.summary() if host.topology else None),
            host_cpu_xml=host_xml,
            modes=hypervisor.modes,
            models=hypervisor.models,
            usable_models=hypervisor.usable_models(),
        )
        if hypervisor.host_model is not None:
            result["host_model"] = cpu_option(hypervisor.host_model)
            result["host_model_xml"] = hypervisor.host_model_xml()
        if probe is not None:
            result["kvm_probe"] = probe
        return result


class CpuCompareRunner(Runner):
    MODULE_OPTIONS = dict(required_one_of=[("cpu", "xml")], mutually_exclusive=[("cpu", "xml")])

    def _guest_cpu_xml(self):
        p = self.params
        if p["xml"]:
            try:
                CpuConfig.from_user_xml(p["xml"])
            except XmlModelError as exc:
                raise VirtopsError("xml: %s" % exc)
            return p["xml"]
        cpu = p["cpu"]
        check_token(cpu["model"], "cpu.model", "CPU model name")
        check_cpu_features(cpu["features"])
        return custom_cpu_xml(cpu["model"], [(f["name"], f["policy"]) for f in cpu["features"]], cpu["fallback"])

    def run(self):
        hypervisor, _probe = hypervisor_for(self.conn, self.params)
        verdict = hypervisor.compare(self._guest_cpu_xml())
        verdict.update(changed=False, virt_type=hypervisor.virt_type,
                       compatible=verdict["result"] != "incompatible")
        if self.params["fail_on_incompatible"] and not verdict["compatible"]:
            raise VirtopsError("the CPU cannot run here with virt_type=%s: %s"
                               % (hypervisor.virt_type, verdict["message"]),
                               **dict((key, value) for key, value in verdict.items() if key != "message"))
        return verdict


class CpuBaselineRunner(Runner):
    def run(self):
        p = self.params
        if not p["cpus"]:
            raise VirtopsError("cpus is empty: give one host CPU definition (cpu_info's host_cpu_xml) per host")
        hypervisor, _probe = hypervisor_for(self.conn, p)
        config = hypervisor.baseline(p["cpus"], p["expand_features"], p["migratable"])
        return dict(changed=False, cpu=cpu_option(config), model=config.model, vendor=config.vendor,
                    xml=config.to_xml(), virt_type=hypervisor.virt_type)
