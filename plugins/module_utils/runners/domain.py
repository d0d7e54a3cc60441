# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``domain`` module: define or update, apply live, move to the wanted state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_local_uri, libvirt,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_timeout
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import KVM_PROBE_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.disks import follow_snapshot_overlays
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.lifecycle import (
    STATES, Transition, remove,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import (
    DEFINITION_OPTIONS, DEFINITION_SPEC, DomainSpecBuilder, check_disk_protocols, check_identity, check_limits,
    check_machine_change, creation_defaults, resolve_against_live,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.summary import guest_summary
from ansible_collections.virtops.libvirt.plugins.module_utils.host.kvm import resolve_virt_type
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import XmlModelError, format_changes, shown_xml
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.schema import check_schema

DOMAIN_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=list(STATES)),
    xml=dict(type="str"),
    autostart=dict(type="bool"),
    force=dict(type="bool", default=False),
    timeout=dict(type="int", default=120),
    remove_storage=dict(type="bool", default=False),
    return_xml=dict(type="bool", default=False),
)
DOMAIN_ARGUMENT_SPEC.update(DEFINITION_SPEC)
DOMAIN_ARGUMENT_SPEC.update(KVM_PROBE_ARGUMENT_SPEC)


class DomainRunner(Runner):
    """Carries out one ``domain`` module run; ``run()`` returns the module result."""

    MODULE_OPTIONS = dict(mutually_exclusive=[("xml", option) for option in DEFINITION_OPTIONS])

    def subject(self):
        return "domain %s" % self.params["name"]

    # -- entry --------------------------------------------------------------------------------
    def run(self):
        p = self.params
        check_timeout(p["timeout"], "timeout", "each state change")
        self.is_local = is_local_uri(self.conn.getURI())
        self.result.update(name=p["name"], needs_restart=False, restart_fields=[], changes=[], diff=self.diff)
        guest = Guest.lookup(self.conn, p["name"])
        if p["state"] == "absent":
            return self._absent(guest)
        if guest is None and p["state"] == "saved":
            raise VirtopsError("domain %s does not exist: a new domain is shut off, and only a running or "
                               "paused domain can be saved (managed save); define it with state=running "
                               "first" % p["name"])
        guest = self._define_from_xml(guest) if p["xml"] else self._define_typed(guest)
        if guest is None:
            # Check mode, new domain: say what the real run would do after defining it.
            if p["state"] in ("running", "paused"):
                self.recorder.record("start")
            self.result["state"] = "shutoff" if p["state"] == "present" else p["state"]
            return self.result
        self._autostart(guest)
        self.result["state"] = Transition(guest, self.recorder, p["timeout"], p["force"]).to(p["state"])
        self._describe(guest)
        return self.result

    # -- absent -------------------------------------------------------------------------------
    def _absent(self, guest):
        self.result["state"] = "absent"
        if guest is None:
            return self.result
        self.diff["before"] = shown_xml(guest.xml(inactive=True))
        removed, kept = remove(guest, self.recorder, self.params["remove_storage"], self.is_local)
        self.result.update(removed_storage=removed, kept_storage=kept)
        return self.result

    # -- definition from raw XML --------------------------------------------------------------
    def _define_from_xml(self, guest):
        try:
            desired = DomainConfig.from_user_xml(self.params["xml"])
        except XmlModelError as exc:
            raise VirtopsError("xml: %s" % exc)
        if desired.name != self.params["name"]:
            raise VirtopsError("xml names the domain %r but name is %r; they must match"
                               % (desired.name, self.params["name"]))
        check_disk_protocols(desired)
        live = guest.inactive_config() if guest is not None else None
        before = guest.xml(inactive=True) if guest is not None else ""
        text = self.params["xml"]
        if guest is not None:
            # What the document leaves out (the UUID, an interface's MAC) stays as defined, or
            # every run would get a new MAC and a second one would be refused a new UUID.
            missing = desired.uuid is None or any(item.mac is None for item in desired.interfaces)
            desired.adopt_live_identities(live, uuid=True)
            if missing:
                text = desired.to_xml()
        self._check_schema(desired.to_element(), live.to_element() if live is not None else None)
        if self.check_mode:
            # libvirt cannot dry-run a definition: compare what the object model knows of the
            # elements the document has (one it leaves out is libvirt's to fill in).
            if guest is None or desired.leave_unmentioned_lists().changes(live):
                self.recorder.record("define")
                self.diff.update(before=shown_xml(before), after=shown_xml(desired.to_element()))
            return guest
        # Whether anything changed is only known from libvirt's own rewrite of the text.
        try:
            guest = Guest.define(self.conn, text)
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt refused the xml: %s" % error_text(exc))
        after = guest.xml(inactive=True)
        if after != before:
            self.recorder.record("define")  # already done: recorded for the result
            self.diff.update(before=shown_xml(before), after=shown_xml(after))
        return guest

    # -- definition from typed options --------------------------------------------------------
    def _wants_definition(self):
        return any(self.params.get(option) is not None for option in DEFINITION_OPTIONS)

    def _define_typed(self, guest):
        p = self.params
        if guest is not None and p["uuid"]:
            check_identity(self.conn, p["name"], p["uuid"])
        if guest is None:
            return self._create_definition()
        if not self._wants_definition() and p["virt_type"] == "auto":
            return guest
        live = guest.inactive_config()
        virt_type = None if p["virt_type"] == "auto" else p["virt_type"]  # auto decides at creation only
        builder = DomainSpecBuilder(self.conn, p, virt_type or live.virt_type, self.is_local)
        desired = builder.build()
        self.warn(*builder.warnings)
        desired.virt_type = virt_type
        resolve_against_live(desired, live, p["guest_agent"], (p["graphics"] or {}).get("agent"))
        follow_snapshot_overlays(desired, live, self.is_local)
        check_machine_change(desired, live)
        changes = desired.changes(live)
        if changes:
            self.result["changes"] = [change.path for change in changes]
            self.diff.update(format_changes(changes))
            baseline = live.to_element()
            desired.apply_to(live)
            check_limits(live)
            self._check_schema(live.to_element(), baseline)
            redefined = self.recorder.record("update definition", Guest.define, self.conn, live.to_xml())
            if redefined is not None:
                guest = redefined
                kept = desired.changes(guest.inactive_config())
                if kept:
                    self.warn("libvirt rewrote these requested values, so the next run will report "
                              "them again: %s" % ", ".join(change.path for change in kept))
        if guest.is_active():
            self._apply_live(guest, changes)
        return guest

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
        self.warn(*builder.warnings)
        check_limits(desired)
        self._check_schema(desired.to_element())
        xml = desired.to_xml()
        self.diff.update(before="", after=shown_xml(desired.to_element()))
        self.result["changes"] = ["domain"]
        guest, created = self.recorder.record_or_adopt("define", lambda: Guest.lookup(self.conn, p["name"]),
                                                       Guest.define, self.conn, xml)
        if created:
            return guest
        # A concurrent run defined it first: converge on that definition like any existing one.
        other = guest
        self.diff.update(before="", after="")
        self.result["changes"] = []
        return self._define_typed(other)

    @staticmethod
    def _check_schema(element, baseline=None):
        """Refuse, before anything is defined, a definition libvirt's schema (where installed on
        this host) refuses, naming the element at fault."""
        try:
            check_schema(element, "domain", baseline)
        except XmlModelError as exc:
            raise VirtopsError("%s; nothing was defined" % exc)

    # -- live changes of a running domain -------------------------------------------------------
    def _apply_live(self, guest, changes):
        """Apply this run's definition changes that can change while the guest runs (each field
        of the object model says whether and how); the rest need a restart and are remembered in
        the running domain's metadata until it restarts.

        The running XML itself cannot tell what is pending: libvirt rewrites it at start (CPU
        expansion, balloon size, probed formats), so comparing with it would never settle.
        """
        recorded = set(guest.pending_restart_fields())
        restart = set(recorded)
        applied_owners = []
        running = guest.live_config() if any(change.live for change in changes) else None
        for change in changes:
            if change.live is None or not guest.can_apply_live(change, running):
                restart.add(change.path)
            elif change.live.whole_owner and any(owner is change.owner for owner in applied_owners):
                continue
            elif change.live.attach:
                applied_owners.append(change.owner)
                self._hot_plug(guest, change, changes, restart)
            else:
                applied_owners.append(change.owner)
                self.recorder.record("%s (live)" % change.live.action, guest.apply_live, change)
        if restart != recorded:
            self.recorder.quietly(guest.mark_pending_restart, restart)
        if restart:
            self.result["needs_restart"] = True
            self.result["restart_fields"] = sorted(restart)

    def _hot_plug(self, guest, change, changes, restart):
        """Hot-plug the device ``change`` adds (each of its fields' changes with it). A device the
        guest refuses (no free slot, a back end missing) stays in the definition and waits for a
        restart, said in a warning: the definition is already right and the guest keeps running.
        A device an earlier run left waiting for a restart and hot-plugged now waits no more."""
        fields = [other.path for other in changes if other.owner is change.owner]
        if self.check_mode:
            self.recorder.record("%s (live)" % change.live.action)
            return
        try:
            attached = guest.apply_live(change)
        except (libvirt.libvirtError, VirtopsError) as exc:
            restart.update(fields)
            self.warn("%s was not hot-plugged into the running guest (%s); it is defined and takes effect at the "
                      "next start" % (fields[0].rsplit(".", 1)[0], error_text(exc) if isinstance(exc, libvirt.libvirtError)
                                      else exc.msg))
            return
        self.recorder.record("%s (live)" % change.live.action)
        devices = change.live.device[0]
        for key in attached or []:
            restart.difference_update(path for path in list(restart) if path.startswith("%s[%s]" % (devices, key)))

    # -- autostart, result --------------------------------------------------------------------
    def _autostart(self, guest):
        wanted = self.params["autostart"]
        if wanted is None or guest.autostart() == wanted:
            return
        self.recorder.record("enable autostart" if wanted else "disable autostart", guest.set_autostart, wanted)

    def _describe(self, guest):
        self.result["uuid"] = guest.uuid
        if not self.shows_outcome():
            return  # the running domain does not show what a real run would have done
        self.result["domain"] = guest_summary(guest)
        if self.params["return_xml"]:
            self.result["xml"] = guest.xml(inactive=True)
