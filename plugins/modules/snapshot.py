#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: snapshot
short_description: External snapshots of an instance - taken, reverted to, merged away, listed
version_added: 0.4.0
description:
  - O(state=present) makes the snapshots O(snapshot) or O(snapshots) exist. A snapshot is external - each
    disk gets a new qcow2 overlay beside its image (C(<instance>-<disk>.<snapshot>.qcow2)) and the image
    it ran on becomes read-only and holds the snapshot's data - taken of a running or a shut-off
    instance, with or without the memory state (O(memory)).
  - A disk-only snapshot of a running instance is consistent for its filesystems when the QEMU guest
    agent freezes them around it (thawed whatever happens, see O(quiesce)); without the agent it is
    crash-consistent and a warning says so. A snapshot with the memory state holds everything the
    guest had, unwritten data included, and is not frozen (the guest would come back frozen).
  - Disks that cannot have a file overlay - network disks (RBD, iSCSI, NBD, NFS, HTTP), block devices,
    pool volumes given by pool and name, shareable disks - are refused by name with the reason, or left
    out with O(unsupported_disks=skip). CD-ROMs and read-only disks are never part of a snapshot.
  - O(state=absent) deletes snapshots, the newest first. On the images the instance runs on, libvirt
    merges each one's overlays into the images below (a block commit, while the guest runs), so the
    data of later snapshots and of the running instance stays. On a branch a revert left, the
    snapshot's overlay holds only what was written there after it (which the revert discarded) and is
    removed with it. A delete that would change or remove an image another image is built on (a
    snapshot on another branch, the images a revert left) is refused naming them, as is one libvirt
    cannot merge (with libvirt's reason); nothing is changed then.
  - O(state=reverted) brings the instance back to O(snapshot) - the same way on every libvirt version,
    as libvirt before 9.7 cannot revert external snapshots. The instance is stopped, each disk the
    snapshot holds gets a new empty overlay on the snapshot's image
    (C(<instance>-<disk>.<snapshot>.revert-<time>.qcow2)), and the instance comes back - from the
    saved memory state, running as it was at the snapshot, or else in the power state it had (a
    running instance boots from the reverted disks). The images it ran on are kept as they are
    (C(kept) of RV(revert) names them; a later snapshot still holds its data). If a step after the stop fails,
    the instance is put back on the images it ran on, running if it ran, and the error says so.
    A run that finds the shut-off instance at the snapshot still (the current snapshot, nothing
    written into its overlays since) changes nothing; a running instance is reverted on every run,
    as what it wrote since cannot be read from its images while it runs (QEMU caches their tables).
  - O(state=listed) changes nothing; every state returns the snapshot tree (RV(snapshots)).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports the snapshots it would take, delete or revert to, and the files it would write.
  diff_mode:
    support: full
    description: The instance's snapshots before and after, one name a line.
options:
  name:
    description: The instance (libvirt domain).
    type: str
    required: true
  snapshot:
    description:
      - The snapshot (1 to 64 letters, digits, C(.), C(_) or C(-), starting with a letter or digit).
        Required for O(state=reverted).
    type: str
  snapshots:
    description:
      - Several snapshots at once, for O(state=present) (taken in this order when missing) or
        O(state=absent). With O(exclusive=true), the instance's other snapshots are deleted.
    type: list
    elements: str
  exclusive:
    description: For O(state=present), delete the instance's snapshots that O(snapshot) or O(snapshots) do not name.
    type: bool
    default: false
  state:
    description:
      - V(present) - the snapshots exist (taken when missing; an existing one is left as it is).
      - V(absent) - they do not (deleted, their overlays merged).
      - V(reverted) - the instance is at O(snapshot).
      - V(listed) - nothing changes; the snapshots are returned.
    type: str
    default: present
    choices: [present, absent, reverted, listed]
  memory:
    description:
      - Take the running instance's memory state too (a file beside its first disk's image,
        C(<instance>.<snapshot>.memory)); a revert then brings it back running where it was.
        The instance pauses while its memory is written.
    type: bool
    default: false
  disks:
    description:
      - The disks a new snapshot takes, by target (V(vda)). Default, every disk of the instance but
        CD-ROMs and read-only disks.
    type: list
    elements: str
  unsupported_disks:
    description:
      - V(refuse) - fail, taking nothing, when a disk cannot be snapshotted (the message names each with the reason).
      - V(skip) - leave such disks out of the snapshot (RV(left_out) names them); their data is not part of it.
    type: str
    default: refuse
    choices: [refuse, skip]
  quiesce:
    description:
      - For a disk-only snapshot of a running instance. V(auto) - freeze the guest's filesystems through
        its agent when it answers, else take a crash-consistent snapshot with a warning.
      - V(required) - fail, taking nothing, when the agent cannot freeze.
      - V(never) - do not freeze.
    type: str
    default: auto
    choices: [auto, required, never]
  description:
    description: The description new snapshots carry.
    type: str
notes:
  - The module runs on the hypervisor - a revert creates its overlays with C(qemu-img) and reads the
    images' backing files there.
  - Merging external snapshots needs libvirt 9.0 or later. libvirt 9.0 merges a shut-off instance's
    snapshot only when it is the newest on its disks; delete newer ones first, or while it runs.
  - A disk given by pool and volume is refused; give it by path (the overlay is a file beside it).
seealso:
  - module: virtops.libvirt.backup
  - name: libvirt's snapshot XML
    description: What an external snapshot is made of.
    link: https://libvirt.org/formatsnapshot.html
"""

EXAMPLES = r"""
- name: A snapshot before an upgrade, consistent through the guest agent
  virtops.libvirt.snapshot:
    name: web01
    snapshot: before-upgrade
    quiesce: required

- name: A snapshot with the memory state
  virtops.libvirt.snapshot:
    name: web01
    snapshot: with-memory
    memory: true

- name: Back to it when the upgrade went wrong
  virtops.libvirt.snapshot:
    name: web01
    snapshot: before-upgrade
    state: reverted

- name: Exactly these snapshots (the others merged away)
  virtops.libvirt.snapshot:
    name: web01
    snapshots: [base, before-upgrade]
    exclusive: true

- name: Delete a snapshot while the instance runs
  virtops.libvirt.snapshot:
    name: web01
    snapshot: before-upgrade
    state: absent

- name: List the snapshots
  virtops.libvirt.snapshot:
    name: web01
    state: listed
  register: listed
"""

RETURN = r"""
snapshots:
  description:
    - The instance's snapshots after the run, oldest first - C(name), C(parent), C(children), C(current),
      C(state) (the instance's state when it was taken - V(disk-snapshot) for a disk-only one of a
      running instance), C(created), C(description), C(memory), C(memory_file) and C(disks) (per disk
      the C(overlay) the snapshot created and the C(image) holding its data, with C(image_size)).
  returned: always
  type: list
  elements: dict
current:
  description: The current snapshot (the one the instance runs on top of), or null.
  returned: always
  type: str
plans:
  description: For O(state=present), each snapshot taken (or that would be) - C(name), C(memory), C(overlays), C(memory_file).
  returned: when a snapshot is taken
  type: list
  elements: dict
left_out:
  description: For O(state=present), the disks not in the new snapshot, each with the reason.
  returned: when a snapshot is taken
  type: list
  elements: str
  sample: ["sda: a cdrom"]
revert:
  description:
    - For O(state=reverted) when a revert is made - C(name), C(overlays) (the new overlay of each disk),
      C(images) (the snapshot's image each sits on), C(kept) (the image each disk ran on before, kept
      as it is), C(memory_file) and C(comes_back) (V(running), V(paused) or V(shut off)).
  returned: when a revert is made
  type: dict
deleted:
  description:
    - For O(state=absent) and O(exclusive=true), each snapshot deleted (or that would be) - C(name),
      C(merged) (per disk, the overlay libvirt merges into the image below), C(removed) (per disk, the
      overlay of a branch a revert left, removed) and C(memory_file) (removed with it).
  returned: when a snapshot is deleted
  type: list
  elements: dict
actions:
  description: Changes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.snapshot import (
    SNAPSHOT_ARGUMENT_SPEC, SnapshotRunner,
)


def main():
    run_module(AnsibleModule, SNAPSHOT_ARGUMENT_SPEC, SnapshotRunner)


if __name__ == "__main__":
    main()
