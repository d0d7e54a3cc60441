# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual networks: lookup, and the parts of a definition that change in place.

libvirt's networkUpdate changes DHCP host reservations, DHCP ranges and DNS host entries of a
running network (dnsmasq is told) and of its definition in one call; everything else needs a
new definition that takes effect when the network restarts. ``live_updates`` splits a change
into those two kinds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import HOST_LABEL
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_error, libvirt, lookup_or_none
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.network import NetworkConfig

# Changes of these parts go through networkUpdate; anything else needs a redefinition.
LIVE_PATHS = re.compile(r"^(dns\.hosts|ips\[[^\]]*\]\.dhcp\.(hosts|ranges))(\[|$)")


def lookup_network(conn, name):
    return lookup_or_none(conn.networkLookupByName, "NO_NETWORK", name)


def network_definition(network):
    """The network's persistent definition (what it runs with after a restart)."""
    try:
        return network.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    except libvirt.libvirtError as exc:
        if not is_error(exc, "INVALID_ARG"):
            raise
        return network.XMLDesc(0)  # a driver with one definition only (libvirt's test driver)


# -- what libvirt checks only when the network starts, checked before it is defined -----------------
# A Linux interface name (the kernel's dev_valid_name): 1-15 bytes, no '/', ':' or white space.
INTERFACE_NAME = re.compile(r"^[^/:\s]{1,15}$")


def check_interface_name(name, option):
    if name is not None and (not INTERFACE_NAME.match(name) or name in (".", "..")):
        raise VirtopsError("%s %r is not a Linux interface name: 1 to 15 characters, none of '/', ':' or white "
                           "space, and not '.' or '..'" % (option, name))


def check_dns_name(name, option, what="DNS name"):
    labels = (name or "").rstrip(".").split(".")
    if not (0 < len(name or "") <= 253 and all(HOST_LABEL.match(label) for label in labels)):
        raise VirtopsError("%s %r is not a valid %s: labels of letters, digits and '-' separated by dots"
                           % (option, name, what))


def _host_address_problem(address, subnet):
    """Why ``address`` cannot be a host's address on ``subnet`` (None if it can)."""
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address (the kernel gives those itself)"
    if address.version == 6 and address.ipv4_mapped is not None:
        return "an IPv4-mapped IPv6 address"
    if subnet is not None and address.version == 4 and subnet.prefixlen <= 30:
        if address == subnet.network_address:
            return "the network's own address"
        if address == subnet.broadcast_address:
            return "the network's broadcast address"
    return None


def check_addresses(desired, where="ips"):
    """Refuse what libvirt accepts in a definition but the network cannot start with, or starts
    with a meaning nobody asked for (prefix 0 read as unset: a classful /8)."""
    seen = {}
    subnets = []
    for index, ip in enumerate(desired.ips or []):
        option = "%s[%d]" % (where, index)
        address = ipaddress.ip_address(ip.address)
        bits = 32 if address.version == 4 else 128
        if not 1 <= ip.prefix <= bits:
            raise VirtopsError("%s.prefix must be between 1 and %d for %s, got %d (libvirt reads 0 as no prefix "
                               "and picks one itself)" % (option, bits, address, ip.prefix))
        subnet = ipaddress.ip_network("%s/%d" % (address, ip.prefix), strict=False)
        problem = _host_address_problem(address, subnet)
        if problem:
            raise VirtopsError("%s.address %s is %s; give the address the host takes on the network"
                               % (option, address, problem))
        if str(address) in seen:
            raise VirtopsError("%s.address %s is given twice (also %s)" % (option, address, seen[str(address)]))
        seen[str(address)] = option
        for other_subnet, other in subnets:
            if subnet.version == other_subnet.version and subnet.overlaps(other_subnet):
                raise VirtopsError("%s: %s overlaps %s of %s" % (option, subnet, other_subnet, other))
        subnets.append((subnet, option))
        _check_dhcp(ip, address, subnet, option)
    for index, host in enumerate(desired.dns_hosts or []):
        for number, name in enumerate(host.hostnames or []):
            check_dns_name(name.name, "dns_hosts[%d].hostnames[%d]" % (index, number), "host name")
        problem = _host_address_problem(ipaddress.ip_address(host.ip), None) if host.ip else None
        if problem:
            raise VirtopsError("dns_hosts[%d].ip %s is %s" % (index, host.ip, problem))


def _check_dhcp(ip, address, subnet, option):
    ranges = []
    for number, item in enumerate(ip.dhcp_ranges or []):
        where = "%s.dhcp_ranges[%d]" % (option, number)
        start, end = ipaddress.ip_address(item.start), ipaddress.ip_address(item.end)
        if start > end:
            raise VirtopsError("%s: start %s comes after end %s" % (where, start, end))
        if start <= address <= end:
            raise VirtopsError("%s: %s-%s contains the network's own address %s (its gateway)"
                               % (where, start, end, address))
        for reserved in (subnet.network_address, subnet.broadcast_address) if subnet.version == 4 else ():
            if start <= reserved <= end and subnet.prefixlen <= 30:
                raise VirtopsError("%s: %s-%s contains %s, which no host can have" % (where, start, end, reserved))
        for other_start, other_end, other in ranges:
            if start <= other_end and other_start <= end:
                raise VirtopsError("%s: %s-%s overlaps %s (%s-%s)" % (where, start, end, other, other_start,
                                                                      other_end))
        ranges.append((start, end, where))
    reserved = {}
    for number, host in enumerate(ip.dhcp_hosts or []):
        if not host.ip:
            continue
        where = "%s.dhcp_hosts[%d].ip" % (option, number)
        value = ipaddress.ip_address(host.ip)
        if value == address:
            raise VirtopsError("%s %s is the network's own address (its gateway)" % (where, value))
        problem = _host_address_problem(value, subnet)
        if problem:
            raise VirtopsError("%s %s is %s" % (where, value, problem))
        if str(value) in reserved:
            raise VirtopsError("%s %s is reserved twice (also %s)" % (where, value, reserved[str(value)]))
        reserved[str(value)] = where


def host_interfaces(conn):
    """The names of the host's network interfaces as libvirt's node devices list them, or None
    when this libvirt cannot list them (no node device driver)."""
    try:
        devices = conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET)
    except libvirt.libvirtError:
        return None
    names = set()
    for device in devices:
        try:
            found = re.search(r"<interface>([^<]+)</interface>", device.XMLDesc(0))
        except libvirt.libvirtError:
            continue  # gone meanwhile
        if found:
            names.add(found.group(1))
    return names


def check_forward_device(conn, dev):
    """libvirt starts a NAT or routed network on a forward device the host does not have (its
    traffic then leaves by no interface): refuse one libvirt's node devices do not list."""
    if dev is None:
        return
    names = host_interfaces(conn)
    if names and dev not in names:  # none listed (no udev, say): nothing to go by
        raise VirtopsError("forward_dev %s: the host has no network interface of that name (libvirt would start the "
                           "network with its traffic leaving by nothing); it has %s"
                           % (dev, ", ".join(sorted(names)) or "none"))


def check_other_networks(conn, desired):
    """Refuse subnets that overlap another network of this libvirt (which would refuse to start)."""
    mine = [ipaddress.ip_network("%s/%d" % (ip.address, ip.prefix), strict=False) for ip in desired.ips or []]
    if not mine:
        return
    for network in conn.listAllNetworks():
        if network.name() == desired.name:
            continue
        try:
            other = NetworkConfig.from_xml(network_definition(network))
        except libvirt.libvirtError as exc:
            if is_error(exc, "NO_NETWORK"):
                continue
            raise
        for ip in other.ips or []:
            netmask = ip.prefix if ip.prefix is not None else (
                ip._source.get("netmask") if ip._source is not None else None)  # pylint: disable=protected-access
            if ip.address is None or netmask is None:
                continue
            theirs = ipaddress.ip_network("%s/%s" % (ip.address, netmask), strict=False)
            for subnet in mine:
                if subnet.version == theirs.version and subnet.overlaps(theirs):
                    raise VirtopsError("ips: %s overlaps %s of network %s" % (subnet, theirs, network.name()))


class NetworkUpdate:
    """One networkUpdate call: add, delete or modify one DHCP host, DHCP range or DNS host."""

    def __init__(self, command, section, parent_index, item):
        self.command, self.section, self.parent_index, self.item = command, section, parent_index, item

    def describe(self):
        what = {"dhcp_host": "DHCP host", "dhcp_range": "DHCP range", "dns_host": "DNS host"}[self.section]
        return "%s %s %s" % (self.command, what, self.item.key())

    def apply(self, network, live):
        commands = dict(add=libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                        delete=libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                        modify=libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY)
        sections = dict(dhcp_host=libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                        dhcp_range=libvirt.VIR_NETWORK_SECTION_IP_DHCP_RANGE,
                        dns_host=libvirt.VIR_NETWORK_SECTION_DNS_HOST)
        flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        if live:
            flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
        network.update(commands[self.command], sections[self.section], self.parent_index,
                       self.item.to_xml(pretty=False), flags)


def _list_updates(section, parent_index, desired, live, modify):
    """Updates that turn the ``live`` items into the ``desired`` ones (matched by key)."""
    if desired is None:
        return []
    live_by_key = dict((item.key(), item) for item in live or [])
    desired_keys = set(item.key() for item in desired)
    updates = [NetworkUpdate("delete", section, parent_index, item)
               for key, item in sorted(live_by_key.items()) if key not in desired_keys]
    for item in desired:
        current = live_by_key.get(item.key())
        if current is None:
            updates.append(NetworkUpdate("add", section, parent_index, item.copy_requested()))
        elif item.changes(current):
            changed = item.apply_to(type(current).parse(current.to_element()))
            if modify:
                updates.append(NetworkUpdate("modify", section, parent_index, changed))
            else:  # libvirt modifies only DHCP hosts; the others are replaced
                updates.append(NetworkUpdate("delete", section, parent_index, current))
                updates.append(NetworkUpdate("add", section, parent_index, changed))
    return updates


def live_updates(desired, live, changes):
    """The NetworkUpdate calls for the ``changes`` libvirt applies in place, and the changes
    left that need a redefinition (and a restart of a running network)."""
    rest = [change for change in changes if not LIVE_PATHS.match(change.path)]
    if len(rest) == len(changes):
        return [], rest
    updates = []
    live_ips = live.ips or []
    for ip in desired.ips or []:
        index = next((position for position, other in enumerate(live_ips) if other.key() == ip.key()), None)
        if index is None:
            continue  # a new address: part of the redefinition
        updates += _list_updates("dhcp_range", index, ip.dhcp_ranges, live_ips[index].dhcp_ranges, False)
        updates += _list_updates("dhcp_host", index, ip.dhcp_hosts, live_ips[index].dhcp_hosts, True)
    updates += _list_updates("dns_host", -1, desired.dns_hosts, live.dns_hosts, False)
    return updates, rest
