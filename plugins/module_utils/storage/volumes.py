# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pools and volumes as places to put bytes: an active pool, a sparse volume of a given size,
an upload through libvirt's streams (local or remote, any pool type) or, for a local file, a
copy straight into the volume's file where this process provably sees it, a copy from one host's
volume to another's, a filesystem made in one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, libvirt, lookup_or_none,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import VolumeConfig

FILESYSTEMS = ("ext4", "vfat", "swap")
STREAM_CHUNK = 1024 * 1024
STREAM_AT_HOLE = -3  # what virStreamRecvFlags returns, with STOP_AT_HOLE, where a hole starts
FILE_CHUNK = 4 * 1024 * 1024
LOCAL_COPY_CHUNK = 64 * 1024 * 1024  # between two looks at the deadline
TOKEN_BYTES = 16


def lookup_pool(conn, name):
    return lookup_or_none(conn.storagePoolLookupByName, "NO_STORAGE_POOL", name)


def lookup_volume(pool, name):
    return lookup_or_none(pool.storageVolLookupByName, "NO_STORAGE_VOL", name)


def active_pool(conn, name):
    """The pool named ``name``, or VirtopsError saying why volumes cannot go there."""
    try:
        pool = conn.storagePoolLookupByName(name)
    except libvirt.libvirtError as exc:
        raise VirtopsError("pool %s cannot be used: %s" % (name, error_text(exc)))
    if not pool.isActive():
        raise VirtopsError("pool %s is not active; start it (virtops.libvirt.pool state=active)" % name)
    return pool


def upload_target_xml(name, volume_format, size, mode=None):
    """Definition of a sparse volume of exactly ``size`` bytes, to be filled through a stream."""
    return VolumeConfig(name=name, format=volume_format, capacity=size, capacity_unit="bytes",
                        allocation=0, allocation_unit="bytes", mode=mode).to_xml()


def create_raw_volume(pool, name, size):
    """A new sparse raw volume of exactly ``size`` bytes."""
    return pool.createXML(upload_target_xml(name, "raw", size), 0)


class TransferTimedOut(Exception):
    """The deadline of an upload passed; ``sent`` bytes had gone."""

    def __init__(self, sent):
        Exception.__init__(self, sent)
        self.sent = sent


def _send_all(stream, chunk, deadline=None, sent=0):
    """Send all of ``chunk``; with a deadline, give up between two sends once it has passed.
    Returns the bytes sent in all (``sent`` before this chunk plus the chunk)."""
    while chunk:  # a blocking stream may take less than it is given
        if deadline is not None and deadline.expired():
            raise TransferTimedOut(sent)
        count = stream.send(chunk)
        chunk, sent = chunk[count:], sent + count
    return sent


def _abandon(volume, *streams):
    """After a failed transfer: abort the streams (their own errors no longer matter) and delete
    the half-written volume."""
    for stream in streams:
        try:
            stream.abort()
        except libvirt.libvirtError:
            pass
    volume.delete(0)


def upload(conn, vol, chunks, size, what, timeout=None):
    """Write ``chunks`` (bytes, ``size`` in all) into ``vol`` from offset 0 through a libvirt stream,
    within ``timeout`` seconds (None: no limit).

    Works for every pool type, local or remote. On failure or timeout the half-written volume is
    deleted and VirtopsError names what was being uploaded and how far it got.
    """
    deadline = None if timeout is None else Deadline(timeout)
    stream = conn.newStream(0)
    sent = 0
    try:
        vol.upload(stream, 0, size, 0)
        for chunk in chunks:
            sent = _send_all(stream, chunk, deadline, sent)
        stream.finish()
    except TransferTimedOut as exc:
        _abandon(vol, stream)
        raise VirtopsError("uploading %s did not finish within %d s (%d of %d bytes sent); the half-written "
                           "volume was removed" % (what, timeout, exc.sent, size))
    except libvirt.libvirtError as exc:
        _abandon(vol, stream)
        raise VirtopsError("uploading %s failed (the half-written volume was removed): %s" % (what, error_text(exc)))
    return sent


def _read_chunks(path):
    with open(path, "rb") as handle:
        yield from iter(lambda: handle.read(FILE_CHUNK), b"")


def upload_file(conn, vol, path, size, what, timeout=None):
    """Fill the new volume ``vol`` with the local file ``path`` (``size`` bytes).

    Where this process sees the very file libvirt made for the volume (a file-backed pool of a
    libvirtd on this host and in this mount namespace, writable by this user), the file's data is
    copied in the kernel and its holes stay holes, at about twice the stream's speed; anywhere
    else the bytes go through a libvirt stream. Either way, on failure or timeout the half-written
    volume is deleted and VirtopsError says why.
    """
    target = _open_volume_file(conn, vol)
    if target is None:
        return upload(conn, vol, _read_chunks(path), size, what, timeout)
    deadline = None if timeout is None else Deadline(timeout)
    try:
        with target, open(path, "rb") as source:
            copied = copy_data(source.fileno(), target.fileno(), size, deadline)
            os.fdatasync(target.fileno())
    except TransferTimedOut as exc:
        vol.delete(0)
        raise VirtopsError("copying %s did not finish within %d s (%d bytes of data copied); the half-written "
                           "volume was removed" % (what, timeout, exc.sent))
    except (IOError, OSError) as exc:
        vol.delete(0)
        raise VirtopsError("copying %s failed (the half-written volume was removed): %s" % (what, exc))
    return copied


def _open_volume_file(conn, vol):
    """A writable handle on ``vol``'s file if it is the file libvirt writes, else None.

    A path alone proves nothing: a remote libvirtd, or one in another mount namespace (a
    containerised libvirtd), may have a file of the same path that is not the one this process
    would open. So a random token goes into the volume through libvirt and must read back from
    the local file; only then is the local file written.
    """
    try:
        path = vol.path()
    except libvirt.libvirtError:
        return None
    if not os.path.isabs(path) or not os.path.isfile(path):
        return None
    try:
        handle = open(path, "r+b")
    except (IOError, OSError):
        return None  # not writable here (another user): the stream still works
    token = os.urandom(TOKEN_BYTES)
    try:
        stream = conn.newStream(0)
        vol.upload(stream, 0, TOKEN_BYTES, 0)
        _send_all(stream, token)
        stream.finish()
        if os.pread(handle.fileno(), TOKEN_BYTES, 0) == token:
            return handle
    except (libvirt.libvirtError, IOError, OSError):
        pass
    handle.close()
    return None


def _data_extents(fd, size):
    """(start, end) of each stretch of data in the first ``size`` bytes of ``fd``; the whole
    range where the filesystem cannot tell holes."""
    seek_data, seek_hole = getattr(os, "SEEK_DATA", None), getattr(os, "SEEK_HOLE", None)
    if seek_data is None:
        yield 0, size
        return
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, seek_data)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                return  # only a hole up to the end
            if exc.errno == errno.EINVAL and offset == 0:
                yield 0, size  # no hole support here
                return
            raise
        end = min(os.lseek(fd, start, seek_hole), size)
        if start >= end:
            return
        yield start, end
        offset = end


def copy_data(source_fd, target_fd, size, deadline=None):
    """Make ``target_fd`` the first ``size`` bytes of ``source_fd``: the target is cut to a hole
    of that size, then each stretch of the source's data is copied into place (copy_file_range,
    in the kernel, where it can). Returns the bytes of data copied; TransferTimedOut once the
    deadline has passed between two chunks."""
    os.ftruncate(target_fd, 0)
    os.ftruncate(target_fd, size)
    copied = 0
    for start, end in _data_extents(source_fd, size):
        offset = start
        while offset < end:
            if deadline is not None and deadline.expired():
                raise TransferTimedOut(copied)
            count = min(LOCAL_COPY_CHUNK, end - offset)
            try:
                done = os.copy_file_range(source_fd, target_fd, count, offset, offset)
            except (AttributeError, OSError):  # before Python 3.8, or across filesystems on some kernels
                done = os.pwrite(target_fd, os.pread(source_fd, min(count, FILE_CHUNK), offset), offset)
            if done == 0:
                return copied  # the source became shorter while it was copied
            offset += done
            copied += done
    return copied


def copy_volume(source_conn, source_vol, dest_conn, dest_pool, name):
    """Copy ``source_vol`` byte for byte into a new volume ``name`` of ``dest_pool`` (another host
    may hold it) through two sparse libvirt streams: holes stay holes, a qcow2 image stays the
    same qcow2 image (its backing reference included), its mode is kept. Returns the bytes of data
    sent. On failure the half-written volume is deleted and VirtopsError says why."""
    source = VolumeConfig.from_xml(source_vol.XMLDesc(0))
    dest_vol = dest_pool.createXML(upload_target_xml(name, "raw", 0, source.mode), 0)
    receive, send = source_conn.newStream(0), dest_conn.newStream(0)
    sent = 0
    try:
        source_vol.download(receive, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
        dest_vol.upload(send, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
        while True:
            chunk = receive.recvFlags(STREAM_CHUNK, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE)
            if chunk == STREAM_AT_HOLE:
                send.sendHole(receive.recvHole(0), 0)
                continue
            if not chunk:
                break
            sent += len(chunk)
            _send_all(send, chunk)
        receive.finish()
        send.finish()
    except libvirt.libvirtError as exc:
        _abandon(dest_vol, receive, send)
        raise VirtopsError("copying %s failed (the partial copy was removed): %s" % (source.path, error_text(exc)))
    dest_pool.refresh(0)  # libvirt probes the copied image's real format
    return sent


def mkfs_command(filesystem, label, path):
    """The command that makes ``filesystem`` (one of FILESYSTEMS) labelled ``label`` on ``path``."""
    if filesystem == "ext4":
        return ["mkfs.ext4", "-q", "-F"] + (["-L", label] if label else []) + [path]
    if filesystem == "vfat":
        return ["mkfs.vfat"] + (["-n", label] if label else []) + [path]
    return ["mkswap"] + (["-L", label] if label else []) + [path]
