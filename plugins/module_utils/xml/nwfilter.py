# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network filters: <filter> with references to other filters and ordered <rule>s, each
matching one protocol by its attributes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Change, ChildList, ConfigObject, Field, OrderedChildList,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import FilterRef

ACTIONS = ("drop", "reject", "accept", "return", "continue")
DIRECTIONS = ("in", "out", "inout")
CHAINS = ("root", "mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6")
DEFAULT_PRIORITY = 500

# The attributes each protocol element takes, as libvirt's nwfilter.rng lists them (a unit test
# compares this table with the installed schema). "match" (yes/no) negates any of them.
_MAC = ("srcmacaddr", "srcmacmask", "dstmacaddr", "dstmacmask")
_IP_COMMON = ("srcmacaddr", "srcipaddr", "srcipmask", "dstipaddr", "dstipmask", "srcipfrom", "srcipto",
              "dstipfrom", "dstipto", "dscp")
_IPTABLES_ONLY = ("connlimit-above", "ipset", "ipsetflags", "state")
_PORTS = ("srcportstart", "srcportend", "dstportstart", "dstportend")
_ARP = _MAC + ("hwtype", "protocoltype", "opcode", "arpsrcmacaddr", "arpdstmacaddr", "arpsrcipaddr",
               "arpdstipaddr", "gratuitous")
_STP = ("srcmacaddr", "srcmacmask", "type", "flags", "root-priority", "root-priority-hi", "root-address",
        "root-address-mask", "root-cost", "root-cost-hi", "sender-priority", "sender-priority-hi",
        "sender-address", "sender-address-mask", "port", "port-hi", "age", "age-hi", "max-age",
        "max-age-hi", "hello-time", "hello-time-hi", "forward-delay", "forward-delay-hi")
_L2_IP = _MAC + ("srcipaddr", "srcipmask", "dstipaddr", "dstipmask", "protocol") + _PORTS
PROTOCOL_ATTRIBUTES = {
    "mac": _MAC + ("protocolid",),
    "vlan": _MAC + ("vlanid", "encap-protocol"),
    "stp": _STP,
    "arp": _ARP,
    "rarp": _ARP,
    "ip": _L2_IP + ("dscp",),
    "ipv6": _L2_IP + ("type", "typeend", "code", "codeend"),
    "tcp": _IP_COMMON + _IPTABLES_ONLY + _PORTS + ("flags",),
    "udp": _IP_COMMON + _IPTABLES_ONLY + _PORTS,
    "sctp": _IP_COMMON + _IPTABLES_ONLY + _PORTS,
    "icmp": _IP_COMMON + _IPTABLES_ONLY + ("type", "code"),
    "igmp": _IP_COMMON + _IPTABLES_ONLY,
    "all": _IP_COMMON + _IPTABLES_ONLY,
    "esp": _IP_COMMON + _IPTABLES_ONLY,
    "ah": _IP_COMMON + _IPTABLES_ONLY,
    "udplite": _IP_COMMON + _IPTABLES_ONLY,
    "tcp-ipv6": _IP_COMMON + _PORTS + ("flags",),
    "udp-ipv6": _IP_COMMON + _PORTS,
    "sctp-ipv6": _IP_COMMON + _PORTS,
    "icmpv6": _IP_COMMON + ("type", "code"),
    "all-ipv6": _IP_COMMON,
    "esp-ipv6": _IP_COMMON,
    "ah-ipv6": _IP_COMMON,
    "udplite-ipv6": _IP_COMMON,
}
COMMON_ATTRIBUTES = ("match", "comment")


def normal_value(name, value):
    """An attribute value as libvirt gives it back: MAC addresses and masks in lower case. A
    variable ($MAC, $GATEWAY_MAC) is a name, and names are case-sensitive: kept as written."""
    value = str(value)
    return value.lower() if "mac" in name and not value.startswith("$") else value


class ProtocolMatch(Field):
    """The one protocol element of a <rule> as {'protocol': tag, 'attributes': {name: value}};
    compared as a whole (a rule's match is what the user gave, nothing else)."""

    def __init__(self, name):
        super(ProtocolMatch, self).__init__(name, label="match")

    def read(self, element):
        for child in element:
            if isinstance(child.tag, str) and child.tag in PROTOCOL_ATTRIBUTES:
                return dict(protocol=child.tag,
                            attributes=dict((key, normal_value(key, value)) for key, value in child.attrib.items()))
        return None

    def write(self, element, value):
        for child in list(element):
            if isinstance(child.tag, str) and child.tag in PROTOCOL_ATTRIBUTES:
                element.remove(child)
        if value is not None:
            element.append(element.makeelement(value["protocol"], dict(
                (key, str(item)) for key, item in sorted(value["attributes"].items()))))

    def changes(self, desired, live, prefix):
        if desired is None or desired == live:
            return []
        return [Change(prefix + self.label, _match_text(live), _match_text(desired))]


def _match_text(value):
    if value is None:
        return None
    return " ".join([value["protocol"]] + ["%s=%s" % item for item in sorted(value["attributes"].items())])


class StateMatch(Field):
    """statematch='false' turns connection tracking off for a rule; libvirt writes nothing for true."""

    def __init__(self, name):
        super(StateMatch, self).__init__(name, attr="statematch", absent=True)

    def read(self, element):
        raw = element.get("statematch")
        return True if raw is None else raw.strip().lower() in ("1", "yes", "true")

    def write(self, element, value):
        if value is None or value:
            element.attrib.pop("statematch", None)
        else:
            element.set("statematch", "false")

    def changes(self, desired, live, prefix):
        return super(StateMatch, self).changes(desired, True if live is None else live, prefix)


class FilterRule(ConfigObject):
    """<rule action='drop' direction='in' priority='500'><icmp .../></rule>"""

    TAG = "rule"
    FIELDS = (
        Field("action", attr="action"),
        Field("direction", attr="direction"),
        Field("priority", attr="priority", kind="int"),
        StateMatch("statematch"),
        ProtocolMatch("match"),
    )


class NWFilterConfig(ConfigObject):
    """<filter name='...' chain='root' priority='-700'> with filter references and ordered rules."""

    TAG = "filter"
    FIELDS = (
        Field("name", attr="name"),
        Field("uuid", path="uuid"),
        Field("chain", attr="chain"),
        Field("priority", attr="priority", kind="int"),
        ChildList("filterrefs", "filterref", FilterRef, label="filters", authoritative=True),
        OrderedChildList("rules", "rule", FilterRule),
    )


class FilterBinding(ConfigObject):
    """<filterbinding>: a filter applied to one running guest's interface."""

    TAG = "filterbinding"
    FIELDS = (
        Field("owner", path="owner/name"),
        Field("owner_uuid", path="owner/uuid"),
        Field("port", path="portdev", attr="name"),
        Field("mac", path="mac", attr="address"),
        Field("filter", path="filterref", attr="filter"),
    )
