# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement and the pre-checks on two independent test-driver "hosts".

Each ``test:///<file>`` connection is a host of its own (a private copy of the file's state), so
the situations a survey names and the recovery steps can be shown without a real migration; the
real migrations, failures and recoveries are in the module_migrate integration target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.recorder import ChangeRecorder
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
import ansible_collections.virtops.libvirt.plugins.module_utils.migration.placement as where
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.checks import (
    distinct_hosts, memory_fits, tcg_auto_converge_exclusion, tcg_memory_warning,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

libvirt = pytest.importorskip("libvirt")

UUID = "6c1b3a6e-4a47-4a52-9e0c-0f5d1c2b3a4d"
OTHER_UUID = "0a2b3c4d-1111-2222-3333-444455556666"
DOMAIN = ("<domain type='test'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
          "<os><type>hvm</type></os></domain>")


@pytest.fixture
def hosts(tmp_path):
    """Two empty test-driver hosts."""
    node = tmp_path / "node.xml"
    node.write_text("<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
                    "<active>2</active><mhz>2000</mhz><model>x86_64</model></cpu><memory>4194304</memory></node>")
    source = libvirt.open("test://%s" % node)
    dest = libvirt.open("test://%s" % node)
    yield source, dest
    source.close()
    dest.close()


def define(conn, running, name="vm", uuid=UUID):
    guest = Guest.define(conn, DOMAIN % (name, uuid))
    if running:
        guest.start()
    return guest


def recorder(check_mode=False):
    return ChangeRecorder(dict(), check_mode, "migration of vm")


@pytest.mark.parametrize("source, dest, situation", [
    ("running", None, where.ON_SOURCE),
    (None, "running", where.ON_DESTINATION),
    ("shutoff", None, where.DEFINED_ON_SOURCE),
    ("shutoff", "shutoff", where.DEFINED_ON_BOTH),
    (None, "shutoff", where.ON_DESTINATION),
    ("running", "running", where.BOTH_RUNNING),
    ("paused", "running", where.BOTH_RUNNING),  # an operator's pause (reason: user) is not a stale copy
    ("paused-for-migration", "running", where.SOURCE_STALE),
    ("shutoff", "running", where.ON_DESTINATION),
    (None, None, where.NOWHERE),
])
def test_survey_names_the_situation(hosts, source, dest, situation):
    for conn, state in zip(hosts, (source, dest)):
        if state is not None:
            guest = define(conn, state != "shutoff")
            if state.startswith("paused"):
                guest.suspend()
            if state == "paused-for-migration":  # this collection's own force_complete pause
                guest.mark_paused_for_migration(True)
    assert where.Placement(hosts[0], hosts[1], "vm").situation() == situation


def test_a_guest_that_leaves_a_host_while_read_is_read_again(hosts):
    """A migration that ends between reading the source and asking about its guest: the survey
    reads both hosts again instead of failing on libvirt's "no domain"."""
    hosts[0].createXML(DOMAIN % ("vm", UUID), 0)  # transient: gone from the host once stopped
    define(hosts[1], True)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    assert placement.source is not None
    hosts[0].lookupByName("vm").destroy()  # the source's copy ends after the read
    assert placement.survey(fresh=False, facts=True) == where.ON_DESTINATION
    assert placement.source is None
    assert placement.found["source"] == dict(host=placement.source_host, state="absent", persistent=False)


def test_a_survey_gives_up_after_its_attempts(hosts, monkeypatch):
    define(hosts[0], True)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    gone = libvirt.libvirtError("gone")
    monkeypatch.setattr(gone, "get_error_code", lambda: libvirt.VIR_ERR_NO_DOMAIN)
    reads = []

    def describe():
        reads.append(1)
        raise gone
    monkeypatch.setattr(placement, "describe", describe)
    with pytest.raises(libvirt.libvirtError):
        placement.survey(facts=True)
    assert len(reads) == where.SURVEY_ATTEMPTS


def test_same_name_with_another_uuid_is_a_clash(hosts):
    define(hosts[0], True)
    define(hosts[1], False, uuid=OTHER_UUID)
    with pytest.raises(VirtopsError, match="has a different domain of that name"):
        where.Placement(hosts[0], hosts[1], "vm")


def test_same_uuid_under_another_name_is_a_clash(hosts):
    define(hosts[0], True)
    define(hosts[1], False, name="other")
    with pytest.raises(VirtopsError, match="has domain other with the UUID"):
        where.Placement(hosts[0], hosts[1], "vm")


def test_stale_paused_source_is_removed_only_while_the_destination_runs(hosts):
    define(hosts[0], True).suspend()
    define(hosts[1], True)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    changes = recorder()
    placement.retire_stale_source(changes)
    placement.read()
    assert changes.actions == ["destroy the stale paused copy on %s" % placement.source_host]
    assert placement.source.state() == "shutoff" and placement.dest.state() == "running"
    placement.dest.suspend()
    with pytest.raises(VirtopsError, match="refusing to stop the copy"):
        placement.retire_stale_source(recorder())


def test_destination_leftover_is_removed_only_while_the_source_runs(hosts):
    define(hosts[0], False)
    define(hosts[1], True)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    with pytest.raises(VirtopsError, match="refusing to remove the copy"):
        placement.remove_destination_leftover(recorder())
    placement.source.start()
    changes = recorder()
    placement.remove_destination_leftover(changes)
    placement.read()
    assert placement.dest is None and placement.source.state() == "running"
    assert len(changes.actions) == 2  # destroyed, then its definition removed


def test_finishing_makes_the_destination_persistent_before_the_source_is_undefined(hosts):
    define(hosts[0], False)
    dest_xml = DOMAIN % ("vm", UUID)
    hosts[1].createXML(dest_xml, 0)  # a transient running copy, as a migration without persist leaves
    placement = where.Placement(hosts[0], hosts[1], "vm")
    changes = recorder()
    placement.finish_on_destination(changes, persist=True, undefine_source=True)
    placement.read()
    assert [action.split(" on ")[0] for action in changes.actions] == ["define", "undefine"]
    assert placement.dest.is_persistent() and placement.source is None
    assert DomainConfig.from_xml(placement.dest.xml(inactive=True)).uuid == UUID


def test_finishing_in_check_mode_changes_nothing(hosts):
    define(hosts[0], False)
    hosts[1].createXML(DOMAIN % ("vm", UUID), 0)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    changes = recorder(check_mode=True)
    placement.finish_on_destination(changes, persist=True, undefine_source=False)
    placement.read()
    assert len(changes.actions) == 1 and not placement.dest.is_persistent() and placement.source is not None


def test_pre_checks_refuse_the_same_host_and_too_little_memory(hosts):
    with pytest.raises(VirtopsError, match="the destination is the source"):
        distinct_hosts(hosts[0], hosts[0])
    config = DomainConfig.from_xml(DOMAIN % ("vm", UUID))
    config.memory_kib = 64 * 1024 * 1024
    with pytest.raises(VirtopsError, match=r"the destination has \d+ MiB of free memory; the guest needs 65536 MiB"):
        memory_fits(hosts[1], config)


# -- issue 23: the copy a migration brings arrives paused, with a marker, and runs only once the
# source's copy is gone; what it leaves is recognised by the marker ---------------------------------
MARKED = ("<domain type='test'><name>vm</name><uuid>%s</uuid><metadata><virtopsincoming:incoming "
          "xmlns:virtopsincoming='urn:virtops:libvirt:migration-incoming:1' from='src'/></metadata>"
          "<memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" % UUID)


def marked(conn, state):
    """The guest as a migration of this collection leaves it on the destination: defined with the
    marker; ``paused`` - running, paused by libvirt at the end of the migration (reason user)."""
    guest = Guest.define(conn, MARKED)
    if state == "paused":
        guest.start()
        guest.suspend()
    return guest


@pytest.mark.parametrize("dest_state", ["paused", "shutoff"])
def test_a_marked_copy_that_never_ran_is_a_leftover_while_the_source_runs(hosts, dest_state):
    define(hosts[0], True)
    marked(hosts[1], dest_state)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    assert placement.situation() == where.DESTINATION_LEFTOVER
    assert placement.describe()["destination"]["left_by_migration"] is True
    changes = recorder()
    placement.remove_destination_leftover(changes)
    assert changes.actions == (["destroy the unfinished copy on %s" % placement.dest_host] if dest_state == "paused"
                               else []) + ["undefine the leftover definition on %s" % placement.dest_host]
    placement.read()
    assert placement.dest is None and placement.situation() == where.ON_SOURCE


def test_a_marked_definition_beside_a_shut_off_source_is_a_leftover_too(hosts):
    """Not 'defined on both' (an offline migration's end, which would undefine the source)."""
    define(hosts[0], False)
    marked(hosts[1], "shutoff")
    placement = where.Placement(hosts[0], hosts[1], "vm")
    assert placement.situation() == where.DESTINATION_LEFTOVER
    placement.remove_destination_leftover(recorder())
    placement.read()
    assert placement.situation() == where.DEFINED_ON_SOURCE


def test_an_unmarked_definition_beside_the_running_source_is_reported_not_removed(hosts):
    define(hosts[0], True)
    define(hosts[1], False)
    placement = where.Placement(hosts[0], hosts[1], "vm")
    assert placement.situation() == where.ON_SOURCE and placement.unmarked_definition()


def test_the_marked_copy_runs_once_the_source_copy_is_gone(hosts):
    """A run killed between libvirt's return and the resume: the next run runs the copy."""
    marked(hosts[1], "paused")
    placement = where.Placement(hosts[0], hosts[1], "vm")
    assert placement.situation() == where.ON_DESTINATION
    changes = recorder()
    placement.finish_on_destination(changes, persist=True, undefine_source=True)
    assert changes.actions == ["run the copy on %s, left paused by a migration that was interrupted (the copy on %s "
                               "is gone)" % (placement.dest_host, placement.source_host)]
    placement.read()
    assert placement.dest.state() == "running"
    assert not placement.dest.incoming_marker() and not placement.dest.incoming_marker(config=True)


def test_a_copy_paused_by_an_operator_is_not_run(hosts):
    define(hosts[1], True).suspend()
    placement = where.Placement(hosts[0], hosts[1], "vm")
    changes = recorder()
    placement.finish_on_destination(changes, persist=True, undefine_source=True)
    assert changes.actions == [] and placement.dest.state() == "paused"


def test_the_destination_copy_never_runs_beside_a_running_source(hosts):
    define(hosts[0], True)
    marked(hosts[1], "paused")
    placement = where.Placement(hosts[0], hosts[1], "vm")
    with pytest.raises(VirtopsError, match="refusing to run the copy on .*: vm still runs on"):
        placement.finish_on_destination(recorder(), persist=True, undefine_source=True)
    assert placement.dest.state() == "paused"


def test_libvirt_removing_the_leftover_first_is_no_failure(hosts, monkeypatch):
    """Item 22: libvirt's own clean-up of a failed incoming migration can stop the copy between
    this run's read and its destroy ("domain is not running")."""
    define(hosts[0], True)
    leftover = marked(hosts[1], "paused")
    placement = where.Placement(hosts[0], hosts[1], "vm")
    real_destroy = placement.dest.destroy

    def raced_destroy():
        leftover.destroy()  # libvirt got there first
        real_destroy()
    monkeypatch.setattr(placement.dest, "destroy", raced_destroy)
    changes = recorder()
    placement.remove_destination_leftover(changes)
    placement.read()
    assert placement.dest is None
    assert changes.actions[-1] == "undefine the leftover definition on %s" % placement.dest_host


def test_a_completed_migration_whose_guest_does_not_run_on_the_destination_fails(hosts):
    """Item 25: libvirt reported success, the copy died right after arriving: no success."""
    from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrate import MigrateRunner
    define(hosts[1], False)  # what is left on the destination: a definition, no running copy
    runner = MigrateRunner.__new__(MigrateRunner)
    runner.params, runner.check_mode = dict(name="vm"), False
    runner.result, runner.diff = dict(changed=False, actions=[], recovery=[]), dict(before="", after="")
    runner.recorder = ChangeRecorder(runner.result, False, "migration of vm")
    runner.placement = where.Placement(hosts[0], hosts[1], "vm")
    runner.source_host, runner.dest_host = runner.placement.source_host, runner.placement.dest_host
    with pytest.raises(VirtopsError) as caught:
        runner._check_runs_on_destination()  # pylint: disable=protected-access
    assert caught.value.msg.endswith("completed, but afterwards the guest runs nowhere (shutoff on %s)"
                                     % runner.dest_host)
    assert caught.value.details["runs_on"] == []


def test_the_arrived_copy_runs_at_once_only_when_the_source_copy_is_gone(hosts):
    define(hosts[0], True)
    marked(hosts[1], "paused")
    placement = where.Placement(hosts[0], hosts[1], "vm")
    placement.run_arrived_copy()
    assert placement.resumed_at is None and Guest.lookup(hosts[1], "vm").state() == "paused"
    Guest.lookup(hosts[0], "vm").destroy()
    placement.run_arrived_copy()
    assert placement.resumed_at is not None and Guest.lookup(hosts[1], "vm").state() == "running"


def test_a_certificate_failure_says_which_trust_is_missing_and_where_the_files_are():
    from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrate import trust_hint
    hint = trust_hint("authentication failed: Failed to verify peer's certificate", "qemu+tls://hv2/system", True)
    assert "the source's libvirtd and the destination do not trust each other's certificate" in hint
    assert "/etc/pki/CA/cacert.pem" in hint and "qemu+tls://hv2/system" in hint
    qemu = trust_hint("TLS handshake failed: The certificate hasn't got a known issuer", "qemu+tcp://hv2/system", True)
    assert "the source's QEMU" in qemu
    # not a certificate failure, or no TLS at all: nothing added
    assert trust_hint("Connection refused", "qemu+tls://hv2/system", True) == ""
    assert trust_hint("bad certificate", "qemu+tcp://hv2/system", False) == ""


@pytest.mark.parametrize("virt_type,version,kind,warned", [
    ("qemu", 7002022, "live", True),     # Debian 12's QEMU 7.2 under TCG
    ("qemu", 7002022, "block", True),
    ("qemu", 7002022, "offline", False),  # a shut-off guest has no memory in flight
    ("qemu", 9000000, "live", False),    # the fix is in QEMU 9.0
    ("kvm", 7002022, "live", False),     # KVM tracks dirty pages itself
])
def test_tcg_memory_warning_only_for_live_tcg_guests_on_qemu_before_9(virt_type, version, kind, warned):
    config = DomainConfig.from_xml("<domain type='%s'><name>g</name></domain>" % virt_type)
    warning = tcg_memory_warning(config, version, kind)
    assert bool(warning) is warned
    if warned:
        assert "QEMU 7.2.22" in warning and "downtime_steps: 0" in warning
    # strategy auto leaves auto-converge (many passes by design) out for exactly the same guests
    exclusion = tcg_auto_converge_exclusion(config, version, kind)
    assert bool(exclusion) is warned
    if warned:
        assert "QEMU 7.2.22" in exclusion and "auto-converge makes many" in exclusion
