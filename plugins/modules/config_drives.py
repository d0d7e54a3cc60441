#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: config_drives
short_description: Build many cloud-init config drives in one task
version_added: 0.1.0
description:
  - Runs M(virtops.libvirt.config_drive) for every item of O(config_drives) in one task, with a bounded
    number of workers over one libvirt connection, so that a hundred config drives do not pay Ansible's
    per-task start-up a hundred times.
  - Each item takes the options of M(virtops.libvirt.config_drive) (but O(uri), which is the task's)
    and behaves exactly as that module does with them, including idempotence, check mode and diff.
  - Results and messages name an item by C(pool/volume), or its C(path); two items naming the same object are refused.
  - Drives in one pool are written one after another; files and other pools at the same time.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.batch
  - virtops.libvirt.connection
options:
  config_drives:
    description:
      - The config drives, each a dictionary of M(virtops.libvirt.config_drive)'s options merged over O(defaults).
    type: list
    elements: dict
    required: true
seealso:
  - module: virtops.libvirt.config_drive
"""

EXAMPLES = r"""
- name: An OpenStack config drive for each instance, in the pool beside its disks
  virtops.libvirt.config_drives:
    defaults:
      pool: default
      user_data: |
        #cloud-config
        packages: [nginx]
      public_keys:
        ops: "{{ lookup('file', 'ops.pub') }}"
    config_drives:
      - {volume: web1-disk.config, instance_id: "{{ web1_uuid }}", hostname: web1}
      - {volume: web2-disk.config, instance_id: "{{ web2_uuid }}", hostname: web2}
"""

RETURN = r"""
results:
  description:
    - One entry per item, in the order given, each with the return values of M(virtops.libvirt.config_drive)
      (C(actions), C(changed), C(diff) and the rest) plus C(item) (how the item is named in messages),
      C(index) (its place in O(config_drives)), C(failed) and, for a failed item, C(msg).
  returned: always
  type: list
  elements: dict
  sample: [{item: default/web1-disk.config, index: 0, changed: true, failed: false, actions: [write]}]
failed_items:
  description: The items that failed, each with C(item) and C(msg).
  returned: always
  type: list
  elements: dict
  sample: []
actions:
  description: Every item's actions (or those check mode would take), each prefixed with the item's name.
  returned: always
  type: list
  elements: str
  sample: ['default/web1-disk.config: write']
"""

from ansible.module_utils.basic import AnsibleModule

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import plural_module
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.config_drive import CONFIG_DRIVE_ARGUMENT_SPEC, ConfigDriveRunner


def label(params):
    return "%s/%s" % (params["pool"], params["volume"]) if params["pool"] else params["path"]


def identity(params):
    """The volume, or the file itself: one file in two spellings (./e.iso, e.iso) is one item."""
    if params["pool"]:
        return [("volume", params["pool"], params["volume"])]
    return [("file", os.path.realpath(params["path"])) if params["path"] else ("file", None)]


def lane(params):
    return params["pool"] or identity(params)[0]


def main():
    run_module(AnsibleModule, *plural_module(ConfigDriveRunner, CONFIG_DRIVE_ARGUMENT_SPEC, "config_drives",
                                             label, lane, identity))


if __name__ == "__main__":
    main()
