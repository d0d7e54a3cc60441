# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest's CPU (the ``domain`` module's ``cpu`` option), declared once: mode, the model or
the models to choose from, vendor, features, topology, and (declared in tuning.py) the NUMA
cells and physical address bits.

``CPU`` checks the suboptions together and builds the ``CpuConfig``; what needs the hypervisor
(which of the models given it can run) or the rest of the definition (the NUMA cells against
the vCPUs and the memory, the topology against the vCPUs) is the builder's (spec.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_cpu_features, check_token
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import Option, OptionGroup
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import CPU_FEATURES_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.tuning import CPU_NUMA_OPTIONS
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import (
    CPU_MODES, DEFAULT_CPU_MODE, CpuConfig, CpuFeature, CpuTopology,
)


def candidates(spec):
    """The CPU models ``cpu`` (the option's value) lets the builder choose from, in order."""
    return [spec["model"]] if spec["model"] else list(spec["models"] or [])


def _cpu(item, cpu, option):
    mode = item["mode"]
    if item["model"] and item["models"]:
        raise VirtopsError("give %s.model or %s.models (an ordered list to choose from), not both" % (option, option))
    models = candidates(item)
    if mode != "custom" and models:
        raise VirtopsError("%s.model and %s.models are only used with %s.mode=custom (got mode=%s)"
                           % (option, option, option, mode))
    if item["vendor"] is not None:
        if mode != "custom":
            raise VirtopsError("%s.vendor is a custom model's (got mode=%s)" % (option, mode))
        check_token(item["vendor"], option + ".vendor", "CPU vendor name")
    for index, model in enumerate(models):
        check_token(model, "%s.model" % option if item["model"] else "%s.models[%d]" % (option, index), "CPU model name")
    if mode == DEFAULT_CPU_MODE and item["features"]:
        raise VirtopsError("%s.features need a CPU model to change (mode custom, host-model or host-passthrough); "
                           "mode %s leaves the CPU to the hypervisor's default" % (option, mode))
    check_cpu_features(item["features"], option + ".features")
    cpu.features = [CpuFeature(name=feature["name"], policy=feature["policy"]) for feature in item["features"]]
    cpu.match = "exact" if mode == "custom" else None
    cpu.fallback = item["fallback"] or ("forbid" if mode == "custom" else None)
    maxphysaddr = item["maxphysaddr"]
    if maxphysaddr is not None:
        bits = maxphysaddr["bits"]
        if bits is not None and not 32 <= bits <= 52:
            raise VirtopsError("%s.maxphysaddr.bits is 32 to 52, got %d" % (option, bits))
        if maxphysaddr["mode"] == "emulate" and bits is None:
            raise VirtopsError("%s.maxphysaddr.mode=emulate needs %s.maxphysaddr.bits" % (option, option))
        cpu.maxphysaddr_mode, cpu.maxphysaddr_bits = maxphysaddr["mode"], bits
    return cpu


def _topology(item, topology, option):
    topology.dies = 1  # one die per socket, as libvirt writes it
    return topology


# The model is the one given until the builder picks among ``models`` (and checks it against
# the hypervisor); the NUMA cells are the builder's too.
CPU = OptionGroup("cpu", CpuConfig, [
    Option("mode", required=True, choices=list(CPU_MODES) + [DEFAULT_CPU_MODE]),
    Option("model"),
    Option("fallback", choices=["allow", "forbid"]),
    Option("vendor"),
    Option("check", choices=["none", "partial", "full"]),
    Option("models", "list", elements="str", field=None),
    Option("features", field=None, **CPU_FEATURES_SPEC),
    OptionGroup("topology", CpuTopology, [
        Option("sockets", "int", required=True),
        Option("cores", "int", required=True),
        Option("threads", "int", required=True),
    ], finish=_topology),
] + [Option(name, field=None, **spec) for name, spec in CPU_NUMA_OPTIONS.items()], finish=_cpu)
