#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup
short_description: Full and incremental backups of a running instance's disks, verified and restored, or exported through NBD
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
  - O(state=exported) is libvirt's pull mode - for a backup tool of your own (C(nbdcopy),
    C(qemu-img), virtnbdbackup, a vendor's agent). The running instance's disks are exported
    read-only through QEMU's NBD server, frozen at the moment the export started (the guest's
    filesystems quiesced as for a point) while the guest goes on writing, until
    O(state=export_stopped). Each export makes a checkpoint; an incremental export publishes per disk
    the bitmap of the blocks changed since the last export read completely (the NBD meta context
    C(qemu:dirty-bitmap:<bitmap>)). RV(export) describes it - per disk the NBD URI, the export name
    and the bitmap. The points in O(dest) are not touched; O(dest) holds the export's socket and
    scratch images (in C(.export/)).
  - O(state=export_stopped) ends the export. O(export_complete) says whether the reader got every
    block it needed - only then is this export the base of the next incremental one; otherwise its
    checkpoint is deleted and the next export covers these changes again.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports the point or export it would take (full or incremental, and why), the images it would
      restore, or the checkpoints stopping an export would delete.
  diff_mode:
    support: full
    description: The list of points before and after, the images a restore writes, or the disks exported before and after.
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
      - V(exported) - the running instance's disks are exported through NBD (pull mode); a re-run
        that finds the export running changes nothing, one that finds an export unlike the one asked
        for fails.
      - V(export_stopped) - no export runs (the running one is stopped, see O(export_complete)).
    type: str
    default: present
    choices: [present, verified, restored, exported, export_stopped]
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
      - For O(state=exported) the same, where the chain is that of the exports - incremental from the
        last export stopped with O(export_complete=true).
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
  export_socket:
    description:
      - For O(state=exported), the UNIX socket QEMU's NBD server listens on (an absolute path of at most
        107 bytes, in a directory QEMU's user may create files in). Default C(<dest>/.export/nbd.sock),
        in a directory this module gives to QEMU's user (mode 0700).
    type: path
  export_address:
    description:
      - For O(state=exported), listen on TCP at this address instead of a UNIX socket. Anyone who can
        reach it can read the disks (libvirt's NBD TLS is not set up by this module); keep it on a
        network only the backup host reaches.
    type: str
  export_port:
    description: With O(export_address), the TCP port; default, one libvirt picks from its backup port range.
    type: int
  export_complete:
    description:
      - For O(state=export_stopped) (and required there), whether the reader got every block it needed.
      - V(true) - the next incremental export starts from this one; the older export checkpoints are deleted.
      - V(false) - this export's checkpoint is deleted, so the next incremental export covers its changes again.
    type: bool
notes:
  - Incremental points need libvirt 7.6 or later with QEMU 6.0 or later (incremental backup enabled
    by default), and qcow2 disks.
  - Pull mode keeps its own checkpoints (C(virtops.export-<time>)) apart from the points' ones
    (C(virtops-<point>)), so exports and backup points do not break each other's chains. While an
    export runs, no point is taken (libvirt runs one backup job at a time).
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

- name: Export the disks for another backup tool (pull mode)
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    state: exported
  register: nbd

- name: The tool reads the disk (here the whole of it, with libnbd's nbdcopy)
  ansible.builtin.command:
    cmd: nbdcopy {{ nbd.export.disks.vda.uri }} /srv/copies/web01-vda.raw
  changed_when: true

- name: Stop the export; the tool read everything, so the next export is incremental from this one
  virtops.libvirt.backup:
    name: web01
    dest: /srv/backups/web01
    state: export_stopped
    export_complete: true

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
    - For O(state=present) when a point is taken (or would be, in check mode), and for
      O(state=exported) when an export starts (without C(name)) - its C(name), C(kind)
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
export:
  description:
    - For O(state=exported), and O(state=export_stopped) when an export ran - C(transport) (V(unix) or
      V(tcp)), C(socket), C(address), C(port), C(kind) (V(full) or V(incremental)), C(base) (the
      checkpoint an incremental export's bitmaps start from), C(checkpoint) (this export's),
      C(started), and C(disks) - per disk its NBD C(export) name, C(uri), and for an incremental export
      its C(bitmap) and the NBD meta C(context) that reads it. Not set in check mode when an export would start.
  returned: when an export runs or would be stopped
  type: dict
  sample:
    transport: unix
    socket: /srv/backups/web01/.export/nbd.sock
    kind: incremental
    base: virtops.export-20261205T020000Z
    checkpoint: virtops.export-20261206T020000Z
    disks:
      vda:
        export: vda
        uri: nbd+unix:///vda?socket=/srv/backups/web01/.export/nbd.sock
        bitmap: backup-vda
        context: qemu:dirty-bitmap:backup-vda
checkpoints_deleted:
  description: For O(state=export_stopped), the export checkpoints deleted (see O(export_complete)).
  returned: when O(state=export_stopped) found an export
  type: list
  elements: str
next_base:
  description: For O(state=export_stopped), the checkpoint the next incremental export starts from (none, a full one).
  returned: when O(state=export_stopped) found an export
  type: str
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
