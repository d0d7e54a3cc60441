# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every module of this collection: all are in the action group "libvirt" (meta/runtime.yml).
    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/virtops.libvirt.libvirt) in C(module_defaults) to set defaults for this module, such as O(uri).
    support: full
    membership:
      - virtops.libvirt.libvirt
"""

    # Attributes shared by the modules that only read (the *_info modules, compare, baseline).
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
"""
