#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: domain_job
short_description: Watch and steer a domain's running job (a migration's progress, abort, post-copy)
version_added: 0.2.0
description:
  - Reads the job a domain runs now - typically an outgoing migration started by
    M(virtops.libvirt.migrate) with C(async) and C(poll=0) from another task - and its progress.
  - O(action=abort) cancels the job (an aborted migration leaves the guest running on the source;
    a later M(virtops.libvirt.migrate) run removes whatever the destination kept).
  - O(action=post_copy) switches an outgoing migration that permits post-copy to post-copy. After
    the switch a failure cannot be rolled back.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports the abort or switch without doing it.
  diff_mode:
    support: none
    description: A job has no definition to diff.
options:
  name:
    description: Name of the domain.
    type: str
    required: true
  action:
    description:
      - V(info) only reads. V(abort) cancels the running job (no change when there is none).
      - V(post_copy) switches the running outgoing migration to post-copy; fails when there is
        no outgoing migration, no change when it already switched.
    type: str
    default: info
    choices: [info, abort, post_copy]
  completed:
    description: With O(action=info), read the statistics of the last completed job instead.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Start a migration in the background
  virtops.libvirt.migrate:
    name: db01
    dest_uri: qemu+ssh://hv2/system
    post_copy: true
  async: 3600
  poll: 0
  register: migration

- name: Watch it until the remaining data is small, then switch to post-copy
  virtops.libvirt.domain_job:
    name: db01
  register: job
  until: not job.job.active or job.job.progress.data_remaining_bytes < 536870912
  retries: 120
  delay: 5

- name: Switch to post-copy
  virtops.libvirt.domain_job:
    name: db01
    action: post_copy
  when: job.job.active
"""

RETURN = r"""
job:
  description:
    - The job - C(type) (V(none), V(bounded), V(unbounded), V(completed), V(failed),
      V(cancelled)), C(active), C(operation) (V(migration_out), V(migration_in), V(save), ...)
      and C(progress) (libvirt's statistics with unit-named keys, as RV(virtops.libvirt.migrate#module:progress)).
    - As read before the action.
  returned: always
  type: dict
  sample: {type: unbounded, active: true, operation: migration_out, progress: {elapsed_ms: 2200, data_remaining_bytes: 104857600}}
actions:
  description: Changes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain_job import DOMAIN_JOB_ARGUMENT_SPEC, DomainJobRunner


def main():
    run_module(AnsibleModule, DOMAIN_JOB_ARGUMENT_SPEC, DomainJobRunner)


if __name__ == "__main__":
    main()
