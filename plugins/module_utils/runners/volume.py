# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``volume`` module: create (empty, overlay on a backing image, clone, import),
format, grow, delete.

Nothing is ever shrunk or deleted unless asked for exactly: a smaller capacity is refused and
deletion needs state=absent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import MIB, check_timeout, mib_to_bytes
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import StillRunning, call_within
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.volumes import (
    FILESYSTEMS, active_pool, lookup_volume, mkfs_command, upload_file, upload_target_xml,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import VolumeConfig

QCOW2_COMPAT = ("1.1", "0.10")  # qcow2 v3, v2
DEFAULT_QCOW2_COMPAT = "1.1"

VOLUME_ARGUMENT_SPEC = dict(
    pool=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    capacity_mb=dict(type="int"),
    format=dict(type="str", default="qcow2", choices=["qcow2", "raw"]),
    allocation=dict(type="str", default="sparse", choices=["sparse", "full"]),
    backing_volume=dict(type="str"),
    backing_format=dict(type="str", choices=["qcow2", "raw"]),
    clone_from=dict(type="str"),
    import_path=dict(type="path"),
    filesystem=dict(type="str", choices=list(FILESYSTEMS)),
    label=dict(type="str"),
    qcow2_compat=dict(type="str", choices=list(QCOW2_COMPAT)),
    lazy_refcounts=dict(type="bool"),
    timeout=dict(type="int", default=3600),
)


class VolumeRunner(Runner):
    def subject(self):
        return "volume %s/%s" % (self.params["pool"], self.params["name"])

    def run(self):
        p = self.params
        self.result.update(pool=p["pool"], name=p["name"])
        if p["label"] and not p["filesystem"]:
            raise VirtopsError("label names the filesystem that filesystem= makes; give filesystem too")
        if p["capacity_mb"] is not None:
            mib_to_bytes(p["capacity_mb"], "capacity_mb")
        self._check_qcow2_options()
        check_timeout(p["timeout"], "timeout", "an import or a clone")
        self.pool = active_pool(self.conn, p["pool"])
        vol = lookup_volume(self.pool, p["name"])
        if p["state"] == "absent":
            if vol is not None:
                self.diff["before"] = "volume %s/%s (%s)\n" % (p["pool"], p["name"], vol.path())
                self.recorder.record("delete", vol.delete, 0)
        elif vol is None:
            vol = self._create()
        else:
            self._check_existing(vol)
        if vol is not None and p["state"] == "present":
            self._describe(vol)
        self.result["diff"] = self.diff
        return self.result

    # -- create -------------------------------------------------------------------------------
    def _create(self):
        p = self.params
        sources = [name for name in ("backing_volume", "clone_from", "import_path") if p[name]]
        if len(sources) > 1:
            raise VirtopsError("give at most one of backing_volume, clone_from and import_path (got %s)"
                               % ", ".join(sources))
        if p["import_path"]:
            return self._import()
        if p["clone_from"]:
            source = lookup_volume(self.pool, p["clone_from"])
            if source is None:
                raise VirtopsError("clone_from: no volume %s in pool %s" % (p["clone_from"], p["pool"]))
            desired = VolumeConfig(name=p["name"], format=p["format"], capacity=source.info()[1], capacity_unit="bytes")
            self._set_allocation(desired)
            self.diff["after"] = desired.to_xml()
            return self.recorder.record("clone %s" % p["clone_from"], self._clone, desired.to_xml(), source)
        desired = VolumeConfig(name=p["name"], format=p["format"], capacity_unit="bytes")
        if p["backing_volume"]:
            if p["format"] != "qcow2":
                raise VirtopsError("backing_volume needs format qcow2 (a copy-on-write overlay)")
            backing = self._backing(p["backing_volume"])
            desired.backing_path = backing.path()
            desired.backing_format = p["backing_format"] or self._format_of(backing)
            desired.capacity = max(backing.info()[1], mib_to_bytes(p["capacity_mb"], "capacity_mb") or 0)
        else:
            if p["capacity_mb"] is None:
                raise VirtopsError("capacity_mb (a positive number of MiB) is needed to create volume %s" % p["name"])
            desired.capacity = mib_to_bytes(p["capacity_mb"], "capacity_mb")
        self._set_allocation(desired)
        if p["format"] == "qcow2":
            # libvirt asks qemu-img for qcow2 v2 (compat 0.10) unless told: v3 unless chosen.
            desired.compat = p["qcow2_compat"] or DEFAULT_QCOW2_COMPAT
            desired.lazy_refcounts = p["lazy_refcounts"] or None
        if p["filesystem"] and p["format"] != "raw":
            raise VirtopsError("filesystem needs format raw (mkfs writes the image directly)")
        self.diff["after"] = desired.to_xml()
        vol, created = self.recorder.record_or_adopt("create", lambda: lookup_volume(self.pool, p["name"]),
                                                     self.pool.createXML, desired.to_xml(), 0)
        if not created:  # a concurrent run created it first: converge on it
            self.diff["after"] = ""
            self._check_existing(vol)
        elif p["filesystem"]:
            self._make_filesystem(vol)
        return vol

    def _check_qcow2_options(self):
        p = self.params
        given = [name for name in ("qcow2_compat", "lazy_refcounts") if p[name] is not None]
        if given and p["format"] != "qcow2":
            raise VirtopsError("%s apply to format qcow2 only, not %s" % (" and ".join(given), p["format"]))
        if p["lazy_refcounts"] and p["qcow2_compat"] == "0.10":
            raise VirtopsError("lazy_refcounts needs qcow2_compat 1.1 (qcow2 v2 has no lazy refcounts)")

    def _backing(self, reference):
        """The backing volume: a name in this pool, or a path of a volume in any pool."""
        if "/" in reference:
            try:
                return self.conn.storageVolLookupByPath(reference)
            except libvirt.libvirtError as exc:
                raise VirtopsError("backing_volume %s is not a volume of any libvirt pool: %s"
                                   % (reference, error_text(exc)))
        vol = lookup_volume(self.pool, reference)
        if vol is None:
            raise VirtopsError("backing_volume: no volume %s in pool %s" % (reference, self.params["pool"]))
        return vol

    def _set_allocation(self, desired):
        # Without an allocation libvirt allocates the whole capacity up front (fallocate).
        desired.allocation, desired.allocation_unit = (
            (desired.capacity if self.params["allocation"] == "full" else 0), "bytes")

    def _clone(self, desired_xml, source):
        p = self.params
        try:
            return call_within(p["timeout"], self.pool.createXMLFrom, desired_xml, source, 0)
        except StillRunning:
            raise VirtopsError(
                "cloning %s into %s/%s did not finish within %d s; libvirt cannot stop a clone, so it goes on "
                "in the background: do not use the volume until a run of this task succeeds (while the clone "
                "runs, one fails saying so)" % (p["clone_from"], p["pool"], p["name"], p["timeout"]),
                took_effect=True)

    def _check_not_being_cloned(self):
        """libvirt refuses to refresh a pool while a volume of it is still being built."""
        try:
            self.pool.refresh(0)
        except libvirt.libvirtError as exc:
            if "asynchronous jobs" in error_text(exc):
                raise VirtopsError("volume %s/%s is still being built (a clone started earlier goes on in "
                                   "libvirt); run this again when it has finished"
                                   % (self.params["pool"], self.params["name"]))
            raise

    @staticmethod
    def _format_of(vol):
        return VolumeConfig.from_xml(vol.XMLDesc(0)).format or "raw"

    def _import(self):
        p = self.params
        path = p["import_path"]
        if not os.path.isfile(path):
            raise VirtopsError("import_path %s is not a file on this host" % path)
        size = os.path.getsize(path)
        self.diff["after"] = "import %s (%d bytes)\n" % (path, size)
        return self.recorder.record("import %s" % path, self._upload_file, path, size)

    def _upload_file(self, path, size):
        p = self.params
        vol = self.pool.createXML(upload_target_xml(p["name"], p["format"], size), 0)
        upload_file(self.conn, vol, path, size, "%s into %s/%s" % (path, p["pool"], p["name"]), p["timeout"])
        self.pool.refresh(0)  # let libvirt read the imported image's own header (qcow2 size)
        return self.pool.storageVolLookupByName(p["name"])

    def _make_filesystem(self, vol):
        p = self.params
        self.recorder.record("make %s%s" % (p["filesystem"], " labelled %s" % p["label"] if p["label"] else ""),
                             self._run_mkfs, vol)

    def _run_mkfs(self, vol):
        p = self.params
        path = vol.path()
        if not os.path.isfile(path):
            vol.delete(0)
            raise VirtopsError("filesystem: %s is not a local file (pool %s), so it cannot be formatted here; "
                               "the new volume was removed" % (path, p["pool"]))
        command = mkfs_command(p["filesystem"], p["label"], path)
        program = self.module.get_bin_path(command[0], opt_dirs=["/sbin", "/usr/sbin"])
        if program is None:
            vol.delete(0)
            raise VirtopsError("%s is not installed on this host (the new volume was removed)" % command[0])
        rc, out, err = self.module.run_command([program] + command[1:])
        if rc != 0:
            vol.delete(0)
            raise VirtopsError("%s failed (the new volume was removed): %s" % (command[0], (err or out).strip()))

    # -- existing volume ----------------------------------------------------------------------
    def _check_existing(self, vol):
        p = self.params
        if p["clone_from"]:
            self._check_not_being_cloned()
        live = VolumeConfig.from_xml(vol.XMLDesc(0))
        if live.format and p["format"] and live.format != p["format"] and not p["import_path"]:
            raise VirtopsError("volume %s/%s is %s, not %s; a volume's format is not converted"
                               % (p["pool"], p["name"], live.format, p["format"]))
        if p["format"] == "qcow2" and live.format == "qcow2":
            self._check_qcow2_features(live)
        if p["backing_volume"]:
            wanted = self._backing(p["backing_volume"]).path()
            if live.backing_path != wanted:
                raise VirtopsError("volume %s/%s is backed by %s, not %s; a backing file is not changed"
                                   % (p["pool"], p["name"], live.backing_path or "nothing", wanted))
        if p["capacity_mb"] is None:
            return
        current = vol.info()[1]
        wanted = p["capacity_mb"] * MIB
        if wanted < current:
            raise VirtopsError("capacity_mb %d is smaller than %s/%s's %d MiB; volumes are never shrunk"
                               % (p["capacity_mb"], p["pool"], p["name"], current // MIB))
        if wanted > current:
            self.diff["before"] = "capacity_mb: %d\n" % (current // MIB)
            self.diff["after"] = "capacity_mb: %d\n" % p["capacity_mb"]
            self.recorder.record("grow to %d MiB" % p["capacity_mb"], vol.resize, wanted, 0)

    def _check_qcow2_features(self, live):
        """The qcow2 version and lazy refcounts are chosen at creation; asked for explicitly, they
        are compared, never converted (qemu-img amend would rewrite the image)."""
        p = self.params
        if p["qcow2_compat"] and live.compat and live.compat != p["qcow2_compat"]:
            raise VirtopsError("volume %s/%s is qcow2 compat %s, not %s; an image's qcow2 version is not converted"
                               % (p["pool"], p["name"], live.compat, p["qcow2_compat"]))
        if p["lazy_refcounts"] is not None and bool(live.lazy_refcounts) != p["lazy_refcounts"]:
            raise VirtopsError("volume %s/%s has lazy refcounts %s; they are chosen when a volume is created"
                               % (p["pool"], p["name"], "on" if live.lazy_refcounts else "off"))

    def _describe(self, vol):
        if not self.shows_outcome():
            return
        kind, capacity, allocation = vol.info()
        config = VolumeConfig.from_xml(vol.XMLDesc(0))
        self.result.update(path=vol.path(), format=config.format, capacity=capacity, allocation=allocation,
                           qcow2_compat=config.compat if config.format == "qcow2" else None,
                           backing_chain=self._backing_chain(config))

    def _backing_chain(self, config):
        """[{path, format}] from the volume's backing file down to the base image."""
        chain, seen = [], set()
        while config.backing_path and config.backing_path not in seen:
            seen.add(config.backing_path)
            chain.append(dict(path=config.backing_path, format=config.backing_format))
            try:
                config = VolumeConfig.from_xml(self.conn.storageVolLookupByPath(config.backing_path).XMLDesc(0))
            except libvirt.libvirtError:
                break  # outside any pool: the chain ends where libvirt can see
        return chain
