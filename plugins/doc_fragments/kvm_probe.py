# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors KVM_PROBE_ARGUMENT_SPEC in plugins/module_utils/common/specs.py.
    DOCUMENTATION = r"""
options:
  kvm_probe_kernel:
    description:
      - Linux kernel image that the KVM probe boots under C(-accel kvm) to decide whether KVM
        really runs guests on this host (no disk or initrd is needed; it must print its banner
        on the serial port within 8 seconds).
      - Defaults to the running kernel's image in C(/boot), else the newest
        C(/boot/vmlinuz-*). Without any, KVM is not proven and counts as not usable.
    type: path
"""
