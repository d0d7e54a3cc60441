#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nwfilter
short_description: Define, update and remove libvirt network traffic filters (nwfilter)
version_added: 0.3.0
description:
  - Manages a libvirt network filter - the firewall libvirt applies to a guest's interface
    (ebtables, iptables and ip6tables rules on the host, per tap device) - as Nova's old nwfilter
    firewall driver did per instance.
  - A filter is an ordered list of O(rules), each matching one protocol by its attributes, and
    references to other filters (O(filters), for example libvirt's C(clean-traffic)) with the
    variables they need (such as C(IP)). Guests use it through the C(filter) of an interface in
    M(virtops.libvirt.domain).
  - An existing filter is compared and redefined in place; libvirt applies the new rules to every
    running guest that uses the filter at once. O(rules) and O(filters) are complete lists - rules
    are compared in order, and rules or references not given are removed.
  - Removal is refused while guests (running or defined) or other filters use the filter, unless
    O(force) (libvirt itself still refuses while a running guest or another filter uses it).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be defined, changed or removed, without doing it.
  diff_mode:
    support: full
    description: The rules and fields that change, before and after (the whole filter when defined or removed).
options:
  name:
    description: Name of the filter.
    type: str
    required: true
  state:
    description: V(present) defines or updates the filter, V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
  chain:
    description:
      - The chain the filter's rules go to - C(root), C(mac), C(vlan), C(stp), C(arp), C(rarp),
        C(ipv4), C(ipv6), or C(<one of those but root>-<name>) for a chain of one's own. A new
        filter without it uses C(root).
    type: str
  priority:
    description: Priority of the filter's chain among the others (-1000 to 1000; lower runs first).
    type: int
  filters:
    description: Other filters this one includes, in order, with the variables they use.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the filter to include (it must exist).
        type: str
        required: true
      parameters:
        description: Variables for it, for example C(IP) with the guest's address.
        type: dict
        default: {}
  rules:
    description: The filter's rules, in order.
    type: list
    elements: dict
    suboptions:
      action:
        description: What happens to matching traffic.
        type: str
        required: true
        choices: [drop, reject, accept, return, continue]
      direction:
        description: V(in) is traffic to the guest, V(out) traffic from it, V(inout) both.
        type: str
        required: true
        choices: [in, out, inout]
      priority:
        description: Order among the rules of the chain (-1000 to 1000; lower first).
        type: int
        default: 500
      statematch:
        description: Use connection tracking for the rule (iptables-level protocols).
        type: bool
        default: true
      protocol:
        description:
          - The protocol the rule matches - C(mac), C(vlan), C(stp), C(arp), C(rarp), C(ip),
            C(ipv6) (ebtables level), or C(tcp), C(udp), C(sctp), C(icmp), C(igmp), C(esp),
            C(ah), C(udplite), C(all) and their C(-ipv6) variants (C(icmpv6)) (iptables level).
        type: str
        required: true
      match:
        description:
          - The protocol's attributes to match, for example C(srcipaddr) or C(dstportstart) with
            their values; a value may be a variable such as C($IP). C(match) set to C(no) negates
            the rule; C(comment) is kept with the rule (at most 256 bytes, all libvirt keeps).
          - Each protocol takes the attributes libvirt's nwfilter schema lists for it; an unknown
            one fails with the list of those it takes.
        type: dict
        default: {}
  force:
    description: Try to remove the filter although guests or filters still use it.
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.nwfilter_info
  - module: virtops.libvirt.domain
  - name: libvirt's network filters
    description: The rule language, protocols and attributes.
    link: https://libvirt.org/formatnwfilter.html
"""

EXAMPLES = r"""
- name: No ICMP to or from the guest, on top of libvirt's anti-spoofing filter
  virtops.libvirt.nwfilter:
    name: no-icmp
    filters:
      - name: clean-traffic
    rules:
      - {action: drop, direction: inout, protocol: icmp}

- name: Only SSH and the guest's own address in (IP given by the interface's filter parameters)
  virtops.libvirt.nwfilter:
    name: ssh-only
    chain: ipv4
    rules:
      - {action: accept, direction: in, protocol: tcp, match: {dstportstart: 22}}
      - {action: accept, direction: out, protocol: all, match: {srcipaddr: "$IP"}}
      - {action: drop, direction: inout, protocol: all, priority: 900}

- name: Apply it to an instance's NIC
  virtops.libvirt.domain:
    name: web1
    interfaces:
      - network: private
        mac: "52:54:00:10:00:05"
        filter:
          name: ssh-only
          parameters: {IP: 10.10.0.5}
"""

RETURN = r"""
name:
  description: The filter.
  returned: always
  type: str
changes:
  description: The fields that differed (C(rules[1].match), C(filters[clean-traffic].parameters[IP].value), ...).
  returned: when an existing filter changed
  type: list
  elements: str
filter:
  description: The filter as libvirt holds it (name, uuid, chain, priority, filters, rules).
  returned: when the filter exists after the run
  type: dict
actions:
  description: Changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["define"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.nwfilter import NWFILTER_ARGUMENT_SPEC, NWFilterRunner


def main():
    run_module(AnsibleModule, NWFILTER_ARGUMENT_SPEC, NWFilterRunner)


if __name__ == "__main__":
    main()
