# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain and domain_info modules, run in-process against libvirt's test:///default driver.

The test driver keeps its state for the life of this process, so define -> re-run idempotence
and check mode can be shown here quickly; the same is proven on a real libvirtd by the
integration targets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

import pytest


from ansible_collections.virtops.libvirt.plugins.modules import domain as domain_module
from ansible_collections.virtops.libvirt.plugins.modules import domain_info as domain_info_module

libvirt = pytest.importorskip("libvirt")

URI = "test:///default"


@pytest.fixture
def test_domain():
    """A fresh persistent domain of the test driver, removed afterwards."""
    name = "unit-%s" % uuid.uuid4().hex[:8]
    conn = libvirt.open(URI)
    conn.defineXML(
        "<domain type='test'><name>%s</name><memory unit='MiB'>128</memory><vcpu>2</vcpu>"
        "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
        "<source file='/guest/%s.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>"
        % (name, name))
    yield name
    try:
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    except libvirt.libvirtError:
        pass
    conn.close()


def test_update_is_applied_once_and_then_idempotent(test_domain, run_module):
    first = run_module(domain_module, name=test_domain, memory_mb=256, title="unit", metadata={"a": "1"})
    assert first["changed"] is True
    assert first["changes"] == ["title", "memory_kib", "metadata"]
    assert first["diff"]["before"] == "memory_kib: 131072\n"
    assert "memory_kib: 262144" in first["diff"]["after"]
    assert first["domain"]["memory_mb"] == 256
    second = run_module(domain_module, name=test_domain, memory_mb=256, title="unit", metadata={"a": "1"})
    assert second["changed"] is False
    assert second["changes"] == []


def test_check_mode_reports_and_changes_nothing(test_domain, run_module):
    result = run_module(domain_module, name=test_domain, memory_mb=512, _ansible_check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["memory_kib"]
    after = run_module(domain_info_module, name=test_domain, host=False)
    assert after["domains"][0]["memory_mb"] == 128


def test_running_domain_reports_needs_restart(test_domain, run_module):
    assert run_module(domain_module, name=test_domain, state="running")["state"] == "running"
    result = run_module(domain_module, name=test_domain, vcpus=4)
    assert result["changed"] is True
    assert result["needs_restart"] is True
    assert result["restart_fields"] == ["vcpus"]
    again = run_module(domain_module, name=test_domain, vcpus=4)
    assert again["changed"] is False
    assert again["needs_restart"] is True
    assert again["domain"]["pending_restart"] == ["vcpus"]
    live_only = run_module(domain_module, name=test_domain, title="now", metadata={"k": "v"})
    assert live_only["actions"] == ["update definition", "set title (live)", "set metadata (live)"]
    assert live_only["restart_fields"] == ["vcpus"]  # still pending from before
    assert (live_only["domain"]["title"], live_only["domain"]["metadata"]) == ("now", {"k": "v"})
    run_module(domain_module, name=test_domain, state="shutoff", timeout=10)
    rebooted = run_module(domain_module, name=test_domain, state="running", vcpus=4)
    assert rebooted["changed"] is True and rebooted["actions"] == ["start"]
    assert rebooted["needs_restart"] is False
    assert rebooted["domain"]["vcpus"] == 4


@pytest.mark.parametrize("path,expected_actions", [
    (["running", "paused", "running"], [["start"], ["suspend"], ["resume"]]),
    # (the test driver cannot start a domain paused; that path runs in the integration tests)
    (["running", "paused", "shutoff"], [["start"], ["suspend"], ["resume", "shutdown"]]),
    (["running", "saved", "running"], [["start"], ["managed save"], ["restore managed save"]]),
])
def test_state_transitions(test_domain, run_module, path, expected_actions):
    for state, actions in zip(path, expected_actions):
        result = run_module(domain_module, name=test_domain, state=state, timeout=10)
        assert result["state"] == state, result
        assert result["actions"] == actions


def test_absent_keeps_storage_by_default(test_domain, run_module):
    result = run_module(domain_module, name=test_domain, state="absent")
    assert result["changed"] is True
    assert result["actions"] == ["undefine"]
    assert result["removed_storage"] == []
    assert result["kept_storage"] == [{"source": "/guest/%s.img" % test_domain, "reason": "remove_storage is false"}]
    assert run_module(domain_module, name=test_domain, state="absent")["changed"] is False


def test_xml_escape_hatch_defines_and_reports_no_change_on_rerun(test_domain, run_module):
    conn = libvirt.open(URI)
    xml = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert run_module(domain_module, name=test_domain, xml=xml)["changed"] is False
    changed = run_module(domain_module, name=test_domain, xml=xml.replace("<vcpu placement='static'>2", "<vcpu>3"))
    assert changed["changed"] is True
    assert "<vcpu placement='static'>3</vcpu>" in changed["diff"]["after"]


@pytest.mark.parametrize("args,message", [
    (dict(memory_mb=0), "memory_mb must be a positive number of MiB, got 0"),
    (dict(vcpus=1, current_vcpus=2), r"current_vcpus \(2\) cannot exceed vcpus \(1\)"),
    (dict(cpu=dict(mode="host-model", model="qemu64")), "cpu.model and cpu.models are only used with cpu.mode=custom"),
    (dict(cpu=dict(mode="host-model", vendor="Intel")), r"cpu.vendor is a custom model's \(got mode=host-model\)"),
    (dict(cpu=dict(mode="custom", model="qemu64", vendor="Intel Corp")), "cpu.vendor: 'Intel Corp' is not a valid CPU vendor name"),
    (dict(cpu=dict(mode="custom", model="qemu64", models=["qemu64"])), "give cpu.model or cpu.models"),
    (dict(serial_console=dict(type="file")), "serial_console.type=file needs serial_console.path"),
    (dict(interfaces=[dict(network="default", bridge="br0")]), r"interfaces\[0\]: give exactly one of network or bridge"),
    (dict(disks=[dict(path="/a", pool="p", volume="v")]), r"disks\[0\]: give either path or pool\+volume"),
    (dict(disks=[dict(pool="nope", volume="v")]), r"disks\[0\]: volume v in pool nope cannot be used"),
    (dict(metadata={"bad key": "x"}), "metadata key 'bad key' is not usable as an XML element name"),
])
def test_bad_input_fails_clearly_and_changes_nothing(test_domain, run_module, args, message):
    result = run_module(domain_module, name=test_domain, **args)
    assert result["failed"] is True
    assert result.get("exception") is None
    assert re.search(message, result["msg"]), result["msg"]
    info = run_module(domain_info_module, name=test_domain, host=False)
    assert (info["domains"][0]["memory_mb"], info["domains"][0]["vcpus"]) == (128, 2)


def test_unreachable_uri_is_a_clear_error(run_module):
    result = run_module(domain_module, name="x", state="running", uri="qemu+unix:///system?socket=/nonexistent/sock")
    assert result["failed"] is True
    assert result["msg"].startswith("cannot connect to libvirt at uri=qemu+unix:///system?socket=/nonexistent/sock")


def test_a_nic_the_running_guest_refuses_waits_for_a_restart_with_a_warning(test_domain, run_module):
    """A NIC added to a running guest is hot-plugged (module_domain_devices proves it on QEMU);
    where the guest refuses it - here libvirt's test driver, which attaches nothing - the NIC
    stays in the definition, the run says why and the fields wait for the restart."""
    assert run_module(domain_module, name=test_domain, state="running")["state"] == "running"
    nic = dict(bridge="br0", mac="52:54:00:00:07:01")
    check = run_module(domain_module, name=test_domain, interfaces=[nic], _ansible_check_mode=True)
    assert check["actions"] == ["update definition", "hot-plug NIC (live)"]
    added = run_module(domain_module, name=test_domain, interfaces=[nic])
    assert added["changed"] is True and added["actions"] == ["update definition"]
    assert added["needs_restart"] is True
    assert "interfaces[52:54:00:00:07:01].model" in added["restart_fields"]
    assert "interfaces[52:54:00:00:07:01] was not hot-plugged into the running guest" in str(added["warnings"])
    again = run_module(domain_module, name=test_domain, interfaces=[nic])
    assert again["changed"] is False and again["needs_restart"] is True


def test_domain_info_filters(test_domain, run_module):
    run_module(domain_module, name=test_domain, state="running")
    run_module(domain_module, name=test_domain, state="paused")
    paused = run_module(domain_info_module, name="unit-*", states=["paused"], host=False)
    assert test_domain in [d["name"] for d in paused["domains"]]
    shutoff = run_module(domain_info_module, name=test_domain, states=["shutoff"], host=False)
    assert shutoff["domains"] == []


def test_a_failed_run_says_what_it_had_already_done(test_domain, run_module):
    # libvirt's test driver cannot start a domain paused: the redefinition happens, the start fails.
    result = run_module(domain_module, name=test_domain, memory_mb=192, state="paused")
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["actions"] == ["update definition"]
    assert "start failed" in result["msg"] and "(already done: update definition)" in result["msg"]
    after = run_module(domain_info_module, name=test_domain, host=False)
    assert after["domains"][0]["memory_mb"] == 192


def test_xml_without_mac_and_uuid_is_idempotent_in_check_and_real_runs(run_module, remove_domains):
    """The document leaves the UUID and the interface's MAC to libvirt: a second run (real or
    check) keeps the ones libvirt made and reports no change."""
    name = "unit-xml-%s" % uuid.uuid4().hex[:8]
    xml = ("<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>"
           "<devices><interface type='network'><source network='default'/></interface></devices></domain>" % name)
    conn = libvirt.open(URI)
    try:
        assert run_module(domain_module, name=name, xml=xml)["changed"] is True
        first = conn.lookupByName(name)
        mac = re.search(r"<mac address='([^']+)'", first.XMLDesc(0)).group(1)
        check = run_module(domain_module, name=name, xml=xml, _ansible_check_mode=True)
        assert check["changed"] is False, check
        again = run_module(domain_module, name=name, xml=xml)
        assert again["changed"] is False, again
        assert "failed" not in again
        after = conn.lookupByName(name)
        assert after.UUIDString() == first.UUIDString()
        assert re.search(r"<mac address='([^']+)'", after.XMLDesc(0)).group(1) == mac
        changed = run_module(domain_module, name=name, xml=xml.replace("64</memory>", "96</memory>"))
        assert changed["changed"] is True
        assert after.UUIDString() == conn.lookupByName(name).UUIDString()
    finally:
        remove_domains(conn, [name])


def test_a_sheepdog_disk_is_refused_with_the_reason(test_domain, run_module):
    conn = libvirt.open(URI)
    xml = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).replace(
        "</devices>", "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
        "<source protocol='sheepdog' name='volume-1'><host name='127.0.0.1' port='7000'/></source>"
        "<target dev='vdb' bus='virtio'/></disk></devices>")
    result = run_module(domain_module, name=test_domain, xml=xml)
    assert result["failed"] is True
    assert result["msg"] == ("disk vdb uses protocol sheepdog: QEMU removed its sheepdog driver in 6.0 (Nova's "
                             "sheepdog volumes went with it); copy the volume to RBD, iSCSI or NFS storage first")
    assert "sheepdog" not in conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)


def test_xml_that_libvirts_schema_refuses_fails_naming_the_element(test_domain, run_module):
    conn = libvirt.open(URI)
    before = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    result = run_module(domain_module, name=test_domain, xml=before.replace(
        "</devices>", "<watchdog model='i6300esb' action='explode'/></devices>"))
    assert result["failed"] is True
    assert result["msg"].startswith("the definition does not fit libvirt's schema (domain.rng) at "
                                    "/domain/devices/watchdog (attribute action='explode')"), result["msg"]
    assert result["msg"].endswith("; nothing was defined")
    assert conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == before


def test_a_graphics_password_is_kept_compared_and_never_shown(test_domain, run_module):
    """Set outside the module (virsh), the password survives an update of another field; asked for,
    it is compared with the one libvirt holds and shows only as '(hidden)'."""
    conn = libvirt.open(URI)
    xml = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).replace(
        "</devices>", "<graphics type='vnc' port='5907' autoport='no' listen='127.0.0.1' passwd='s3cret'/></devices>")
    conn.defineXML(xml)
    secure = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE
    updated = run_module(domain_module, name=test_domain, title="kept", return_xml=True)
    assert updated["changed"] is True
    assert "passwd='s3cret'" in conn.lookupByName(test_domain).XMLDesc(secure)
    same = run_module(domain_module, name=test_domain, graphics=dict(type="vnc", port=5907, password="s3cret"))
    assert same["changed"] is False, same
    changed = run_module(domain_module, name=test_domain, graphics=dict(type="vnc", port=5907, password="n3w"),
                         return_xml=True)
    assert changed["changed"] is True
    assert changed["changes"] == ["graphics[vnc].password"]
    assert changed["diff"] == {"before": "graphics[vnc].password: (hidden)\n", "after": "graphics[vnc].password: (hidden)\n"}
    assert "s3cret" not in str(changed) and "n3w" not in str(changed)
    assert "passwd='n3w'" in conn.lookupByName(test_domain).XMLDesc(secure)


def test_launch_security_is_defined_compared_and_changed_alone(test_domain, run_module, remove_domains):
    """SEV cannot run here, but its definition can (the test driver has no domain capabilities,
    so cbitpos and reduced_phys_bits are given): defined once, the same again is no change, and a
    new policy is the one change."""
    conn = libvirt.open(URI)
    sev = dict(cbitpos=47, reduced_phys_bits=1)
    first = run_module(domain_module, name=test_domain, launch_security=sev)
    assert first["changed"] is True, first
    xml = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert "<launchSecurity type='sev'>" in xml and "<policy>0x0033</policy>" in xml and "<cbitpos>47</cbitpos>" in xml
    for check_mode in (True, False):
        again = run_module(domain_module, name=test_domain, launch_security=sev, _ansible_check_mode=check_mode)
        assert again["changed"] is False, again
    changed = run_module(domain_module, name=test_domain, launch_security=dict(sev, policy="0x0037"))
    assert changed["changes"] == ["launch_security.policy"]
    assert "<policy>0x0037</policy>" in conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    # where libvirt cannot say the host's numbers, they are left to libvirt (it takes them at start)
    try:
        unsaid = run_module(domain_module, name=test_domain + "-unsaid", memory_mb=128,
                            launch_security=dict(policy="0x0033"))
        xml = conn.lookupByName(test_domain + "-unsaid").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        remove_domains(conn, [test_domain + "-unsaid"])
    assert unsaid["changed"] is True and "<policy>0x0033</policy>" in xml and "cbitpos" not in xml


def test_nfs_and_nbd_disks_and_controllers_are_idempotent(test_domain, run_module):
    conn = libvirt.open(URI)
    args = dict(
        name=test_domain,
        disks=[dict(nfs=dict(server="127.0.0.1", path="/srv/export/v1.qcow2", user="root"), format="qcow2",
                    bus="scsi", address=dict(unit=2)),
               dict(nbd=dict(server="127.0.0.1:10810", export="exp1"), address=dict(pci="0000:00:0c.0"))],
        controllers=[dict(type="scsi", model="virtio-scsi", queues=2), dict(type="virtio-serial", ports=4)],
    )
    first = run_module(domain_module, **args)
    assert first["changed"] is True, first
    xml = conn.lookupByName(test_domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert "<source protocol='nfs' name='/srv/export/v1.qcow2'>" in xml and "<identity user='root'/>" in xml
    assert "<host name='127.0.0.1' port='10810'/>" in xml and "<driver queues='2'/>" in xml and "ports='4'" in xml
    for check_mode in (True, False):
        again = run_module(domain_module, _ansible_check_mode=check_mode, **args)
        assert again["changed"] is False, again
    args["controllers"][0]["queues"] = 4
    changed = run_module(domain_module, **args)
    assert changed["changes"] == ["controllers[scsi0].queues"], changed
