# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pre-checks before a migration changes anything: each refusal is a clear message and the
guest is untouched. Each check returns a short line for the result saying what it found."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import host_capabilities, version_text
from ansible_collections.virtops.libvirt.plugins.module_utils.host.cpu import HypervisorCpu
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.plan import disks_to_copy, local_disks
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.directories import (
    file_exists, shared_directories,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import DEFAULT_CPU_MODE

MIB = 1024 * 1024


def distinct_hosts(source_conn, dest_conn):
    """libvirt refuses a migration to the same host (same hostname or host UUID); so do we, first."""
    names = (source_conn.getHostname(), dest_conn.getHostname())
    uuids = (host_capabilities(source_conn).host_uuid, host_capabilities(dest_conn).host_uuid)
    if names[0] == names[1] or (uuids[0] and uuids[0] == uuids[1]):
        raise VirtopsError("the destination is the source: both connections reach host %s (host UUID %s); "
                           "give dest_uri another hypervisor" % (names[1], uuids[1]))
    return "hosts differ: %s (%s) -> %s (%s)" % (names[0], uuids[0], names[1], uuids[1])


def cpu_fits(dest_conn, config):
    """The destination's hypervisor can run the guest's CPU as it runs now (missing features named)."""
    cpu = config.cpu
    if cpu is None or cpu.mode in (None, DEFAULT_CPU_MODE, "maximum") or (cpu.mode == "custom" and not cpu.model):
        return "cpu: hypervisor default, nothing to compare"
    if cpu.mode == "host-passthrough":
        return "cpu: host-passthrough, libvirt checks that the destination's CPU is the same"
    guest_cpu = cpu.copy_requested()
    guest_cpu.mode, guest_cpu.match, guest_cpu.check = "custom", "exact", None
    guest_cpu.topology = None
    hypervisor = HypervisorCpu(dest_conn, config.virt_type, config.os.arch if config.os else None,
                               config.os.machine if config.os else None)
    verdict = hypervisor.compare(guest_cpu.to_xml())
    if verdict["result"] == "incompatible":
        missing = verdict["missing_features"]
        raise VirtopsError(
            "the destination cannot run the guest's CPU (%s%s): %s. Give the guest a CPU both hosts "
            "run (cpu_baseline) before migrating"
            % (guest_cpu.model, ", missing features: %s" % ", ".join(missing) if missing else "",
               verdict["message"]),
            missing_features=missing, forbidden_features=verdict["forbidden_features"])
    return "cpu: %s is %s on the destination" % (guest_cpu.model, verdict["result"])


# libvirt's number for QEMU 9.0.0. Before it, clearing the migration's dirty bitmap did not reset
# TCG's TLB, so a guest's stores through an entry cached earlier went unrecorded: every pre-copy
# pass after the first could miss writes, and the guest resumed on the destination with stale
# memory (QEMU commit 03bfc2188f, "physmem: Fix migration dirty bitmap coherency with TCG memory
# access"). KVM tracks dirty pages itself and is not affected.
QEMU_TCG_DIRTY_TRACKING_FIXED = 9000000


def tcg_loses_writes(config, qemu_version, kind):
    """Whether a live migration of this guest can lose its writes in pre-copy passes after the
    first: a TCG guest on a QEMU before 9.0."""
    return kind != "offline" and config.virt_type == "qemu" and bool(qemu_version) \
        and qemu_version < QEMU_TCG_DIRTY_TRACKING_FIXED


def tcg_auto_converge_exclusion(config, qemu_version, kind):
    """Why strategy auto leaves auto-converge out for this guest (many passes by design, each
    after the first able to lose writes), or None."""
    if not tcg_loses_writes(config, qemu_version, kind):
        return None
    return ("the guest runs under TCG on QEMU %s, where every pre-copy pass after the first can lose the guest's "
            "writes (fixed in QEMU 9.0); auto-converge makes many" % version_text(qemu_version))


def tcg_memory_warning(config, qemu_version, kind):
    """A warning for a live TCG guest on a QEMU that can lose its memory writes; None otherwise."""
    if not tcg_loses_writes(config, qemu_version, kind):
        return None
    return ("the guest runs under TCG (domain type qemu) on QEMU %s: before QEMU 9.0, a live migration of a TCG "
            "guest that makes more than one pre-copy pass can lose the guest's memory writes, and the guest "
            "may crash on the destination. Use KVM, or let the migration finish in one pass (downtime_steps: 0 "
            "and a max_downtime_ms the guest's writes during one pass fit in)" % version_text(qemu_version))


def memory_fits(dest_conn, config):
    needed = (config.memory_kib or 0) * 1024
    free = dest_conn.getFreeMemory()
    if needed > free:
        raise VirtopsError("the destination has %d MiB of free memory; the guest needs %d MiB"
                           % (free // MIB, needed // MIB), needed_mb=needed // MIB, free_mb=free // MIB)
    return "memory: needs %d MiB, destination has %d MiB free" % (needed // MIB, free // MIB)


def _file_disks(config):
    return [(disk, path) for disk, path in local_disks(config) if disk.type == "file"]


def shared_disk_directories(source_conn, dest_conn, config):
    """The directories of the guest's file disks that both hosts share (probed through libvirt)."""
    return shared_directories(source_conn, dest_conn, [os.path.dirname(path) for _disk, path in _file_disks(config)])


def offline_copies(dest_conn, config, chosen, shared):
    """The (disk, path) pairs an offline migration copies. Unless ``chosen`` names them: every
    image file not in the ``shared`` directories, except read-only media the destination already
    has (as Nova's cold migration copies the instance's files unless its storage is shared)."""
    candidates = disks_to_copy(config, chosen, "offline")
    if chosen is not None:
        return candidates
    return [(disk, path) for disk, path in candidates
            if os.path.dirname(path) not in shared and not (disk.readonly and file_exists(dest_conn, path))]


def storage_fits(source_conn, dest_conn, config, kind, copies, shared=None):
    """Shared disks for a live migration, private copies for a block migration, copies or disks
    already there for an offline one. ``shared``: the shared directories when already probed."""
    files = _file_disks(config)
    if not files:
        return "storage: no local file disks"
    if shared is None:
        shared = shared_disk_directories(source_conn, dest_conn, config)
    copied = set(disk.target_dev for disk, _path in copies)
    problems = []
    for disk, path in files:
        is_shared = os.path.dirname(path) in shared
        if disk.target_dev in copied and is_shared:
            problems.append("%s (%s) is on storage both hosts share; a %s migration would copy it onto itself. %s"
                            % (disk.target_dev, path, kind, "Use kind: live for shared disks" if kind == "block"
                               else "Leave it out of copy_disks"))
        elif disk.target_dev in copied and kind == "offline" and file_exists(dest_conn, path):
            problems.append("%s (%s) exists on the destination already; it is not replaced. Remove it there "
                            "or leave the disk out of copy_disks" % (disk.target_dev, path))
        elif disk.target_dev not in copied and not is_shared:
            # A read-only image (an ISO) may be a copy of its own on each host; a writable disk
            # must be the same storage, or the guest would continue on another disk's content.
            if disk.readonly and file_exists(dest_conn, path):
                continue
            problems.append("%s (%s) is not on storage the destination shares%s"
                            % (disk.target_dev, path,
                               "; use kind: block to copy it" if kind == "live" else
                               " and is not copied (%s); put it there first"
                               % ("not chosen" if kind == "offline" else "read-only or not chosen")))
    if problems:
        raise VirtopsError("%s migration refused: %s" % (kind, "; ".join(problems)))
    return "storage: shared %s; copied %s" % (", ".join(sorted(shared)) or "none",
                                              ", ".join(sorted(copied)) or "none")
