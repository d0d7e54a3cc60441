#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: volumes
short_description: Create, import, grow and delete many libvirt storage volumes in one task
version_added: 0.1.0
description:
  - Runs M(virtops.libvirt.volume) for every item of O(volumes) in one task, with a bounded
    number of workers over one libvirt connection, so that a hundred volumes do not pay Ansible's
    per-task start-up a hundred times.
  - Each item takes the options of M(virtops.libvirt.volume) (but O(uri), which is the task's)
    and behaves exactly as that module does with them, including idempotence, check mode and diff.
  - Results and messages name an item by C(pool/name); two items naming the same object are refused.
  - Volumes of one pool are created one after another (libvirt refuses to refresh a pool while a
    volume of it is being built); different pools run at the same time.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.batch
  - virtops.libvirt.connection
options:
  volumes:
    description:
      - The volumes, each a dictionary of M(virtops.libvirt.volume)'s options merged over O(defaults).
    type: list
    elements: dict
    required: true
seealso:
  - module: virtops.libvirt.volume
"""

EXAMPLES = r"""
- name: A qcow2 overlay on the cached base image for each instance
  virtops.libvirt.volumes:
    defaults:
      pool: default
      format: qcow2
      backing_volume: debian-12-base.qcow2
    volumes:
      - name: web1-disk
      - name: web2-disk
      - name: web3-disk
        capacity_mb: 20480

- name: Ephemeral and swap disks, formatted
  virtops.libvirt.volumes:
    defaults: {pool: default, format: raw}
    volumes:
      - {name: web1-disk.local, capacity_mb: 1024, filesystem: ext4, label: ephemeral0}
      - {name: web1-disk.swap, capacity_mb: 512, filesystem: swap}
"""

RETURN = r"""
results:
  description:
    - One entry per item, in the order given, each with the return values of M(virtops.libvirt.volume)
      (C(actions), C(changed), C(diff) and the rest) plus C(item) (how the item is named in messages),
      C(index) (its place in O(volumes)), C(failed) and, for a failed item, C(msg).
  returned: always
  type: list
  elements: dict
  sample: [{item: default/web1-disk, index: 0, changed: true, failed: false, actions: [create], path: /var/lib/libvirt/images/web1-disk}]
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
  sample: ['default/web1-disk: create', 'default/web2-disk: create']
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import plural_module
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.volume import VOLUME_ARGUMENT_SPEC, VolumeRunner


def label(params):
    return "%s/%s" % (params["pool"], params["name"])


def lane(params):
    return params["pool"]


def main():
    run_module(AnsibleModule, *plural_module(VolumeRunner, VOLUME_ARGUMENT_SPEC, "volumes", label, lane,
                                             lambda params: [(params["pool"], params["name"])]))


if __name__ == "__main__":
    main()
