# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 26's fidelity defects of the object model, each on XML as libvirt 9.0 writes it: a
definition read and written back (or compared) must mean what it meant."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import CpuConfig
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import DiskConfig, DiskEncryption
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    DomainConfig, FeaturesConfig, OsConfig,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.nwfilter import NWFilterConfig

# libvirt's own no-arp-mac-spoofing, as it ships it: a variable, not a MAC address.
NO_MAC_SPOOFING = """<filter name='no-arp-mac-spoofing' chain='arp-mac' priority='-520'>
  <uuid>ad6e0b4c-5f3e-4a3d-9b83-7b3a1e8c6f10</uuid>
  <rule action='return' direction='out' priority='350'>
    <arp match='yes' arpsrcmacaddr='$MAC'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
</filter>"""


def test_a_filter_variable_keeps_its_case():
    config = NWFilterConfig.from_xml(NO_MAC_SPOOFING)
    assert config.rules[0].match == dict(protocol="arp", attributes=dict(match="yes", arpsrcmacaddr="$MAC"))
    assert "arpsrcmacaddr=\"$MAC\"" in config.to_xml()
    lowered = NWFilterConfig.from_xml(NO_MAC_SPOOFING.replace("$MAC", "$mac"))
    assert [change.path for change in lowered.changes(config)] == ["rules[0].match"]


def test_a_literal_mac_address_still_compares_in_any_case():
    upper = NWFilterConfig.from_xml(NO_MAC_SPOOFING.replace("$MAC", "52:54:00:AB:CD:EF"))
    lower = NWFilterConfig.from_xml(NO_MAC_SPOOFING.replace("$MAC", "52:54:00:ab:cd:ef"))
    assert upper.changes(lower) == []


def test_firmware_bios_is_kept_through_an_update():
    """<os firmware='bios'> asks libvirt to choose a BIOS firmware; an update must not drop it."""
    live = DomainConfig.from_xml("<domain type='qemu'><name>f</name><memory unit='KiB'>131072</memory>"
                                 "<os firmware='bios'><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os></domain>")
    assert live.os.firmware == "bios"
    DomainConfig(memory_kib=262144).apply_to(live)
    assert "firmware=\"bios\"" in live.to_xml()
    assert DomainConfig(os=OsConfig(firmware="bios")).changes(live) == []


def test_a_bare_feature_element_is_on():
    """libvirt reads <smm/>, <pmu/> and <vmport/> without a state as on."""
    live = DomainConfig.from_xml("<domain type='qemu'><name>f</name><features><acpi/><pmu/><vmport/><smm/></features>"
                                 "</domain>")
    assert (live.features.pmu, live.features.vmport, live.features.smm) == (True, True, True)
    assert DomainConfig(features=FeaturesConfig(smm=True, pmu=True, vmport=True)).changes(live) == []
    assert [change.path for change in DomainConfig(features=FeaturesConfig(smm=False)).changes(live)] == [
        "features.smm"]


def test_maxphysaddr_emulate_uses_bits():
    """libvirt 9.0's schema: emulate mode takes bits=, passthrough mode limit=."""
    emulate = CpuConfig.from_xml("<cpu mode='host-passthrough'><maxphysaddr mode='emulate' bits='42'/></cpu>")
    assert (emulate.maxphysaddr_mode, emulate.maxphysaddr_bits) == ("emulate", 42)
    assert CpuConfig(maxphysaddr_mode="emulate", maxphysaddr_bits=42).changes(emulate) == []
    written = CpuConfig(mode="host-passthrough", maxphysaddr_mode="emulate", maxphysaddr_bits=40).to_xml()
    assert "bits=\"40\"" in written and "limit=" not in written
    passthrough = CpuConfig.from_xml("<cpu mode='host-passthrough'><maxphysaddr mode='passthrough' limit='39'/></cpu>")
    assert passthrough.maxphysaddr_bits == 39
    assert "limit=\"39\"" in passthrough.to_xml()


NOVA_ENCRYPTED_DISK = """<disk type='file' device='disk'>
  <driver name='qemu' type='raw'/>
  <source file='/var/lib/nova/instances/x/disk.luks'/>
  <target dev='vdb' bus='virtio'/>
  <encryption format='luks'><secret type='passphrase' uuid='0a2b3c4d-1111-2222-3333-444455556666'/></encryption>
</disk>"""


def test_encryption_directly_in_the_disk_is_read_and_kept_in_place():
    """Nova writes <encryption> in <disk>, libvirt keeps it there: it is the disk's encryption,
    not a missing one the typed option would add a second time."""
    live = DiskConfig.from_xml(NOVA_ENCRYPTED_DISK)
    assert live.encryption is not None and live.encryption.secret_uuid == "0a2b3c4d-1111-2222-3333-444455556666"
    wanted = DiskEncryption(format="luks", secret_type="passphrase", secret_uuid="0a2b3c4d-1111-2222-3333-444455556666")
    assert DiskConfig(encryption=wanted).changes(live) == []
    DiskConfig(encryption=wanted).apply_to(live)
    written = live.to_xml()
    assert written.count("<encryption") == 1 and '<source file="/var/lib/nova/instances/x/disk.luks"/>' in written


# libvirt's clean-traffic-gateway interleaves filter references and rules; libvirt keeps document order.
INTERLEAVED = """<filter name='clean-traffic-gateway' chain='root'>
  <filterref filter='no-mac-spoofing'/>
  <rule action='accept' direction='in' priority='-500'><mac srcmacaddr='$GATEWAY_MAC'/></rule>
  <filterref filter='no-ip-spoofing'/>
  <rule action='drop' direction='inout' priority='500'><mac/></rule>
</filter>"""


def test_filter_references_and_rules_keep_their_document_order():
    live = NWFilterConfig.from_xml(INTERLEAVED)
    order = [child.tag for child in live.to_element()]
    assert order == ["filterref", "rule", "filterref", "rule"]
    changed = NWFilterConfig.from_xml(INTERLEAVED.replace("priority='500'", "priority='400'"))
    changed.apply_to(live)
    written = live.to_element()
    assert [child.tag for child in written] == ["filterref", "rule", "filterref", "rule"]
    assert written[3].get("priority") == "400" and written[1].find("mac").get("srcmacaddr") == "$GATEWAY_MAC"
