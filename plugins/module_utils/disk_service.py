# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attaching, detaching and growing one disk of a domain, live and/or persistent.

A disk is identified by its source (file, block device, pool volume, iSCSI LUN, RBD image):
attaching the same source twice is a no-op. Target names are chosen under a per-domain lock so
that concurrent runs do not pick the same one. Detach waits for libvirt's DEVICE_REMOVED event
and retries, as Nova does, because a live detach needs the guest's cooperation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import stat
import threading
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.config.devices import (
    ControllerConfig, DiskAuth, DiskConfig, NetworkHost,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    ChangeRecorder, VirtopsError, error_text, libvirt,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_lifecycle import (
    inactive_config, live_config,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_service import lookup_domain
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_spec import DISK_DRIVER_SPEC, next_target
from ansible_collections.virtops.libvirt.plugins.module_utils.hypervisor import is_local_uri
from ansible_collections.virtops.libvirt.plugins.module_utils.secret_service import lookup_secret

LOCK_DIR = "/run/virtops-libvirt/locks"

DISK_ARGUMENT_SPEC = dict(
    domain=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    path=dict(type="path"),
    pool=dict(type="str"),
    volume=dict(type="str"),
    iscsi=dict(type="dict", options=dict(
        portal=dict(type="str", required=True),
        iqn=dict(type="str", required=True),
        lun=dict(type="int", default=0),
        chap_username=dict(type="str"),
        chap_secret_usage=dict(type="str", no_log=False),  # names a secret, is none
        chap_secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
    )),
    rbd=dict(type="dict", options=dict(
        pool=dict(type="str", required=True),
        image=dict(type="str", required=True),
        monitors=dict(type="list", elements="str", required=True),
        user=dict(type="str"),
        secret_usage=dict(type="str", no_log=False),  # names a secret, is none
        secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
    )),
    target=dict(type="str"),
    bus=dict(type="str", default="virtio", choices=["virtio", "scsi", "sata"]),
    format=dict(type="str", choices=["raw", "qcow2"]),
    serial=dict(type="str"),
    wwn=dict(type="str"),
    readonly=dict(type="bool", default=False),
    shareable=dict(type="bool", default=False),
    live=dict(type="bool", default=True),
    persistent=dict(type="bool", default=True),
    size_mb=dict(type="int"),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
    **DISK_DRIVER_SPEC
)
SOURCE_OPTIONS = ("path", "volume", "iscsi", "rbd")
# Requested settings compared with an attached disk (the source identifies it).
COMPARED = ("target_bus", "format", "cache", "io", "discard", "serial", "wwn", "readonly", "shareable")


def network_host(text, default_port, option):
    """A NetworkHost from 'HOST' or 'HOST:PORT' (iSCSI portals, Ceph monitors), checked."""
    host, _sep, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise VirtopsError("%s: %r is not HOST or HOST:PORT" % (option, text))
    if port and not port.isdigit():
        raise VirtopsError("%s: port of %r is not a number" % (option, text))
    return NetworkHost(name=host, port=port or default_port)


class DomainLock:
    """An exclusive lock per domain for choosing targets and attaching (held by this process)."""

    def __init__(self, uuid):
        self.path = os.path.join(LOCK_DIR, "domain-%s.lock" % uuid)
        self.handle = None

    def __enter__(self):
        os.makedirs(LOCK_DIR, exist_ok=True)
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class DeviceRemovedWatch:
    """Collects DEVICE_REMOVED events of one domain (needs the event loop started first)."""

    def __init__(self, conn, dom):
        self.conn = conn
        self.removed = set()
        self.condition = threading.Condition()
        self.callback_id = conn.domainEventRegisterAny(
            dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, self._on_removed, None)

    def _on_removed(self, _conn, _dom, alias, _opaque):
        with self.condition:
            self.removed.add(alias)
            self.condition.notify_all()

    def wait(self, alias, timeout):
        deadline = time.time() + timeout
        with self.condition:
            while alias not in self.removed:
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                self.condition.wait(remaining)
        return True

    def close(self):
        try:
            self.conn.domainEventDeregisterAny(self.callback_id)
        except libvirt.libvirtError:
            pass


class DiskManager:
    """One run of the ``disk`` module."""

    def __init__(self, conn, params, check_mode):
        self.conn = conn
        self.params = params
        self.check_mode = check_mode
        self.is_local = is_local_uri(conn.getURI())
        self.result = dict(changed=False, domain=params["domain"], actions=[])
        # Records only: attach/detach/resize make their own calls, with their own error handling.
        self._change = ChangeRecorder(self.result, check_mode, "disk of domain %s" % params["domain"]).record
        self.diff = dict(before="", after="")

    def run(self):
        p = self.params
        given = [name for name in SOURCE_OPTIONS if p[name]]
        if len(given) != 1:
            raise VirtopsError("give exactly one disk source: path, pool+volume, iscsi or rbd (got %s)"
                               % (", ".join(given) or "none"))
        if p["volume"] and not p["pool"]:
            raise VirtopsError("volume needs pool")
        dom = lookup_domain(self.conn, p["domain"])
        if dom is None:
            raise VirtopsError("domain %s does not exist; define it first (virtops.libvirt.domain)" % p["domain"])
        self.dom = dom
        desired = self._desired()
        self.result["source"] = desired.source()
        if p["state"] == "absent":
            self._detach(desired)
        else:
            self._attach(desired)
            if p["size_mb"] is not None:
                self._grow(desired)
        self.result["diff"] = self.diff
        return self.result

    # -- what the user asked for --------------------------------------------------------------
    def _desired(self):
        p = self.params
        if p["wwn"] and p["bus"] != "scsi":
            raise VirtopsError("wwn is only supported on bus scsi (libvirt: 'Only ide and scsi disk "
                               "support wwn'); use serial to identify a %s disk" % p["bus"])
        disk = DiskConfig(
            device="disk", driver_name="qemu", format=p["format"] or "raw", cache=p["cache"], io=p["io"],
            discard=p["discard"], serial=p["serial"], wwn=p["wwn"], readonly=p["readonly"],
            shareable=p["shareable"], target_bus=p["bus"], target_dev=p["target"],
        )
        if p["path"]:
            self._source_path(disk, p["path"])
        elif p["volume"]:
            try:
                self.conn.storagePoolLookupByName(p["pool"]).storageVolLookupByName(p["volume"])
            except libvirt.libvirtError as exc:
                raise VirtopsError("volume %s in pool %s cannot be used: %s" % (p["volume"], p["pool"], error_text(exc)))
            disk.type, disk.source_pool, disk.source_volume = "volume", p["pool"], p["volume"]
        elif p["iscsi"]:
            spec = p["iscsi"]
            disk.type, disk.source_protocol = "network", "iscsi"
            disk.source_name = "%s/%d" % (spec["iqn"], spec["lun"])
            disk.source_hosts = [network_host(spec["portal"], "3260", "iscsi.portal")]
            disk.auth = self._auth("iscsi", spec["chap_username"], spec["chap_secret_usage"],
                                   spec["chap_secret_uuid"], "iscsi.chap_")
        else:
            spec = p["rbd"]
            disk.type, disk.source_protocol = "network", "rbd"
            disk.source_name = "%s/%s" % (spec["pool"], spec["image"])
            disk.source_hosts = [network_host(monitor, "6789", "rbd.monitors") for monitor in spec["monitors"]]
            disk.auth = self._auth("ceph", spec["user"], spec["secret_usage"], spec["secret_uuid"], "rbd.")
        return disk

    def _source_path(self, disk, path):
        if self.is_local:
            if not os.path.exists(path):
                raise VirtopsError("path %s does not exist on this host" % path)
            if stat.S_ISBLK(os.stat(path).st_mode):
                disk.type, disk.source_dev = "block", path
                return
        disk.type, disk.source_file = "file", path

    def _auth(self, secret_type, username, usage, uuid, option):
        if not (usage or uuid):
            if username:
                raise VirtopsError("%susername needs %ssecret_usage or %ssecret_uuid (a libvirt secret, "
                                   "see virtops.libvirt.secret)" % (option, option, option))
            return None
        if usage and uuid:
            raise VirtopsError("give %ssecret_usage or %ssecret_uuid, not both" % (option, option))
        if lookup_secret(self.conn, secret_type, usage, uuid) is None:
            raise VirtopsError("no libvirt secret %s for usage %s; create it with virtops.libvirt.secret"
                               % (uuid or repr(usage), secret_type))
        return DiskAuth(username=username, secret_type=secret_type, secret_usage=usage, secret_uuid=uuid)

    # -- where the disk is now ----------------------------------------------------------------
    def _configs(self):
        """(persistent config or None, live config or None) of the domain."""
        persistent = live = None
        if self.dom.isPersistent():
            persistent = inactive_config(self.dom)
        if self.dom.isActive():
            live = live_config(self.dom)
        return persistent, live

    def _find(self, config, desired):
        if config is None:
            return None
        for disk in config.disks:
            if disk.source() == desired.source():
                return disk
        return None

    def _flags_wanted(self):
        """{'config': bool, 'live': bool}: where the disk should be attached for this domain."""
        p = self.params
        if not (p["live"] or p["persistent"]):
            raise VirtopsError("live and persistent are both false: the disk would be attached nowhere")
        config = p["persistent"] and bool(self.dom.isPersistent())
        live = p["live"] and bool(self.dom.isActive())
        if p["persistent"] and not self.dom.isPersistent() and not live:
            raise VirtopsError("domain %s is transient and not running: there is nowhere to attach" % p["domain"])
        return dict(config=config, live=live)

    # -- attach -------------------------------------------------------------------------------
    def _attach(self, desired):
        with DomainLock(self.dom.UUIDString()):
            persistent, live = self._configs()
            wanted = self._flags_wanted()
            places = dict(config=self._find(persistent, desired), live=self._find(live, desired))
            for where, found in places.items():
                if found is not None and wanted[where]:
                    self._check_same(found, desired, where)
            missing = [where for where in ("config", "live") if wanted[where] and places[where] is None]
            attached = places["config"] or places["live"]
            if not missing:
                self.result.update(target=attached.target_dev, attached=sorted(w for w in wanted if wanted[w]))
                return
            desired.target_dev = attached.target_dev if attached is not None else self._pick_target(
                desired, persistent, live)
            if desired.target_bus == "scsi":
                self._ensure_scsi_controller(persistent, live, missing)
            flags = 0
            if "config" in missing:
                flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
            if "live" in missing:
                flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
            self._change("attach %s as %s (%s)" % (desired.source(), desired.target_dev, "+".join(missing)))
            self.diff["after"] = desired.to_xml()
            if not self.check_mode:
                try:
                    self.dom.attachDeviceFlags(desired.to_xml(), flags)
                except libvirt.libvirtError as exc:
                    done = self.result["actions"][:-1]  # e.g. a controller added before the attach
                    raise VirtopsError("attaching %s to %s failed: %s"
                                       % (desired.source(), self.params["domain"], error_text(exc)),
                                       actions=done, changed=bool(done))
            self.result.update(target=desired.target_dev, attached=sorted(w for w in wanted if wanted[w]))

    def _check_same(self, found, desired, where):
        differs = [name for name in COMPARED
                   if getattr(desired, name) is not None and getattr(desired, name) != getattr(found, name)]
        if self.params["target"] and found.target_dev != self.params["target"]:
            differs.append("target")
        if differs:
            raise VirtopsError(
                "%s is already attached to %s as %s (%s) with other settings: %s; detach it "
                "(state=absent) and attach it again to change them"
                % (desired.source(), self.params["domain"], found.target_dev, where, ", ".join(sorted(differs))))

    def _pick_target(self, desired, persistent, live):
        used = set(disk.target_dev for config in (persistent, live) if config is not None for disk in config.disks)
        if desired.target_dev:
            if desired.target_dev in used:
                raise VirtopsError("target %s of %s is already used by another disk"
                                   % (desired.target_dev, self.params["domain"]))
            return desired.target_dev
        return next_target(desired.target_bus, used)

    def _ensure_scsi_controller(self, persistent, live, missing):
        """A SCSI disk needs a virtio-scsi controller (libvirt would add an LSI one the guest may lack)."""
        flags = 0
        for where, config in (("config", persistent), ("live", live)):
            if where in missing and not any(c.type == "scsi" for c in config.controllers):
                flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG if where == "config" else libvirt.VIR_DOMAIN_AFFECT_LIVE
        if not flags:
            return
        self._change("add a virtio-scsi controller")
        if not self.check_mode:
            xml = ControllerConfig(type="scsi", model="virtio-scsi").to_xml()
            self.dom.attachDeviceFlags(xml, flags)

    # -- detach -------------------------------------------------------------------------------
    def _detach(self, desired):
        persistent, live = self._configs()
        in_config, in_live = self._find(persistent, desired), self._find(live, desired)
        if in_config is None and in_live is None:
            return
        self.result["target"] = (in_config or in_live).target_dev
        self.diff["before"] = (in_config or in_live).to_xml()
        if in_live is not None:
            self._detach_live(in_live)
        if in_config is not None:
            self._change("detach %s from the persistent definition" % desired.source())
            if not self.check_mode:
                self.dom.detachDeviceFlags(in_config.to_xml(), libvirt.VIR_DOMAIN_AFFECT_CONFIG)

    def _detach_live(self, disk):
        p = self.params
        self._change("detach %s from the running domain" % disk.source())
        if self.check_mode:
            return
        watch = DeviceRemovedWatch(self.conn, self.dom)
        try:
            for attempt in range(1, p["retries"] + 1):
                try:
                    self.dom.detachDeviceFlags(disk.to_xml(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
                except libvirt.libvirtError as exc:
                    if self._find(live_config(self.dom), disk) is None:
                        return  # gone meanwhile (an earlier attempt completed)
                    raise VirtopsError("detaching %s from %s failed: %s" % (disk.source(), p["domain"], error_text(exc)))
                if watch.wait(disk.alias, p["timeout"]):
                    self.result["detach_attempts"] = attempt
                    return
            raise VirtopsError("the guest of %s did not release %s (%s) within %d attempts of %ss; it is "
                               "still attached live" % (p["domain"], disk.source(), disk.target_dev,
                                                        p["retries"], p["timeout"]), actions=self.result["actions"])
        finally:
            watch.close()

    # -- grow ---------------------------------------------------------------------------------
    def _grow(self, desired):
        p = self.params
        wanted = p["size_mb"] * 1024 * 1024
        target = self.result["target"]
        if not self.dom.isActive():
            raise VirtopsError("size_mb: %s can be grown here only while %s runs (blockResize); grow the "
                               "image or volume itself while the domain is off" % (target, p["domain"]))
        if self.check_mode and target not in [d.target_dev for d in live_config(self.dom).disks]:
            return  # attached by this (check mode) run: no size to read yet
        capacity = self.dom.blockInfo(target, 0)[0]
        self.result["size_mb"] = capacity // (1024 * 1024)
        if capacity == wanted:
            return
        if capacity > wanted:
            raise VirtopsError("size_mb %d is smaller than %s's current %d MiB; disks are never shrunk"
                               % (p["size_mb"], target, capacity // (1024 * 1024)))
        self._change("grow %s to %d MiB" % (target, p["size_mb"]))
        self.diff["before"] += "size_mb: %d\n" % (capacity // (1024 * 1024))
        self.diff["after"] += "size_mb: %d\n" % p["size_mb"]
        if not self.check_mode:
            self.dom.blockResize(target, wanted, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
        self.result["size_mb"] = p["size_mb"]
