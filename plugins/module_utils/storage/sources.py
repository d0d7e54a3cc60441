# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a disk's or a pool's data lives: network hosts (portals, monitors) and pool volumes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import NetworkHost


def network_host(text, default_port, option):
    """A NetworkHost from 'HOST' or 'HOST:PORT' (iSCSI portals, Ceph monitors), checked."""
    host, _sep, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise VirtopsError("%s: %r is not HOST or HOST:PORT" % (option, text))
    if port and not port.isdigit():
        raise VirtopsError("%s: port of %r is not a number" % (option, text))
    return NetworkHost(name=host, port=port or default_port)


def pool_volume(conn, pool, volume, option):
    """The volume ``volume`` of pool ``pool``, or VirtopsError naming ``option`` and libvirt's reason."""
    try:
        return conn.storagePoolLookupByName(pool).storageVolLookupByName(volume)
    except libvirt.libvirtError as exc:
        raise VirtopsError("%s: volume %s in pool %s cannot be used: %s" % (option, volume, pool, error_text(exc)))
