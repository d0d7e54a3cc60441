# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU models: what the hypervisor can run, comparison and baseline (Nova's cpu_mode logic).

Every question is asked of the hypervisor (domain capabilities, compareHypervisorCPU,
baselineHypervisorCPU) for one virt_type/arch/machine, because what TCG can run differs from
what KVM on the same host can run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import (
    domain_capabilities, host_capabilities,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.host.kvm import resolve_virt_type
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig, CpuFeature

COMPARE_RESULTS = {0: "incompatible", 1: "identical", 2: "superset"}
_MISSING = re.compile(r"does not provide required features: ([^;.]+)")
_FORBIDDEN = re.compile(r"provides forbidden features: ([^;.]+)")


class HypervisorCpu:
    """The domain capabilities of one virt_type/arch/machine, as far as CPUs are concerned."""

    def __init__(self, conn, virt_type, arch=None, machine=None):
        self.conn = conn
        self.virt_type = virt_type
        caps = domain_capabilities(conn, virt_type, arch, machine)
        self.emulator = caps.emulator
        self.arch = caps.arch
        self.machine = caps.machine
        self.modes = caps.cpu_modes_supported()
        self.host_model = caps.host_model()
        self.models = [dict(name=model.name, usable=model.usable or "unknown", vendor=model.vendor)
                       for model in caps.cpu_models()]

    def host_model_xml(self):
        """What host-model gives a guest here, as a guest <cpu> (the best baseline input)."""
        if self.host_model is None:
            return None
        guest = self.host_model.copy_requested()
        guest.mode, guest.match = "custom", "exact"
        return guest.to_xml()

    def usable_models(self):
        return sorted(model["name"] for model in self.models if model["usable"] != "no")

    def knows_model(self, name):
        return any(model["name"] == name for model in self.models)

    def _args(self):
        return (self.emulator, self.arch, self.machine, self.virt_type)

    def compare(self, cpu_xml):
        """How ``cpu_xml`` (a guest <cpu>) fits this hypervisor.

        Returns dict(result=identical|superset|incompatible, missing_features, forbidden_features,
        message); the feature lists come from libvirt's own explanation.
        """
        flags = libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
        try:
            code = self.conn.compareHypervisorCPU(*(self._args() + (cpu_xml, flags)))
        except libvirt.libvirtError as exc:
            message = error_text(exc)
            if "incompatible" not in message:
                raise VirtopsError("libvirt could not compare the CPU: %s" % message)
            return dict(result="incompatible", message=message,
                        missing_features=_feature_list(_MISSING, message),
                        forbidden_features=_feature_list(_FORBIDDEN, message))
        return dict(result=COMPARE_RESULTS.get(code, "incompatible"), message="",
                    missing_features=[], forbidden_features=[])

    def baseline(self, cpu_xmls, expand_features=False, migratable=True):
        """The CPU that every one of ``cpu_xmls`` (host CPU definitions) and this hypervisor can run."""
        flags = 0
        if expand_features:
            flags |= libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
        if migratable:
            flags |= libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE
        try:
            text = self.conn.baselineHypervisorCPU(*(self._args() + (list(cpu_xmls), flags)))
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt could not compute a baseline of the %d CPUs: %s"
                               % (len(cpu_xmls), error_text(exc)))
        return CpuConfig.from_xml(text)


def hypervisor_for(conn, params):
    """HypervisorCpu for the module's virt_type/arch/machine options, and the KVM probe if run."""
    virt_type, probe = resolve_virt_type(conn, params["virt_type"], params["arch"], params["kvm_probe_kernel"])
    return HypervisorCpu(conn, virt_type, params["arch"], params["machine"]), probe


def _feature_list(pattern, message):
    match = pattern.search(message)
    return [name.strip() for name in match.group(1).split(",")] if match else []


def host_cpu(conn):
    """The host's own CPU as libvirt's capabilities describe it: (CpuConfig, its XML)."""
    cpu = host_capabilities(conn).host_cpu
    return cpu, cpu.to_xml(pretty=False)


def cpu_option(config):
    """A CpuConfig as the value of the domain module's ``cpu`` option (what it takes as is)."""
    option = dict(mode=config.mode or "custom", model=config.model, fallback=config.fallback,
                  features=[dict(name=f.name, policy=f.policy or "require") for f in config.features])
    if option["mode"] != "custom":
        option.pop("model")
        option.pop("fallback")
    return option


def custom_cpu_xml(model, features, fallback="forbid"):
    """A guest <cpu mode='custom'> of ``model`` with (name, policy) ``features``."""
    return CpuConfig(mode="custom", match="exact", model=model, fallback=fallback,
                     features=[CpuFeature(name=name, policy=policy) for name, policy in features]).to_xml()


def choose_model(hypervisor, candidates, features, option="cpu.model"):
    """The first of ``candidates`` this hypervisor can run with ``features`` (Nova's cpu_models).

    Raises VirtopsError naming why each candidate was refused and the usable models.
    """
    reasons = []
    for model in candidates:
        if not hypervisor.knows_model(model):
            reasons.append("%s is not a model this host can run with virt_type=%s" % (model, hypervisor.virt_type))
            continue
        verdict = hypervisor.compare(custom_cpu_xml(model, features))
        if verdict["result"] != "incompatible":
            return model
        detail = ", ".join(verdict["missing_features"] + verdict["forbidden_features"]) or verdict["message"]
        reasons.append("%s with its features cannot run with virt_type=%s: the hypervisor lacks %s"
                       % (model, hypervisor.virt_type, detail))
    raise VirtopsError("%s %s; usable models: %s" % (
        option, "; ".join(reasons), ", ".join(hypervisor.usable_models())))
