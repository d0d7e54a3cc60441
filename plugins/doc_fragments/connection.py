# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors CONNECTION_ARGUMENT_SPEC in plugins/module_utils/common/module.py.
    DOCUMENTATION = r"""
options:
  uri:
    description:
      - libvirt connection URI of the hypervisor to manage.
      - Set it once for all modules of this collection with
        C(module_defaults) and the action group C(group/virtops.libvirt.libvirt).
    type: str
    default: qemu:///system
requirements:
  - libvirt-python
  - lxml
notes:
  - The module runs on the target host and talks to libvirt there; a remote URI such as
    C(qemu+ssh://host/system) also works, but then local checks (file existence, the KVM probe)
    are skipped or reduced, as each option's description says.
"""
