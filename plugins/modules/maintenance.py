#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: maintenance
short_description: Mark a hypervisor in maintenance (or take the mark away), where every controller sees it
version_added: 0.2.0
description:
  - Puts a hypervisor in maintenance or takes it out. The mark is kept by the hypervisor's own
    libvirt (a persistent secret without a value, usage C(volume) with the id
    C(virtops-libvirt/maintenance), the mark as JSON in its description), so it survives restarts
    of libvirt and of the host, and every controller reads it through its libvirt connection.
  - A host in maintenance takes no guests from M(virtops.libvirt.migrations) (drains, rebalancing)
    nor from the C(instance) role's placement; M(virtops.libvirt.domain_info) reports the mark in
    its host facts and the C(virtops.libvirt.libvirt) inventory plugin puts the instances of
    marked hosts in the group C(maintenance).
  - Marking does not move anything; drain the host with M(virtops.libvirt.migrations) (the
    C(rolling_maintenance) role does both, host by host).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports whether the mark would be set, changed or cleared.
  diff_mode:
    support: full
    description: Shows the mark before and after.
options:
  state:
    description: V(present) marks the host in maintenance, V(absent) takes the mark away.
    type: str
    default: present
    choices: [present, absent]
  reason:
    description:
      - Why the host is in maintenance (at most 1024 characters), shown wherever the mark is.
      - When not given, an existing mark keeps its reason.
    type: str
seealso:
  - module: virtops.libvirt.migrations
  - module: virtops.libvirt.domain_info
"""

EXAMPLES = r"""
- name: Take hv1 out of service for its firmware update
  virtops.libvirt.maintenance:
    uri: qemu+ssh://root@hv1.example.com/system
    reason: BIOS update (change 4711)

- name: Put it back into service
  virtops.libvirt.maintenance:
    uri: qemu+ssh://root@hv1.example.com/system
    state: absent
"""

RETURN = r"""
hostname:
  description: The host name the hypervisor reports.
  returned: always
  type: str
maintenance:
  description: The mark after the run (in check mode, as it would be), or null when the host is not in maintenance.
  returned: always
  type: dict
  contains:
    reason:
      description: Why the host is in maintenance.
      type: str
    since:
      description: When the mark was set (UTC, ISO 8601); a change of reason keeps it.
      type: str
    by:
      description: The controller that set it (its host name).
      type: str
  sample: {reason: BIOS update, since: "2026-12-04T15:00:00Z", by: awx-1}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.maintenance import (
    MAINTENANCE_ARGUMENT_SPEC, MaintenanceRunner,
)


def main():
    run_module(AnsibleModule, MAINTENANCE_ARGUMENT_SPEC, MaintenanceRunner)


if __name__ == "__main__":
    main()
