# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``pool`` module: define, build, start, autostart, refresh, update in place, remove."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt, still_active
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.secrets import require_secret
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.sources import (
    check_ceph_name, check_iscsi_name, network_host,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import lookup_pool
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import format_changes
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import PoolConfig

POOL_TYPES = ("dir", "logical", "rbd", "iscsi", "iscsi-direct", "netfs")
POOL_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    type=dict(type="str", choices=list(POOL_TYPES)),
    state=dict(type="str", default="active", choices=["active", "inactive", "absent"]),
    target_path=dict(type="path"),
    hosts=dict(type="list", elements="str"),
    source_path=dict(type="str"),
    source_name=dict(type="str"),
    source_format=dict(type="str"),
    initiator_iqn=dict(type="str"),
    auth_username=dict(type="str"),
    auth_secret_usage=dict(type="str", no_log=False),  # names a secret, is none
    auth_secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
    build=dict(type="bool", default=False),
    autostart=dict(type="bool"),
    refresh=dict(type="bool", default=False),
    delete_storage=dict(type="bool", default=False),
)
# Where each type keeps its source: which options it needs.
REQUIRED = {
    "dir": ("target_path",),
    "logical": ("source_name",),
    "rbd": ("hosts", "source_name"),
    "iscsi": ("hosts", "source_path"),
    "iscsi-direct": ("hosts", "source_path", "initiator_iqn"),
    "netfs": ("hosts", "source_path", "target_path"),
}
DEFAULT_PORT = {"rbd": "6789", "iscsi": "3260", "iscsi-direct": "3260", "netfs": None, "logical": None, "dir": None}
DEFAULT_TARGET_PATH = {"iscsi": "/dev/disk/by-path"}
AUTH_TYPE = {"rbd": ("ceph", "ceph"), "iscsi": ("chap", "iscsi"), "iscsi-direct": ("chap", "iscsi")}
ISCSI_KERNEL_MODULE = "/sys/module/iscsi_tcp"


class PoolRunner(Runner):
    def subject(self):
        return "pool %s" % self.params["name"]

    def run(self):
        p = self.params
        self.result["name"] = p["name"]
        pool = lookup_pool(self.conn, p["name"])
        if p["state"] == "absent":
            self._absent(pool)
        else:
            pool = self._define(pool)
            self._run_state(pool)
        if pool is not None and p["state"] != "absent" and self.shows_outcome():
            self._describe(pool)
        self.result["diff"] = self.diff
        return self.result

    # -- definition ---------------------------------------------------------------------------
    def _desired(self):
        p = self.params
        kind = p["type"]
        missing = [option for option in REQUIRED[kind] if not p[option]]
        if missing:
            raise VirtopsError("a %s pool needs %s" % (kind, ", ".join(missing)))
        if kind in ("iscsi", "iscsi-direct"):
            check_iscsi_name(p["source_path"], "source_path")
        if p["initiator_iqn"]:
            check_iscsi_name(p["initiator_iqn"], "initiator_iqn")
        if kind == "rbd":
            check_ceph_name(p["source_name"], "source_name", "Ceph pool")
        desired = PoolConfig(type=kind, name=p["name"], target_path=p["target_path"] or DEFAULT_TARGET_PATH.get(kind),
                             source_name=p["source_name"], source_format=p["source_format"],
                             initiator_iqn=p["initiator_iqn"])
        if p["hosts"]:
            desired.source_hosts = [network_host(text, DEFAULT_PORT[kind], "hosts") for text in p["hosts"]]
        if p["source_path"]:
            if kind == "netfs":
                desired.source_dir = p["source_path"]
            else:
                desired.source_device = p["source_path"]
        if p["auth_secret_usage"] or p["auth_secret_uuid"]:
            if kind not in AUTH_TYPE:
                raise VirtopsError("auth is only for rbd (cephx), iscsi and iscsi-direct (CHAP) pools, not %s" % kind)
            auth_type, usage = AUTH_TYPE[kind]
            require_secret(self.conn, usage, p["auth_secret_usage"], p["auth_secret_uuid"], "auth_secret")
            desired.auth_type, desired.auth_username = auth_type, p["auth_username"]
            desired.auth_secret_usage, desired.auth_secret_uuid = p["auth_secret_usage"], p["auth_secret_uuid"]
        return desired

    def _define(self, pool):
        p = self.params
        if pool is None and p["type"] is None:
            raise VirtopsError("pool %s does not exist; give its type (%s) to define it"
                               % (p["name"], ", ".join(POOL_TYPES)))
        if p["type"] is None:
            return pool  # manage the state of an existing pool only
        desired = self._desired()
        if pool is None:
            self.diff["after"] = desired.to_xml()
            pool, created = self.recorder.record_or_adopt("define", lambda: lookup_pool(self.conn, p["name"]),
                                                          self.conn.storagePoolDefineXML, desired.to_xml(), 0)
            if not created:  # a concurrent run defined it first: converge on it
                self.diff["after"] = ""
                return self._define(pool)
            if p["build"] or p["type"] == "dir":
                # dir pools get their directory made; other types only on request: building
                # them can format devices.
                self.recorder.record("build", lambda: pool.build(0))
            return pool
        live = PoolConfig.from_xml(pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
        if live.type != desired.type:
            raise VirtopsError("pool %s is of type %s; a pool's type cannot change (asked for %s)"
                               % (p["name"], live.type, desired.type))
        changes = desired.changes(live)
        if changes:
            self.diff.update(format_changes(changes))
            self.result["changes"] = [path for path, _o, _n in changes]
            old_xml = pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE)
            moved = live.target_path != desired.target_path and desired.target_path is not None
            desired.apply_to(live)
            self.recorder.record("update definition", self.conn.storagePoolDefineXML, live.to_xml(), 0)
            # A new directory is built as for a new pool (libvirt builds only an inactive pool).
            build = moved and (p["build"] or p["type"] == "dir")
            if pool.isActive() and p["state"] == "active":
                # Pools read their definition at start; restarting one leaves its data alone.
                self.recorder.record("restart to apply%s" % (" (new directory built)" if build else ""),
                                     self._restart, pool, old_xml, build)
            elif build and not pool.isActive():
                self.recorder.record("build", pool.build, 0)
        return pool

    def _start(self, pool):
        try:
            pool.create(0)
        except libvirt.libvirtError as exc:
            if self.params["type"] != "iscsi":
                raise
            # libvirt's iscsi backend logs in with the host's initiator: say what that needs.
            raise VirtopsError(
                "pool %s: start failed: %s. An iscsi pool logs in with the hypervisor's own initiator, which "
                "needs open-iscsi (iscsiadm, with iscsid running) and the kernel module iscsi_tcp%s; "
                "type iscsi-direct uses libvirt's built-in initiator instead"
                % (self.params["name"], error_text(exc),
                   "" if os.path.isdir(ISCSI_KERNEL_MODULE) else
                   " (this host has no %s: its kernel cannot do iSCSI)" % ISCSI_KERNEL_MODULE))

    def _restart(self, pool, old_xml, build):
        """Restart ``pool`` on its new definition (building it first on request); if it cannot
        start so, put the old definition back and start that, so the pool and its volumes stay
        usable."""
        pool.destroy()
        try:
            if build:
                pool.build(0)
            pool.create(0)
        except libvirt.libvirtError as exc:
            self.conn.storagePoolDefineXML(old_xml, 0)
            pool.create(0)
            raise VirtopsError("pool %s did not start on its new definition (%s); its previous definition "
                               "was put back and it runs on that" % (self.params["name"], error_text(exc)))

    # -- state --------------------------------------------------------------------------------
    def _run_state(self, pool):
        p = self.params
        if pool is None:  # check mode, new pool
            if p["state"] == "active":
                self.recorder.record("start")
            return
        if p["state"] == "active" and not pool.isActive():
            self.recorder.record_or_adopt("start", lambda: still_active(pool), self._start, pool)
        elif p["state"] == "inactive" and pool.isActive():
            self.recorder.record("stop", pool.destroy)
        if p["autostart"] is not None and bool(pool.autostart()) != p["autostart"]:
            self.recorder.record("enable autostart" if p["autostart"] else "disable autostart",
                                 pool.setAutostart, 1 if p["autostart"] else 0)
        if p["refresh"] and (pool.isActive() or "start" in self.result["actions"]):
            # Refreshing changes nothing in the definition, so it does not count as a change.
            self.recorder.note("refresh", pool.refresh, 0)

    def _absent(self, pool):
        if pool is None:
            return
        self.diff["before"] = pool.XMLDesc(0)
        if pool.isActive():
            if self.params["delete_storage"]:
                for vol in pool.listAllVolumes(0):
                    self.recorder.record("delete volume %s" % vol.name(), vol.delete, 0)
            self.recorder.record("stop", pool.destroy)
        if self.params["delete_storage"]:
            self.recorder.record("delete storage", self._delete_storage, pool)
        self.recorder.record("undefine", pool.undefine)

    def _delete_storage(self, pool):
        try:
            pool.delete(0)
        except libvirt.libvirtError as exc:
            if "No such file or directory" not in error_text(exc):
                raise
            self.warn("pool %s: its storage was already gone (%s)" % (self.params["name"], error_text(exc)))

    def _describe(self, pool):
        config = PoolConfig.from_xml(pool.XMLDesc(0))
        info = pool.info()
        self.result.update(
            type=config.type, active=bool(pool.isActive()), autostart=bool(pool.autostart()),
            target_path=config.target_path, capacity=info[1], allocation=info[2], available=info[3],
            volumes=sorted(pool.listVolumes()) if pool.isActive() else [],
        )
