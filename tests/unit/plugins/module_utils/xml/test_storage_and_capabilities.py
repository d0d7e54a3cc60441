# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage XML (secret, pool, volume) and the capabilities model on libvirt 9.0's own documents."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.capabilities import (
    DomainCapabilities, HostCapabilities,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import NetworkHost
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.storage import (
    SECRET_USAGES, PoolConfig, SecretConfig, VolumeConfig,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")

# As libvirt 9.0 writes them (virsh pool-dumpxml / vol-dumpxml of the test bed's pools).
RBD_POOL = """<pool type='rbd'>
  <name>ceph</name>
  <uuid>5e7b2b5e-3d52-4a4f-9d7b-2f2d6cfe0a11</uuid>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>1073741824</available>
  <source>
    <host name='127.0.0.1' port='6789'/>
    <name>rbd</name>
    <auth type='ceph' username='libvirt'>
      <secret usage='client.libvirt'/>
    </auth>
  </source>
</pool>"""
DIR_POOL = """<pool type='dir'>
  <name>images</name>
  <source>
  </source>
  <target>
    <path>/var/lib/virtops/images</path>
    <permissions>
      <mode>0711</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>"""
OVERLAY = """<volume type='file'>
  <name>web1.qcow2</name>
  <key>/var/lib/virtops/images/web1.qcow2</key>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196624</physical>
  <target>
    <path>/var/lib/virtops/images/web1.qcow2</path>
    <format type='qcow2'/>
    <permissions>
      <mode>0600</mode>
    </permissions>
    <compat>1.1</compat>
  </target>
  <backingStore>
    <path>/var/lib/virtops/images/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>"""


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


@pytest.mark.parametrize("usage", SECRET_USAGES)
def test_a_secret_names_its_usage_in_the_element_libvirt_expects(usage):
    secret = SecretConfig(ephemeral=False, private=True, description="key")
    secret.set_usage(usage, "the-id")
    parsed = SecretConfig.from_xml(secret.to_xml())
    element = {"ceph": "name", "iscsi": "target", "volume": "volume"}[usage]
    assert "<usage type=\"%s\">" % usage in secret.to_xml()
    assert "<%s>the-id</%s>" % (element, element) in secret.to_xml()
    assert (parsed.usage_type, parsed.usage_id(), parsed.private, parsed.ephemeral) == (usage, "the-id", True, False)


def test_an_rbd_pool_reads_hosts_and_cephx_auth():
    pool = PoolConfig.from_xml(RBD_POOL)
    assert (pool.type, pool.name, pool.source_name) == ("rbd", "ceph", "rbd")
    assert [host.key() for host in pool.source_hosts] == ["127.0.0.1:6789"]
    assert (pool.auth_type, pool.auth_username, pool.auth_secret_usage) == ("ceph", "libvirt", "client.libvirt")


def test_a_pool_change_is_requested_only_and_keeps_what_libvirt_added():
    live = PoolConfig.from_xml(RBD_POOL)
    desired = PoolConfig(type="rbd", source_hosts=[NetworkHost(name="127.0.0.2", port="6789")])
    assert desired.changes(live) == [("source.hosts[127.0.0.2:6789].name", None, "127.0.0.2"),
                                     ("source.hosts[127.0.0.2:6789].port", None, "6789"),
                                     ("source.hosts[127.0.0.1:6789]", "present", None)]
    desired.apply_to(live)
    xml = live.to_xml()
    assert "127.0.0.2" in xml and "127.0.0.1" not in xml
    assert "<uuid>5e7b2b5e-3d52-4a4f-9d7b-2f2d6cfe0a11</uuid>" in xml and "client.libvirt" in xml
    assert PoolConfig(type="rbd", source_name="rbd").changes(PoolConfig.from_xml(RBD_POOL)) == []


def test_a_dir_pool_reads_target_and_mode():
    pool = PoolConfig.from_xml(DIR_POOL)
    assert (pool.type, pool.target_path, pool.target_mode) == ("dir", "/var/lib/virtops/images", "0711")


def test_an_overlay_volume_reads_its_backing_store_and_sizes():
    volume = VolumeConfig.from_xml(OVERLAY)
    assert (volume.format, volume.capacity, volume.capacity_unit) == ("qcow2", 1073741824, "bytes")
    assert (volume.backing_path, volume.backing_format) == ("/var/lib/virtops/images/base.qcow2", "qcow2")
    assert "<compat>1.1</compat>" in volume.to_xml()  # not modelled, kept


def test_host_capabilities_of_this_libvirt():
    caps = HostCapabilities.from_xml(fixture("capabilities.xml"))
    assert caps.arch == "x86_64" and caps.host_cpu.vendor == "AMD"
    assert caps.host_uuid and caps.live_migration is True
    assert caps.canonical_machine("x86_64", "pc") == "pc-i440fx-7.2"
    assert caps.canonical_machine("x86_64", "q35").startswith("pc-q35-")
    assert caps.canonical_machine("x86_64", "pc-i440fx-6.2") == "pc-i440fx-6.2"
    summaries = dict((item["arch"], item["domain_types"]) for item in caps.guest_summaries())
    assert summaries["x86_64"] == ["kvm", "qemu"] and "i686" in summaries
    assert caps.guest_arch("x86_64").emulator == "/usr/bin/qemu-system-x86_64"


def test_domain_capabilities_of_tcg_and_kvm():
    tcg = DomainCapabilities.from_xml(fixture("domcapabilities-qemu.xml"))
    assert (tcg.virt_type, tcg.arch, tcg.emulator) == ("qemu", "x86_64", "/usr/bin/qemu-system-x86_64")
    modes = tcg.cpu_modes_supported()
    assert modes["host-model"] is True and modes["host-passthrough"] is False
    assert tcg.host_model().model == "EPYC" and tcg.host_model().vendor == "AMD"
    assert ("ss", "require") in [(f.name, f.policy) for f in tcg.host_model().features]
    usable = dict((model.name, model.usable) for model in tcg.cpu_models())
    assert usable["qemu64"] == "yes" and usable["Skylake-Server"] == "no"
    kvm = DomainCapabilities.from_xml(fixture("domcapabilities-kvm.xml"))
    assert kvm.virt_type == "kvm" and kvm.max_vcpus > 1
