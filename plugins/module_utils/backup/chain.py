# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A backup directory: restore points, each one qcow2 image per disk, and the manifest that lists
the points a restore may trust.

Layout of ``dest``::

    manifest.json            the complete points, oldest first (written last, atomically)
    <point>/<disk>.qcow2     a full image, or an incremental one whose backing file is the
                             previous point's image of that disk (a relative path: the directory
                             can be moved or copied as a whole)

A point enters the manifest only after its backup job completed and its images were checked and
summed, so an interrupted run leaves at most a directory the manifest does not name; the next run
removes it. Restoring a point reads its images through their backing chains (``qemu-img``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os
import shutil
import subprocess

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
FULL = "full"
INCREMENTAL = "incremental"


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def point_name_for(moment):
    """A point's default name: its UTC start time, sortable (20261205T171200Z)."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def points_to_keep(points, keep, keep_days, now):
    """How many of ``points`` (oldest first) retention keeps: the newest ``keep`` of them (None:
    all), and only those that finished within ``keep_days`` days before ``now`` (None: any age),
    but always the newest one - a backup directory never loses its last point to its age."""
    count = len(points) if keep is None else min(keep, len(points))
    if keep_days is not None:
        cutoff = now - datetime.timedelta(days=keep_days)
        # a point without a finish time is the one being taken (check mode): the newest of all
        young = [point for point in points if not point.get("finished") or
                 datetime.datetime.fromisoformat(point["finished"]) >= cutoff]
        count = min(count, len(young))
    return max(count, 1) if points else 0


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def qemu_img(*args):
    """Run qemu-img; its standard output. A failure is a VirtopsError with qemu-img's message."""
    try:
        completed = subprocess.run(("qemu-img",) + args, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise VirtopsError("cannot run qemu-img (package qemu-utils): %s" % exc)
    if completed.returncode != 0:
        raise VirtopsError("qemu-img %s failed: %s" % (args[0], (completed.stderr or completed.stdout).strip()))
    return completed.stdout


def image_info(path, chain=False):
    """qemu-img info as JSON: one image's, or (``chain``) a list down its backing chain."""
    args = ["info", "--output=json", "-U"] + (["--backing-chain"] if chain else []) + [path]
    return json.loads(qemu_img(*args))


class BackupSet:
    """The backup directory of one instance."""

    def __init__(self, dest):
        self.dest = os.path.abspath(dest)
        self.manifest_path = os.path.join(self.dest, MANIFEST)
        self.manifest = self._load()

    def _load(self):
        if not os.path.exists(self.manifest_path):
            return dict(format=MANIFEST_FORMAT, domain=None, points=[])
        try:
            with open(self.manifest_path, encoding="utf-8") as handle:
                manifest = json.load(handle)
        except (OSError, ValueError) as exc:
            raise VirtopsError("cannot read the backup manifest %s: %s" % (self.manifest_path, exc))
        if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("points"), list):
            raise VirtopsError("%s is not a backup manifest of format %d this collection writes"
                               % (self.manifest_path, MANIFEST_FORMAT))
        return manifest

    def save(self):
        """Write the manifest atomically: a reader sees the old one or the new one, never half."""
        os.makedirs(self.dest, exist_ok=True)
        partial = self.manifest_path + ".partial"
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(self.manifest, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.manifest_path)

    # -- reading -------------------------------------------------------------------------------
    @property
    def points(self):
        return self.manifest["points"]

    def point(self, name):
        """The point called ``name`` ('latest': the newest), or None."""
        if name == "latest":
            return self.points[-1] if self.points else None
        for point in self.points:
            if point["name"] == name:
                return point
        return None

    def path(self, relative):
        return os.path.join(self.dest, relative)

    def owner_mismatch(self, uuid):
        """Why this directory is not the instance ``uuid``'s, or None."""
        domain = self.manifest.get("domain")
        if domain and domain.get("uuid") != uuid:
            return "%s holds the backups of %s (%s), not of this instance" % (
                self.dest, domain.get("name"), domain.get("uuid"))
        return None

    def leftovers(self):
        """Point directories the manifest does not name: what an interrupted run left. A point's
        name never starts with a dot; such directories (an export's ``.export``) are not points."""
        if not os.path.isdir(self.dest):
            return []
        named = set(point["name"] for point in self.points)
        return sorted(entry for entry in os.listdir(self.dest)
                      if os.path.isdir(self.path(entry)) and entry not in named and not entry.startswith("."))

    def remove_leftover(self, name):
        """Remove one of ``leftovers()`` (a run records each removal as its own action)."""
        if name not in self.leftovers():
            raise VirtopsError("%s is not a point directory the manifest leaves out" % self.path(name))
        shutil.rmtree(self.path(name))

    # -- summaries for results ---------------------------------------------------------------
    def describe(self, point):
        return dict(name=point["name"], kind=point["kind"], checkpoint=point.get("checkpoint"),
                    parent=point.get("parent"), started=point["started"], finished=point["finished"],
                    quiesced=point["quiesced"], job_ms=point.get("job_ms"),
                    disks=dict((disk, dict(file=self.path(image["file"]), virtual_size=image["virtual_size"],
                                           size=image["size"], sha256=image["sha256"], kind=image["kind"]))
                               for disk, image in sorted(point["disks"].items())))

    # -- verification ---------------------------------------------------------------------------
    def verify(self, name):
        """Problems of the chain up to point ``name`` (each image there, its checksum, qemu-img's
        check, the backing chain as the manifest says it): an empty list when it can be restored."""
        problems = []
        chain = self.chain_to(name)
        expected_files = {}
        for point in chain:
            for disk, image in point["disks"].items():
                expected_files.setdefault(disk, []).insert(0, self.path(image["file"]))
                path = self.path(image["file"])
                if not os.path.exists(path):
                    problems.append("%s: %s is missing" % (point["name"], path))
                    continue
                if file_sha256(path) not in (image["sha256"], image.get("pending_sha256")):
                    problems.append("%s: %s does not match its checksum recorded at backup time" % (
                        point["name"], path))
                    continue
                try:
                    qemu_img("check", "-U", "-q", path)
                except VirtopsError as exc:
                    problems.append("%s: %s" % (point["name"], exc))
        if problems or any(image.get("pending_sha256") for point in chain for image in point["disks"].values()):
            # a retention merge was interrupted: the images are sound, the chain is shortened next run
            return problems
        top = chain[-1]
        for disk, image in top["disks"].items():
            found = [os.path.realpath(entry["filename"]) for entry in image_info(self.path(image["file"]), chain=True)]
            wanted = [os.path.realpath(path) for path in expected_files[disk][:len(found)]]
            if found != wanted or len(found) != len(expected_files[disk]):
                problems.append("%s: the backing chain of %s is %s, the manifest says %s" % (
                    top["name"], disk, found, expected_files[disk]))
        return problems

    def chain_to(self, name):
        """The points a restore of ``name`` reads, oldest (its full) first."""
        point = self.point(name)
        if point is None:
            raise VirtopsError("%s has no restore point %s (it has: %s)" % (
                self.dest, name, ", ".join(p["name"] for p in self.points) or "none"))
        chain = [point]
        while chain[0].get("parent"):
            parent = self.point(chain[0]["parent"])
            if parent is None:
                raise VirtopsError("restore point %s needs %s, which %s no longer has" % (
                    name, chain[0]["parent"], self.dest))
            chain.insert(0, parent)
        return chain

    # -- restore --------------------------------------------------------------------------------
    def restore(self, name, restore_dir, image_format):
        """Write point ``name``'s disks as standalone images ``<restore_dir>/<disk>.<format>``
        (each read through its backing chain); {disk: path}. Existing files are never
        overwritten: the caller checks ``restore_targets`` first."""
        point = self.point(name)
        written = {}
        os.makedirs(restore_dir, exist_ok=True)
        for disk, path in sorted(self.restore_targets(point, restore_dir, image_format).items()):
            self.write_image(point, disk, path, image_format)
            written[disk] = path
        return written

    def write_image(self, point, disk, path, image_format):
        """Write ``point``'s image of ``disk`` (read through its chain) to ``path`` as a standalone
        image: all of it or nothing (written beside it, then renamed)."""
        partial = path + ".partial"
        qemu_img("convert", "-q", "-O", image_format, self.path(point["disks"][disk]["file"]), partial)
        os.replace(partial, path)

    @staticmethod
    def restore_targets(point, restore_dir, image_format):
        return dict((disk, os.path.join(os.path.abspath(restore_dir), "%s.%s" % (disk, image_format)))
                    for disk in point["disks"])

    # -- retention -------------------------------------------------------------------------------
    def prune_plan(self, keep, points=None):
        """(the points beyond the newest ``keep``, the kept points whose chain starts in them: each is
        merged with its earlier points into a full image). ``points``: other than the manifest's
        (check mode adds the point it would take)."""
        points = self.points if points is None else points
        dropped = points[:max(0, len(points) - keep)]
        names = set(point["name"] for point in dropped)
        merged = [point for point in points[len(dropped):] if point.get("parent") in names]
        return dropped, merged

    def prune(self, keep):
        """Keep the newest ``keep`` points, every one of them restorable. A kept point whose parent
        goes is first merged into a full image in its own place (its later points read through
        it as before); the manifest is saved before and after the images are swapped, so an
        interruption leaves either chain restorable."""
        dropped, merged = self.prune_plan(keep)
        for point in merged:
            flat = {}
            for disk, image in point["disks"].items():
                path = self.path(image["file"])
                qemu_img("convert", "-q", "-O", "qcow2", path, path + ".merged")
                flat[disk] = path + ".merged"
                image["pending_sha256"] = file_sha256(flat[disk])
            self.save()
            for disk, image in point["disks"].items():
                os.replace(flat[disk], self.path(image["file"]))
                image["sha256"] = image.pop("pending_sha256")
                image["kind"] = FULL
                image["size"] = image_info(self.path(image["file"])).get("actual-size", image["size"])
            point["kind"], point["parent"] = FULL, None
        names = set(point["name"] for point in dropped)
        self.manifest["points"] = [point for point in self.points if point["name"] not in names]
        self.save()
        for name in sorted(names):
            shutil.rmtree(self.path(name), ignore_errors=True)
        return sorted(names), [point["name"] for point in merged]
