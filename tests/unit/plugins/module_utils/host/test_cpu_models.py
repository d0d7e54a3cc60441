# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU model helpers that need no hypervisor (the rest is proven by the module_cpu target)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.host.cpu import (
    _FORBIDDEN, _MISSING, _feature_list, cpu_option, custom_cpu_xml,
)

# libvirt 9.0's message for compareHypervisorCPU with VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
MESSAGE = ("the CPU is incompatible with host CPU: Host CPU does not provide required features: "
           "vme, pcid, avx512f")


def test_missing_features_are_read_from_libvirts_message():
    assert _feature_list(_MISSING, MESSAGE) == ["vme", "pcid", "avx512f"]
    assert _feature_list(_FORBIDDEN, MESSAGE) == []
    assert _feature_list(_FORBIDDEN, "Host CPU provides forbidden features: svm") == ["svm"]


def test_custom_cpu_xml_round_trips_into_the_domain_option():
    xml = custom_cpu_xml("qemu64", [("pcid", "require"), ("svm", "disable")])
    config = CpuConfig.from_xml(xml)
    assert (config.mode, config.match, config.model, config.fallback) == ("custom", "exact", "qemu64", "forbid")
    assert cpu_option(config) == {
        "mode": "custom", "model": "qemu64", "fallback": "forbid",
        "features": [{"name": "pcid", "policy": "require"}, {"name": "svm", "policy": "disable"}],
    }


def test_baseline_output_without_policies_becomes_required_features():
    config = CpuConfig.from_xml("<cpu mode='custom' match='exact'><model fallback='forbid'>EPYC</model>"
                                "<vendor>AMD</vendor><feature name='ht'/></cpu>")
    assert cpu_option(config)["features"] == [{"name": "ht", "policy": "require"}]
