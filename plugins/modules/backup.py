#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup
short_description: Full and incremental backups of a running instance's disks, verified and restored
version_added: 0.4.0
description:
  - O(state=present) takes a restore point of a running instance through libvirt's backup job in
    push mode - one qcow2 image per disk in O(dest) - while the instance keeps running. With a checkpoint
    libvirt keeps on the instance (QEMU's dirty bitmaps), the next point is incremental - its images
    hold only the blocks changed since the last point and have that point's images as backing files.
  - The first point is full; so is a point whose chain cannot go on, and the result says why
    (C(reason) of RV(plan)) - the last point's checkpoint is gone from the instance, the disks changed,
    or a disk is not qcow2 (only qcow2 images keep the bitmaps).
  - With the QEMU guest agent, the guest's filesystems are frozen while the job starts and thawed
    right after (thawed even when the start fails), so the point is consistent for the
    filesystems; without it the point is crash-consistent and a warning says so (see O(quiesce)).
  - A point enters O(dest)'s C(manifest.json) only once its job completed and its images are
    checked and summed; an interrupted run leaves nothing a restore would trust, and the next run
    removes what it left (the unfinished images, the checkpoint no point names). A backup job still
    running from such a run (QEMU goes on when the module is killed, and libvirt takes the job up
    again after a restart of its daemon) is waited for, up to O(timeout), with a warning.
  - O(state=verified) checks a point's whole chain without restoring it - every image present, its
    checksum as recorded at backup time, C(qemu-img check), and the backing chain as the manifest says.
  - O(state=restored) verifies a point's chain and writes its disks as standalone images in
    O(restore_dir) (C(<disk>.qcow2) or C(<disk>.raw)), for a new instance or to copy back into a
    shut-off one. It never overwrites a file.
  - O(state=verified), and O(state=restored) to new images, read only O(dest); they need no
    connection to libvirt. O(into_instance=true) restores into the shut-off instance's own disks.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports the point it would take (full or incremental, and why) or the images it would restore.
  diff_mode:
    support: full
    description: The list of points before and after, or the images a restore writes.
options:
  name:
    description: The instance (libvirt domain). It must run for O(state=present).
    type: str
    required: true
  dest:
    description:
      - The directory of this instance's backups (created when missing). One instance per directory;
        a directory whose manifest names another instance is refused.
    type: path
    required: true
  state:
    description:
      - V(present) - the point O(point) exists (taken now when it does not); without O(point), a new
        point is taken on every run
      - V(verified) - the chain of O(point) can be restored (fails naming every problem).
      - V(restored) - O(point)'s disks are written to O(restore_dir).
    type: str
    default: present
    choices: [present, verified, restored]
  point:
    description:
      - The restore point's name. For V(present), the name of the new point (1 to 64 letters, digits,
        C(.), C(_) or C(-)); a run that finds it already taken changes nothing. Default for a new
        point, its UTC start time (C(20261205T171200Z)).
      - For V(verified) and V(restored), the point to use; default (or V(latest)) the newest.
    type: str
  mode:
    description:
      - V(auto) - incremental when the chain can go on, full otherwise.
      - V(full) - a full point (a new chain starts; earlier points stay restorable).
      - V(incremental) - incremental or fail with the reason it cannot be.
    type: str
    default: auto
    choices: [auto, full, incremental]
  disks:
    description:
      - The disks to back up, by target (V(vda)). Default, every disk of the instance but CD-ROMs,
        read-only and shareable disks (RV(left_out) names them with the reason).
    type: list
    elements: str
  quiesce:
    description:
      - V(auto) - freeze the guest's filesystems through its agent when it answers, else take a
        crash-consistent point with a warning.
      - V(required) - fail, taking nothing, when the agent cannot freeze.
      - V(never) - do not freeze.
    type: str
    default: auto
    choices: [auto, required, never]
  timeout:
    description: Seconds the backup job may take; after that it is aborted and nothing of the point is kept.
    type: int
    default: 3600
  keep:
    description:
      - For O(state=present), how many points to keep, newest first; older ones are removed after the
        backup (or by a run that found O(point) taken). A kept point whose parent is removed is first
        merged with the points it builds on into a full image in its own place, so every kept point
        stays restorable and later points read through it as before. Default, every point is kept.
    type: int
  keep_days:
    description:
      - For O(state=present), keep only the points that finished within this many days (with O(keep),
        both limits apply); the newest point is kept whatever its age. Removed points go as with O(keep).
    type: int
  restore_dir:
    description:
      - For O(state=restored), the directory the restored images are written to. O(state=restored) needs
        it or O(into_instance=true).
    type: path
  into_instance:
    description:
      - For O(state=restored), write the point into the instance's own disks instead of O(restore_dir).
        The instance must be shut off. Each disk's image before is kept beside it
        (C(<image>.before-restore-<point>)), never deleted; a run that finds such a file refuses.
        The instance's checkpoints are removed (the restored images do not hold their bitmaps), so
        the next O(state=present) run takes a full point and says why. A re-run that finds the disks
        as restored changes nothing.
    type: bool
    default: false
  restore_format:
    description: For O(state=restored), the format of the restored images.
    type: str
    default: qcow2
    choices: [qcow2, raw]
notes:
  - Incremental points need libvirt 7.6 or later with QEMU 6.0 or later (incremental backup enabled
    by default), and qcow2 disks.
  - A checkpoint lives in the instance's libvirt definition and its bitmaps in the qcow2 images.
    libvirt migrates the bitmaps with the images but leaves the checkpoints' definitions on the
    source; M(virtops.libvirt.migrate) and M(virtops.libvirt.migrations) define them again on the
    destination, so backups stay incremental after a move. A checkpoint libvirt loses (the instance
    defined anew, moved some other way, or a destination that refused it) makes the next point a
    full one, with the reason.
seealso:
  - module: virtops.libvirt.guest_agent
  - name: libvirt's backup XML
    description: What the backup job and its checkpoints are.
    link: https://libvirt.org/formatbackup.html
"""

EXAMPLES = r"""
- name: Back up an instance (full the first time, incremental after)
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01

- name: A named nightly point, taken once however often the play runs
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    point: "nightly-{{ '%Y%m%d' | strftime }}"
    quiesce: required

- name: Back up, keeping the newest 7 points
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    keep: 7

- name: Back up, keeping the points of the last 30 days
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    keep_days: 30

- name: Check that the newest point can be restored
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    state: verified

- name: Restore a point as new images for a copy of the instance
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    state: restored
    point: nightly-20261204
    restore_dir: /var/lib/libvirt/images/web01-restored

- name: Bring the shut-off instance back to a point (its images before are kept beside them)
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    state: restored
    point: nightly-20261204
    into_instance: true
"""

RETURN = r"""
directory:
  description: The backup directory (O(dest)), absolute.
  returned: always
  type: str
  sample: /srv/backups/web01
plan:
  description:
    - For O(state=present) when a point is taken (or would be, in check mode) - its C(name), C(kind)
      (V(full) or V(incremental)), C(reason) (why full, or the point an incremental one starts
      from), C(checkpoint), C(base) (the previous point of an incremental one) and C(disks).
  returned: when a point is taken
  type: dict
  sample: {name: 20261205T171200Z, kind: incremental, reason: changes since 20261204T171200Z, base: 20261204T171200Z, disks: [vda]}
point:
  description:
    - The point taken, found, verified or restored - C(name), C(kind), C(parent), C(checkpoint),
      C(started), C(finished), C(quiesced), C(job_ms) (how long libvirt's backup job ran) and C(disks) (per disk its image C(file), C(kind),
      C(virtual_size), C(size) on disk and C(sha256)). Not set in check mode when a point would be taken.
  returned: success
  type: dict
points:
  description: Every point of O(dest), oldest first, as RV(point).
  returned: always
  type: list
  elements: dict
left_out:
  description: For O(state=present), the disks not backed up by default, each with the reason.
  returned: when a point is taken
  type: list
  elements: str
  sample: ["sda: a cdrom"]
chain:
  description: For O(state=verified), the points the restore of O(point) reads, its full point first.
  returned: when O(state=verified)
  type: list
  elements: str
problems:
  description: For O(state=verified), what makes the chain untrustworthy (empty when it is sound).
  returned: when O(state=verified)
  type: list
  elements: str
restored:
  description: For O(state=restored), the image written (or already there) for each disk.
  returned: when O(state=restored)
  type: dict
  sample: {vda: /var/lib/libvirt/images/web01-restored/vda.qcow2}
kept:
  description: For O(into_instance=true), where each disk's image before the restore was kept.
  returned: when a restore into the instance is made
  type: dict
  sample: {vda: /var/lib/libvirt/images/web01.qcow2.before-restore-nightly-20261204}
actions:
  description: Changes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.backup import BACKUP_ARGUMENT_SPEC, BackupRunner


def main():
    run_module(AnsibleModule, BACKUP_ARGUMENT_SPEC, BackupRunner)


if __name__ == "__main__":
    main()
