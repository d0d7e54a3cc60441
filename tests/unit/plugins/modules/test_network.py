# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network module in-process against libvirt's test:///default driver (networks there are
bookkeeping only: no bridge, no dnsmasq). The real daemon is the integration target's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

import pytest


from ansible_collections.virtops.libvirt.plugins.modules import network as network_module

libvirt = pytest.importorskip("libvirt")

URI = "test:///default"


@pytest.fixture
def name():
    """A network name; the open connection keeps the test driver's state for the whole test."""
    name = "unit-net-%s" % uuid.uuid4().hex[:8]
    conn = libvirt.open(URI)
    yield name
    try:
        network = conn.networkLookupByName(name)
        if network.isActive():
            network.destroy()
        network.undefine()
    except libvirt.libvirtError:
        pass
    conn.close()


def definition(**changes):
    options = dict(forward_mode="isolated", ips=[dict(
        address="10.97.0.1", prefix=24, dhcp_ranges=[dict(start="10.97.0.100", end="10.97.0.150")],
        dhcp_hosts=[dict(mac="52:54:00:97:00:05", ip="10.97.0.5", name="web1")])])
    options.update(changes)
    return options


def test_define_then_nothing_to_do_then_a_reservation_changes_in_place(name, run_module):
    checked = run_module(network_module, name=name, _ansible_check_mode=True, **definition())
    assert checked["changed"] and checked["actions"] == ["define", "start"]
    first = run_module(network_module, name=name, **definition())
    assert first["actions"] == ["define", "start"] and first["active"]
    assert "<forward" not in first["diff"]["after"]
    again = run_module(network_module, name=name, **definition())
    assert again["changed"] is False and again["actions"] == []
    moved = definition()
    moved["ips"][0]["dhcp_hosts"][0]["ip"] = "10.97.0.6"
    updated = run_module(network_module, name=name, **moved)
    assert updated["actions"] == ["modify DHCP host 52:54:00:97:00:05 (live)"]
    assert updated["needs_restart"] is False
    assert updated["diff"] == {"before": "ips[10.97.0.1].dhcp.hosts[52:54:00:97:00:05].ip: 10.97.0.5\n",
                               "after": "ips[10.97.0.1].dhcp.hosts[52:54:00:97:00:05].ip: 10.97.0.6\n"}
    assert updated["ips"][0]["dhcp_hosts"][0]["ip"] == "10.97.0.6"
    assert run_module(network_module, name=name, **moved)["changed"] is False


def test_a_change_beyond_hosts_and_ranges_is_defined_and_reported_as_needing_a_restart(name, run_module):
    run_module(network_module, name=name, **definition())
    result = run_module(network_module, name=name, **definition(mtu=9000))
    assert result["actions"] == ["update definition"]
    assert result["needs_restart"] is True
    assert "(mtu changed)" in json.dumps(result["warnings"])
    restarted = run_module(network_module, name=name, restart=True, **definition(mtu=1400))
    assert restarted["actions"] == ["update definition", "restart to apply"]


def test_check_mode_of_a_new_network_creates_nothing(name, run_module):
    run_module(network_module, name=name, _ansible_check_mode=True, **definition())
    conn = libvirt.open(URI)
    with pytest.raises(libvirt.libvirtError):
        conn.networkLookupByName(name)


@pytest.mark.parametrize("changes, message", [
    (dict(forward_mode="bridge"), "forward_mode bridge connects guests to an existing host bridge: give its name"),
    (dict(forward_mode="bridge", bridge="br0"), "forward_mode bridge uses the host bridge's own network"),
    (dict(ips=[dict(address="10.97.0.1", prefix=24, dhcp_ranges=[dict(start="10.98.0.1", end="10.97.0.9")])]),
     "ips[0].dhcp_ranges[0].start: 10.98.0.1 is not in 10.97.0.0/24"),
    (dict(ips=[dict(address="10.97.0.300", prefix=24)]), "ips[0].address: '10.97.0.300' is not an IP address"),
    (dict(ips=[dict(address="10.97.0.1", prefix=40)]), "ips[0].prefix: 40 is not a prefix length for 10.97.0.1"),
    (dict(ips=[dict(address="10.97.0.1", prefix=24, dhcp_hosts=[dict(ip="10.97.0.5")])]),
     "ips[0].dhcp_hosts[0]: a DHCP host is found by mac (IPv4), id or name; give one"),
    (dict(mtu=20), "mtu must be between 68 and 65535, got 20"),
    (dict(forward_dev="eth0"), "forward_dev names the host interface traffic leaves by; an isolated network has none"),
])
def test_bad_input_says_what_is_wrong_and_defines_nothing(name, run_module, changes, message):
    result = run_module(network_module, name=name, **definition(**changes))
    assert result["failed"] and message in result["msg"]
    assert "Traceback" not in result["msg"]
    with pytest.raises(libvirt.libvirtError):
        libvirt.open(URI).networkLookupByName(name)


def test_state_of_a_missing_network_needs_its_definition(name, run_module):
    result = run_module(network_module, name=name)
    assert result["failed"] and "does not exist; give its definition" in result["msg"]
