# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a disk's or a pool's data lives: network hosts (portals, monitors), pool volumes, and
whether a path is a file or a block device."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import stat

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import NetworkHost


def network_host(text, default_port, option):
    """A NetworkHost from 'HOST', 'HOST:PORT', an IPv6 address or '[IPv6]:PORT' (iSCSI portals,
    Ceph monitors), checked."""
    text = text.strip()
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise VirtopsError("%s: %r is not [IPv6 address] or [IPv6 address]:PORT" % (option, text))
        port = rest[1:]
        _check_ipv6(host, text, option)
    elif text.count(":") > 1:  # a bare IPv6 address carries no port; '[addr]:port' does
        host, port = text, ""
        _check_ipv6(host, text, option)
    else:
        host, _sep, port = text.partition(":")
    if not host:
        raise VirtopsError("%s: %r is not HOST, HOST:PORT or [IPv6]:PORT" % (option, text))
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise VirtopsError("%s: port of %r is not a number from 1 to 65535" % (option, text))
    return NetworkHost(name=host, port=port or default_port)


def _check_ipv6(host, text, option):
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        raise VirtopsError("%s: %r is not an IPv6 address (write [ADDRESS]:PORT for one with a port)"
                           % (option, text))


def pool_volume(conn, pool, volume, option):
    """The volume ``volume`` of pool ``pool``, or VirtopsError naming ``option`` and libvirt's reason."""
    try:
        return conn.storagePoolLookupByName(pool).storageVolLookupByName(volume)
    except libvirt.libvirtError as exc:
        raise VirtopsError("%s: volume %s in pool %s cannot be used: %s" % (option, volume, pool, error_text(exc)))


def path_kind(conn, path, is_local):
    """'block' or 'file': what the disk path ``path`` is on the host of ``conn``.

    With libvirt on this machine the path itself says. Through a remote libvirt it is the kind of
    the pool volume with that path where a pool holds it, else 'block' for a path under /dev/ (a
    device node such as /dev/disk/by-path/...-lun-1), else 'file'; so a block device asked for
    again over a remote URI is never taken for a file.
    """
    if is_local:
        return "block" if os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode) else "file"
    try:
        kind = conn.storageVolLookupByPath(path).info()[0]
    except libvirt.libvirtError:
        return "block" if path.startswith("/dev/") else "file"
    return "block" if kind == libvirt.VIR_STORAGE_VOL_BLOCK else "file"
