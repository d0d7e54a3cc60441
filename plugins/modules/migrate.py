#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migrate
short_description: Make a domain run on another hypervisor (live, block, offline or post-copy migration)
version_added: 0.2.0
description:
  - Declarative placement, "domain O(name) runs on the host of O(dest_uri)". O(uri) is the host
    it may run on now. If it already runs on the destination nothing is migrated; if it runs on
    the source it is migrated with Nova's controls, while the job is watched and steered
    (downtime ramp, post-copy switch, completion and progress timeouts).
  - Before anything changes the module checks that the destination is reachable and is not the
    source, that the destination can run the guest's CPU (naming missing features), has enough free
    memory, that the storage fits the kind (shared disks for V(live), private copies for V(block))
    and that no other domain there has the guest's name or UUID. A refusal leaves the guest untouched.
  - Recovery. Every run reads both hosts and converges what an earlier failure or an interrupted
    run left. A migration still in progress is followed to its end; an unfinished incoming copy on
    the destination is removed while the source runs; a source this module paused to finish is
    resumed; a source a migration paused is removed while the destination runs (a pause by an operator
    is reported and left alone); the definitions end where
    O(persist) and O(undefine_source) say. A copy is removed only when the running copy is confirmed
    on the other host, and no disk image is deleted except a copy this run made (block or
    offline) on storage the source does not share, when the migration failed.
  - One running copy, always. The destination's copy of a live or block migration arrives paused
    (libvirt's C(PAUSED) flag) and runs only once the source's copy is confirmed gone, so a destination
    daemon that answers the migration's last step late cannot run a second copy after the source gave
    up and resumed its own. A copy or definition the migration brought and never ran is removed by the
    next run while the source has the guest (not for post-copy, whose destination runs from the switch).
  - A failed migration fails the task with the host the guest runs on (RV(runs_on)) and what was
    done about it (RV(recovery)). A failure after the switch to post-copy cannot be rolled back;
    the guest's memory is split between the hosts; the module says so and touches neither copy.
  - See R(the migration guide,ansible_collections.virtops.libvirt.docsite.guide_migration) for the kinds, each control, and the recovery table.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Runs every pre-check, then reports the migration (or recovery step) and why, without doing it.
  diff_mode:
    support: full
    description: Shows where the guest is on both hosts before and after.
options:
  name:
    description: Name of the domain.
    type: str
    required: true
  uri:
    description:
      - The source - the hypervisor the domain may run on now - as the module reaches it.
  dest_uri:
    description:
      - The destination as this module reaches it, for example C(qemu+ssh://host2/system) or
        C(qemu+tls://host2/system).
    type: str
    required: true
  peer_uri:
    description:
      - The destination as the source's libvirtd reaches it in a peer-to-peer migration, when that
        differs from O(dest_uri) (for example C(qemu+tcp://host2/system) on a migration network).
      - Defaults to O(dest_uri).
    type: str
  kind:
    description:
      - V(live) moves a running guest whose disks both hosts share.
      - V(block) moves a running guest and copies its local disks (as Nova chooses them - file or
        block disks that are neither read-only nor shareable; never network volumes such as RBD or
        iSCSI). The destination's images are created by libvirt at the same path, in the pool of
        that directory there (a transient directory pool is used when there is none). The copy is
        complete (backing chains are flattened into the destination's image).
      - V(offline) moves the persistent definition of a shut-off guest, with its image files. Each
        file disk the destination does not share is copied byte for byte to the same path there
        through libvirt's storage streams (sparse files stay sparse, a qcow2 image keeps its backing
        reference; the backing files the destination lacks are copied first, those it has are used
        as they are). Read-only media the destination already has are not copied. A file that
        exists on the destination is never replaced (the migration is refused). The source's files
        stay where they are. Block-device disks are not copied and must be reachable there.
    type: str
    default: live
    choices: [live, block, offline]
  copy_disks:
    description:
      - For O(kind=block) or O(kind=offline), the targets (C(vda), ...) to copy instead of the
        disks chosen by default; an empty list copies none (for O(kind=offline), a move of the
        definition only).
    type: list
    elements: str
  peer_to_peer:
    description:
      - V(true) lets the source's libvirtd drive the migration (it survives this module's
        process); V(false) lets this module drive it between the two connections.
    type: bool
    default: true
  tunnelled:
    description: Carry the data through libvirt's own connection (needs O(peer_to_peer)).
    type: bool
    default: false
  tls:
    description: Encrypt QEMU's migration stream with TLS (the hosts need libvirt's migration TLS set up).
    type: bool
    default: false
  migrate_uri:
    description:
      - Where the destination receives the data stream, for example C(tcp://10.0.0.2) on a
        dedicated network. Default is the destination's C(migration_host) or its hostname.
    type: str
  bandwidth_mib:
    description: Bandwidth limit of the migration in MiB/s; V(0) is no limit.
    type: int
    default: 0
  parallel_connections:
    description: Number of parallel connections for the memory stream (multifd).
    type: int
  compression:
    description: Compression methods of the memory stream.
    type: list
    elements: str
    choices: [xbzrle, mt, zlib, zstd]
  auto_converge:
    description:
      - Throttle the guest's vCPUs when the migration does not converge. Not used together with
        O(post_copy) (as Nova); the module warns when both are set.
    type: bool
    default: false
  auto_converge_initial_pct:
    description:
      - The vCPU throttle auto-converge starts at, in percent (1 to 99; QEMU's default 20). A guest
        known to dirty memory fast converges in fewer passes when the throttle starts higher.
      - Needs O(auto_converge). O(strategy=auto) predicts with it.
    type: int
  auto_converge_increment_pct:
    description:
      - What auto-converge adds to the throttle each time a pass still leaves too much dirty, in percent
        (1 to 99; QEMU's default 10).
      - Needs O(auto_converge). O(strategy=auto) predicts with it.
    type: int
  post_copy:
    description:
      - Permit post-copy, the switch to running on the destination while the rest of the memory is
        fetched from the source. The switch happens after O(post_copy_after) or at the completion
        timeout with O(completion_timeout_action=force_complete), or from another task with
        M(virtops.libvirt.domain_job).
      - Once switched, a failure cannot be rolled back.
    type: bool
    default: false
  post_copy_after:
    description: Switch to post-copy this many seconds after the migration started (V(0) at once).
    type: int
  max_downtime_ms:
    description: The longest pause of the guest allowed at the switch-over, reached in steps.
    type: int
    default: 500
  downtime_steps:
    description:
      - Steps of the downtime ramp (Nova's C(live_migration_downtime_steps)) - the allowance
        starts at O(max_downtime_ms) divided by the steps and rises to it.
    type: int
    default: 10
  downtime_delay_per_gib:
    description: Seconds between steps per GiB of data moved (memory plus copied disks, at least 2 GiB).
    type: int
    default: 75
  completion_timeout:
    description:
      - Seconds after which O(completion_timeout_action) is taken. Overrides O(completion_timeout_per_gib).
        V(0) is no limit.
    type: int
  completion_timeout_per_gib:
    description:
      - The completion timeout per GiB of data moved (memory plus copied disks, at least 2 GiB),
        as Nova's C(live_migration_completion_timeout). V(0) is no limit.
    type: int
    default: 800
  completion_timeout_action:
    description:
      - V(abort) cancels the migration; the guest keeps running on the source.
      - V(force_complete) switches to post-copy if O(post_copy) permits it, otherwise pauses the
        guest so the rest of its memory goes over (it runs again on the destination; if the
        migration still fails, it is resumed on the source).
    type: str
    default: abort
    choices: [abort, force_complete]
  progress_timeout:
    description:
      - Cancel the migration when the data remaining has not shrunk for this many seconds (as
        KubeVirt's C(progressTimeout)); V(0) never. Not applied after the switch to post-copy.
    type: int
    default: 150
  abort_timeout:
    description:
      - Seconds to wait for libvirt's call to end after this run aborted the migration (a timeout above, or
        O(completion_timeout) reached before any data moved - the guest is never paused for a migration that has
        not started). The abort does not reach a destination whose daemon is stuck preparing the incoming
        guest before its QEMU runs; the run then stops waiting and fails, saying where the guest runs as the
        source alone reports it (calls about the guest to such a destination block as well).
    type: int
    default: 60
  read_timeout:
    description:
      - Seconds each reading of where the guest is (both hosts, before anything changes and after a failure) may
        take. A daemon stuck preparing an incoming copy of the guest blocks every call about that guest; the run
        then fails, saying which host did not answer and what the other one reports, and changes nothing.
    type: int
    default: 60
  strategy:
    description:
      - V(manual) migrates with the controls as given.
      - V(auto) measures the guest first (O(measure)) and chooses the strategy that finishes -
        plain pre-copy when it converges within O(max_downtime_ms); otherwise auto-converge when
        O(auto_converge) permits it and the throttle it needs stays within O(max_throttle_pct) (never
        for a guest under TCG on a QEMU before 9.0, whose later passes can lose writes);
        otherwise post-copy when O(post_copy) permits it, switching once the first pass has sent the
        memory. With V(auto), O(auto_converge) and
        O(post_copy) say what may be used, not what must be. When nothing permitted would finish,
        the migration is refused before it starts, saying why. Stall detection is on (O(stall_timeout)).
      - The choice and its reason are in RV(prediction).
    type: str
    default: manual
    choices: [manual, auto]
  measure:
    description:
      - Measure the guest's memory dirty rate (libvirt's dirty-rate calculation, O(dirty_rate_seconds)
        long) and the memory it has touched, and predict the migration for the bandwidth (O(bandwidth_mib), or
        O(expected_bandwidth_mib) without a limit) - in RV(prediction), beside what happened once it
        ran. In check mode the prediction is made and nothing moves. Implied by O(strategy=auto).
    type: bool
    default: false
  dirty_rate_seconds:
    description:
      - Seconds the dirty-rate calculation samples the guest (1 to 60). From 2 on, a second calculation over
        half as long runs first, to see whether the guest keeps rewriting the same pages (RV(prediction)'s
        C(working_set_mib)).
    type: int
    default: 2
  expected_bandwidth_mib:
    description:
      - What the link between the hosts carries in MiB/s, for the prediction when O(bandwidth_mib) sets
        no limit (1024 is about a 10 Gbit/s link).
    type: int
    default: 1024
  max_throttle_pct:
    description:
      - The most auto-converge may slow the guest's vCPUs (20 to 99 percent) for O(strategy=auto) to choose
        it; a guest that needs more is moved by post-copy, if permitted. QEMU's own ceiling is 99.
    type: int
    default: 99
  stall_timeout:
    description:
      - Stall detection - when the data left has not fallen below its least for this many seconds, switch
        over instead of waiting for a timeout - first the allowed downtime goes to O(max_downtime_ms) at once,
        then, if it stalls again, the migration switches to post-copy where O(post_copy) permits it. When
        neither is left, O(progress_timeout) and O(completion_timeout) decide as before.
      - Off when not given (V(0) too), 20 seconds with O(strategy=auto).
    type: int
  persist:
    description: Make the domain persistent on the destination.
    type: bool
    default: true
  undefine_source:
    description: Remove the definition from the source once the destination holds it (disks stay).
    type: bool
    default: true
  unsafe:
    description:
      - Migrate even where libvirt finds the disks' storage or cache mode unsafe for migration.
        Only set it when you know the storage is coherent between the hosts.
    type: bool
    default: false
  announce_self:
    description:
      - After a live or block migration, let QEMU on the destination announce the guest's MAC
        addresses (Nova's C(enable_qemu_monitor_announce_self) workaround for switches that learn late).
    type: bool
    default: false
notes:
  - Start a long migration with C(async) and C(poll=0) and watch or steer it from other tasks with
    M(virtops.libvirt.domain_job).
  - A TCG guest (domain type C(qemu)) on a QEMU older than 9.0 can lose memory writes in every pre-copy
    pass after the first; the module warns of it. Without KVM, O(downtime_steps=0) and a
    O(max_downtime_ms) the guest's writes during one pass fit in let the migration finish in one pass.
seealso:
  - module: virtops.libvirt.domain_job
  - module: virtops.libvirt.cpu_baseline
"""

EXAMPLES = r"""
- name: Run web01 on hv2 (live migration, shared storage)
  virtops.libvirt.migrate:
    name: web01
    uri: qemu+ssh://hv1/system
    dest_uri: qemu+ssh://hv2/system
    peer_uri: qemu+tcp://hv2.migration.example/system
    migrate_uri: tcp://10.10.0.2
    bandwidth_mib: 1000
    max_downtime_ms: 300

- name: Move db01 with its local disks, post-copy if it does not converge in 10 minutes
  virtops.libvirt.migrate:
    name: db01
    dest_uri: qemu+ssh://hv2/system
    kind: block
    post_copy: true
    completion_timeout: 600
    completion_timeout_action: force_complete

- name: Move a guest that dirties memory fast, throttling it from 50 % up in steps of 20 % when needed
  virtops.libvirt.migrate:
    name: cache03
    dest_uri: qemu+ssh://hv2/system
    auto_converge: true
    auto_converge_initial_pct: 50
    auto_converge_increment_pct: 20

- name: Move a shut-off guest with the disks the destination does not share
  virtops.libvirt.migrate:
    name: batch07
    dest_uri: qemu+ssh://hv2/system
    kind: offline

- name: Move only the definition (the disks are already on the destination's own storage)
  virtops.libvirt.migrate:
    name: batch08
    dest_uri: qemu+ssh://hv2/system
    kind: offline
    copy_disks: []
"""

RETURN = r"""
name:
  description: The domain.
  returned: always
  type: str
kind:
  description: The kind of migration asked for.
  returned: always
  type: str
migrated:
  description: Whether this run moved the guest (false in check mode and when it was already there).
  returned: always
  type: bool
reason:
  description: Why the module did or would do what it did, in words.
  returned: when the guest was found
  type: str
  sample: web01 runs on hv1
situation:
  description:
    - What the survey of both hosts found first - V(on_source), V(on_destination),
      V(defined_on_source), V(defined_on_both), V(in_progress), V(destination_leftover),
      V(source_stale), V(post_copy_failed), V(both_running) or V(nowhere).
  returned: always
  type: str
situation_after_failure:
  description:
    - What a survey of both hosts found right after a failed migration (the same values as
      RV(situation)), before the module converged on it.
  returned: when a migration failed and both hosts could be read
  type: str
found:
  description:
    - The guest on each host before this run (C(host), C(state), C(persistent), ...).
    - C(pause_reason) for a paused copy (libvirt's reason - C(user), C(migration), ...), and
      C(left_by_migration) for a copy or definition a migration of this collection brought there
      and never ran (its marker), which the module removes when the other host has the guest.
  returned: always
  type: dict
  sample: {source: {host: hv1, state: running, persistent: true}, destination: {host: hv2, state: absent, persistent: false}}
placement:
  description: The guest on each host after this run (not in check mode).
  returned: success, and failure after a migration was attempted
  type: dict
checkpoints:
  description:
    - The guest's checkpoints (the ones M(virtops.libvirt.backup) keeps for incremental backups) defined on
      the destination after the move. libvirt leaves their metadata on the source while their bitmaps travel in
      the disk images, so the module defines them again there, parents first, and the next backup stays
      incremental.
    - C(lost) are the ones the destination refused (their bitmaps did not arrive), with libvirt's C(reason); the
      module warns, and the next backup of the guest is a full one.
  returned: when the guest had checkpoints the destination lacked
  type: dict
  sample: {carried: [virtops-p-20261205T010000Z, virtops-p-20261206T010000Z], lost: [], reason: null}
runs_on:
  description: Hosts with an active copy of the guest after this run (exactly one when all went well).
  returned: success (not in check mode), and failure
  type: list
  elements: str
checks:
  description: The pre-checks made and what each found.
  returned: always
  type: list
  elements: str
plan:
  description: The migration planned - C(kind), libvirt C(flags), C(copy_disks), C(data_gib),
    C(downtime_steps) ([second, ms] pairs), C(completion_timeout), C(progress_timeout),
    C(post_copy), C(auto_converge), C(auto_converge_steps_pct) (with auto-converge, the throttle it starts at
    and the step it adds, in percent), C(stall_timeout), and C(arrives_paused) - whether the destination's copy
    arrives paused (libvirt's C(PAUSED) flag) and runs only once the source's copy is gone.
  returned: when a migration is made or would be made
  type: dict
progress:
  description:
    - libvirt's statistics of the migration (the final ones on success) - C(elapsed_ms),
      C(downtime_ms), C(data_total_bytes), C(data_processed_bytes), C(data_remaining_bytes),
      C(memory_iterations), C(memory_dirty_rate_pages_s), C(disk_total_bytes),
      C(disk_processed_bytes), ... - with C(post_copy) (whether it switched), C(auto_converge),
      C(auto_converge_max_throttle_pct) (the highest vCPU throttle auto-converge applied), C(stalls)
      (switch-overs made because the data left stopped shrinking),
      C(paused_to_finish), C(steering) (what the module did to the job, and when), and
      C(run_after_confirm_ms) - how long the destination's copy waited, paused, after libvirt
      returned until the module ran it (the guest's pause beyond C(downtime_ms)).
  returned: when a migration ran or was followed
  type: dict
prediction:
  description:
    - With O(measure) or O(strategy=auto) - C(memory_mib) (the memory the guest has touched),
      C(memory_basis) (how that was counted), C(dirty_rate_mib_s), C(working_set_mib) (the memory the guest
      keeps rewriting, when a second calculation over half the window shows one; it bounds what a pass
      leaves dirty), C(bandwidth_mib_s), C(max_downtime_ms); C(verdict) - V(converges) (plain
      pre-copy finishes), V(needs_help) (a permitted auto-converge or post-copy would) or V(cannot);
      C(strategy) chosen (V(pre_copy), V(auto_converge), V(post_copy), or none) and C(reason); the
      chosen course's C(seconds), C(downtime_ms), C(data_mib), C(iterations), C(throttle_pct); and
      C(strategies), each strategy's own course with C(finishes).
    - C(excluded) - strategies permitted but left out for this guest, each with the reason (auto-converge
      for a guest under TCG on a QEMU before 9.0, where pre-copy passes after the first can lose the
      guest's writes).
    - After the migration, C(predicted) and C(actual) side by side (C(seconds), C(downtime_ms),
      C(data_mib), C(iterations)) and C(seconds_error_pct).
  returned: when the guest was measured
  type: dict
copies:
  description:
    - For O(kind=offline), the files copied to the destination in this run, in order, with the
      bytes of data sent (holes of sparse files are not sent) and the seconds each took.
  returned: when an offline migration copied files
  type: list
  elements: dict
  sample: [{"path": "/var/lib/libvirt/images/base.raw", "bytes": 8192, "seconds": 0.05}]
recovery:
  description: What the module found left by an earlier failure or in this run's, and what it did about it.
  returned: always
  type: list
  elements: str
actions:
  description: Changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["migrate (live) from hv1 to hv2"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrate import MIGRATE_ARGUMENT_SPEC, MigrateRunner


def main():
    run_module(AnsibleModule, MIGRATE_ARGUMENT_SPEC, MigrateRunner)


if __name__ == "__main__":
    main()
