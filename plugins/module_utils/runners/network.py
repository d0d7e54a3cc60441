# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``network`` module: define, update in place, start, autostart, remove."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt, still_active,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.network.networks import (
    check_addresses, check_dns_name, check_forward_device, check_interface_name, check_other_networks, live_updates,
    lookup_network, network_definition,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.network.users import guests_on_network
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList, format_changes
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.network import (
    FORWARD_MODES, ISOLATED, DhcpHost, DhcpRange, DnsHost, DnsHostname, NetworkConfig, NetworkIp,
)

NETWORK_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="active", choices=["active", "inactive", "absent"]),
    forward_mode=dict(type="str", choices=list(FORWARD_MODES)),
    forward_dev=dict(type="str"),
    bridge=dict(type="str"),
    stp=dict(type="bool"),
    mtu=dict(type="int"),
    domain=dict(type="str"),
    domain_local_only=dict(type="bool"),
    ips=dict(type="list", elements="dict", options=dict(
        address=dict(type="str", required=True),
        prefix=dict(type="int", required=True),
        dhcp_ranges=dict(type="list", elements="dict", options=dict(
            start=dict(type="str", required=True),
            end=dict(type="str", required=True),
        )),
        dhcp_hosts=dict(type="list", elements="dict", options=dict(
            mac=dict(type="str"),
            id=dict(type="str"),
            name=dict(type="str"),
            ip=dict(type="str"),
        )),
    )),
    dns_hosts=dict(type="list", elements="dict", options=dict(
        ip=dict(type="str", required=True),
        hostnames=dict(type="list", elements="str", required=True),
    )),
    autostart=dict(type="bool"),
    restart=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
)
DEFINITION_OPTIONS = ("forward_mode", "forward_dev", "bridge", "stp", "mtu", "domain", "domain_local_only",
                      "ips", "dns_hosts")


def _address(text, option):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise VirtopsError("%s: %r is not an IP address" % (option, text))


class NetworkRunner(Runner):
    def subject(self):
        return "network %s" % self.params["name"]

    def run(self):
        p = self.params
        self.result.update(name=p["name"], needs_restart=False)
        self.before_run = self.recorder.mark()
        self.defined_by_run, self.previous_definition = False, None
        network = lookup_network(self.conn, p["name"])
        if p["state"] == "absent":
            self._absent(network)
        else:
            network = self._define(network)
            self._run_state(network)
        if network is not None and p["state"] != "absent" and self.shows_outcome():
            self._describe(network)
        self.result["diff"] = self.diff
        return self.result

    # -- the desired definition ----------------------------------------------------------------
    def _desired(self):
        p = self.params
        mode = p["forward_mode"]
        if mode == "bridge":
            if not p["bridge"]:
                raise VirtopsError("forward_mode bridge connects guests to an existing host bridge: give its name "
                                   "in bridge")
            if p["ips"] or p["dns_hosts"] or p["domain"]:
                raise VirtopsError("forward_mode bridge uses the host bridge's own network: ips, dns_hosts and "
                                   "domain are for networks libvirt serves (isolated, nat, route, open)")
        if p["forward_dev"] and mode in (None, ISOLATED):
            raise VirtopsError("forward_dev names the host interface traffic leaves by; an isolated network has none")
        if p["mtu"] is not None and not 68 <= p["mtu"] <= 65535:
            raise VirtopsError("mtu must be between 68 and 65535, got %d" % p["mtu"])
        check_interface_name(p["bridge"], "bridge")
        check_interface_name(p["forward_dev"], "forward_dev")
        if p["domain"] is not None:
            check_dns_name(p["domain"], "domain", "DNS domain")
        desired = NetworkConfig(name=p["name"], forward_mode=mode, forward_dev=p["forward_dev"], bridge=p["bridge"],
                                stp=p["stp"], mtu=p["mtu"], domain=p["domain"],
                                domain_local_only=p["domain_local_only"])
        if p["ips"] is not None:
            desired.ips = ExclusiveList(self._ip(index, spec) for index, spec in enumerate(p["ips"]))
        if p["dns_hosts"] is not None:
            desired.dns_hosts = ExclusiveList(
                DnsHost(ip=str(_address(spec["ip"], "dns_hosts[%d].ip" % index)),
                        hostnames=ExclusiveList(DnsHostname(name=name) for name in spec["hostnames"]))
                for index, spec in enumerate(p["dns_hosts"]))
        check_addresses(desired)
        check_other_networks(self.conn, desired)
        check_forward_device(self.conn, p["forward_dev"])
        return desired

    def _ip(self, index, spec):
        where = "ips[%d]" % index
        address = _address(spec["address"], where + ".address")
        try:
            subnet = ipaddress.ip_network("%s/%d" % (address, spec["prefix"]), strict=False)
        except ValueError:
            raise VirtopsError("%s.prefix: %d is not a prefix length for %s" % (where, spec["prefix"], address))
        ip = NetworkIp(address=str(address), prefix=spec["prefix"],
                       family="ipv6" if address.version == 6 else "ipv4")

        def inside(text, option):
            value = _address(text, option)
            if value not in subnet:
                raise VirtopsError("%s: %s is not in %s" % (option, value, subnet))
            return str(value)

        if spec["dhcp_ranges"] is not None:
            ip.dhcp_ranges = ExclusiveList(
                DhcpRange(start=inside(item["start"], "%s.dhcp_ranges[%d].start" % (where, number)),
                          end=inside(item["end"], "%s.dhcp_ranges[%d].end" % (where, number)))
                for number, item in enumerate(spec["dhcp_ranges"]))
        if spec["dhcp_hosts"] is not None:
            hosts = []
            for number, item in enumerate(spec["dhcp_hosts"]):
                option = "%s.dhcp_hosts[%d]" % (where, number)
                if not (item["mac"] or item["id"] or item["name"]):
                    raise VirtopsError("%s: a DHCP host is found by mac (IPv4), id or name; give one" % option)
                hosts.append(DhcpHost(mac=item["mac"].lower() if item["mac"] else None, id=item["id"],
                                      name=item["name"],
                                      ip=inside(item["ip"], option + ".ip") if item["ip"] else None))
            keys = [host.key() for host in hosts]
            duplicates = sorted(set(key for key in keys if keys.count(key) > 1))
            if duplicates:
                raise VirtopsError("%s.dhcp_hosts: %s appear more than once" % (where, ", ".join(duplicates)))
            ip.dhcp_hosts = ExclusiveList(hosts)
        return ip

    # -- definition -----------------------------------------------------------------------------
    def _define(self, network):
        p = self.params
        requested = any(p[option] is not None for option in DEFINITION_OPTIONS)
        if network is None and not requested:
            raise VirtopsError("network %s does not exist; give its definition (forward_mode, ips, ...) to define "
                               "it" % p["name"])
        if not requested:
            return network  # manage the state of an existing network only
        desired = self._desired()
        if network is None:
            if desired.forward_mode is None:
                desired.forward_mode = ISOLATED
            self.diff["after"] = desired.to_xml()
            network, created = self.recorder.record_or_adopt(
                "define", lambda: lookup_network(self.conn, p["name"]), self.conn.networkDefineXML, desired.to_xml())
            if created:
                self.defined_by_run = True
                return network
            self.diff["after"] = ""  # a concurrent run defined it first: converge on it
            return self._define(network)
        definition = network_definition(network)
        live = NetworkConfig.from_xml(definition)
        changes = desired.changes(live)
        if not changes:
            return network
        self.previous_definition = definition  # put back if the network cannot start on the new one
        self.diff.update(format_changes(changes))
        self.result["changes"] = [change.path for change in changes]
        updates, rest = live_updates(desired, live, changes)
        active = bool(network.isActive())
        for update in updates:
            self.recorder.record("%s%s" % (update.describe(), " (live)" if active else ""),
                                 update.apply, network, active)
        if rest:
            desired.apply_to(live)
            self.recorder.record("update definition", self.conn.networkDefineXML, live.to_xml())
            if active:
                self._restart_for(network, [change.path for change in rest])
        return network

    def _restart_for(self, network, paths):
        """A running network keeps its old definition until it restarts: restart it when asked
        (guests on it lose their link until libvirt reconnects them), else report it."""
        p = self.params
        if not p["restart"]:
            self.result["needs_restart"] = True
            self.warn("network %s runs with its old definition until it restarts (%s changed); set restart: true "
                      "or restart it when convenient" % (p["name"], ", ".join(paths)))
            return
        users = guests_on_network(self.conn, p["name"], running_only=True)
        if users and not p["force"]:
            raise self.recorder.failure(
                "network %s needs a restart to apply %s, but running guests are on it: %s. Restarting cuts "
                "their link; set force: true to restart anyway" % (p["name"], ", ".join(paths), ", ".join(users)),
                needs_restart=True)
        self.recorder.record("restart to apply", self._restart, network)

    def _restart(self, network):
        network.destroy()
        self._start(network)

    def _start(self, network):
        """Start the network; when it cannot start on the definition this run made, put back what
        was there before (no network, or the previous definition, running again if it ran), so a
        failed run leaves no definition that cannot start."""
        try:
            network.create()
        except libvirt.libvirtError as exc:
            if still_active(network):
                raise  # a concurrent run started it: not this definition's fault, nothing to undo
            reason = error_text(exc)
        else:
            return
        if self.defined_by_run:
            network.undefine()
            undone = "its definition was removed again"
        elif self.previous_definition is not None:
            self.conn.networkDefineXML(self.previous_definition)
            undone = "its previous definition was put back"
            if "restart to apply" in self.result["actions"]:
                try:
                    network.create()
                    undone += " and runs again"
                except libvirt.libvirtError as again:
                    undone += ", which did not start either (%s)" % error_text(again)
        else:
            raise VirtopsError("network %s did not start: %s" % (self.params["name"], reason))
        raise VirtopsError("network %s did not start with the new definition (%s); %s"
                           % (self.params["name"], reason, undone), undone=True)

    # -- state ----------------------------------------------------------------------------------
    def _run_state(self, network):
        p = self.params
        if network is None:  # check mode, new network
            if p["state"] == "active":
                self.recorder.record("start")
            if p["autostart"]:
                self.recorder.record("enable autostart")
            return
        if p["state"] == "active" and not network.isActive():
            try:
                self.recorder.record_or_adopt("start", lambda: still_active(network), self._start, network)
            except VirtopsError as exc:
                if exc.details.get("undone"):  # nothing of this run is left: report no change
                    self.recorder.rollback(self.before_run)
                    raise VirtopsError(exc.msg)
                raise
        elif p["state"] == "inactive" and network.isActive():
            self._refuse_if_used("stop", running_only=True)
            self.recorder.record("stop", network.destroy)
        if p["autostart"] is not None and bool(network.autostart()) != p["autostart"]:
            self.recorder.record("enable autostart" if p["autostart"] else "disable autostart",
                                 network.setAutostart, 1 if p["autostart"] else 0)

    def _refuse_if_used(self, what, running_only=False):
        """Stopping cuts running guests off; removing also strands guests defined on the network."""
        p = self.params
        users = guests_on_network(self.conn, p["name"], running_only)
        if users and not p["force"]:
            raise VirtopsError("network %s is used by %s; refusing to %s it (set force: true to do it anyway)"
                               % (p["name"], ", ".join(users), what))
        if users:
            self.warn("network %s was still used by %s" % (p["name"], ", ".join(users)))

    def _absent(self, network):
        if network is None:
            return
        self._refuse_if_used("remove")
        self.diff["before"] = network_definition(network) if network.isPersistent() else ""
        persistent = bool(network.isPersistent())
        if network.isActive():
            self.recorder.record("stop", network.destroy)
        if persistent:
            self.recorder.record("undefine", network.undefine)

    def _describe(self, network):
        config = NetworkConfig.from_xml(network.XMLDesc(0))
        self.result.update(
            active=bool(network.isActive()), autostart=bool(network.autostart()),
            persistent=bool(network.isPersistent()), bridge=config.bridge, forward_mode=config.forward_mode,
            ips=[ip.summary() for ip in config.ips or []],
            dns_hosts=[dict(ip=host.ip, hostnames=[item.name for item in host.hostnames or []])
                       for host in config.dns_hosts or []],
        )
        if network.isActive():
            try:
                leases = network.DHCPLeases()
            except libvirt.libvirtError as exc:
                if not is_error(exc, "NO_SUPPORT"):  # a driver without DHCP (libvirt's test driver)
                    raise
                leases = []
            self.result["leases"] = [dict(mac=lease.get("mac"), ip=lease.get("ipaddr"), hostname=lease.get("hostname"),
                                          expiry=lease.get("expirytime")) for lease in leases]
