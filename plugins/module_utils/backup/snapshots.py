# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External snapshots of an instance: a new qcow2 overlay per disk on top of the image that then
holds the snapshot's data, with or without the memory state.

libvirt creates and deletes them (a delete merges the overlay with a block commit while the
guest runs). Reverting is done here, the same way on every libvirt version (libvirt before 9.7
cannot revert external snapshots): the instance is stopped, each disk gets a new empty overlay on
the snapshot's image, the images written since stay where they are (a later snapshot still holds
them), and the instance comes back - from the saved memory state when the snapshot has one.

The image holding a snapshot's data is the backing file of the overlay the snapshot created; a
delete's commit keeps that true for the snapshots that remain."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.chain import image_info, qemu_img
from ansible_collections.virtops.libvirt.plugins.module_utils.backup.job import freeze
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.directories import local_backing_files
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.snapshot import DomainSnapshot, SnapshotDisk

SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UNSUPPORTED = ("refuse", "skip")


def check_snapshot_name(name):
    if not SNAPSHOT_NAME.match(name or ""):
        raise VirtopsError("snapshot name %r is not allowed: 1 to 64 letters, digits, '.', '_' or '-', starting "
                           "with a letter or digit (it becomes part of the overlay files' names)" % (name,))


def _why_not(disk):
    """Why an external snapshot cannot take ``disk``, or None."""
    if disk.shareable:
        return "shareable: an overlay would split what other instances share"
    if disk.type == "network":
        return ("a network disk (%s): its data lives on its storage, where an overlay file of this host "
                "cannot sit; snapshot it on that storage" % (disk.source_protocol or "network"))
    if disk.type == "block":
        return "a block device (%s): a LUN or volume whose snapshots its storage takes" % disk.source_dev
    if disk.type == "volume":
        return ("pool volume %s/%s: snapshots need the disk given by its path (the overlay is a file "
                "beside it)" % (disk.source_pool, disk.source_volume))
    if not disk.source_file:
        return "it has no image"
    return None


def snapshot_disks(config, wanted, unsupported):
    """The disks a snapshot takes: ``wanted`` targets or every disk with data of the instance's
    own; CD-ROMs and read-only disks never (nothing writes them). ``unsupported``: ``refuse`` -
    a disk that cannot be snapshotted is an error naming it and why; ``skip`` - it is left out
    and listed. Returns ([DiskConfig], ["target: why left out"])."""
    disks = config.disks or []
    missing = sorted(set(wanted or ()) - set(disk.target_dev for disk in disks))
    if missing:
        raise VirtopsError("the instance has no disk %s (it has: %s)" % (
            ", ".join(missing), ", ".join(disk.target_dev for disk in disks) or "none"))
    chosen, left_out, refused = [], [], []
    for disk in disks:
        if wanted is not None and disk.target_dev not in wanted:
            continue
        if disk.device not in (None, "disk") or disk.readonly:
            why = "a %s" % disk.device if disk.device not in (None, "disk") else "read-only"
            if wanted is not None:
                raise VirtopsError("disk %s cannot be snapshotted: it is %s" % (disk.target_dev, why))
            left_out.append("%s: %s" % (disk.target_dev, why))
            continue
        why = _why_not(disk)
        if why is None:
            chosen.append(disk)
        elif unsupported == "skip":
            left_out.append("%s: %s" % (disk.target_dev, why))
        else:
            refused.append("%s: %s" % (disk.target_dev, why))
    if refused:
        raise VirtopsError("these disks cannot be snapshotted: %s; leave them out with unsupported_disks: skip "
                           "(the snapshot then does not hold them) or name the disks to take" % "; ".join(refused))
    if not chosen:
        raise VirtopsError("the instance has no disk a snapshot can take (%s)" % ("; ".join(left_out) or "no disks"))
    return chosen, left_out


def overlay_path(instance, disk, snapshot):
    """The overlay a snapshot creates for ``disk``: beside its current image, named after the
    instance, the disk and the snapshot."""
    return os.path.join(os.path.dirname(disk.source_file), "%s-%s.%s.qcow2" % (instance, disk.target_dev, snapshot))


def memory_path(instance, disk, snapshot):
    """The memory state file: beside the first disk's image."""
    return os.path.join(os.path.dirname(disk.source_file), "%s.%s.memory" % (instance, snapshot))


class SnapshotPlan:
    """What creating one snapshot does: its document, the overlays, the memory file."""

    def __init__(self, instance, name, disks, all_disks, memory, description):
        # every disk is named: the ones not taken with snapshot='no' (a CD-ROM too), so libvirt's
        # defaults decide nothing
        self.name = name
        self.memory = memory
        self.overlays = dict((disk.target_dev, overlay_path(instance, disk, name)) for disk in disks)
        self.memory_file = memory_path(instance, disks[0], name) if memory else None
        taken = set(self.overlays)
        document = DomainSnapshot(name=name, description=description, disks=[
            SnapshotDisk(name=disk.target_dev, snapshot="external", type="file", driver_type="qcow2",
                         source_file=self.overlays[disk.target_dev]) if disk.target_dev in taken
            else SnapshotDisk(name=disk.target_dev, snapshot="no") for disk in all_disks])
        if memory:
            document.memory, document.memory_file = "external", self.memory_file
        self.xml = document.to_xml()

    def files(self):
        return sorted(self.overlays.values()) + ([self.memory_file] if self.memory_file else [])

    def describe(self):
        return dict(name=self.name, memory=self.memory, overlays=self.overlays, memory_file=self.memory_file)


def plan_snapshot(guest, name, wanted, unsupported, memory, description):
    config = _config(guest)
    if memory and not guest.is_active():
        raise VirtopsError("instance %s is not running: a snapshot with its memory state needs a running instance "
                           "(state %s); take a disk-only one (memory: false)" % (guest.name, guest.state()))
    disks, left_out = snapshot_disks(config, wanted, unsupported)
    plan = SnapshotPlan(guest.name, name, disks, config.disks or [], memory, description)
    taken = [path for path in plan.files() if os.path.exists(path)]
    if taken:
        raise VirtopsError("snapshot %s would write %s, which exists already; remove it or choose another snapshot "
                           "name" % (name, ", ".join(taken)))
    return plan, left_out


def take_snapshot(guest, plan, quiesce):
    """Create ``plan``'s snapshot; (quiesced, why not). A running guest's filesystems are frozen
    through its agent around a disk-only snapshot (thawed whatever happens); a memory snapshot
    holds the guest's own state and is consistent as it is (a frozen guest would come back frozen)."""
    flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
    if not plan.memory:
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
    quiesced, why_not = False, None
    if not guest.is_active():
        why_not = "the instance is shut off: its disks are consistent as they are"
    elif plan.memory:
        why_not = "the memory state holds the guest's unwritten data"
    else:
        quiesced, why_not = freeze(guest, quiesce, "snapshot")
    try:
        guest.create_snapshot(plan.xml, flags)
    except libvirt.libvirtError as exc:
        raise VirtopsError("snapshot %s of %s failed: %s; the instance's disks are as they were" % (
            plan.name, guest.name, error_text(exc)))
    finally:
        if quiesced:
            guest.fs_thaw()
    return quiesced, why_not


def snapshot_image(overlay):
    """The image holding a snapshot's data: the backing file of the overlay it created; its
    (path, format)."""
    info = image_info(overlay)
    backing = info.get("full-backing-filename") or info.get("backing-filename")
    if not backing:
        raise VirtopsError("%s has no backing file: it is not the overlay of a snapshot" % overlay)
    return os.path.join(os.path.dirname(overlay), backing), info.get("backing-filename-format") or "raw"


def holds_writes(overlay):
    """Whether anything was written into ``overlay`` (qcow2) itself: QEMU's map of it shows an
    extent of depth 0."""
    extents = json.loads(qemu_img("map", "--output=json", "-U", overlay))
    return any(extent.get("depth") == 0 for extent in extents)


def in_creation_order(snapshots):
    """The names of ``snapshots`` ({name: (XML, children)}), oldest first."""
    return [name for _created, name in sorted(
        (DomainSnapshot.from_xml(xml).creation_time or 0, name) for name, (xml, _children) in snapshots.items())]


def _config(guest):
    return guest.live_config() if guest.is_active() else guest.inactive_config()


def _active_chain(config, target):
    """The images disk ``target`` runs on, its top image first ([] when the disk is gone)."""
    for disk in config.disks or []:
        if disk.target_dev == target and disk.source_file:
            return [os.path.normpath(disk.source_file)] + local_backing_files(disk.source_file)
    return []


def _built_on(paths):
    """{path: [images in the same directories whose backing file is path]} for ``paths``."""
    found = dict((path, []) for path in paths)
    for directory in sorted(set(os.path.dirname(path) for path in paths)):
        for name in sorted(os.listdir(directory)):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and not os.path.islink(candidate):
                backing = local_backing_files(candidate)[:1]
                if backing and backing[0] in found:
                    found[backing[0]].append(candidate)
    return found


class DeletePlan:
    """What deleting a snapshot does, disk by disk.

    On the images the instance runs on, libvirt merges the snapshot's overlay into the image below
    it (a block commit; the overlay file goes, the image above is rebased). That changes the image
    below and removes the overlay, so it is refused when any other image is built on either - a
    later snapshot on another branch, or the images a revert left. On a branch a revert left, the
    overlay holds only what was written there after the snapshot, which the revert discarded: it
    is removed with the snapshot, unless an image is built on it."""

    def __init__(self, guest, snapshot_xml):
        self.snapshot = DomainSnapshot.from_xml(snapshot_xml)
        self.name = self.snapshot.name
        self.merged, self.dropped, self.blockers = {}, {}, []
        config = _config(guest)
        for target, overlay in sorted(self.snapshot.external_disks().items()):
            overlay = os.path.normpath(overlay)
            if not os.path.exists(overlay):
                continue  # nothing left to merge or remove: the metadata goes
            image = (local_backing_files(overlay) or [None])[0]
            chain = _active_chain(config, target)
            dependents = _built_on([path for path in (overlay, image) if path])
            if overlay in chain:
                above = chain[chain.index(overlay) - 1] if chain.index(overlay) else None
                others = [path for path in dependents[overlay] if path != above]
                if image:
                    others += [path for path in dependents[image] if path != overlay]
                self.merged[target] = overlay
            else:
                others = dependents[overlay]
                self.dropped[target] = overlay
            self.blockers += ["%s: %s is built on %s" % (target, path, overlay if path in dependents[overlay] else image)
                              for path in others]
        if self.merged and self.dropped:
            self.blockers.append("disks %s run on this snapshot's images and %s do not (they were changed since)"
                                 % (", ".join(sorted(self.merged)), ", ".join(sorted(self.dropped))))
        memory = self.snapshot.memory_file if self.snapshot.memory == "external" else None
        self.memory_file = memory if memory and os.path.exists(memory) else None

    def refusal(self):
        if not self.blockers:
            return None
        return ("snapshot %s cannot be deleted without harming other images: %s; delete the snapshots built on "
                "it first (or remove the images a revert left, if they are no longer needed)" % (
                    self.name, "; ".join(self.blockers)))

    def describe(self):
        return dict(name=self.name, merged=self.merged, removed=self.dropped, memory_file=self.memory_file)


def delete(guest, plan):
    """Carry out ``plan``: libvirt merges the overlays on the instance's images; the ones on a
    branch a revert left are removed with the snapshot's metadata; the memory state file goes."""
    try:
        if plan.dropped or not plan.merged:
            guest.delete_snapshot_metadata(plan.name)
            for overlay in plan.dropped.values():
                os.remove(overlay)
        else:
            guest.delete_snapshot(plan.name)
    except libvirt.libvirtError as exc:
        hint = ""
        if not guest.is_active() and "could not find base" in error_text(exc):
            hint = (" (libvirt merges a shut-off instance's snapshot only when it is the newest on its disks: "
                    "delete the newer ones first, or delete it while the instance runs)")
        raise VirtopsError("snapshot %s of %s cannot be deleted: %s%s; the instance and its disks are as they were"
                           % (plan.name, guest.name, error_text(exc), hint))
    if plan.memory_file and os.path.exists(plan.memory_file):
        os.remove(plan.memory_file)


def describe(snapshot_xml, current_name, children):
    """One snapshot as the module returns it."""
    snapshot = DomainSnapshot.from_xml(snapshot_xml)
    disks = {}
    for target, overlay in sorted(snapshot.external_disks().items()):
        entry = dict(overlay=overlay)
        if os.path.exists(overlay):
            try:
                entry["image"] = snapshot_image(overlay)[0]
                entry["image_size"] = os.path.getsize(entry["image"])
            except (VirtopsError, OSError) as exc:
                entry["problem"] = str(exc)
        disks[target] = entry
    created = snapshot.creation_time
    return dict(name=snapshot.name, parent=snapshot.parent, children=children, current=snapshot.name == current_name,
                state=snapshot.state, description=snapshot.description,
                created=datetime.datetime.utcfromtimestamp(created).isoformat() + "Z" if created else None,
                memory=snapshot.memory == "external", memory_file=snapshot.memory_file, disks=disks)


class RevertPlan:
    """What reverting to a snapshot does: the new overlays on its images, the images the instance
    runs on now (kept), how it comes back."""

    def __init__(self, guest, snapshot_xml, stamp):
        self.xml = snapshot_xml
        self.snapshot = DomainSnapshot.from_xml(snapshot_xml)
        self.name = self.snapshot.name
        self.was_active = guest.is_active()
        self.images, self.overlays = {}, {}
        for target, overlay in sorted(self.snapshot.external_disks().items()):
            if not os.path.exists(overlay):
                raise VirtopsError("snapshot %s cannot be reverted to: %s, the overlay it created for %s, is gone"
                                   % (self.name, overlay, target))
            self.images[target] = snapshot_image(overlay)
            self.overlays[target] = os.path.join(os.path.dirname(overlay), "%s-%s.%s.revert-%s.qcow2" % (
                guest.name, target, self.name, stamp))
        if not self.images:
            raise VirtopsError("snapshot %s holds no disk" % self.name)
        sources = dict((disk.target_dev, disk.source_file) for disk in guest.inactive_config().disks or [])
        self.kept = dict((target, sources.get(target)) for target in self.images)
        self.memory_file = self.snapshot.memory_file if self.snapshot.memory == "external" else None
        if self.memory_file and not os.path.exists(self.memory_file):
            raise VirtopsError("snapshot %s cannot be reverted to: its memory state %s is gone" % (
                self.name, self.memory_file))

    def comes_back(self):
        if self.memory_file:
            return "paused" if self.snapshot.state == "paused" else "running"
        return "running" if self.was_active else "shut off"

    def describe(self):
        return dict(name=self.name, overlays=self.overlays, images=dict((t, i[0]) for t, i in self.images.items()),
                    kept=self.kept, memory_file=self.memory_file, comes_back=self.comes_back())


def unchanged_since(guest, snapshot_xml, current_name):
    """Whether the shut-off instance is at snapshot ``snapshot_xml`` still: it is the current
    snapshot and every disk it holds runs on an overlay of its image that nothing was written
    into. A running instance never is: QEMU keeps the overlay's cluster tables in its cache until
    the guest flushes, so the file cannot show what was written since."""
    snapshot = DomainSnapshot.from_xml(snapshot_xml)
    if snapshot.name != current_name or guest.is_active():
        return False
    config = _config(guest)
    sources = dict((disk.target_dev, disk.source_file) for disk in config.disks or [])
    for target, overlay in snapshot.external_disks().items():
        active = sources.get(target)
        if not active or not os.path.exists(active) or not os.path.exists(overlay):
            return False
        try:
            if snapshot_image(active)[0] != snapshot_image(overlay)[0] or holds_writes(active):
                return False
        except VirtopsError:
            return False
    return snapshot.memory != "external"  # a memory snapshot reverted to runs


def _on_overlays(config, overlays):
    """``config`` with the disks of ``overlays`` ({target: path}) on those new qcow2 files, each
    read on the chain its header names (the old source's <backingStore> dropped)."""
    for disk in config.disks or []:
        if disk.target_dev in overlays:
            disk.type, disk.source_file, disk.format = "file", overlays[disk.target_dev], "qcow2"
            disk.forget_backing_chain()
    return config


def revert(guest, plan):
    """Carry out ``plan``: stop the instance, point its disks at new overlays on the snapshot's
    images (the images it ran on stay as they are), come back from the memory state or as it was.
    When a step after the stop fails, the instance gets its definition back and runs again on the
    images it ran on, and the error says so."""
    created = []
    try:
        for target, (image, image_format) in sorted(plan.images.items()):
            qemu_img("create", "-q", "-f", "qcow2", "-b", image, "-F", image_format, plan.overlays[target])
            created.append(plan.overlays[target])
    except VirtopsError:
        for path in created:
            os.remove(path)
        raise
    original = guest.inactive_config()
    config = _on_overlays(guest.inactive_config(), plan.overlays)
    if guest.is_active():
        guest.destroy()
    try:
        guest.redefine(config.to_xml())
        guest.set_current_snapshot(plan.xml)
        if plan.memory_file:
            saved = _on_overlays(DomainConfig.from_xml(plan.snapshot.domain_xml()), plan.overlays)
            guest.restore_memory(plan.memory_file, saved.to_xml(), paused=plan.snapshot.state == "paused")
        elif plan.was_active:
            guest.start()
    except (libvirt.libvirtError, VirtopsError) as exc:
        where = _put_back(guest, original, plan.was_active)
        raise VirtopsError("the revert to snapshot %s failed: %s; %s" % (
            plan.name, error_text(exc) if isinstance(exc, libvirt.libvirtError) else exc, where))


def _put_back(guest, original, was_active):
    """The instance's definition from before a failed revert, running again if it ran; what came of it."""
    try:
        if guest.is_active():
            guest.destroy()
        guest.redefine(original.to_xml())
        if was_active:
            guest.start()
        return "the instance is back on the images it ran on before%s" % (" and running" if was_active else "")
    except libvirt.libvirtError as exc:
        return "putting the instance back failed too (%s): it is defined%s" % (
            error_text(exc), " but not running" if was_active else "")
