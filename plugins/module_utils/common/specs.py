# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs that several modules share. Each one that is documented once for all is
mirrored by a doc fragment (plugins/doc_fragments/), named beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

VIRT_TYPES = ("kvm", "qemu", "auto")
CPU_FEATURE_POLICIES = ("require", "disable", "force", "optional", "forbid")

# Mirrored by the doc fragment virtops.libvirt.kvm_probe.
KVM_PROBE_ARGUMENT_SPEC = dict(kvm_probe_kernel=dict(type="path"))

# Which hypervisor the CPU modules ask; mirrored by the doc fragment virtops.libvirt.cpu_target.
CPU_TARGET_ARGUMENT_SPEC = dict(
    virt_type=dict(type="str", default="auto", choices=list(VIRT_TYPES)),
    arch=dict(type="str"),
    machine=dict(type="str"),
)

# A list of CPU features, in every module that takes a guest CPU (domain, cpu_compare).
CPU_FEATURES_SPEC = dict(type="list", elements="dict", default=[], options=dict(
    name=dict(type="str", required=True),
    policy=dict(type="str", default="require", choices=list(CPU_FEATURE_POLICIES)),
))

# A reference to a traffic filter with its variables: an interface's filter (domain, disk) and the
# filters an nwfilter includes.
FILTER_REFERENCE_OPTIONS = dict(
    name=dict(type="str", required=True),
    parameters=dict(type="dict", default={}),
)

# How QEMU drives a disk's image: the same choices in the domain and disk modules.
DISK_DRIVER_SPEC = dict(
    cache=dict(type="str", choices=["none", "writethrough", "writeback", "directsync", "unsafe"]),
    io=dict(type="str", choices=["native", "threads", "io_uring"]),
    discard=dict(type="str", choices=["unmap", "ignore"]),
)
