#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: network
short_description: Define, update, start and remove libvirt virtual networks
version_added: 0.3.0
description:
  - Manages a libvirt virtual network - isolated, NAT, routed, open, or an existing host bridge -
    with its IPv4/IPv6 addresses, DHCP ranges, DHCP host reservations (MAC to address and name),
    DNS host entries, MTU and domain name.
  - An existing network is updated in place. DHCP hosts, DHCP ranges and DNS hosts change through
    libvirt's network update call, on the running network (its dnsmasq) and in its definition
    at once. Any other change is written to the definition; a running network keeps the old one
    until it restarts, which the module reports as RV(needs_restart) unless O(restart) is set.
  - Only the options given are compared; list options (O(ips), O(dns_hosts), and the DHCP lists
    of an address) are complete lists, so items not given are removed.
  - Stopping a network that running guests use, or removing one that guests use or are defined
    with, is refused unless O(force).
  - What libvirt accepts in a definition but refuses (or reads otherwise) when the network starts
    is refused before anything is defined - bridge and device names the kernel refuses, a domain
    or host name that is not a DNS name, a prefix of 0, an address no host can have on the
    network (network, broadcast, unspecified, loopback, multicast, link-local, IPv4-mapped), an
    address or reservation given twice, subnets that overlap (each other or another network's),
    DHCP ranges that contain the network's own address or overlap, a O(forward_dev) the host's
    node devices do not list (libvirt would start a NAT network on it). A network that still does not
    start (a bridge or subnet the host already has) is removed again, or its previous definition
    put back, and the task fails reporting no change.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be defined, updated, started or removed, without doing it.
  diff_mode:
    support: full
    description: The fields that change, before and after (the whole definition for a new or removed network).
options:
  name:
    description: Name of the network.
    type: str
    required: true
  state:
    description:
      - V(active) defines the network when needed and starts it; V(inactive) defines it and
        leaves it stopped (stopping it if it runs); V(absent) stops and undefines it.
    type: str
    default: active
    choices: [active, inactive, absent]
  forward_mode:
    description:
      - How guests reach beyond the network. V(isolated) (no forwarding - guests reach each other
        and the host's address on the network only), V(nat), V(route), V(open), or V(bridge)
        (guests join the existing host bridge named in O(bridge); libvirt serves no addresses).
      - A new network without it is V(isolated).
    type: str
    choices: [isolated, nat, route, open, bridge]
  forward_dev:
    description: The host interface that forwarded traffic leaves by (V(nat), V(route)).
    type: str
  bridge:
    description:
      - The bridge device. libvirt creates it for the modes it serves (a free C(virbrN) when not
        given); for O(forward_mode=bridge), the existing host bridge.
    type: str
  stp:
    description: Spanning tree protocol on the bridge libvirt creates.
    type: bool
  mtu:
    description: MTU of the bridge and the guests' tap devices (68-65535).
    type: int
  domain:
    description: DNS domain of the network (dnsmasq answers for names in it).
    type: str
  domain_local_only:
    description: Answer names in O(domain) locally only, never forward them.
    type: bool
  ips:
    description: The network's addresses on the host side, each with its DHCP service.
    type: list
    elements: dict
    suboptions:
      address:
        description: The host's address on the network (IPv4 or IPv6).
        type: str
        required: true
      prefix:
        description: Prefix length (C(24), C(64)).
        type: int
        required: true
      dhcp_ranges:
        description: Address ranges DHCP hands out; each address must be inside the network.
        type: list
        elements: dict
        suboptions:
          start:
            description: First address.
            type: str
            required: true
          end:
            description: Last address.
            type: str
            required: true
      dhcp_hosts:
        description:
          - Reservations. A host is found by O(ips[].dhcp_hosts[].mac) (IPv4), or by
            O(ips[].dhcp_hosts[].id) or O(ips[].dhcp_hosts[].name) (IPv6).
        type: list
        elements: dict
        suboptions:
          mac:
            description: The guest NIC's MAC address.
            type: str
          id:
            description: DHCPv6 client identifier (DUID).
            type: str
          name:
            description: Host name given to the guest (and resolvable through the network's DNS).
            type: str
          ip:
            description: The address reserved for it.
            type: str
  dns_hosts:
    description: Extra DNS host entries the network's DNS server answers.
    type: list
    elements: dict
    suboptions:
      ip:
        description: The address.
        type: str
        required: true
      hostnames:
        description: The names for it.
        type: list
        elements: str
        required: true
  autostart:
    description: Start the network when libvirtd starts.
    type: bool
  restart:
    description:
      - Restart a running network when a change needs it (see RV(needs_restart)). Guests on the
        network lose their link while it restarts; with running guests on it this is refused
        unless O(force).
    type: bool
    default: false
  force:
    description:
      - Stop, restart or remove the network although guests use it. Their interfaces lose their link
        (running guests) or cannot start (defined guests) until the network is back.
    type: bool
    default: false
notes:
  - community.libvirt's C(virt_net) cannot update an existing network (its issue 47); this module
    compares and updates it.
seealso:
  - module: virtops.libvirt.nwfilter
  - module: virtops.libvirt.domain
"""

EXAMPLES = r"""
- name: A private network for the instances, with reservations (no forwarding)
  virtops.libvirt.network:
    name: private
    forward_mode: isolated
    domain: private.test
    ips:
      - address: 10.10.0.1
        prefix: 24
        dhcp_ranges:
          - {start: 10.10.0.100, end: 10.10.0.199}
        dhcp_hosts:
          - {mac: "52:54:00:10:00:05", ip: 10.10.0.5, name: web1}
    autostart: true

- name: NAT network with IPv4 and IPv6
  virtops.libvirt.network:
    name: nat64
    forward_mode: nat
    ips:
      - {address: 192.168.150.1, prefix: 24, dhcp_ranges: [{start: 192.168.150.10, end: 192.168.150.99}]}
      - {address: "fd00:150::1", prefix: 64}

- name: Guests on an existing host bridge
  virtops.libvirt.network:
    name: lan
    forward_mode: bridge
    bridge: br0

- name: Remove a network nothing uses any more
  virtops.libvirt.network:
    name: old
    state: absent
"""

RETURN = r"""
name:
  description: The network.
  returned: always
  type: str
needs_restart:
  description: The definition changed in ways the running network applies only when it restarts.
  returned: always
  type: bool
changes:
  description: The fields that differed (paths such as C(ips[10.10.0.1].dhcp.hosts[52:54:00:10:00:05].ip)).
  returned: when an existing network changed
  type: list
  elements: str
active:
  description: Whether the network runs.
  returned: when the network exists after the run
  type: bool
autostart:
  description: Whether it starts with libvirtd.
  returned: when the network exists after the run
  type: bool
persistent:
  description: Whether it has a definition (a transient network has none).
  returned: when the network exists after the run
  type: bool
bridge:
  description: Its bridge device.
  returned: when the network exists after the run
  type: str
forward_mode:
  description: Its forward mode.
  returned: when the network exists after the run
  type: str
ips:
  description: Its addresses with DHCP ranges and hosts.
  returned: when the network exists after the run
  type: list
  elements: dict
dns_hosts:
  description: Its DNS host entries.
  returned: when the network exists after the run
  type: list
  elements: dict
leases:
  description: The DHCP leases it handed out (mac, ip, hostname, expiry).
  returned: when the network runs
  type: list
  elements: dict
actions:
  description: Changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["define", "start", "add DHCP host 52:54:00:10:00:05 (live)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.network import NETWORK_ARGUMENT_SPEC, NetworkRunner


def main():
    run_module(AnsibleModule, NETWORK_ARGUMENT_SPEC, NetworkRunner)


if __name__ == "__main__":
    main()
