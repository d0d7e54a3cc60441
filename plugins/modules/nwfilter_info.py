#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nwfilter_info
short_description: List libvirt network filters and the guest interfaces they are applied to
version_added: 0.3.0
description:
  - Returns every network filter (or the one named) with its chain, priority, included filters and
    rules, and the bindings - which running guest's interface (tap device, MAC) each filter is
    applied to.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.attributes.read_only
  - virtops.libvirt.connection
options:
  name:
    description: Only this filter (it must exist).
    type: str
seealso:
  - module: virtops.libvirt.nwfilter
"""

EXAMPLES = r"""
- name: Which guests does no-icmp filter
  virtops.libvirt.nwfilter_info:
    name: no-icmp
  register: found

- name: Show them
  ansible.builtin.debug:
    msg: "{{ found.bindings | map(attribute='owner') | list }}"
"""

RETURN = r"""
filters:
  description: The filters, by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name.
      type: str
    uuid:
      description: UUID.
      type: str
    chain:
      description: Chain.
      type: str
    priority:
      description: Chain priority (when set).
      type: int
    filters:
      description: Included filters with their parameters.
      type: list
      elements: dict
    rules:
      description: Rules in order (action, direction, priority, statematch, protocol, match).
      type: list
      elements: dict
bindings:
  description: The filters applied to running guests' interfaces (owner, owner_uuid, port, mac, filter).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.nwfilter import (
    NWFILTER_INFO_ARGUMENT_SPEC, NWFilterInfoRunner,
)


def main():
    run_module(AnsibleModule, NWFILTER_INFO_ARGUMENT_SPEC, NWFilterInfoRunner)


if __name__ == "__main__":
    main()
