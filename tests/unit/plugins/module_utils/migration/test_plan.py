# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MigrationPlan: flags, parameters, the disks a block migration copies, the downtime ramp and
the limits, from the module's options; and the refusals of option combinations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.plan import (
    MIGRATION_CONTROLS_SPEC, MigrationPlan, check_controls, completion_limit, data_gib, disks_to_copy,
    downtime_steps,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

libvirt = pytest.importorskip("libvirt")

GUEST = """<domain type='qemu'><name>g</name><memory unit='KiB'>1048576</memory><vcpu>1</vcpu>
<os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/local/root.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='block' device='disk'><source dev='/dev/vg/data'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'><source file='/shared/quorum.raw'/><target dev='vdc' bus='virtio'/><shareable/></disk>
<disk type='file' device='cdrom'><source file='/iso/config.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
<disk type='network' device='disk'><source protocol='rbd' name='rbd/vol'/><target dev='vdd' bus='virtio'/></disk>
</devices></domain>"""


def options(**changes):
    params = dict((name, spec.get("default")) for name, spec in MIGRATION_CONTROLS_SPEC.items())
    params.update(changes)
    return params


def test_block_copies_local_writable_unshared_disks_only():
    config = DomainConfig.from_xml(GUEST)
    assert [disk.target_dev for disk, _path in disks_to_copy(config)] == ["vda", "vdb"]
    assert [path for _disk, path in disks_to_copy(config, ["vdb"])] == ["/dev/vg/data"]
    assert disks_to_copy(config, []) == []


def test_offline_copies_image_files_read_only_media_included_never_block_devices_or_shared_disks():
    config = DomainConfig.from_xml(GUEST)
    assert [path for _disk, path in disks_to_copy(config, kind="offline")] == ["/local/root.qcow2", "/iso/config.iso"]
    assert [disk.target_dev for disk, _path in disks_to_copy(config, ["sda"], "offline")] == ["sda"]


@pytest.mark.parametrize("chosen, kind, message", [
    (["vdz"], "block", "copy_disks names vdz, which the guest has not as local disks; it has sda, vda, vdb, vdc"),
    (["sda"], "block", "copy_disks names sda, which kind: block cannot copy (read-only, shareable or not a "
                       "disk); copyable are vda, vdb"),
    (["vdd"], "block", "copy_disks names vdd, which the guest has not as local disks"),
    (["vdb", "vdc"], "offline", "copy_disks names vdb, vdc, which kind: offline cannot copy (a block device "
                                "or shareable); copyable are sda, vda"),
])
def test_copy_disks_refuses_what_cannot_be_copied(chosen, kind, message):
    with pytest.raises(VirtopsError) as caught:
        disks_to_copy(DomainConfig.from_xml(GUEST), chosen, kind)
    assert message in caught.value.msg


def test_downtime_ramp_rises_in_equal_steps_to_the_maximum():
    steps = downtime_steps(500, 10, 75, 2.0)
    assert steps[0] == (0.0, 50)
    assert steps[-1] == (1500.0, 500)
    assert len(steps) == 11
    assert [ms for _at, ms in steps] == sorted(ms for _at, ms in steps)
    assert downtime_steps(500, 0, 75, 2.0) == [(0.0, 500)]


def test_limits_scale_with_the_data_and_count_small_guests_as_two_gib():
    assert data_gib(256 * 1024) == 2.0
    assert data_gib(4 * 1024 * 1024, 2 * 1024 ** 3) == 6.0
    assert completion_limit(options(), 6.0) == 4800
    assert completion_limit(options(completion_timeout=30), 6.0) == 30
    assert completion_limit(options(completion_timeout=0), 6.0) is None
    assert completion_limit(options(completion_timeout_per_gib=0), 6.0) is None


def test_live_flags_and_parameters():
    plan = MigrationPlan(options(bandwidth_mib=100, migrate_uri="tcp://10.0.0.2", parallel_connections=4,
                                 compression=["zstd"], unsafe=True), "live", [], 1048576, 0)
    assert plan.flag_names() == ["LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "UNSAFE", "COMPRESSED",
                                 "PARALLEL"]
    assert plan.flags() & libvirt.VIR_MIGRATE_LIVE and plan.flags() & libvirt.VIR_MIGRATE_UNSAFE
    assert plan.typed_params() == {
        libvirt.VIR_MIGRATE_PARAM_URI: "tcp://10.0.0.2",
        libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 100,
        libvirt.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS: 4,
        libvirt.VIR_MIGRATE_PARAM_COMPRESSION: ["zstd"],
    }


def test_block_offline_and_post_copy_flags():
    config = DomainConfig.from_xml(GUEST)
    block = MigrationPlan(options(kind="block", peer_to_peer=False), "block", disks_to_copy(config), 1048576, 0)
    assert "NON_SHARED_DISK" in block.flag_names() and "PEER2PEER" not in block.flag_names()
    assert block.typed_params()[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] == ["vda", "vdb"]
    assert block.copy_directories() == ["/local"]
    offline = MigrationPlan(options(kind="offline", persist=False), "offline", [], 1048576, 0)
    assert offline.flag_names() == ["PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "OFFLINE"]  # libvirt needs both
    assert offline.downtime == [] and offline.completion_limit is None
    post_copy = MigrationPlan(options(post_copy=True, auto_converge=True), "live", [], 1048576, 0)
    assert "POSTCOPY" in post_copy.flag_names() and "AUTO_CONVERGE" not in post_copy.flag_names()


def test_auto_converge_steps_go_to_libvirt_only_with_auto_converge_used():
    steep = MigrationPlan(options(auto_converge=True, auto_converge_initial_pct=60, auto_converge_increment_pct=20),
                          "live", [], 1048576, 0)
    assert "AUTO_CONVERGE" in steep.flag_names()
    assert steep.typed_params() == {libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL: 60,
                                    libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT: 20}
    assert steep.describe()["auto_converge_steps_pct"] == [60, 20]
    # QEMU's own steps when none are given; none at all when post-copy replaces auto-converge
    assert MigrationPlan(options(auto_converge=True), "live", [], 1048576, 0).describe()["auto_converge_steps_pct"] == [20, 10]
    post_copy = MigrationPlan(options(auto_converge=True, post_copy=True, auto_converge_initial_pct=60), "live", [],
                              1048576, 0)
    assert post_copy.typed_params() == {} and post_copy.describe()["auto_converge_steps_pct"] is None


@pytest.mark.parametrize("changes, message", [
    (dict(tunnelled=True, peer_to_peer=False), "tunnelled migration needs peer_to_peer: true"),
    (dict(tunnelled=True, migrate_uri="tcp://x"), "migrate_uri cannot be used with tunnelled: true"),
    (dict(tunnelled=True, tls=True), "tls and tunnelled exclude each other"),
    (dict(bandwidth_mib=-1), "bandwidth_mib must be between 0 and 8796093022207, got -1"),
    # issue 23 item 5: a value libvirt refuses only once the migration has started
    (dict(bandwidth_mib=18446744073709551616), "bandwidth_mib must be between 0 and 8796093022207, got 1844"),
    (dict(parallel_connections=0), "parallel_connections must be between 1 and 255, got 0"),
    (dict(parallel_connections=10 ** 6), "parallel_connections must be between 1 and 255, got 1000000"),
    # issue 23 item 19
    (dict(max_downtime_ms=10 ** 12), "max_downtime_ms must be between 0 and 2000000, got 1000000000000"),
    (dict(downtime_steps=10 ** 6), "downtime_steps must be between 0 and 1000, got 1000000"),
    (dict(progress_timeout=2 ** 64), "progress_timeout must be between 0 and 31536000"),
    (dict(dest_uri=""), "dest_uri is empty; give the URI of the other host"),
    (dict(peer_uri=" "), "peer_uri is empty"),
    (dict(post_copy_after=5), "post_copy_after switches a migration to post-copy, which needs post_copy: true"),
    (dict(copy_disks=["vda"]), "copy_disks chooses the disks a block or offline migration copies; kind is live"),
    (dict(kind="offline", post_copy=True), "post_copy applies to live and block migration, not to kind: offline"),
    (dict(auto_converge_initial_pct=50), "auto_converge_initial_pct sets how auto-converge throttles the guest, "
                                         "which needs auto_converge: true"),
    (dict(auto_converge_initial_pct=50, auto_converge_increment_pct=20),
     "auto_converge_initial_pct and auto_converge_increment_pct set how auto-converge"),
    (dict(auto_converge=True, auto_converge_initial_pct=100), "auto_converge_initial_pct must be between 1 and 99"),
    (dict(auto_converge=True, auto_converge_increment_pct=0), "auto_converge_increment_pct must be between 1 and 99"),
])
def test_refused_combinations_say_what_is_wrong(changes, message):
    with pytest.raises(VirtopsError) as caught:
        check_controls(options(**changes))
    assert message in caught.value.msg


def test_offline_takes_copy_disks():
    assert check_controls(options(kind="offline", copy_disks=[])) == []


def test_auto_converge_with_post_copy_is_a_warning_not_an_error():
    warnings = check_controls(options(auto_converge=True, post_copy=True))
    assert warnings == ["auto_converge is not used with post_copy: post-copy finishes a migration "
                        "that does not converge, without throttling the guest"]
