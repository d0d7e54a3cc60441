#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: domains
short_description: Define, update and run many libvirt domains in one task
version_added: 0.1.0
description:
  - Runs M(virtops.libvirt.domain) for every item of O(domains) in one task, with a bounded
    number of workers over one libvirt connection, so that a hundred domains do not pay Ansible's
    per-task start-up a hundred times.
  - Each item takes the options of M(virtops.libvirt.domain) (but O(uri), which is the task's)
    and behaves exactly as that module does with them, including idempotence, check mode and diff.
  - Results and messages name an item by its C(name); two items naming the same object are refused.
  - Every domain runs on its own; the names must differ.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.batch
  - virtops.libvirt.connection
options:
  domains:
    description:
      - The domains, each a dictionary of M(virtops.libvirt.domain)'s options merged over O(defaults).
    type: list
    elements: dict
    required: true
seealso:
  - module: virtops.libvirt.domain
"""

EXAMPLES = r"""
- name: Define three web instances and start them, two at a time
  virtops.libvirt.domains:
    defaults:
      state: running
      memory_mb: 512
      vcpus: 1
      interfaces:
        - network: default
    domains:
      - {name: web01}
      - {name: web02}
      - {name: web03, memory_mb: 1024}
    workers: 2

- name: One instance differs from the defaults (an item's option replaces the default one)
  virtops.libvirt.domains:
    defaults:
      memory_mb: 512
      disks:
        - {pool: default, volume: root.qcow2, format: qcow2}
    domains:
      - name: db1
        memory_mb: 4096
        disks:
          - {pool: default, volume: db1-disk, format: qcow2}
      - name: db2
        memory_mb: 4096
        disks:
          - {pool: default, volume: db2-disk, format: qcow2}

- name: Remove two instances with their disks
  virtops.libvirt.domains:
    defaults: {state: absent, remove_storage: true}
    domains:
      - name: web01
      - name: web02
"""

RETURN = r"""
results:
  description:
    - One entry per item, in the order given, each with the return values of M(virtops.libvirt.domain)
      (C(actions), C(changed), C(diff) and the rest) plus C(item) (how the item is named in messages),
      C(index) (its place in O(domains)), C(failed) and, for a failed item, C(msg).
  returned: always
  type: list
  elements: dict
  sample: [{item: web1, index: 0, changed: true, failed: false, actions: [define], state: shutoff}]
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
  sample: ['web1: define', 'web2: start']
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import plural_module
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC, DomainRunner


def label(params):
    return params["name"]


def main():
    run_module(AnsibleModule, *plural_module(DomainRunner, DOMAIN_ARGUMENT_SPEC, "domains", label))


if __name__ == "__main__":
    main()
