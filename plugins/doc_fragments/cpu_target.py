# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors CPU_TARGET_ARGUMENT_SPEC in plugins/module_utils/common/specs.py.
    DOCUMENTATION = r"""
options:
  virt_type:
    description:
      - The hypervisor to ask, as the domain module's C(virt_type) - what TCG (V(qemu)) can run
        differs from what KVM can run on the same host.
      - V(auto) uses V(kvm) only where the KVM probe shows that KVM really runs guests.
    type: str
    default: auto
    choices: [kvm, qemu, auto]
  arch:
    description: Guest architecture; the host's when not given.
    type: str
  machine:
    description: Machine type (an alias such as C(q35) is fine); libvirt's default when not given.
    type: str
"""
