# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin's hosts from libvirt's test driver: agent_connection sets the agent
connection only for domains with the guest agent's channel (the integration targets
inventory_libvirt and connection_agent run it against real hypervisors)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

libvirt = pytest.importorskip("libvirt")

from ansible.inventory.data import InventoryData  # noqa: E402
from ansible.plugins.loader import inventory_loader  # noqa: E402

from ansible_collections.virtops.libvirt.plugins.inventory.libvirt import hypervisor_records  # noqa: E402

WITH_AGENT = """<domain type='test'><name>virtops-unit-agent</name><memory>65536</memory>
<os><type>hvm</type></os><devices>
<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
</devices></domain>"""


@pytest.fixture
def records():
    conn = libvirt.open("test:///default")  # private to this connection: gone when it closes
    try:
        conn.defineXML(WITH_AGENT)
        yield hypervisor_records(conn, "test:///default", [])
    finally:
        conn.close()


def populated(records, **options):
    plugin = inventory_loader.get("virtops.libvirt.libvirt")
    plugin.inventory = InventoryData()
    plugin.set_options(direct=dict(dict(plugin="virtops.libvirt.libvirt", uris=["test:///default"]), **options))
    plugin._populate(records)
    return plugin.inventory


def test_records_say_which_domains_have_the_agent_channel(records):
    by_name = dict((record["name"], record) for record in records)
    assert by_name["virtops-unit-agent"]["guest_agent"] is True
    assert by_name["test"]["guest_agent"] is False  # the test driver's own domain


def test_agent_connection_only_for_domains_with_the_channel(records):
    inventory = populated(records, agent_connection=True)
    with_agent = inventory.get_host("virtops-unit-agent").get_vars()
    assert with_agent["ansible_connection"] == "virtops.libvirt.agent"
    assert with_agent["ansible_libvirt_uri"] == "test:///default"
    assert with_agent["ansible_libvirt_domain"] == "virtops-unit-agent"
    assert "ansible_connection" not in inventory.get_host("test").get_vars()


def test_without_agent_connection_nothing_is_set(records):
    inventory = populated(records)
    assert "ansible_connection" not in inventory.get_host("virtops-unit-agent").get_vars()
