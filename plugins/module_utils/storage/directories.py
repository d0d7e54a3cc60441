# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directories of a host as libvirt sees them: a directory pool for a path, which directories two
hosts share, an image's backing chain, and a file copied from one host to another, all through
libvirt alone (no shell on either host)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import struct
import uuid

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import copy_volume, lookup_volume
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import PoolConfig, VolumeConfig

PROBE_PREFIX = ".virtops-shared-probe-"
TRANSIENT_POOL_PREFIX = "virtops-dir-"


def _pool_for_path(conn, path):
    """The active pool whose target is ``path``, or None."""
    wanted = os.path.normpath(path)
    for pool in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
        target = PoolConfig.from_xml(pool.XMLDesc(0)).target_path
        if target and os.path.normpath(target) == wanted:
            return pool
    return None


@contextlib.contextmanager
def directory_pool(conn, path, build=False):
    """An active directory pool on ``path`` for the duration of the block.

    An existing active pool with that target is used as it is (refreshed); otherwise a transient
    pool is made for the block and destroyed after it (the directory and its files stay). Yields
    None when the directory does not exist on that host and ``build`` is false; with ``build``
    libvirt creates the directory.
    """
    pool = _pool_for_path(conn, path)
    if pool is not None:
        pool.refresh(0)
        yield pool
        return
    xml = ("<pool type='dir'><name>%s%s</name><target><path>%s</path></target></pool>"
           % (TRANSIENT_POOL_PREFIX, uuid.uuid4().hex[:12], path))
    try:
        pool = conn.storagePoolCreateXML(xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD if build else 0)
    except libvirt.libvirtError:
        if build:
            raise
        yield None
        return
    try:
        yield pool
    finally:
        pool.destroy()


@contextlib.contextmanager
def file_volume(conn, path):
    """The volume of the file ``path`` on the host of ``conn`` (None when there is no such file),
    valid for the duration of the block."""
    # contextmanager throws the block's exception in at the yield, so the pool's own block exits.
    with directory_pool(conn, os.path.dirname(path)) as pool:  # pylint: disable=contextmanager-generator-missing-cleanup
        yield None if pool is None else lookup_volume(pool, os.path.basename(path))


def file_exists(conn, path):
    """Whether ``path`` (a file) exists on the host of ``conn``."""
    with file_volume(conn, path) as volume:
        return volume is not None


def shared_directories(source, destination, directories):
    """The subset of ``directories`` that the hosts of both connections see as the same storage.

    A probe file is created in each directory through ``source`` and looked for through
    ``destination`` (as Nova does with its shared-storage test file); it is removed afterwards.
    """
    shared = set()
    for directory in sorted(set(directories)):
        with directory_pool(source, directory) as source_pool:
            if source_pool is None:
                continue
            name = PROBE_PREFIX + uuid.uuid4().hex[:12]
            probe = source_pool.createXML(
                "<volume><name>%s</name><capacity>0</capacity><target><format type='raw'/></target></volume>"
                % name, 0)
            try:
                with directory_pool(destination, directory) as destination_pool:
                    if destination_pool is not None and lookup_volume(destination_pool, name) is not None:
                        shared.add(directory)
            finally:
                probe.delete(0)
    return shared


def delete_file(conn, path):
    """Delete the file ``path`` on the host of ``conn`` through libvirt; False if it was not there."""
    with file_volume(conn, path) as volume:
        if volume is None:
            return False
        volume.delete(0)
        return True


def _chain(path, backing_of):
    """``path`` and the files it is backed by, top first; ``backing_of(path)`` names the next one
    (None ends the chain, as does a non-file backing store such as an RBD image, or a loop)."""
    chain = []
    while path and path.startswith("/") and path not in chain:
        chain.append(path)
        path = backing_of(path)
    return chain


QCOW2_MAGIC = b"QFI\xfb"


def _qcow2_backing_file(path):
    """The backing file a qcow2 image's header names (relative names resolved against the
    image's directory), or None: not qcow2, no backing file, or unreadable here."""
    try:
        with open(path, "rb") as image:
            header = image.read(20)
            if len(header) < 20 or header[:4] != QCOW2_MAGIC:
                return None
            offset, size = struct.unpack(">QI", header[8:20])
            if not offset or not 0 < size <= 1023:
                return None
            image.seek(offset)
            name = image.read(size).decode("utf-8", "replace")
    except (IOError, OSError):
        return None
    if "://" in name or name.startswith("json:"):
        return None  # a network backing store: no file here
    return os.path.normpath(os.path.join(os.path.dirname(path), name))


def local_backing_files(path):
    """The files ``path`` is backed by as this machine reads the qcow2 headers, nearest first
    (for a local libvirt: a file outside every pool has a chain too)."""
    return _chain(path, _qcow2_backing_file)[1:]


def image_keys(path, is_local):
    """Every name under which ``path`` is the same image: the path as written (normalised) and,
    when libvirt runs on this machine, the path with links resolved and the file's device and
    inode (a symbolic or hard link to an image is that image). Two images are the same when any
    key is shared; a key too many only keeps an image, never deletes one."""
    keys = set([("path", os.path.normpath(path))])
    if is_local:
        keys.add(("path", os.path.realpath(path)))
        try:
            status = os.stat(path)
        except OSError:
            return keys
        keys.add(("inode", status.st_dev, status.st_ino))
    return keys


def backing_chain(conn, path):
    """``path`` and the files it is backed by, top first, as the host of ``conn`` reads them."""
    def backing_of(current):
        with file_volume(conn, current) as volume:
            if volume is None:
                raise VirtopsError("%s is not a file on %s" % (current, conn.getHostname()))
            return VolumeConfig.from_xml(volume.XMLDesc(0)).backing_path
    return _chain(path, backing_of)


def known_backing_files(conn, path):
    """The files ``path`` is backed by as far as libvirt's active pools know them, nearest first
    (no pool is made for this: a file outside every pool ends the chain)."""
    def backing_of(current):
        try:
            return VolumeConfig.from_xml(conn.storageVolLookupByPath(current).XMLDesc(0)).backing_path
        except libvirt.libvirtError:
            return None
    return _chain(path, backing_of)[1:]


def copy_file(source_conn, dest_conn, path):
    """Copy the file ``path`` of the source host to the same path on the destination host (its
    directory made there if missing). Refuses to replace a file that exists; returns bytes sent."""
    directory, name = os.path.split(path)
    with file_volume(source_conn, path) as volume:
        if volume is None:
            raise VirtopsError("%s is not a file on %s" % (path, source_conn.getHostname()))
        with directory_pool(dest_conn, directory, build=True) as dest_pool:
            if lookup_volume(dest_pool, name) is not None:
                raise VirtopsError("%s exists on %s already; it is not replaced" % (path, dest_conn.getHostname()))
            return copy_volume(source_conn, volume, dest_conn, dest_pool, name)
