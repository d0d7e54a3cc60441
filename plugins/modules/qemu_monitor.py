#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qemu_monitor
short_description: Run QMP or human monitor commands in a guest's QEMU, and read typed queries
version_added: 0.3.0
description:
  - Sends a command to the QEMU process of a running (or paused) domain through libvirt's
    C(virDomainQemuMonitorCommand) - a QMP command with its arguments, or a human monitor (HMP)
    command such as C(info status) - and returns the parsed reply.
  - Commands that only read (C(query-*), C(qom-get), C(qom-list), HMP C(info ...)) report no
    change. Any other command reports a change and is not run in check mode.
  - O(queries) reads what operators ask most, as plain data - status, block devices, block
    statistics, block jobs, migration and its parameters, vCPUs, memory size and the balloon.
  - Warning - libvirt marks a domain whose monitor was used this way as tainted (C(custom-monitor)
    in its log), and a command that changes QEMU's state behind libvirt's back can leave libvirt's
    view of the guest wrong. Prefer the collection's modules for anything they do; use this for
    what they do not.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Read-only commands and queries run; other commands are reported as changes and not run.
  diff_mode:
    support: none
    description: A monitor command has no before and after the module could show.
options:
  name:
    description: The domain (running or paused).
    type: str
    required: true
  command:
    description:
      - A QMP command name (C(query-block)) with O(arguments), or a whole QMP message as a JSON
        object with C(execute) and C(arguments); with O(hmp), a human monitor command line
        (C(info block)).
    type: str
  arguments:
    description: The QMP command's arguments.
    type: dict
  hmp:
    description: O(command) is a human monitor command; the reply is its text output.
    type: bool
    default: false
  queries:
    description: Typed queries to run; one the guest cannot answer (no balloon device) is listed in RV(unavailable).
    type: list
    elements: str
    choices: [balloon, block, block_jobs, block_stats, cpus, memory, migration, migration_parameters, status]
seealso:
  - module: virtops.libvirt.domain_job
  - name: QEMU QMP reference
    description: The commands and their arguments.
    link: https://www.qemu.org/docs/master/interop/qemu-qmp-ref.html
"""

EXAMPLES = r"""
- name: Block devices and their statistics
  virtops.libvirt.qemu_monitor:
    name: web1
    queries: [status, block, block_stats]
  register: qemu

- name: A QMP command with arguments
  virtops.libvirt.qemu_monitor:
    name: web1
    command: qom-get
    arguments: {path: /machine, property: type}

- name: A human monitor command
  virtops.libvirt.qemu_monitor:
    name: web1
    command: info mtree -f
    hmp: true

- name: Announce the guest's MAC addresses again (changes nothing in libvirt, reported as a change)
  virtops.libvirt.qemu_monitor:
    name: web1
    command: '{"execute": "announce-self", "arguments": {"initial": 50, "max": 550, "rounds": 5, "step": 100}}'
"""

RETURN = r"""
name:
  description: The domain.
  returned: always
  type: str
reply:
  description: The QMP reply's C(return) value (parsed), or the HMP command's text output.
  returned: when O(command) ran
  type: raw
reply_lines:
  description: The HMP output as lines.
  returned: when an HMP command ran
  type: list
  elements: str
read_only:
  description: Whether O(command) only reads.
  returned: when O(command) is given
  type: bool
executed:
  description: Whether O(command) was sent to QEMU (false for a changing command in check mode).
  returned: when O(command) is given
  type: bool
queries:
  description:
    - The answers to O(queries) by name. C(status) has C(running) and C(status); C(block) a list of
      devices (device, file, format, read_only, io_status, ...); C(block_stats) read/write bytes and
      operations per device; C(block_jobs) the running jobs; C(migration) the status and RAM figures;
      C(cpus) each vCPU's index and host thread; C(memory) the base and plugged memory in bytes;
      C(balloon) the balloon's actual size in bytes.
  returned: when O(queries) is given
  type: dict
unavailable:
  description: The queries the guest could not answer, with QEMU's reason.
  returned: when O(queries) is given
  type: dict
actions:
  description: The changing command run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.qemu_monitor import (
    QEMU_MONITOR_ARGUMENT_SPEC, QemuMonitorRunner,
)


def main():
    run_module(AnsibleModule, QEMU_MONITOR_ARGUMENT_SPEC, QemuMonitorRunner)


if __name__ == "__main__":
    main()
