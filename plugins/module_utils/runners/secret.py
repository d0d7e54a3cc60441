# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``secret`` module (cephx keys, CHAP passwords, volume passphrases).

The value only ever travels through virSecretSetValue/GetValue: it is never put into XML,
a result, a diff or a command line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.secrets import (
    decode_value, lookup_secret,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import format_changes
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import (
    SECRET_USAGES, SecretConfig,
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


class SecretRunner(Runner):
    # Bytes given to libvirt with their length, never into its XML.
    FREE_TEXT_OPTIONS = ("value",)
    BINARY_OPTIONS = FREE_TEXT_OPTIONS

    def subject(self):
        return "secret for %s %s" % (self.params["usage"], self.params["usage_id"])

    def run(self):
        p = self.params
        self.result.update(value_changed=False, usage=p["usage"], usage_id=p["usage_id"], diff=self.diff)
        if p["usage"] == "volume" and not (p["usage_id"].startswith("/") and len(p["usage_id"]) > 1):
            raise VirtopsError("usage_id %r: a volume secret's usage_id is the absolute path of the volume it "
                               "unlocks, such as /var/lib/libvirt/images/data.luks" % p["usage_id"])
        secret = lookup_secret(self.conn, p["usage"], p["usage_id"], p["uuid"])
        if secret is not None and p["uuid"]:
            existing = SecretConfig.from_xml(secret.XMLDesc(0))
            if (existing.usage_type, existing.usage_id()) != (p["usage"], p["usage_id"]):
                raise VirtopsError("secret %s exists for usage %s %s, not %s %s; a secret's usage cannot change"
                                   % (p["uuid"], existing.usage_type, existing.usage_id(), p["usage"], p["usage_id"]))
        if p["state"] == "absent":
            if secret is not None:
                self.diff["before"] = "secret %s (%s %s)\n" % (secret.UUIDString(), p["usage"], p["usage_id"])
                self.recorder.record("undefine", secret.undefine)
            return self.result
        value = decode_value(p["value"], p["value_encoding"], p["usage"]) if p["value"] is not None else None
        created = secret is None
        if created:
            secret, created = self.recorder.record_or_adopt(
                "define", lambda: lookup_secret(self.conn, p["usage"], p["usage_id"], p["uuid"]), self._define)
        if not created:
            self._update_definition(secret)
        self._set_value(secret, value, created)
        self.result["uuid"] = secret.UUIDString() if secret is not None else p["uuid"]
        return self.result

    def _define(self):
        p = self.params
        desired = SecretConfig(ephemeral=False, private=p["private"], uuid=p["uuid"], description=p["description"])
        desired.set_usage(p["usage"], p["usage_id"])
        self.diff["after"] = "usage: %s %s\nprivate: %s\n" % (p["usage"], p["usage_id"], p["private"])
        return self.conn.secretDefineXML(desired.to_xml(), 0)

    def _update_definition(self, secret):
        live = SecretConfig.from_xml(secret.XMLDesc(0))
        desired = SecretConfig(description=self.params["description"], private=self.params["private"])
        changes = desired.changes(live)
        if not changes:
            return
        self.diff.update(format_changes(changes))
        desired.apply_to(live)
        self.recorder.record("update definition", self.conn.secretDefineXML, live.to_xml(), 0)

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
        self.result["value_changed"] = True
        self.diff["before"] += "" if created else "value: (hidden)\n"
        self.diff["after"] += "value: (hidden, changed)\n"
        # The action names no value, so neither does the error of a failed call.
        self.recorder.record("set value", lambda: secret.setValue(value, 0))
