# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetworkConfig and NWFilterConfig on XML as this libvirt writes it; which network changes
go through networkUpdate; the nwfilter protocol table against libvirt's own schema."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.network.networks import live_updates
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import ExclusiveList
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.network import (
    DhcpHost, DhcpRange, DnsHost, DnsHostname, NetworkConfig, NetworkIp,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.nwfilter import (
    COMMON_ATTRIBUTES, PROTOCOL_ATTRIBUTES, FilterRule, NWFilterConfig,
)

# As libvirt 9.0 writes a NAT network defined with a netmask (virsh net-dumpxml --inactive).
LIVE_NETWORK = """<network>
  <name>private</name>
  <uuid>3e505899-8057-4352-b6e7-4b727bb37661</uuid>
  <forward mode='nat'>
    <nat><port start='1024' end='65535'/></nat>
  </forward>
  <bridge name='virbr1' stp='on' delay='0'/>
  <mac address='52:54:00:d7:5c:cd'/>
  <dns>
    <host ip='10.98.0.7'><hostname>db</hostname></host>
  </dns>
  <ip address='10.98.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.98.0.100' end='10.98.0.200'/>
      <host mac='52:54:00:00:00:01' name='a' ip='10.98.0.5'/>
    </dhcp>
  </ip>
</network>"""

# As libvirt 9.0 writes back a filter (virsh nwfilter-dumpxml): priority filled in, MAC lower case.
LIVE_FILTER = """<filter name='web' chain='root'>
  <uuid>358ea346-fc54-4a3e-8663-a39db1a61d3f</uuid>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.5'/>
  </filterref>
  <rule action='drop' direction='in' priority='500'>
    <icmp srcipaddr='10.0.0.6' type='8'/>
  </rule>
  <rule action='accept' direction='inout' priority='500' statematch='false'>
    <tcp srcmacaddr='52:54:00:aa:bb:cc' dstportstart='22'/>
  </rule>
</filter>"""


def desired_network(**changes):
    ip = NetworkIp(address="10.98.0.1", prefix=24, family="ipv4",
                   dhcp_ranges=ExclusiveList([DhcpRange(start="10.98.0.100", end="10.98.0.200")]),
                   dhcp_hosts=ExclusiveList([DhcpHost(mac="52:54:00:00:00:01", name="a", ip="10.98.0.5")]))
    config = NetworkConfig(name="private", forward_mode="nat", ips=ExclusiveList([ip]),
                           dns_hosts=ExclusiveList([DnsHost(ip="10.98.0.7", hostnames=[DnsHostname(name="db")])]))
    for name, value in changes.items():
        setattr(ip if name.startswith("dhcp") else config, name, value)
    return config


def test_a_network_as_libvirt_writes_it_reads_back_equal_to_the_options_that_made_it():
    live = NetworkConfig.from_xml(LIVE_NETWORK)
    assert live.ips[0].prefix == 24  # the netmask, as a prefix
    assert desired_network().changes(live) == []


def test_host_and_range_changes_go_through_network_update_and_nothing_else_needs_a_restart():
    live = NetworkConfig.from_xml(LIVE_NETWORK)
    desired = desired_network(
        dhcp_hosts=ExclusiveList([DhcpHost(mac="52:54:00:00:00:01", name="a", ip="10.98.0.6"),
                                  DhcpHost(mac="52:54:00:00:00:02", name="b", ip="10.98.0.8")]),
        dhcp_ranges=ExclusiveList([DhcpRange(start="10.98.0.150", end="10.98.0.200")]),
        dns_hosts=ExclusiveList([]))
    changes = desired.changes(live)
    updates, rest = live_updates(desired, live, changes)
    assert rest == []
    assert [update.describe() for update in updates] == [
        "delete DHCP range 10.98.0.100-10.98.0.200", "add DHCP range 10.98.0.150-10.98.0.200",
        "modify DHCP host 52:54:00:00:00:01", "add DHCP host 52:54:00:00:00:02", "delete DNS host 10.98.0.7"]
    modified = updates[2].item.to_xml(pretty=False)
    assert "ip=\"10.98.0.6\"" in modified and "name=\"a\"" in modified


def test_forward_mode_and_a_new_address_need_a_redefinition():
    live = NetworkConfig.from_xml(LIVE_NETWORK)
    desired = desired_network(forward_mode="isolated")
    desired.ips.append(NetworkIp(address="fd00::1", prefix=64, family="ipv6"))
    updates, rest = live_updates(desired, live, desired.changes(live))
    assert updates == []
    assert [change.path for change in rest] == ["forward", "ips[fd00::1].address", "ips[fd00::1].prefix",
                                                "ips[fd00::1].family"]
    desired.apply_to(live)
    written = live.to_xml()
    assert "<forward" not in written  # isolated: no forward element at all (a bare one means NAT)
    assert 'prefix="24"' in written and "netmask" not in written


def test_filter_as_libvirt_writes_it_compares_equal_and_rule_order_matters():
    live = NWFilterConfig.from_xml(LIVE_FILTER)
    rules = [FilterRule(action="drop", direction="in", priority=500, statematch=True,
                        match=dict(protocol="icmp", attributes={"srcipaddr": "10.0.0.6", "type": "8"})),
             FilterRule(action="accept", direction="inout", priority=500, statematch=False,
                        match=dict(protocol="tcp", attributes={"srcmacaddr": "52:54:00:aa:bb:cc",
                                                               "dstportstart": "22"}))]
    assert NWFilterConfig(name="web", rules=rules).changes(live) == []
    swapped = NWFilterConfig(name="web", rules=list(reversed(rules))).changes(live)
    assert [change.path for change in swapped] == [
        "rules[0].action", "rules[0].direction", "rules[0].statematch", "rules[0].match",
        "rules[1].action", "rules[1].direction", "rules[1].statematch", "rules[1].match"]
    shorter = NWFilterConfig(name="web", rules=rules[:1]).changes(live)
    assert [(change.path, change.before, change.after) for change in shorter] == [("rules[1]", "present", None)]


def test_a_changed_match_shows_as_one_readable_line():
    live = NWFilterConfig.from_xml(LIVE_FILTER)
    rule = FilterRule(action="drop", direction="in", priority=500, statematch=True,
                      match=dict(protocol="icmp", attributes={"srcipaddr": "10.0.0.9", "type": "8"}))
    change = NWFilterConfig(name="web", rules=[rule, live.rules[1]]).changes(live)[0]
    assert (change.path, change.before, change.after) == (
        "rules[0].match", "icmp srcipaddr=10.0.0.6 type=8", "icmp srcipaddr=10.0.0.9 type=8")


SCHEMA = "/usr/share/libvirt/schemas/nwfilter.rng"


@pytest.mark.skipif(not os.path.exists(SCHEMA), reason="libvirt's nwfilter schema is not installed")
def test_the_protocol_table_is_libvirts_schema():
    from lxml import etree
    ns = {"r": "http://relaxng.org/ns/structure/1.0"}
    tree = etree.parse(SCHEMA)
    defines = dict((node.get("name"), node) for node in tree.iterfind(".//r:define", ns))

    def attributes(node, seen):
        found = set()
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            tag = etree.QName(child).localname
            if tag == "attribute":
                found.add(child.get("name"))
            elif tag == "ref" and child.get("name") in defines and child.get("name") not in seen:
                seen.add(child.get("name"))
                found |= attributes(defines[child.get("name")], seen)
        return found

    schema = dict((node.get("name"), attributes(node, set()))
                  for node in tree.iterfind(".//r:element", ns) if node.get("name") in PROTOCOL_ATTRIBUTES)
    assert sorted(schema) == sorted(PROTOCOL_ATTRIBUTES)
    for protocol, names in schema.items():
        assert names == set(PROTOCOL_ATTRIBUTES[protocol]) | set(COMMON_ATTRIBUTES), protocol
