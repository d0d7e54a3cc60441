# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``config_drive`` module: build the drive, compare, write or delete it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_timeout
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.destinations import (
    FileDestination, VolumeDestination, check_file_attributes,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.layout import (
    build_image, describe, describe_existing, drive_labels, is_drive_image,
)

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
    vendor_data=dict(type="raw", no_log=True),  # may carry credentials as user_data does
    files=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="str", required=True),
        content=dict(type="str", required=True, no_log=True),
    )),
    force=dict(type="bool", default=False),
    timeout=dict(type="int", default=300),
)
CONFIG_DRIVE_ARGUMENT_RULES = dict(
    mutually_exclusive=[("path", "pool"), ("path", "volume")],
    required_one_of=[("path", "volume")],
    required_together=[("pool", "volume")],
    required_if=[("state", "present", ("instance_id",))],
)


class ConfigDriveRunner(Runner):
    """One ``config_drive`` run; talks to libvirt only for a volume destination."""

    # Written into the drive's files, never into libvirt's XML.
    FREE_TEXT_OPTIONS = ("user_data", "vendor_data", "network_data", "meta_data", "public_keys", "files.content")
    BINARY_OPTIONS = FREE_TEXT_OPTIONS

    MODULE_OPTIONS = dict(add_file_common_args=True, **CONFIG_DRIVE_ARGUMENT_RULES)

    @staticmethod
    def needs_connection(params):
        return bool(params["volume"])

    def subject(self):
        p = self.params
        return "config drive %s" % (p["path"] or "%s/%s" % (p["pool"], p["volume"]))

    def run(self):
        p = self.params
        check_timeout(p["timeout"], "timeout", "the upload into a volume")
        if p["path"]:
            check_file_attributes(p["mode"], p["owner"], p["group"])
        destination = (VolumeDestination(self.conn, p["pool"], p["volume"], p["timeout"]) if p["volume"]
                       else FileDestination(self.module, p["path"]))
        head = destination.head()
        replaceable = head is not None and is_drive_image(head, p["label"])
        existing = None if head is None else (destination.read() if replaceable else head)
        if head is not None and not replaceable and not p["force"]:
            raise VirtopsError("%s holds data that is not a config drive image (no ISO 9660 or FAT16 filesystem "
                               "labelled %s); it is left alone - choose another path or set force=true to %s it"
                               % (destination.name, ", ".join(sorted(drive_labels(p["label"]))),
                                  "replace" if p["state"] == "present" else "delete"))
        if p["state"] == "absent":
            if existing is not None:
                self.recorder.record("delete", destination.delete)
            self.diff["before"] = describe_existing(existing)
            self.result.update(destination.summary())
            self.result["diff"] = self.diff
            return self.result
        label, files, image = build_image(p)
        after = describe(label, p["filesystem"], files)
        if existing != image:
            self.recorder.record("write" if existing is None else "replace", destination.write, image)
            # only a changed image is read back for the "before"; an unchanged one is what was described
            self.diff.update(before=describe_existing(existing), after=after)
        else:
            self.diff.update(before=after, after=after)
        self.result.update(label=label, filesystem=p["filesystem"], size=len(image),
                           sha256=hashlib.sha256(image).hexdigest(), files=sorted(files), diff=self.diff)
        self.result.update(destination.summary())
        if p["path"] and not self.check_mode:
            self.result["changed"] = self.module.set_fs_attributes_if_different(
                self.module.load_file_common_arguments(self.params), self.result["changed"])
        return self.result
