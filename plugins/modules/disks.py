#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: disks
short_description: Attach and detach many disks of libvirt domains in one task
version_added: 0.1.0
description:
  - Runs M(virtops.libvirt.disk) for every item of O(disks) in one task, with a bounded
    number of workers over one libvirt connection, so that a hundred disks do not pay Ansible's
    per-task start-up a hundred times.
  - Each item takes the options of M(virtops.libvirt.disk) (but O(uri), which is the task's)
    and behaves exactly as that module does with them, including idempotence, check mode and diff.
  - Results and messages name an item by C(domain:) and the disk's target, serial, volume, path,
    iSCSI LUN or RBD image; two items naming the same object are refused.
  - Disks of one domain are attached one after another (each chooses a free target name); different
    domains at the same time.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.batch
  - virtops.libvirt.connection
options:
  disks:
    description:
      - The disks, each a dictionary of M(virtops.libvirt.disk)'s options merged over O(defaults).
    type: list
    elements: dict
    required: true
seealso:
  - module: virtops.libvirt.disk
"""

EXAMPLES = r"""
- name: A data volume for each database instance, live and persistent
  virtops.libvirt.disks:
    defaults: {pool: default, format: qcow2, size_mb: 10240}
    disks:
      - {domain: db1, volume: db1-data, serial: data1}
      - {domain: db2, volume: db2-data, serial: data1}
"""

RETURN = r"""
results:
  description:
    - One entry per item, in the order given, each with the return values of M(virtops.libvirt.disk)
      (C(actions), C(changed), C(diff) and the rest) plus C(item) (how the item is named in messages),
      C(index) (its place in O(disks)), C(failed) and, for a failed item, C(msg).
  returned: always
  type: list
  elements: dict
  sample: [{item: "web1:data1", index: 0, changed: true, failed: false, actions: [attach (live), attach (persistent)]}]
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
  sample: ['web1:data1: attach (live)', 'web1:data1: attach (persistent)']
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import plural_module
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.disk import (
    DISK_ARGUMENT_SPEC, DiskRunner, disk_source_key,
)


def label(params):
    return "%s:%s" % (params["domain"], params["target"] or params["serial"] or disk_source_key(params))


def identity(params):
    """The disk's source, and its target when given: two items may share neither."""
    keys = [(params["domain"], "source", disk_source_key(params))]
    if params["target"]:
        keys.append((params["domain"], "target", params["target"]))
    return keys


def lane(params):
    return params["domain"]


def main():
    run_module(AnsibleModule, *plural_module(DiskRunner, DISK_ARGUMENT_SPEC, "disks", label, lane, identity))


if __name__ == "__main__":
    main()
