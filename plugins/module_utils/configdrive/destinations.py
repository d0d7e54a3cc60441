# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a config drive image goes: a file (replaced atomically) or a pool volume (libvirt streams).

An existing file or volume is replaced only when it already holds a config drive image (or is
empty), unless ``force`` is set: a typo in ``path`` must not overwrite somebody's disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import (
    active_pool, create_raw_volume, lookup_volume, upload,
)

HEAD_SIZE = 64 * 1024                 # enough to hold both kinds of volume label


OCTAL_MODE = re.compile(r"^(0o?)?[0-7]{1,4}$")
SYMBOLIC_MODE_PART = re.compile(r"^[ugoa]*[-+=]([rwxXst-]*|[ugo])$")


def check_file_attributes(mode, owner, group):
    """Refuse a mode, owner or group Ansible would refuse only after the image was written (so
    that a bad one fails with nothing written)."""
    if mode is not None and not isinstance(mode, int):
        text = str(mode)
        if not (OCTAL_MODE.match(text) or all(SYMBOLIC_MODE_PART.match(part) for part in text.split(","))):
            raise VirtopsError("mode %r is neither an octal mode such as '0640' nor a symbolic one such as "
                               "'u=rw,g=r'" % text)
    for value, lookup, what in ((owner, pwd.getpwnam, "user"), (group, grp.getgrnam, "group")):
        if value is None or str(value).isdigit():
            continue
        try:
            lookup(value)
        except KeyError:
            raise VirtopsError("%s %r does not exist on this host; nothing was written" % (what, value))


class FileDestination:
    """The image as a file on the hypervisor, replaced atomically (a running guest keeps the old one open)."""

    # A new image file is readable by its owner only (user data often carries passwords),
    # unless the user gives a mode (applied afterwards with the other file attributes).
    NEW_FILE_MODE = 0o600

    def __init__(self, module, path):
        if not os.path.isabs(path):
            raise VirtopsError("path %s is relative; give the image's absolute path on the hypervisor" % path)
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
        created = not os.path.lexists(self.path)
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.NEW_FILE_MODE)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except (IOError, OSError) as exc:
            if os.path.lexists(temporary):
                os.unlink(temporary)
            raise VirtopsError("cannot write %s: %s" % (temporary, exc))
        self.module.atomic_move(temporary, self.path)  # a replaced file keeps its mode and owner
        if created:
            os.chmod(self.path, self.NEW_FILE_MODE)  # atomic_move gives new files 0666 & ~umask

    def delete(self):
        os.unlink(self.path)

    def summary(self):
        return dict(path=self.path)


class VolumeDestination:
    """The image as a raw volume of a libvirt pool (any pool type: the bytes go through libvirt's streams)."""

    def __init__(self, conn, pool_name, volume_name, timeout=None):
        self.conn = conn
        self.timeout = timeout  # seconds the upload of the image may take
        self.name = "%s/%s" % (pool_name, volume_name)
        self.volume_name = volume_name
        self.pool = active_pool(conn, pool_name)
        self.vol = lookup_volume(self.pool, volume_name)

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
        upload(self.conn, self.vol, [data], len(data), "the config drive into %s" % self.name, self.timeout)

    def delete(self):
        self.vol.delete(0)
        self.vol = None

    def summary(self):
        return dict(pool=self.pool.name(), volume=self.volume_name,
                    path=self.vol.path() if self.vol is not None else None)
