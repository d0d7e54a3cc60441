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

import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_error, libvirt, lookup_or_none

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
