#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: guest_agent
short_description: Talk to the QEMU guest agent of a running guest
version_added: 0.3.0
description:
  - Runs one O(action) through the QEMU guest agent (C(qemu-ga) in the guest, reached over its
    virtio-serial channel, which M(virtops.libvirt.domain) adds with O(virtops.libvirt.domain#module:guest_agent=true)).
  - Every action first waits up to O(wait_timeout) seconds for the agent to answer (it starts with
    the guest); V(ping) does only that.
  - V(info) returns the OS, host name, logged-in users, filesystems and time zone;
    V(interfaces) the guest's network interfaces with their addresses; V(read_file) a file's
    content; V(freeze_status) whether the filesystems are frozen. These change nothing.
  - V(exec) runs a program in the guest and returns its exit code and output (it is reported as a
    change and not run in check mode). V(freeze) and V(thaw) freeze or thaw the guest's
    filesystems (for a consistent snapshot), only when they are not in that state already.
    V(set_password) sets a user's password (never shown; always reported as a change, since a
    password cannot be compared).
  - A domain without the agent's channel, or whose agent does not answer, fails with a message
    saying so.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reading actions run; V(exec), V(freeze), V(thaw) and V(set_password) are reported and not done.
  diff_mode:
    support: none
    description: The guest's state is not shown as a diff.
options:
  name:
    description: The running domain.
    type: str
    required: true
  action:
    description: What to do.
    type: str
    default: ping
    choices: [ping, info, interfaces, exec, read_file, freeze, thaw, freeze_status, set_password]
  wait_timeout:
    description: Seconds to wait for the agent to answer before the action (0 asks once).
    type: int
    default: 60
  command:
    description: For V(exec), the program's path in the guest (no shell unless it is one, such as C(/bin/sh)).
    type: str
  args:
    description: For V(exec), its arguments.
    type: list
    elements: str
    default: []
  stdin:
    description: For V(exec), text given on its standard input.
    type: str
  exec_timeout:
    description:
      - For V(exec), seconds to wait for the program to end (it is left running after that).
      - The task reports a change only once the agent has started the program; a program that does not
        exist, or input the agent refuses, fails reporting no change.
    type: int
    default: 60
  path:
    description: For V(read_file), the file in the guest.
    type: str
  max_bytes:
    description:
      - For V(read_file), the most bytes to read (RV(truncated) says whether there were more).
      - At most 16 MiB (16777216), since the result carries the content twice, as text and base64.
    type: int
    default: 1048576
  mountpoints:
    description: For V(freeze) and V(thaw), only these mount points (default all).
    type: list
    elements: str
  user:
    description: For V(set_password), the guest user.
    type: str
  password:
    description: For V(set_password), the password (or its crypt hash with O(crypted)).
    type: str
  crypted:
    description: O(password) is already a crypt hash.
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.domain
  - module: virtops.libvirt.qemu_monitor
"""

EXAMPLES = r"""
- name: Wait until the instance's agent answers
  virtops.libvirt.guest_agent:
    name: web1
    wait_timeout: 300

- name: The addresses the guest has
  virtops.libvirt.guest_agent:
    name: web1
    action: interfaces
  register: nics

- name: Run a command in the guest
  virtops.libvirt.guest_agent:
    name: web1
    action: exec
    command: /bin/sh
    args: ["-c", "uptime"]
  register: uptime

- name: Freeze the filesystems for a snapshot, then thaw them
  virtops.libvirt.guest_agent:
    name: web1
    action: "{{ item }}"
  loop: [freeze, thaw]

- name: Reset a user's password
  virtops.libvirt.guest_agent:
    name: web1
    action: set_password
    user: admin
    password: "{{ vault_admin_password }}"
"""

RETURN = r"""
name:
  description: The domain.
  returned: always
  type: str
waited_s:
  description: Seconds it took the agent to answer.
  returned: always
  type: float
os:
  description: For V(info), the OS as the agent reports it (id, name, version, kernel_release, machine, ...).
  returned: when action is info
  type: dict
hostname:
  description: For V(info), the guest's host name.
  returned: when action is info
  type: str
users:
  description: For V(info), the logged-in users.
  returned: when action is info
  type: list
  elements: dict
filesystems:
  description:
    - For V(info), the mounted filesystems (name, mountpoint, fstype, used and total bytes, disks).
    - For V(freeze) and V(thaw), how many filesystems changed state.
  returned: when action is info, freeze or thaw
  type: raw
timezone:
  description: For V(info), the guest's time zone (name, offset).
  returned: when action is info
  type: dict
interfaces:
  description: For V(interfaces), each interface with its MAC and addresses (type, address, prefix).
  returned: when action is interfaces
  type: list
  elements: dict
executed:
  description: For V(exec), whether the program ran (false in check mode).
  returned: when action is exec
  type: bool
exit_code:
  description: For V(exec), the program's exit code.
  returned: when a program ran
  type: int
stdout:
  description: For V(exec), its output.
  returned: when a program ran
  type: str
stderr:
  description: For V(exec), its error output.
  returned: when a program ran
  type: str
content:
  description: For V(read_file), the content as text (undecodable bytes replaced).
  returned: when action is read_file
  type: str
content_base64:
  description: For V(read_file), the exact bytes, base64-encoded.
  returned: when action is read_file
  type: str
size:
  description: For V(read_file), the bytes read.
  returned: when action is read_file
  type: int
truncated:
  description: For V(read_file), the file is longer than O(max_bytes).
  returned: when action is read_file
  type: bool
status:
  description: For V(freeze), V(thaw) and V(freeze_status), C(frozen) or C(thawed) (after the action).
  returned: when action is freeze, thaw or freeze_status
  type: str
actions:
  description: Changes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.guest_agent import (
    GUEST_AGENT_ARGUMENT_SPEC, GuestAgentRunner,
)


def main():
    run_module(AnsibleModule, GUEST_AGENT_ARGUMENT_SPEC, GuestAgentRunner)


if __name__ == "__main__":
    main()
