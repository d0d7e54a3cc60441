# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt secrets (cephx keys, CHAP passwords, volume passphrases).

The value only ever travels through virSecretSetValue/GetValue: it is never put into XML,
a result, a diff or a command line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii

from ansible_collections.virtops.libvirt.plugins.module_utils.config.storage import (
    SECRET_USAGES, SecretConfig,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    VirtopsError, error_text, libvirt, lookup_or_none,
)

SECRET_ARGUMENT_SPEC = dict(
    usage=dict(type="str", required=True, choices=list(SECRET_USAGES)),
    usage_id=dict(type="str", required=True),
    uuid=dict(type="str"),
    description=dict(type="str"),
    value=dict(type="str", no_log=True),
    value_encoding=dict(type="str", default="auto", choices=["auto", "text", "base64"]),
    private=dict(type="bool", default=False),
    rewrite_private_value=dict(type="bool", default=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def _usage_constant(usage):
    return getattr(libvirt, "VIR_SECRET_USAGE_TYPE_" + usage.upper())


def lookup_secret(conn, usage, usage_id, uuid=None):
    """The secret with ``uuid``, else the one for (usage, usage_id), or None."""
    if uuid:
        return lookup_or_none(conn.secretLookupByUUIDString, "NO_SECRET", uuid)
    return lookup_or_none(conn.secretLookupByUsage, "NO_SECRET", _usage_constant(usage), usage_id)


def decode_value(value, encoding, usage):
    """The bytes libvirt stores: cephx keys are given base64-encoded, as 'ceph auth get-key' prints them."""
    if encoding == "auto":
        encoding = "base64" if usage == "ceph" else "text"
    if encoding == "text":
        return value.encode("utf-8")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VirtopsError("value is not valid base64 (value_encoding=%s%s); give the key as "
                           "'ceph auth get-key' prints it, or set value_encoding=text"
                           % (encoding, " for usage=ceph" if usage == "ceph" else ""))


class SecretManager:
    def __init__(self, conn, params, check_mode):
        self.conn = conn
        self.params = params
        self.check_mode = check_mode
        self.result = dict(changed=False, value_changed=False, usage=params["usage"], usage_id=params["usage_id"])
        self.diff = dict(before="", after="")

    def run(self):
        p = self.params
        secret = lookup_secret(self.conn, p["usage"], p["usage_id"], p["uuid"])
        if secret is not None and p["uuid"]:
            existing = SecretConfig.from_xml(secret.XMLDesc(0))
            if (existing.usage_type, existing.usage_id()) != (p["usage"], p["usage_id"]):
                raise VirtopsError("secret %s exists for usage %s %s, not %s %s; a secret's usage cannot change"
                                   % (p["uuid"], existing.usage_type, existing.usage_id(), p["usage"], p["usage_id"]))
        if p["state"] == "absent":
            if secret is not None:
                self.result["changed"] = True
                self.diff["before"] = "secret %s (%s %s)\n" % (secret.UUIDString(), p["usage"], p["usage_id"])
                if not self.check_mode:
                    secret.undefine()
            self.result["diff"] = self.diff
            return self.result
        value = decode_value(p["value"], p["value_encoding"], p["usage"]) if p["value"] is not None else None
        created = secret is None
        if created:
            secret = self._define()
        else:
            self._update_definition(secret)
        self._set_value(secret, value, created)
        self.result["diff"] = self.diff
        self.result["uuid"] = secret.UUIDString() if secret is not None else p["uuid"]
        return self.result

    def _desired(self):
        p = self.params
        config = SecretConfig(ephemeral=False, private=p["private"], uuid=p["uuid"], description=p["description"])
        config.set_usage(p["usage"], p["usage_id"])
        return config

    def _define(self):
        self.result["changed"] = True
        desired = self._desired()
        self.diff["after"] = "usage: %s %s\nprivate: %s\n" % (self.params["usage"], self.params["usage_id"],
                                                              self.params["private"])
        if self.check_mode:
            return None
        try:
            return self.conn.secretDefineXML(desired.to_xml(), 0)
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt refused the secret for %s %s: %s"
                               % (self.params["usage"], self.params["usage_id"], error_text(exc)))

    def _update_definition(self, secret):
        live = SecretConfig.from_xml(secret.XMLDesc(0))
        desired = SecretConfig(description=self.params["description"], private=self.params["private"])
        changes = desired.changes(live)
        if not changes:
            return
        self.result["changed"] = True
        for path, old, new in changes:
            self.diff["before"] += "%s: %s\n" % (path, old)
            self.diff["after"] += "%s: %s\n" % (path, new)
        desired.apply_to(live)
        if not self.check_mode:
            self.conn.secretDefineXML(live.to_xml(), 0)

    def _set_value(self, secret, value, created):
        if value is None:
            return
        if not created and self.params["private"] and not self.params["rewrite_private_value"]:
            return  # a private value cannot be read back to compare; it was set at creation
        if not created and not self.params["private"]:
            try:
                if secret.value(0) == value:
                    return
            except libvirt.libvirtError:
                pass  # no value stored yet (or, in check mode, still private): it will be set
        self.result.update(changed=True, value_changed=True)
        self.diff["before"] += "" if created else "value: (hidden)\n"
        self.diff["after"] += "value: (hidden, changed)\n"
        if not self.check_mode:
            secret.setValue(value, 0)
