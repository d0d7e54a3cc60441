# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt secrets (cephx keys, CHAP passwords): finding them and the bytes a value stands for."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt, lookup_or_none


def _usage_constant(usage):
    return getattr(libvirt, "VIR_SECRET_USAGE_TYPE_" + usage.upper())


def lookup_secret(conn, usage, usage_id, uuid=None):
    """The secret with ``uuid``, else the one for (usage, usage_id), or None."""
    if uuid:
        return lookup_or_none(conn.secretLookupByUUIDString, "NO_SECRET", uuid)
    return lookup_or_none(conn.secretLookupByUsage, "NO_SECRET", _usage_constant(usage), usage_id)


def require_secret(conn, usage, usage_id, uuid, option):
    """Like lookup_secret, but a missing secret is an error naming ``option`` and how to create it."""
    try:
        found = lookup_secret(conn, usage, usage_id, uuid)
    except libvirt.libvirtError as exc:  # a driver without secrets (test:///default), a lost connection
        raise VirtopsError("%s: libvirt cannot look up secret %s for usage %s: %s"
                           % (option, uuid or repr(usage_id), usage, error_text(exc)))
    if found is None:
        raise VirtopsError("%s: no libvirt secret %s for usage %s; create it with virtops.libvirt.secret"
                           % (option, uuid or repr(usage_id), usage))


# The largest value libvirt's remote protocol carries (REMOTE_SECRET_VALUE_MAX).
MAX_VALUE_BYTES = 65536


def decode_value(value, encoding, usage):
    """The bytes libvirt stores: cephx keys are given base64-encoded, as 'ceph auth get-key' prints
    them. Refuses what libvirt would refuse only after the secret was defined (empty, too long)."""
    if encoding == "auto":
        encoding = "base64" if usage == "ceph" else "text"
    if encoding == "text":
        data = value.encode("utf-8")
    else:
        try:
            data = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise VirtopsError("value is not valid base64 (value_encoding=%s%s); give the key as "
                               "'ceph auth get-key' prints it, or set value_encoding=text"
                               % (encoding, " for usage=ceph" if usage == "ceph" else ""))
    if not data:
        raise VirtopsError("value is empty: a libvirt secret holds at least one byte; leave value out "
                           "to define the secret without one")
    if len(data) > MAX_VALUE_BYTES:
        raise VirtopsError("value is %d bytes; libvirt carries at most %d" % (len(data), MAX_VALUE_BYTES))
    return data
