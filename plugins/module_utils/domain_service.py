# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``domain`` module: define or update, apply live, move to the wanted state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.config.base import (
    XmlModelError, format_changes,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.config.domain import (
    METADATA_NAMESPACE, METADATA_PREFIX, PENDING_NAMESPACE, PENDING_PREFIX, DomainConfig,
    metadata_xml, pending_restart_xml,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.connection import (
    VirtopsError, error_text, libvirt, lookup_or_none,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_lifecycle import (
    Transition, inactive_config, live_config, state_name, undefine,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.domain_spec import (
    DEFINITION_OPTIONS, DomainSpecBuilder, check_identity, check_limits, creation_defaults,
    resolve_against_live,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.hypervisor import (
    is_local_uri, resolve_virt_type,
)


def lookup_domain(conn, name):
    """The domain called ``name``, or None when there is none."""
    return lookup_or_none(conn.lookupByName, "NO_DOMAIN", name)


def pending_restart_fields(dom):
    """Fields changed in the definition while the domain ran, recorded in its live metadata."""
    if not dom.isActive():
        return []
    return live_config(dom).pending_restart or []


def domain_summary(dom):
    """State, resources and devices of a domain as plain data (shared with domain_info)."""
    config = live_config(dom)
    return dict(
        name=config.name,
        uuid=config.uuid,
        state=state_name(dom),
        persistent=bool(dom.isPersistent()),
        autostart=bool(dom.autostart()) if dom.isPersistent() else False,
        virt_type=config.virt_type,
        title=config.title,
        memory_mb=(config.memory_kib or 0) // 1024,
        current_memory_mb=(config.current_memory_kib or 0) // 1024,
        vcpus=config.vcpus,
        current_vcpus=config.current_vcpus or config.vcpus,
        cpu_mode=(config.cpu.mode or "custom") if config.cpu is not None else None,
        cpu_model=config.cpu.model if config.cpu is not None else None,
        disks=[dict(target=d.target_dev, bus=d.target_bus, device=d.device, source=d.source(),
                    format=d.format, serial=d.serial, readonly=d.readonly) for d in config.disks],
        interfaces=[dict(mac=i.mac, type=i.type, network=i.source_network, bridge=i.source_bridge,
                         model=i.model, filter=i.filterref.filter if i.filterref else None)
                    for i in config.interfaces],
        metadata=config.metadata or {},
        pending_restart=config.pending_restart or [],
    )


class DomainManager:
    """Carries out one ``domain`` module run; ``run()`` returns the module result."""

    def __init__(self, conn, params, check_mode):
        self.conn = conn
        self.params = params
        self.check_mode = check_mode
        self.is_local = is_local_uri(conn.getURI())
        self.result = dict(changed=False, name=params["name"], needs_restart=False, restart_fields=[],
                           changes=[], actions=[])
        self.diff = dict(before="", after="")

    # -- entry --------------------------------------------------------------------------------
    def run(self):
        p = self.params
        dom = lookup_domain(self.conn, p["name"])
        if p["state"] == "absent":
            return self._absent(dom)
        if p["xml"]:
            dom = self._define_from_xml(dom)
        else:
            dom = self._define_typed(dom)
        if dom is not None:
            self._autostart(dom)
            self._run_state(dom)
            self._describe(dom)
        else:  # check mode, domain not yet defined: say what the real run would do after define
            if p["state"] == "saved":
                raise VirtopsError("domain %s would be new and shut off: only a running or paused "
                                   "domain can be saved (managed save)" % p["name"])
            if p["state"] in ("running", "paused"):
                self._changed("start")
            self.result["state"] = "shutoff" if p["state"] == "present" else p["state"]
        self.result["diff"] = self.diff
        return self.result

    def _warn(self, warnings):
        self.result.setdefault("warnings", []).extend(warnings)

    def _changed(self, *actions):
        self.result["changed"] = True
        self.result["actions"].extend(actions)

    # -- absent -------------------------------------------------------------------------------
    def _absent(self, dom):
        if dom is None:
            self.result.update(state="absent", diff=self.diff)
            return self.result
        self.diff["before"] = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        actions, removed, kept = undefine(self.conn, dom, self.params["remove_storage"],
                                          self.check_mode, self.is_local)
        self._changed(*actions)
        self.result.update(state="absent", removed_storage=removed, kept_storage=kept, diff=self.diff)
        return self.result

    # -- definition from raw XML --------------------------------------------------------------
    def _define_from_xml(self, dom):
        try:
            desired = DomainConfig.from_xml(self.params["xml"])
        except XmlModelError as exc:
            raise VirtopsError("xml: %s" % exc)
        if desired.name != self.params["name"]:
            raise VirtopsError("xml names the domain %r but name is %r; they must match"
                               % (desired.name, self.params["name"]))
        before = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) if dom is not None else ""
        if self.check_mode:
            # libvirt cannot dry-run a definition: compare what the object model knows.
            if dom is None or desired.changes(inactive_config(dom)):
                self._changed("define")
                self.diff.update(before=before, after=desired.to_xml())
            return dom
        try:
            dom = self.conn.defineXML(self.params["xml"])
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt refused the xml: %s" % error_text(exc))
        after = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        if after != before:
            self._changed("define")
            self.diff.update(before=before, after=after)
        return dom

    # -- definition from typed options --------------------------------------------------------
    def _wants_definition(self):
        return any(self.params.get(option) is not None for option in DEFINITION_OPTIONS)

    def _define_typed(self, dom):
        p = self.params
        if dom is not None and p["uuid"]:
            check_identity(self.conn, p["name"], p["uuid"])
        if dom is None:
            return self._create_definition()
        if not self._wants_definition() and p["virt_type"] == "auto":
            return dom
        live = inactive_config(dom)
        virt_type = None if p["virt_type"] == "auto" else p["virt_type"]  # auto decides at creation only
        builder = DomainSpecBuilder(self.conn, p, virt_type or live.virt_type, self.is_local)
        desired = builder.build()
        self._warn(builder.warnings)
        desired.virt_type = virt_type
        resolve_against_live(desired, live)
        changes = desired.changes(live)
        if changes:
            self.result["changes"] = [path for path, _old, _new in changes]
            self.diff.update(format_changes(changes))
            desired.apply_to(live)
            check_limits(live)
            self._changed("update definition")
            if not self.check_mode:
                try:
                    dom = self.conn.defineXML(live.to_xml())
                except libvirt.libvirtError as exc:
                    raise VirtopsError("libvirt refused the updated definition of %s: %s"
                                       % (p["name"], error_text(exc)), changes=self.result["changes"])
                kept = desired.changes(inactive_config(dom))
                if kept:
                    self._warn(["libvirt rewrote these requested values, so the next run will report "
                                "them again: %s" % ", ".join(path for path, _o, _n in kept)])
        if dom.isActive():
            self._apply_live(dom, desired, changes)
        return dom

    def _create_definition(self):
        p = self.params
        if p["memory_mb"] is None:
            raise VirtopsError("domain %s does not exist; to define it, memory_mb is required "
                               "(and usually vcpus, boot and disks)" % p["name"])
        if p["uuid"]:
            check_identity(self.conn, p["name"], p["uuid"])
        virt_type, probe = resolve_virt_type(self.conn, p["virt_type"], p["arch"], p["kvm_probe_kernel"])
        if probe is not None:
            self.result["kvm_probe"] = probe
        builder = DomainSpecBuilder(self.conn, p, virt_type, self.is_local)
        desired = creation_defaults(builder.build())
        self._warn(builder.warnings)
        check_limits(desired)
        xml = desired.to_xml()
        self._changed("define")
        self.diff.update(before="", after=xml)
        self.result["changes"] = ["domain"]
        if self.check_mode:
            return None
        try:
            return self.conn.defineXML(xml)
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt refused the definition of %s: %s" % (p["name"], error_text(exc)))

    # -- live changes of a running domain -------------------------------------------------------
    def _apply_live(self, dom, desired, persistent_changes):
        """Apply this run's definition changes that can change while the guest runs; the rest
        need a restart and are remembered in the running domain's metadata until it restarts.

        The running XML itself cannot tell what is pending: libvirt rewrites it at start (CPU
        expansion, balloon size, probed formats), so comparing with it would never settle.
        """
        recorded = set(pending_restart_fields(dom))
        restart = set(recorded)
        live_flags = libvirt.VIR_DOMAIN_AFFECT_LIVE
        for path, _old, new in persistent_changes:
            if path == "current_memory_kib":
                self._live_action("set current memory", dom.setMemoryFlags, new, live_flags)
            elif path == "current_vcpus":
                self._live_action("set vcpus", dom.setVcpusFlags, new, live_flags)
            elif path in ("title", "description"):
                kind = getattr(libvirt, "VIR_DOMAIN_METADATA_" + path.upper())
                self._live_action("set %s" % path, dom.setMetadata, kind, new, None, None, live_flags)
            elif path == "metadata":
                self._live_action("set metadata", dom.setMetadata, libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                                  metadata_xml(new), METADATA_PREFIX, METADATA_NAMESPACE, live_flags)
            elif path.startswith("disks[") and path.endswith("].source.file") and self._is_cdrom(desired, path):
                disk_xml = self._live_disk_xml(dom, desired, path)
                self._live_action("change media", dom.updateDeviceFlags, disk_xml, live_flags)
            else:
                restart.add(path)
        if restart and not self.check_mode and restart != recorded:
            dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, pending_restart_xml(restart),
                            PENDING_PREFIX, PENDING_NAMESPACE, live_flags)
        if restart:
            self.result["needs_restart"] = True
            self.result["restart_fields"] = sorted(restart)

    def _live_action(self, action, call, *args):
        self._changed(action + " (live)")
        if self.check_mode:
            return
        try:
            call(*args)
        except libvirt.libvirtError as exc:
            raise VirtopsError("the definition was updated but %s on the running domain failed: %s"
                               % (action, error_text(exc)), actions=self.result["actions"])

    @staticmethod
    def _target_of(path):
        return path[len("disks["):path.index("]")]

    def _is_cdrom(self, desired, path):
        target = self._target_of(path)
        return any(d.target_dev == target and d.device == "cdrom" for d in desired.disks or [])

    def _live_disk_xml(self, dom, desired, path):
        target = self._target_of(path)
        active = live_config(dom)
        disk = next(d for d in active.disks if d.target_dev == target)
        wanted = next(d for d in desired.disks if d.target_dev == target)
        disk.source_file = wanted.source_file
        return disk.to_xml()

    # -- autostart, state, result --------------------------------------------------------------
    def _autostart(self, dom):
        wanted = self.params["autostart"]
        if wanted is None or bool(dom.autostart()) == wanted:
            return
        self._changed("enable autostart" if wanted else "disable autostart")
        if not self.check_mode:
            dom.setAutostart(1 if wanted else 0)

    def _run_state(self, dom):
        p = self.params
        transition = Transition(dom, p["timeout"], p["force"], self.check_mode)
        try:
            self.result["state"] = transition.to(p["state"])
        finally:
            if transition.actions:
                self._changed(*transition.actions)

    def _describe(self, dom):
        self.result["uuid"] = dom.UUIDString()
        if self.check_mode and self.result["changed"]:
            return  # the live domain does not show what a real run would have done
        self.result["domain"] = domain_summary(dom)
        if self.params["return_xml"]:
            self.result["xml"] = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
