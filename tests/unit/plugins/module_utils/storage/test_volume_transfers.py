# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filling a volume from a local file: the kernel copy keeps holes and stops at its deadline, and a
local file that libvirt does not prove to be the volume's own is never written."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import libvirt
import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import (
    TransferTimedOut, copy_data, upload_file,
)

MIB = 1024 * 1024


def _sparse_file(path, size, pieces):
    with open(path, "wb") as handle:
        handle.truncate(size)
        for offset, data in pieces:
            handle.seek(offset)
            handle.write(data)


def _allocated(path):
    return os.stat(path).st_blocks * 512


def test_copy_data_gives_the_same_bytes_and_keeps_the_holes(tmp_path):
    source, target = str(tmp_path / "source"), str(tmp_path / "target")
    _sparse_file(source, 256 * MIB, [(0, b"head"), (100 * MIB, b"x" * MIB), (256 * MIB - 4, b"tail")])
    _sparse_file(target, 512 * MIB, [(0, b"old header that must go"), (300 * MIB, b"old data")])
    with open(source, "rb") as src, open(target, "r+b") as dst:
        copied = copy_data(src.fileno(), dst.fileno(), 256 * MIB)
    assert os.path.getsize(target) == 256 * MIB
    with open(source, "rb") as one, open(target, "rb") as other:
        assert one.read() == other.read()
    assert MIB <= copied < 16 * MIB  # the data stretches, not the 256 MiB
    assert _allocated(target) < 16 * MIB


def test_copy_data_of_a_file_that_is_one_hole(tmp_path):
    source, target = str(tmp_path / "source"), str(tmp_path / "target")
    _sparse_file(source, 64 * MIB, [])
    _sparse_file(target, 0, [(0, b"libvirt's qcow2 header")])
    with open(source, "rb") as src, open(target, "r+b") as dst:
        assert copy_data(src.fileno(), dst.fileno(), 64 * MIB) == 0
    assert os.path.getsize(target) == 64 * MIB
    with open(target, "rb") as handle:
        assert handle.read(64) == b"\0" * 64


def test_copy_data_stops_once_its_deadline_has_passed(tmp_path):
    source, target = str(tmp_path / "source"), str(tmp_path / "target")
    _sparse_file(source, 8 * MIB, [(0, b"y" * 8 * MIB)])
    _sparse_file(target, 0, [])
    with open(source, "rb") as src, open(target, "r+b") as dst:
        with pytest.raises(TransferTimedOut) as raised:
            copy_data(src.fileno(), dst.fileno(), 8 * MIB, Deadline(0))
    assert raised.value.sent == 0


def test_a_local_file_at_the_volumes_path_is_not_written_unless_libvirt_proves_it_is_the_volume(tmp_path):
    """test:///default names a path under the pool's directory but keeps no file there (and has no
    upload): the same-named local file here is somebody else's and must stay as it is."""
    conn = libvirt.open("test:///default")
    pool = conn.storagePoolCreateXML("<pool type='dir'><name>virtops-unit-transfers</name><target><path>%s</path>"
                                     "</target></pool>" % tmp_path, 0)
    try:
        vol = pool.createXML("<volume><name>image.raw</name><capacity>4096</capacity></volume>", 0)
        bystander = vol.path()
        _sparse_file(bystander, 4096, [(0, b"not libvirt's file")])
        source = str(tmp_path / "source.raw")
        _sparse_file(source, 4096, [(0, b"new image")])
        with pytest.raises(VirtopsError, match="uploading source.raw into the pool failed .the half-written volume was removed."):
            upload_file(conn, vol, source, 4096, "source.raw into the pool")
        with open(bystander, "rb") as handle:
            assert handle.read(18) == b"not libvirt's file"
        assert "image.raw" not in pool.listVolumes()
    finally:
        pool.destroy()
