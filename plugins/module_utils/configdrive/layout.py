# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of an OpenStack ``config-2`` or a NoCloud ``cidata`` drive and their image.

The content is what cloud-init reads (its ConfigDrive and NoCloud datasources); the image is
built by fsimage (ISO 9660 + Joliet, or FAT16) with fixed timestamps, so the same parameters give
the same bytes and a re-run compares equal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage import ImageContentError
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.fat import build_fat, fat_label, read_fat
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.iso9660 import build_iso, iso_label, read_iso

DEFAULT_LABELS = {"openstack": "config-2", "nocloud": "cidata"}
OPENSTACK_DIR = "openstack/latest/"


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
