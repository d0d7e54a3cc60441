#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migrations
short_description: Empty hypervisors or even out a fleet - planned first, then many migrations at once within bounds
version_added: 0.2.0
description:
  - Reads every hypervisor of O(hosts), plans where each guest goes before anything moves, then
    runs the migrations in parallel within three bounds - O(max_parallel) in total,
    O(max_outbound) out of each host and O(max_inbound) into each host (KubeVirt's defaults of 5
    and 2; 1 inbound, as Nova runs one migration per host).
  - O(drain) empties hosts (for maintenance, or hardware that is failing); O(rebalance) moves the
    fewest guests it finds to bring every host's memory use within a spread and to repair
    anti-affinity, at most O(rebalance.max_moves).
  - The planner's rules - a destination must have the guest's memory free beyond
    O(memory_reserve_mb) (counting the guests planned to arrive), run its CPU (libvirt's comparison
    on that host), share its disks' storage for a V(live) migration, not be in maintenance
    (M(virtops.libvirt.maintenance)), be in the guest's allowed hosts, hold no other member of its
    anti-affinity groups and hold the members of its affinity groups. The groups and allowed hosts
    are the guest's own, kept in its C(virtops) metadata (the M(virtops.libvirt.domain) module's
    O(virtops.libvirt.domain#module:metadata) keys C(anti_affinity), C(affinity) and
    C(allowed_hosts), each a comma-separated list), so every run from any controller sees them.
    O(objective=spread) takes the host with the most memory left, V(pack) the one with the least that fits;
    the same facts give the same plan.
  - When a chosen guest has no place, nothing moves and the task fails naming the guest and every
    candidate's reason, unless O(allow_partial=true).
  - Each migration runs through M(virtops.libvirt.migrate)'s own logic (pre-checks, steering,
    recovery; O(migrate_options) are its options). One failing does not stop the others. When the
    guest stayed on its source and the destination does not answer anymore, that destination takes
    nothing more and the guests still waiting for it are planned again.
  - A re-run converges - guests already moved are not chosen again (they are no longer on the
    drained host); a guest defined on a drained host and another one (a migration in flight when a
    controller was killed) is moved to that other host, where M(virtops.libvirt.migrate) follows or
    converges it; the rest are planned again.
  - See R(the fleet guide,ansible_collections.virtops.libvirt.docsite.guide_fleet) for the rules,
    rolling maintenance and what to do when a host does not come back.
author:
  - virtops.libvirt developers (@virtops)
attributes:
  check_mode:
    support: full
    description: Reads every host and returns the plan (RV(plan)) - what would move where and why, and what has no place - moving nothing.
  diff_mode:
    support: full
    description: Each guest that moves, with its host before and after.
options:
  hosts:
    description:
      - Every hypervisor of the fleet - the hosts to empty or even out and the candidates for their guests.
      - A host that does not answer is left out of the plan and listed in RV(unreachable).
    type: list
    elements: dict
    required: true
    suboptions:
      uri:
        description: How this module reaches the host's libvirt.
        type: str
        required: true
      peer_uri:
        description:
          - How the source hosts' libvirt reaches this one for a peer-to-peer migration
            (M(virtops.libvirt.migrate)'s O(virtops.libvirt.migrate#module:peer_uri)).
        type: str
      name:
        description:
          - The host's name in plans, O(drain), allowed-host patterns and results. Default - the
            host name its libvirt reports.
        type: str
      memory_mb:
        description:
          - The memory guests may use on this host, in MiB (a host's memory times an allocation
            ratio, say). Default - the host's memory. What the host reports free bounds it too.
        type: int
  drain:
    description:
      - The hosts to empty (names or URIs of O(hosts)). They take no guests in this run.
      - Running and paused guests move by a O(kind) migration, shut-off ones by an offline one
        (unless O(shutoff=leave)); a guest with a managed-save image stays, with the reason.
    type: list
    elements: str
  rebalance:
    description:
      - Even out the fleet instead of emptying hosts. Hosts in maintenance take part in neither
        side. Guests of affinity groups are not moved.
    type: dict
    suboptions:
      spread_pct:
        description: The largest difference of memory use (percent of each host's O(hosts[].memory_mb)) allowed between two hosts.
        type: int
        default: 20
      max_moves:
        description: At most this many migrations.
        type: int
        default: 10
  instances:
    description: With O(drain), only the guests whose names match one of these patterns (C(fnmatch)) move. Default - all.
    type: list
    elements: str
    default: []
  exclude:
    description: With O(drain), guests whose names match one of these patterns stay.
    type: list
    elements: str
    default: []
  kind:
    description:
      - How running guests move - V(live) (disks on storage both hosts share) or V(block) (disks
        copied). Shut-off guests always move V(offline).
    type: str
    default: live
    choices: [live, block]
  shutoff:
    description: What a drain does with shut-off guests - V(migrate) them offline, or V(leave) them.
    type: str
    default: migrate
    choices: [migrate, leave]
  objective:
    description: V(spread) places each guest where most memory is left; V(pack) where the least is left that fits.
    type: str
    default: spread
    choices: [spread, pack]
  memory_reserve_mb:
    description: Memory every destination keeps free for itself, in MiB (Nova's C(reserved_host_memory_mb)).
    type: int
    default: 512
  allow_partial:
    description: Move the guests that have a place even when some have none (reported in RV(left)).
    type: bool
    default: false
  max_parallel:
    description: Migrations running at once in total (1 to 64).
    type: int
    default: 5
  max_outbound:
    description: Migrations running at once out of any one host (1 to 64).
    type: int
    default: 2
  max_inbound:
    description: Migrations running at once into any one host (1 to 64).
    type: int
    default: 1
  migrate_options:
    description:
      - Options of M(virtops.libvirt.migrate) for every migration - O(virtops.libvirt.migrate#module:bandwidth_mib),
        O(virtops.libvirt.migrate#module:post_copy), timeouts and the rest; not C(name), C(dest_uri),
        C(peer_uri) or C(kind), which the run decides for each move.
    type: dict
    default: {}
  policies:
    description:
      - Migration policies - named sets of M(virtops.libvirt.migrate) options for the guests they select,
        as KubeVirt's MigrationPolicy. Each guest that moves takes the first policy (in order) that
        selects it, its O(policies[].migrate_options) over O(migrate_options); a guest no policy selects
        takes O(migrate_options) alone. RV(results) name the policy of each move.
      - For example a policy for databases with O(virtops.libvirt.migrate#module:strategy=auto) and
        post-copy permitted, and the rest with the defaults.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The policy's name, as RV(results) show it.
        type: str
        required: true
      instances:
        description: Name patterns (C(fnmatch)) of the guests it is for; any matches.
        type: list
        elements: str
        default: []
      metadata:
        description:
          - Keys and values the guest's C(virtops) metadata (the domain module's
            O(virtops.libvirt.domain#module:metadata)) must all have. With O(policies[].instances) too, both must match.
        type: dict
        default: {}
      migrate_options:
        description: Options of M(virtops.libvirt.migrate) for these guests, as O(migrate_options) takes them.
        type: dict
        default: {}
notes:
  - The module reaches each hypervisor through O(hosts[].uri); it has no C(uri) option and is not in
    the C(virtops.libvirt.libvirt) action group, so C(module_defaults) for the group do not give it one.
  - The bounds count migrations this run started; migrations others run at the same time are not counted.
  - Bounds above the destination's C(max_queued)/C(max_client_requests) in C(libvirtd.conf) make
    libvirt queue the calls; the C(hypervisor) role sets them.
seealso:
  - module: virtops.libvirt.migrate
  - module: virtops.libvirt.maintenance
  - module: virtops.libvirt.domain_info
"""

EXAMPLES = r"""
- name: Empty hv1, at most 5 migrations at once, 2 out of any host, 1 into any host
  virtops.libvirt.migrations:
    hosts:
      - {uri: "qemu+ssh://root@hv1.example.com/system", peer_uri: "qemu+tls://hv1.example.com/system"}
      - {uri: "qemu+ssh://root@hv2.example.com/system", peer_uri: "qemu+tls://hv2.example.com/system"}
      - {uri: "qemu+ssh://root@hv3.example.com/system", peer_uri: "qemu+tls://hv3.example.com/system"}
    drain: [hv1.example.com]
    migrate_options:
      bandwidth_mib: 512
      post_copy: true
  register: drained

- name: Drain hv2 - databases by strategy auto with post-copy permitted, the rest with the defaults
  virtops.libvirt.migrations:
    hosts: "{{ fleet }}"
    drain: [hv2.example.com]
    migrate_options:
      bandwidth_mib: 512
    policies:
      - name: databases
        metadata: {role: database}
        migrate_options: {strategy: auto, auto_converge: true, post_copy: true}

- name: Show the plan only
  virtops.libvirt.migrations:
    hosts: "{{ fleet }}"
    drain: [hv1.example.com]
  check_mode: true
  register: plan

- name: Even out memory use to within 15 points, at most 6 moves
  virtops.libvirt.migrations:
    hosts: "{{ fleet }}"
    rebalance:
      spread_pct: 15
      max_moves: 6
"""

RETURN = r"""
plan:
  description:
    - What the planner decided, before anything moved - C(moves) (each C(name), C(source),
      C(destination), C(kind), C(memory_mb), C(why)), C(unplaced) (each C(name), C(reason) and
      C(candidates), every host's reason) and C(complete).
  returned: when the hosts were read
  type: dict
results:
  description:
    - One per migration run, in the order they ended - C(name), C(source), C(destination),
      C(kind), C(failed), C(msg), C(runs_on) (where the guest runs after it), C(started_s),
      C(ended_s), C(duration_s) (seconds from the run's start), C(downtime_ms), C(data_bytes),
      C(recovery), C(replaced_from) (the failed destination it was planned to first), C(policy) (the
      migration policy that chose its options, or none), C(prediction) (with
      O(virtops.libvirt.migrate#module:measure) or O(virtops.libvirt.migrate#module:strategy=auto) among the options)
      and C(checkpoints) (the backup checkpoints defined again on the destination, as M(virtops.libvirt.migrate)
      returns them).
  returned: always
  type: list
  elements: dict
moved:
  description: The guests that moved - C(name), C(destination), C(kind).
  returned: always
  type: list
  elements: dict
failed_migrations:
  description: The migrations that failed - C(name), C(destination), C(msg), C(runs_on).
  returned: always
  type: list
  elements: dict
left:
  description: Guests that were to move and have no place (with O(allow_partial=true)), each with C(reason) and C(candidates).
  returned: always
  type: list
  elements: dict
empty:
  description: For each drained host, whether no chosen guest is left on it (null when it did not answer).
  returned: always
  type: dict
  sample: {hv1.example.com: true}
peak:
  description:
    - The most migrations that ran at once - C(total), and per host C(outbound) and C(inbound).
  returned: when migrations ran
  type: dict
  sample: {total: 3, outbound: {hv1: 2}, inbound: {hv2: 1, hv3: 1, hv4: 1}}
replanned:
  description: Moves planned again after their destination failed.
  returned: when migrations ran
  type: list
  elements: dict
failed_destinations:
  description: Destinations taken out of the plan because they stopped answering.
  returned: when migrations ran
  type: list
  elements: str
unreachable:
  description: Hosts of O(hosts) that did not answer, each URI with the reason.
  returned: always
  type: dict
spread_pct:
  description: With O(rebalance), the spread of memory use before and the one the plan leaves (C(before), C(after)).
  returned: with O(rebalance)
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrate import MIGRATE_ARGUMENT_SPEC, MigrateRunner
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrations import (
    MIGRATIONS_ARGUMENT_SPEC, migrations_runner,
)


def main():
    run_module(AnsibleModule, MIGRATIONS_ARGUMENT_SPEC, migrations_runner(MigrateRunner, MIGRATE_ARGUMENT_SPEC))


if __name__ == "__main__":
    main()
