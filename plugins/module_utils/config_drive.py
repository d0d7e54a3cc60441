# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config drives: the files of an OpenStack ``config-2`` or a NoCloud ``cidata`` drive, their image, where it goes.

The content is what cloud-init reads (its ConfigDrive and NoCloud datasources); the image is
built by fsimage (ISO 9660 + Joliet, or FAT16) with fixed timestamps, so the same parameters give
the same bytes and a re-run compares equal. An existing file or volume is replaced only when it
already holds an ISO 9660 or FAT image (or is empty), unless ``force`` is set: a typo in ``path``
must not overwrite somebody's disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    VirtopsError, error_text, libvirt, lookup_or_none,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.fsimage import ImageContentError
from ansible_collections.virtops.libvirt.plugins.module_utils.fsimage.fat import build_fat, fat_label, read_fat
from ansible_collections.virtops.libvirt.plugins.module_utils.fsimage.iso9660 import build_iso, iso_label, read_iso
from ansible_collections.virtops.libvirt.plugins.module_utils.volume_service import active_pool, create_raw_volume, upload

CONFIG_DRIVE_ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    pool=dict(type="str"),
    volume=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    type=dict(type="str", default="openstack", choices=["openstack", "nocloud"]),
    filesystem=dict(type="str", default="iso9660", choices=["iso9660", "vfat"]),
    label=dict(type="str"),
    instance_id=dict(type="str"),
    hostname=dict(type="str"),
    public_keys=dict(type="dict"),
    meta_data=dict(type="dict", default={}),
    user_data=dict(type="str", no_log=True),  # cloud-config often carries passwords
    network_data=dict(type="dict"),
    vendor_data=dict(type="raw"),
    files=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="str", required=True),
        content=dict(type="str", required=True, no_log=True),
    )),
    force=dict(type="bool", default=False),
)
CONFIG_DRIVE_ARGUMENT_RULES = dict(
    mutually_exclusive=[("path", "pool"), ("path", "volume")],
    required_one_of=[("path", "volume")],
    required_together=[("pool", "volume")],
    required_if=[("state", "present", ("instance_id",))],
)
DEFAULT_LABELS = {"openstack": "config-2", "nocloud": "cidata"}
OPENSTACK_DIR = "openstack/latest/"
HEAD_SIZE = 64 * 1024                 # enough to hold both kinds of volume label


def _json(value):
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def drive_files(params):
    """{path: bytes} of the drive, laid out as cloud-init's datasource for ``type`` reads it."""
    p = params
    if p["type"] == "openstack":
        meta = {"uuid": p["instance_id"]}
        if p["hostname"]:
            meta.update(hostname=p["hostname"], name=p["hostname"])
        if p["public_keys"]:
            meta["public_keys"] = p["public_keys"]
        files = {}
        if p["files"]:
            meta["files"] = []
            for index, item in enumerate(p["files"]):
                content_path = "content/%04d" % index
                files["openstack/" + content_path] = item["content"].encode("utf-8")
                meta["files"].append({"path": item["path"], "content_path": "/" + content_path})
        meta.update(p["meta_data"])
        files[OPENSTACK_DIR + "meta_data.json"] = _json(meta)
        if p["user_data"] is not None:
            files[OPENSTACK_DIR + "user_data"] = p["user_data"].encode("utf-8")
        if p["network_data"] is not None:
            files[OPENSTACK_DIR + "network_data.json"] = _json(p["network_data"])
        if p["vendor_data"] is not None:
            files[OPENSTACK_DIR + "vendor_data.json"] = _json(p["vendor_data"])
        return files
    if p["files"]:
        raise VirtopsError("files are an OpenStack config drive feature (type=openstack); "
                           "a NoCloud drive carries files in user_data (cloud-config write_files)")
    meta = {"instance-id": p["instance_id"]}
    if p["hostname"]:
        meta["local-hostname"] = p["hostname"]
    if p["public_keys"]:
        meta["public-keys"] = [p["public_keys"][name] for name in sorted(p["public_keys"])]
    meta.update(p["meta_data"])
    # NoCloud reads YAML; JSON is valid YAML and keeps the output deterministic.
    files = {"meta-data": _json(meta), "user-data": (p["user_data"] or "").encode("utf-8")}
    if p["network_data"] is not None:
        files["network-config"] = _json(p["network_data"])
    if p["vendor_data"] is not None:
        vendor = p["vendor_data"]
        files["vendor-data"] = (vendor if isinstance(vendor, str) else "#cloud-config\n" + _json(vendor).decode("utf-8")).encode("utf-8")
    return files


def build_image(params):
    """(label, files, image bytes) for the parameters."""
    label = params["label"] or DEFAULT_LABELS[params["type"]]
    files = drive_files(params)
    try:
        if params["filesystem"] == "vfat":
            return label, files, build_fat(files, label)
        return label, files, build_iso(files, label)
    except ImageContentError as exc:
        raise VirtopsError("the config drive cannot be built: %s" % exc)


def describe(label, filesystem, files):
    """A readable summary for --diff: label and every file with its size and digest, never the content."""
    lines = ["filesystem: %s" % filesystem, "label: %s" % label, "files:"]
    for path in sorted(files):
        lines.append("  %s  %d bytes  sha256:%s" % (path, len(files[path]), hashlib.sha256(files[path]).hexdigest()[:16]))
    return "\n".join(lines) + "\n"


def describe_existing(data):
    """The --diff "before" of what the destination holds (None: nothing there)."""
    if data is None:
        return ""
    if not data:
        return "empty\n"
    for filesystem, reader in (("iso9660", read_iso), ("vfat", read_fat)):
        parsed = reader(data)
        if parsed is not None:
            return describe(parsed[0], filesystem, parsed[1])
    return "data that is not a config drive image\n"


def is_drive_image(head, label):
    """True for data that may be replaced without force: empty, or a config drive image.

    A config drive is an ISO 9660 or FAT16 image labelled like one (config-2, cidata, either in
    upper case) or with the label asked for; an installer ISO or a data disk is not.
    """
    if not head:
        return True
    found = iso_label(head)
    found = fat_label(head) if found is None else found
    return found in drive_labels(label)


def drive_labels(label):
    """The labels that mark an image as a config drive: cloud-init's (either case) and the one asked for."""
    labels = set(DEFAULT_LABELS.values()) | set(name.upper() for name in DEFAULT_LABELS.values())
    return labels | set([label]) if label else labels


class FileDestination:
    """The image as a file on the hypervisor, replaced atomically (a running guest keeps the old one open)."""

    def __init__(self, module, path):
        self.module = module
        self.path = path
        self.name = path

    def head(self):
        if not os.path.lexists(self.path):
            return None
        if not os.path.isfile(self.path):
            raise VirtopsError("path %s exists and is not a regular file; config drives are written to files "
                               "(or to a volume with pool and volume)" % self.path)
        with open(self.path, "rb") as handle:
            return handle.read(HEAD_SIZE)

    def read(self):
        with open(self.path, "rb") as handle:
            return handle.read()

    def write(self, data):
        directory = os.path.dirname(self.path) or "."
        if not os.path.isdir(directory):
            raise VirtopsError("the directory of path %s does not exist" % self.path)
        temporary = os.path.join(directory, ".%s.virtops-tmp" % os.path.basename(self.path))
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except (IOError, OSError) as exc:
            raise VirtopsError("cannot write %s: %s" % (temporary, exc))
        self.module.atomic_move(temporary, self.path)

    def delete(self):
        os.unlink(self.path)

    def summary(self):
        return dict(path=self.path)


class VolumeDestination:
    """The image as a raw volume of a libvirt pool (any pool type: the bytes go through libvirt's streams)."""

    def __init__(self, conn, pool_name, volume_name):
        self.conn = conn
        self.name = "%s/%s" % (pool_name, volume_name)
        self.volume_name = volume_name
        self.pool = active_pool(conn, pool_name)
        self.vol = lookup_or_none(self.pool.storageVolLookupByName, "NO_STORAGE_VOL", volume_name)

    def _download(self, size):
        stream = self.conn.newStream(0)
        self.vol.download(stream, 0, size, 0)
        chunks = []

        def sink(_stream, data, _opaque):
            chunks.append(data)
            return len(data)

        stream.recvAll(sink, None)
        stream.finish()
        return b"".join(chunks)[:size]

    def head(self):
        if self.vol is None:
            return None
        capacity = self.vol.info()[1]
        return self._download(min(capacity, HEAD_SIZE)) if capacity else b""

    def read(self):
        return self._download(self.vol.info()[1])

    def write(self, data):
        try:
            if self.vol is not None and self.vol.info()[1] != len(data):
                self.vol.delete(0)  # a config drive image (checked before): rebuilt at its new size
                self.vol = None
            if self.vol is None:
                self.vol = create_raw_volume(self.pool, self.volume_name, len(data))
        except libvirt.libvirtError as exc:
            raise VirtopsError("making volume %s for the config drive failed: %s" % (self.name, error_text(exc)))
        upload(self.conn, self.vol, [data], len(data), "the config drive into %s" % self.name)

    def delete(self):
        self.vol.delete(0)
        self.vol = None

    def summary(self):
        return dict(pool=self.pool.name(), volume=self.volume_name,
                    path=self.vol.path() if self.vol is not None else None)


class ConfigDriveManager:
    def __init__(self, module, conn):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        p = self.params
        self.destination = (VolumeDestination(conn, p["pool"], p["volume"]) if p["volume"]
                            else FileDestination(module, p["path"]))

    def run(self):
        p = self.params
        destination = self.destination
        head = destination.head()
        replaceable = head is not None and is_drive_image(head, p["label"])
        existing = None if head is None else (destination.read() if replaceable else head)
        if head is not None and not replaceable and not p["force"]:
            raise VirtopsError("%s holds data that is not a config drive image (no ISO 9660 or FAT16 filesystem "
                               "labelled %s); it is left alone - choose another path or set force=true to %s it"
                               % (destination.name, ", ".join(sorted(drive_labels(p["label"]))),
                                  "replace" if p["state"] == "present" else "delete"))
        if p["state"] == "absent":
            if existing is not None and not self.check_mode:
                destination.delete()
            result = dict(changed=existing is not None, diff=dict(before=describe_existing(existing), after=""))
            result.update(destination.summary())
            return result
        label, files, image = build_image(p)
        after = describe(label, p["filesystem"], files)
        changed = existing != image
        if changed and not self.check_mode:
            destination.write(image)
        result = dict(changed=changed, label=label, filesystem=p["filesystem"], size=len(image),
                      sha256=hashlib.sha256(image).hexdigest(), files=sorted(files),
                      # an unchanged image needs no reading back: it is what was just described
                      diff=dict(before=describe_existing(existing) if changed else after, after=after))
        result.update(destination.summary())
        if not self.check_mode and p["path"]:
            result["changed"] = self.module.set_fs_attributes_if_different(
                self.module.load_file_common_arguments(self.params), result["changed"])
        return result
