# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: libvirt
short_description: Instances (libvirt domains) of one or more hypervisors as inventory hosts
version_added: 0.1.0
description:
  - Lists the domains of every hypervisor in O(uris); each becomes a host named after the domain,
    with its state, hypervisor, vCPUs, memory, MACs, addresses, metadata and title as host
    variables (prefixed C(libvirt_)).
  - Addresses come from the guest agent, libvirt's DHCP leases and the host's ARP table, tried in
    the order of O(address_sources) for each running domain; the first source that knows any
    address wins. C(ansible_host) is the first of them (O(ansible_host_from_address)), or what
    O(compose) makes of the host variables.
  - Groups - C(hypervisor_<host name>) for each hypervisor, C(state_<state>) for each state and
    C(maintenance) for the instances of hypervisors marked in maintenance (M(virtops.libvirt.maintenance);
    the mark is in C(libvirt_hypervisor_maintenance)), plus what O(groups) and O(keyed_groups) build.
  - A hypervisor that does not answer is reported as a warning; the instances of the others are
    still listed.
  - The configuration file's name must end in C(libvirt.yml) or C(libvirt.yaml).
  - Needs libvirt-python and lxml where the inventory is parsed (the controller, or the execution
    environment an AWX inventory source runs in; see the collection's C(meta/execution-environment.yml)).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the file a configuration of this plugin.
    type: str
    required: true
    choices: [virtops.libvirt.libvirt]
  uris:
    description:
      - libvirt URIs of the hypervisors, for example V(qemu+ssh://root@hv1/system) or
        V(qemu+tls://hv2/system).
    type: list
    elements: str
    default: [qemu:///system]
  name_pattern:
    description: Only domains whose name matches this regular expression (searched, not anchored).
    type: str
  states:
    description: Only domains in one of these states.
    type: list
    elements: str
    choices: [running, paused, shutoff, crashed, pmsuspended, blocked, shutdown, saved]
  metadata:
    description:
      - Only domains whose metadata (what O(virtops.libvirt.domain#module:metadata) sets) has each of
        these keys with that value.
    type: dict
    default: {}
  address_sources:
    description:
      - Where to look for a running domain's addresses, in this order - V(agent) (the QEMU guest
        agent, needs a read-write connection), V(lease) (libvirt's DHCP leases of its networks),
        V(arp) (the hypervisor's ARP table).
      - An empty list reads no addresses.
    type: list
    elements: str
    choices: [agent, lease, arp]
    default: [agent, lease, arp]
  ansible_host_from_address:
    description:
      - Set C(ansible_host) to the domain's first address (IPv4 before IPv6), when it has one.
        O(compose) may set it to anything else.
    type: bool
    default: true
  agent_connection:
    description:
      - Reach the domains that have the QEMU guest agent's channel through it - the
        P(virtops.libvirt.agent#connection) connection, no network needed. Sets
        C(ansible_connection), C(ansible_libvirt_uri) (the hypervisor's URI as given in O(uris)) and
        C(ansible_libvirt_domain) for them; the other domains keep the default connection.
      - O(compose) may set something else, for example only for some groups.
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventory/hypervisors.libvirt.yml
plugin: virtops.libvirt.libvirt
uris:
  - qemu+ssh://root@hv1.example.com/system
  - qemu+ssh://root@hv2.example.com/system
name_pattern: '^web'
states: [running]
keyed_groups:
  - key: libvirt_metadata.role | default('none')
    prefix: role
groups:
  big: libvirt_memory_mb >= 8192
compose:
  ansible_user: "'debian'"

# Instances configured through their guest agents (no network needed), from an isolated hypervisor
# plugin: virtops.libvirt.libvirt
# uris: [qemu+ssh://root@hv1.example.com/system]
# states: [running]
# agent_connection: true

# Through a bastion: ansible_host as the name in DNS instead of an address
# plugin: virtops.libvirt.libvirt
# compose:
#   ansible_host: inventory_hostname ~ '.internal.example.com'

# AWX / Automation Controller: an inventory source "Sourced from a Project" pointing at a file
# like the one above, run in an execution environment built from this collection (it installs
# libvirt-python, lxml and the ssh client); give the controller's SSH key to the hypervisors through
# a Machine credential or the EE's ~/.ssh. With caching:
# plugin: virtops.libvirt.libvirt
# uris: [qemu+ssh://root@hv1.example.com/system]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: /tmp/virtops-libvirt-inventory
# cache_timeout: 300
"""

import ipaddress
import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    HAS_LIBVIRT, error_text, libvirt, open_connection,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.summary import guest_summary
from ansible_collections.virtops.libvirt.plugins.module_utils.host.maintenance import read_mark


def instance_addresses(guest, sources):
    """[{address, prefix, family, mac, interface, source}] of a running guest from the first of
    ``sources`` that knows any; loopback and link-local addresses are left out. Errors of a
    source (no agent in the guest, no leases) just move on to the next."""
    for source in sources:
        try:
            interfaces = guest.interface_addresses(source)
        except libvirt.libvirtError:
            continue
        found = []
        for name, interface in sorted((interfaces or {}).items()):
            for entry in interface.get("addrs") or []:
                try:
                    address = ipaddress.ip_address(entry["addr"])
                except ValueError:
                    continue
                if address.is_loopback or address.is_link_local:
                    continue
                found.append(dict(address=str(address), prefix=entry.get("prefix"), family="ipv%d" % address.version,
                                  mac=interface.get("hwaddr"), interface=name, source=source))
        if found:
            return sorted(found, key=lambda item: item["family"] != "ipv4")  # stable: IPv4 first
    return []


def hypervisor_records(conn, uri, sources):
    """Every domain of one hypervisor as plain data (what the cache keeps)."""
    hypervisor = conn.getHostname()
    maintenance = read_mark(conn)
    records = []
    for guest in Guest.all(conn):
        try:
            summary = guest_summary(guest)
        except libvirt.libvirtError:
            continue  # undefined while being listed
        summary.update(
            hypervisor=hypervisor, uri=uri, hypervisor_maintenance=maintenance,
            macs=[interface["mac"] for interface in summary["interfaces"] if interface["mac"]],
            addresses=instance_addresses(guest, sources) if summary["state"] == "running" else [])
        records.append(summary)
    return records


def selected(record, name_pattern, states, metadata):
    if name_pattern and not re.search(name_pattern, record["name"]):
        return False
    if states and record["state"] not in states:
        return False
    return all(str(record["metadata"].get(key)) == str(value) for key, value in metadata.items())


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "virtops.libvirt.libvirt"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("libvirt.yml", "libvirt.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        if not HAS_LIBVIRT:
            raise AnsibleParserError("virtops.libvirt.libvirt needs libvirt-python where the inventory is parsed")
        self._read_config_data(path)
        for index, uri in enumerate(self.get_option("uris")):
            if uri is None or not str(uri).strip():
                raise AnsibleParserError("uris[%d] is empty; name each hypervisor (an empty URI would be libvirt's "
                                         "default connection on the controller)" % index)
        if self.get_option("name_pattern"):
            try:
                re.compile(self.get_option("name_pattern"))
            except re.error as exc:
                raise AnsibleParserError("name_pattern %r is not a regular expression: %s"
                                         % (self.get_option("name_pattern"), exc))
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self._read_hypervisors()
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)

    def _read_hypervisors(self):
        records = []
        for uri in self.get_option("uris"):
            try:
                conn = open_connection(uri)
            except VirtopsError as exc:
                self.display.warning("virtops.libvirt.libvirt: %s; its instances are not listed" % exc.msg)
                continue
            try:
                records.extend(hypervisor_records(conn, uri, self.get_option("address_sources")))
            except libvirt.libvirtError as exc:
                self.display.warning("virtops.libvirt.libvirt: listing the domains of %s failed: %s; its "
                                     "instances are not listed" % (uri, error_text(exc)))
            finally:
                conn.close()
        return records

    def _populate(self, records):
        strict = self.get_option("strict")
        names = {}
        for record in records:
            if not selected(record, self.get_option("name_pattern"), self.get_option("states"),
                            self.get_option("metadata")):
                continue
            host = record["name"]
            if host in names:
                # One name on two hypervisors (or a domain caught mid-migration): both stay listed.
                host = "%s@%s" % (record["name"], record["hypervisor"])
                self.display.warning("virtops.libvirt.libvirt: domain %s is on %s and %s; the second is listed as %s"
                                     % (record["name"], names[record["name"]], record["hypervisor"], host))
            names.setdefault(record["name"], record["hypervisor"])
            self.inventory.add_host(host)
            groups = ["hypervisor_%s" % record["hypervisor"], "state_%s" % record["state"]]
            if record.get("hypervisor_maintenance"):
                groups.append("maintenance")
            for group in groups:
                group = self.inventory.add_group(self._sanitize_group_name(group))
                self.inventory.add_child(group, host)
            hostvars = dict(("libvirt_%s" % key, value) for key, value in record.items())
            if self.get_option("agent_connection") and record.get("guest_agent"):
                hostvars.update(ansible_connection="virtops.libvirt.agent", ansible_libvirt_uri=record["uri"],
                                ansible_libvirt_domain=record["name"])
            if self.get_option("ansible_host_from_address") and record["addresses"]:
                hostvars["ansible_host"] = record["addresses"][0]["address"]
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
