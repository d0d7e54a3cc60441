# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt virtual networks: <network> with its forward mode, bridge, addresses, DHCP ranges and
host reservations, and DNS host entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    ChildList, ConfigObject, Field,
)

FORWARD_MODES = ("isolated", "nat", "route", "open", "bridge")
ISOLATED = "isolated"  # no <forward> element: guests reach each other and the host only


def prefix_of_netmask(netmask):
    """24 for '255.255.255.0'; None when it is not a contiguous IPv4 mask."""
    try:
        bits = "".join("{0:08b}".format(int(part)) for part in netmask.split("."))
    except ValueError:
        return None
    if len(bits) != 32 or "01" in bits:
        return None
    return bits.count("1")


class DhcpRange(ConfigObject):
    """<range start='10.0.0.100' end='10.0.0.199'/> of <dhcp>."""

    TAG = "range"
    FIELDS = (
        Field("start", attr="start"),
        Field("end", attr="end"),
    )

    def key(self):
        return "%s-%s" % (self.start, self.end)


class DhcpHost(ConfigObject):
    """<host mac='52:54:00:..' ip='10.0.0.5' name='web1'/>: a DHCP reservation (IPv6: id or name)."""

    TAG = "host"
    FIELDS = (
        Field("mac", attr="mac"),
        Field("id", attr="id"),
        Field("name", attr="name"),
        Field("ip", attr="ip"),
    )

    def after_parse(self, element):
        if self.mac:
            self.mac = self.mac.lower()

    def key(self):
        return self.mac or self.id or self.name or self.ip


class NetworkIp(ConfigObject):
    """<ip address='10.0.0.1' prefix='24' family='ipv4'> with its <dhcp> ranges and hosts."""

    TAG = "ip"
    FIELDS = (
        Field("address", attr="address"),
        Field("prefix", attr="prefix", kind="int"),
        Field("family", attr="family", absent="ipv4"),
        ChildList("dhcp_ranges", "dhcp/range", DhcpRange, label="dhcp.ranges", authoritative=True),
        ChildList("dhcp_hosts", "dhcp/host", DhcpHost, label="dhcp.hosts", authoritative=True),
    )

    def after_parse(self, element):
        # libvirt keeps a netmask as given; it is compared as the prefix the module takes (and
        # written as one when the definition is written again).
        if self.prefix is None and element.get("netmask"):
            self.prefix = prefix_of_netmask(element.get("netmask"))

    def before_format_done(self, element):
        if element.get("prefix") is not None:
            element.attrib.pop("netmask", None)  # libvirt refuses both
        dhcp = element.find("dhcp")
        if dhcp is not None and not len(dhcp):
            element.remove(dhcp)

    def key(self):
        return self.address


class DnsHostname(ConfigObject):
    """<hostname>web1</hostname> of a DNS host entry."""

    TAG = "hostname"
    KEY = "name"
    FIELDS = (
        Field("name"),
    )


class DnsHost(ConfigObject):
    """<host ip='10.0.0.5'><hostname>web1</hostname>...</host> of <dns>."""

    TAG = "host"
    KEY = "ip"
    FIELDS = (
        Field("ip", attr="ip"),
        ChildList("hostnames", "hostname", DnsHostname, authoritative=True),
    )


class NetworkConfig(ConfigObject):
    """<network>: name, forward mode (none for isolated), bridge, MTU, domain, DNS hosts, addresses."""

    TAG = "network"
    FIELDS = (
        Field("name", path="name"),
        Field("uuid", path="uuid"),
        Field("forward_mode", path="forward", attr="mode", label="forward", absent=ISOLATED),
        Field("forward_dev", path="forward", attr="dev", label="forward.dev"),
        Field("bridge", path="bridge", attr="name"),
        Field("stp", path="bridge", attr="stp", kind="onoff", label="bridge.stp"),
        Field("delay", path="bridge", attr="delay", kind="int", label="bridge.delay"),
        Field("mac", path="mac", attr="address"),
        Field("mtu", path="mtu", attr="size", kind="int"),
        Field("domain", path="domain", attr="name"),
        Field("domain_local_only", path="domain", attr="localOnly", kind="yesno", label="domain.local_only"),
        ChildList("dns_hosts", "dns/host", DnsHost, label="dns.hosts", authoritative=True),
        ChildList("ips", "ip", NetworkIp, label="ips", authoritative=True),
    )

    def after_parse(self, element):
        forward = element.find("forward")
        if forward is not None and forward.get("mode") is None:
            self.forward_mode = "nat"  # libvirt's meaning of a bare <forward/>

    def before_format_done(self, element):
        forward = element.find("forward")
        if forward is not None and self.forward_mode == ISOLATED:
            element.remove(forward)  # isolated: no <forward> at all, not a bare one (which is NAT)
        dns = element.find("dns")
        if dns is not None and not len(dns) and not dns.attrib:
            element.remove(dns)
