# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A NIC's options (the ``domain`` module's ``interfaces`` items), declared once: the argument
spec, the checks and the ``InterfaceConfig`` each builds, and the way back
(``INTERFACES.read_back``; what a ``finish`` sets is read back in definition_options.py).

What needs the connection - that the libvirt network and the nwfilter named exist - is the
builder's (spec.py), after the declaration built the NIC.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_at_least
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import Option, OptionGroup, between
from ansible_collections.virtops.libvirt.plugins.module_utils.common.specs import FILTER_REFERENCE_OPTIONS
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.platform import address_option, pci_address
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import (
    BandwidthConfig, FilterRef, InterfaceConfig, VlanTag,
)

# Where the NIC's traffic goes on the host: exactly one of these is given.
INTERFACE_SOURCES = ("network", "bridge", "direct", "ethernet", "vhostuser", "hostdev")
_BANDWIDTH_DIRECTION = dict(type="dict", options=dict(
    average=dict(type="int", required=True),
    peak=dict(type="int"),
    burst=dict(type="int"),
))


def _queue_size(value, option):
    if value not in (256, 512, 1024):
        raise VirtopsError("%s is 256, 512 or 1024 (got %d)" % (option, value))


def _interface(item, interface, where):
    given = [name for name in INTERFACE_SOURCES if item[name]]
    if len(given) != 1:
        raise VirtopsError("%s: give exactly one of network or bridge (or direct, ethernet, vhostuser, hostdev)%s"
                           % (where, "" if not given else ", not %s" % " and ".join(given)))
    kind = interface.type = given[0]
    if kind == "hostdev":
        interface.model = None  # the host's NIC itself
    model = None if kind == "hostdev" else item["model"] or "the hypervisor's default"
    _check_back_end(item, kind, model, where)
    if item["packed"] and model not in ("virtio", None):
        raise VirtopsError("%s.packed: packed virtqueues are a virtio NIC's (model is %s)" % (where, model))
    if kind == "network":
        interface.source_network = item["network"]
    elif kind == "bridge":
        interface.source_bridge = item["bridge"]
    elif kind == "direct":
        interface.source_dev, interface.source_mode = item["direct"]["dev"], item["direct"]["mode"]
    elif kind == "vhostuser":
        if item["model"] != "virtio":
            raise VirtopsError("%s: a vhostuser interface is virtio (got model %s)" % (where, model))
        interface.source_type, interface.source_path = "unix", item["vhostuser"]["path"]
        interface.source_mode = item["vhostuser"]["mode"]
    elif kind == "hostdev":
        interface.hostdev_managed = item["hostdev"]["managed"]
        interface.pci_address_type = "pci"
        (interface.pci_domain, interface.pci_bus, interface.pci_slot,
         interface.pci_function) = pci_address(item["hostdev"]["pci"], where + ": hostdev.pci")
    interface.bandwidth = _bandwidth(item["bandwidth"])
    if item["filter"]:  # (the builder checks that the filter is defined)
        interface.filterref = FilterRef.with_parameters(item["filter"]["name"], item["filter"]["parameters"])
    if item["vlan"] is not None:
        _vlan(item["vlan"], interface, where)
    if item["virtualport"] is not None:
        port = item["virtualport"]
        _check_vsi(port, where)
        interface.virtualport_type = port["type"]
        for name in ("interfaceid", "profileid", "instanceid", "managerid", "typeid", "typeidversion"):
            setattr(interface, "virtualport_" + name, port[name])
    return interface


def _check_back_end(item, kind, model, where):
    """The driver that runs the NIC on the host, and a tap libvirt does not manage."""
    if item["driver"] == "vfio" and kind != "hostdev":
        raise VirtopsError("%s.driver: vfio passes a host NIC through (hostdev); a %s interface takes vhost or qemu"
                           % (where, kind))
    if item["driver"] in ("vhost", "qemu") and (kind == "hostdev" or model not in ("virtio", None)):
        raise VirtopsError("%s.driver: the vhost and qemu back ends run a virtio NIC (this one is %s)"
                           % (where, "a host device" if kind == "hostdev" else "model %s" % model))
    if item["target_managed"] is not None and not item["target_dev"]:
        raise VirtopsError("%s.target_managed says whether libvirt creates the tap device target_dev names; "
                           "it needs target_dev" % where)


def _vlan(vlan, interface, where):
    for tag in vlan["tags"] + ([vlan["native"]] if vlan["native"] is not None else []):
        if not 0 <= tag <= 4095:
            raise VirtopsError("%s: vlan tag %d is not 0 to 4095" % (where, tag))
    if vlan["native"] is not None and vlan["native"] not in vlan["tags"]:
        raise VirtopsError("%s: vlan.native %d must be one of vlan.tags" % (where, vlan["native"]))
    interface.vlan_trunk = vlan["trunk"] if vlan["trunk"] is not None else (len(vlan["tags"]) > 1 or None)
    interface.vlan_tags = [VlanTag(id=tag, native_mode="untagged" if tag == vlan["native"] else None)
                           for tag in vlan["tags"]]


def _check_vsi(port, where):
    """An 802.1Qbg port (VEPA's VSI) is named by its manager, type and version (libvirt refuses
    it without them); these settings are that port's alone."""
    vsi = ("managerid", "typeid", "typeidversion")
    if port["type"] == "802.1Qbh" and not port["profileid"]:
        raise VirtopsError("%s: an 802.1Qbh virtualport needs profileid (the port profile its switch applies)" % where)
    if port["type"] == "802.1Qbg":
        missing = [name for name in vsi if port[name] is None]
        if missing:
            raise VirtopsError("%s: an 802.1Qbg virtualport needs managerid, typeid and typeidversion (missing %s)"
                               % (where, ", ".join(missing)))
        return
    given = [name for name in vsi + ("instanceid",) if port[name] is not None]
    if given:
        raise VirtopsError("%s: virtualport.%s is an 802.1Qbg port's (type is %s)" % (where, given[0], port["type"]))


def _bandwidth(spec):
    """BandwidthConfig of an interface's ``bandwidth`` (KiB/s averages and peaks, KiB bursts)."""
    if spec is None:
        return None
    config = BandwidthConfig()
    for direction in ("inbound", "outbound"):
        values = spec[direction]
        for name in ("average", "peak", "burst"):
            value = None if values is None else values[name]
            check_at_least(value, 1, "bandwidth.%s.%s" % (direction, name))
            setattr(config, "%s_%s" % (direction, name), value)
    return config


INTERFACES = OptionGroup("interfaces", InterfaceConfig, [
    Option("network", field=None),
    Option("bridge", field=None),
    Option("direct", "dict", field=None, options=dict(
        dev=dict(type="str", required=True),
        mode=dict(type="str", default="vepa", choices=["vepa", "bridge", "private", "passthrough"]),
    )),
    Option("ethernet", "bool", field=None),
    Option("vhostuser", "dict", field=None, options=dict(
        path=dict(type="path", required=True),
        mode=dict(type="str", default="client", choices=["client", "server"]),
    )),
    Option("hostdev", "dict", field=None, options=dict(
        pci=dict(type="str", required=True),
        managed=dict(type="bool", default=True),
    )),
    # '': none written, the hypervisor's default (QEMU's driver writes it when the NIC is defined)
    Option("model", default="virtio", convert=lambda model: model or None, convert_back=lambda model: model),
    Option("driver", choices=["vhost", "qemu", "vfio"], field="driver_name"),
    Option("mac", convert=lambda mac: mac.lower(), convert_back=lambda mac: mac),
    Option("target_dev"),
    Option("target_managed", "bool"),
    Option("mtu", "int", checks=[between(68, 65535)]),
    Option("queues", "int", checks=[between(1, 256)]),
    Option("rx_queue_size", "int", checks=[_queue_size]),
    Option("tx_queue_size", "int", checks=[_queue_size]),
    Option("bandwidth", "dict", field=None, options=dict(inbound=_BANDWIDTH_DIRECTION, outbound=_BANDWIDTH_DIRECTION)),
    Option("vlan", "dict", field=None, options=dict(
        tags=dict(type="list", elements="int", required=True),
        native=dict(type="int"),
        trunk=dict(type="bool"),
    )),
    Option("virtualport", "dict", field=None, options=dict(
        type=dict(type="str", required=True, choices=["openvswitch", "802.1Qbh", "802.1Qbg", "midonet"]),
        interfaceid=dict(type="str"),
        profileid=dict(type="str"),
        instanceid=dict(type="str"),
        managerid=dict(type="int"),
        typeid=dict(type="int"),
        typeidversion=dict(type="int"),
    )),
    Option("filter", "dict", field=None, options=FILTER_REFERENCE_OPTIONS),
    address_option(),
    Option("packed", "bool"),
], many=True, finish=_interface)
