# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage XML: <secret>, <pool> and <volume>."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    ChildList, ConfigObject, Field,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import NetworkHost

SECRET_USAGES = ("ceph", "iscsi", "volume")
# The element inside <usage> that names what a secret is for, per usage type.
SECRET_USAGE_ELEMENT = {"ceph": "name", "iscsi": "target", "volume": "volume"}


class SecretConfig(ConfigObject):
    """<secret ephemeral='no' private='no'><uuid/><description/><usage type=...>...</usage>"""

    TAG = "secret"
    FIELDS = (
        Field("ephemeral", attr="ephemeral", kind="yesno"),
        Field("private", attr="private", kind="yesno"),
        Field("uuid", path="uuid"),
        Field("description", path="description"),
        Field("usage_type", path="usage", attr="type", label="usage"),
        Field("usage_name", path="usage/name", label="usage_id"),
        Field("usage_target", path="usage/target", label="usage_id"),
        Field("usage_volume", path="usage/volume", label="usage_id"),
    )

    def usage_id(self):
        return self.usage_name or self.usage_target or self.usage_volume

    def set_usage(self, usage_type, usage_id):
        self.usage_type = usage_type
        setattr(self, "usage_" + SECRET_USAGE_ELEMENT[usage_type], usage_id)


class PoolConfig(ConfigObject):
    """<pool type='dir|logical|rbd|iscsi-direct|netfs'> with its <source> and <target>."""

    TAG = "pool"
    FIELDS = (
        Field("type", attr="type"),
        Field("name", path="name"),
        Field("uuid", path="uuid"),
        ChildList("source_hosts", "source/host", NetworkHost, label="source.hosts", authoritative=True),
        Field("source_device", path="source/device", attr="path", label="source.device"),
        Field("source_dir", path="source/dir", attr="path", label="source.dir"),
        Field("source_name", path="source/name", label="source.name"),
        Field("source_format", path="source/format", attr="type", label="source.format"),
        Field("initiator_iqn", path="source/initiator/iqn", attr="name", label="source.initiator"),
        Field("auth_type", path="source/auth", attr="type", label="source.auth.type"),
        Field("auth_username", path="source/auth", attr="username", label="source.auth.username"),
        Field("auth_secret_uuid", path="source/auth/secret", attr="uuid", label="source.auth.secret_uuid"),
        Field("auth_secret_usage", path="source/auth/secret", attr="usage", label="source.auth.secret_usage"),
        Field("target_path", path="target/path", label="target.path"),
        Field("target_mode", path="target/permissions/mode", label="target.mode"),
    )


class VolumeConfig(ConfigObject):
    """<volume> with capacity, allocation, format and an optional backing store."""

    TAG = "volume"
    FIELDS = (
        Field("type", attr="type"),
        Field("name", path="name"),
        Field("key", path="key"),
        Field("capacity", path="capacity", kind="int"),
        Field("capacity_unit", path="capacity", attr="unit"),
        Field("allocation", path="allocation", kind="int"),
        Field("allocation_unit", path="allocation", attr="unit"),
        Field("path", path="target/path"),
        Field("format", path="target/format", attr="type"),
        Field("compat", path="target/compat"),  # qcow2 version: 0.10 (v2) or 1.1 (v3)
        Field("lazy_refcounts", path="target/features/lazy_refcounts", kind="flag"),
        Field("mode", path="target/permissions/mode"),
        Field("backing_path", path="backingStore/path", label="backing_store.path"),
        Field("backing_format", path="backingStore/format", attr="type", label="backing_store.format"),
    )
