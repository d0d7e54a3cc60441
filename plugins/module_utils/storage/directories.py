# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directories of a host as libvirt sees them: a directory pool for a path, and which
directories two hosts share, found through libvirt alone (no shell on either host)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import uuid

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import lookup_volume
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import PoolConfig

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


def file_exists(conn, path):
    """Whether ``path`` (a file) exists on the host of ``conn``."""
    with directory_pool(conn, os.path.dirname(path)) as pool:
        return pool is not None and lookup_volume(pool, os.path.basename(path)) is not None


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
    with directory_pool(conn, os.path.dirname(path)) as pool:
        volume = None if pool is None else lookup_volume(pool, os.path.basename(path))
        if volume is None:
            return False
        volume.delete(0)
        return True
