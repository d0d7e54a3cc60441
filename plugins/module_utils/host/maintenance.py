# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hypervisor's maintenance mark, kept by its own libvirt so that every controller sees it.

libvirt has no host-wide metadata, so the mark is a persistent libvirt secret without a value:
usage ``volume`` with the fixed usage id ``virtops-libvirt/maintenance`` (an id no volume path
has), its description the mark as JSON (reason, since, by). It survives daemon restarts and host
reboots (libvirt keeps it under /etc/libvirt/secrets), is read through any connection (no shell
on the host), and holds nothing secret. The planner gives a marked host nothing; the inventory
plugin groups the instances of marked hosts under ``maintenance``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_error, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import SecretConfig

MAINTENANCE_USAGE_ID = "virtops-libvirt/maintenance"


def _secret(conn, required=False):
    """The mark's secret, or None. A driver without secrets (the test driver) has no mark; marking
    a host through one (``required``) is refused."""
    try:
        return conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_VOLUME, MAINTENANCE_USAGE_ID)
    except libvirt.libvirtError as exc:
        if is_error(exc, "NO_SECRET"):
            return None
        if is_error(exc, "NO_SUPPORT"):
            if required:
                raise VirtopsError("%s keeps no secrets (libvirt driver %s), so it cannot hold a maintenance "
                                   "mark" % (conn.getURI(), conn.getType()))
            return None
        raise


def read_mark(conn, required=False):
    """The host's maintenance mark ({reason, since, by}) or None when it is not in maintenance."""
    secret = _secret(conn, required)
    if secret is None:
        return None
    description = SecretConfig.from_xml(secret.XMLDesc(0)).description or ""
    try:
        mark = json.loads(description)
    except ValueError:
        mark = None
    if not isinstance(mark, dict):  # written by hand: still a mark, its text the reason
        mark = dict(reason=description, since=None, by=None)
    return dict(reason=mark.get("reason"), since=mark.get("since"), by=mark.get("by"))


def mark_xml(reason, since=None, by=None, uuid=None):
    """The secret's document for a mark (``since`` now and ``by`` this machine unless given; a
    redefinition passes the secret's ``uuid``, which libvirt requires it to keep)."""
    config = SecretConfig(ephemeral=False, private=True, uuid=uuid, description=json.dumps(dict(
        reason=reason or "", since=since or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        by=by or socket.gethostname()), sort_keys=True))
    config.set_usage("volume", MAINTENANCE_USAGE_ID)
    return config.to_xml()


def set_mark(conn, reason, since=None):
    """Mark the host (or change its reason, keeping ``since``)."""
    secret = _secret(conn, required=True)
    conn.secretDefineXML(mark_xml(reason, since, uuid=secret.UUIDString() if secret is not None else None), 0)


def clear_mark(conn):
    secret = _secret(conn)
    if secret is not None:
        secret.undefine()
