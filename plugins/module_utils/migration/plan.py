# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one migration will do, decided from the options and the guest before anything changes:
libvirt's flags and parameters, the disks to copy, the downtime ramp and the time limits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.prediction import throttle_steps

KINDS = ("live", "block", "offline")
STRATEGIES = ("manual", "auto")
# Seconds the data left may stop shrinking before an auto migration switches over.
AUTO_STALL_TIMEOUT = 20
TIMEOUT_ACTIONS = ("abort", "force_complete")
COMPRESSION_METHODS = ("xbzrle", "mt", "zlib", "zstd")
GIB = 1024 ** 3
# As Nova: a guest counts as at least 2 GiB when time limits scale with its size, so that
# small guests are not given limits shorter than a migration's fixed costs.
MIN_DATA_GIB = 2.0

# The per-call controls of a migration (Nova has them as [libvirt] settings).
MIGRATION_CONTROLS_SPEC = dict(
    kind=dict(type="str", default="live", choices=list(KINDS)),
    peer_to_peer=dict(type="bool", default=True),
    tunnelled=dict(type="bool", default=False),
    tls=dict(type="bool", default=False),
    migrate_uri=dict(type="str"),
    bandwidth_mib=dict(type="int", default=0),
    parallel_connections=dict(type="int"),
    compression=dict(type="list", elements="str", choices=list(COMPRESSION_METHODS)),
    auto_converge=dict(type="bool", default=False),
    auto_converge_initial_pct=dict(type="int"),
    auto_converge_increment_pct=dict(type="int"),
    post_copy=dict(type="bool", default=False),
    post_copy_after=dict(type="int"),
    max_downtime_ms=dict(type="int", default=500),
    downtime_steps=dict(type="int", default=10),
    downtime_delay_per_gib=dict(type="int", default=75),
    completion_timeout=dict(type="int"),
    completion_timeout_per_gib=dict(type="int", default=800),
    completion_timeout_action=dict(type="str", default="abort", choices=list(TIMEOUT_ACTIONS)),
    progress_timeout=dict(type="int", default=150),
    abort_timeout=dict(type="int", default=60),
    read_timeout=dict(type="int", default=60),
    persist=dict(type="bool", default=True),
    undefine_source=dict(type="bool", default=True),
    unsafe=dict(type="bool", default=False),
    copy_disks=dict(type="list", elements="str"),
    # measure the guest, predict, choose (prediction.py)
    strategy=dict(type="str", default="manual", choices=list(STRATEGIES)),
    measure=dict(type="bool", default=False),
    dirty_rate_seconds=dict(type="int", default=2),
    expected_bandwidth_mib=dict(type="int", default=1024),
    max_throttle_pct=dict(type="int", default=99),
    stall_timeout=dict(type="int"),
)


# The range of each numeric control (options left unset are not checked): what libvirt and QEMU
# accept, so that nothing is refused only once the migration has started. QEMU keeps the bandwidth
# in bytes/s in an int64 (libvirt's limit in MiB/s), its downtime limit is at most 2000 s, and
# multifd has at most 255 channels. The seconds are bounded at a year; the ramp at 1000 steps.
YEAR_S = 365 * 24 * 3600
RANGES = dict(bandwidth_mib=(0, (2 ** 63 - 1) // (1024 * 1024)), max_downtime_ms=(0, 2000 * 1000),
              downtime_steps=(0, 1000), downtime_delay_per_gib=(0, YEAR_S), completion_timeout=(0, YEAR_S),
              completion_timeout_per_gib=(0, YEAR_S), progress_timeout=(0, YEAR_S), post_copy_after=(0, YEAR_S),
              parallel_connections=(1, 255), dirty_rate_seconds=(1, 60),
              expected_bandwidth_mib=(1, (2 ** 63 - 1) // (1024 * 1024)), max_throttle_pct=(20, 99),
              stall_timeout=(0, YEAR_S), abort_timeout=(1, YEAR_S), read_timeout=(1, YEAR_S),
              auto_converge_initial_pct=(1, 99), auto_converge_increment_pct=(1, 99))


def check_controls(params):
    """Refuse combinations libvirt would refuse later (or that mean nothing); returns warnings."""
    warnings = []
    kind = params["kind"]
    if params["tunnelled"] and not params["peer_to_peer"]:
        raise VirtopsError("tunnelled migration needs peer_to_peer: true (the source daemon carries the data)")
    for option in ("migrate_uri", "parallel_connections"):
        if params["tunnelled"] and params[option]:
            raise VirtopsError("%s cannot be used with tunnelled: true (the data goes through the "
                               "daemons' connection)" % option)
    if params["tunnelled"] and params["tls"]:
        raise VirtopsError("tls and tunnelled exclude each other: tls encrypts QEMU's own stream, "
                           "tunnelled sends it through libvirt's connection")
    for option, (minimum, maximum) in sorted(RANGES.items()):
        if params[option] is not None and not minimum <= params[option] <= maximum:
            raise VirtopsError("%s must be between %d and %d, got %d" % (option, minimum, maximum, params[option]))
    for option in ("dest_uri", "peer_uri", "migrate_uri"):
        if option in params and params[option] is not None and not params[option].strip():
            raise VirtopsError("%s is empty; give the URI of the other host (an empty URI would be libvirt's "
                               "default connection, this machine)" % option)
    if params["post_copy_after"] is not None and not params["post_copy"]:
        raise VirtopsError("post_copy_after switches a migration to post-copy, which needs post_copy: true")
    steps = [option for option in ("auto_converge_initial_pct", "auto_converge_increment_pct") if params[option]]
    if steps and not params["auto_converge"]:
        raise VirtopsError("%s set%s how auto-converge throttles the guest, which needs auto_converge: true"
                           % (" and ".join(steps), "" if len(steps) > 1 else "s"))
    if params["copy_disks"] is not None and kind == "live":
        raise VirtopsError("copy_disks chooses the disks a block or offline migration copies; kind is live "
                           "(which copies none)")
    if kind == "offline":
        for option in ("post_copy", "auto_converge", "tunnelled", "tls"):
            if params[option]:
                raise VirtopsError("%s applies to live and block migration, not to kind: offline "
                                   "(which moves a shut-off guest: its definition and image files)" % option)
    if params.get("strategy") == "auto" or params.get("measure"):
        if kind == "offline":
            raise VirtopsError("strategy auto and measure are for a running guest (live or block); kind offline "
                               "moves a shut-off one, which dirties nothing")
        if params["post_copy_after"] is not None and params.get("strategy") == "auto":
            raise VirtopsError("post_copy_after is a manual control; with strategy auto the switch to post-copy "
                               "comes from the prediction and stall detection (stall_timeout)")
    elif params["auto_converge"] and params["post_copy"]:
        # As Nova: when post-copy is permitted it is the way to finish, auto-converge is not used.
        warnings.append("auto_converge is not used with post_copy: post-copy finishes a migration "
                        "that does not converge, without throttling the guest")
    return warnings


def local_disks(config):
    """The guest's disks whose source is a path on the host (file or block device), with it."""
    found = []
    for disk in config.disks:
        path = disk.source_file if disk.type == "file" else disk.source_dev if disk.type == "block" else None
        if path:
            found.append((disk, path))
    return found


def copyable(disk, kind="block"):
    """Whether a migration of ``kind`` can copy this disk. A block migration copies, as Nova
    chooses, a local writable disk that no other guest shares (QEMU mirrors it, file or block
    device). An offline migration copies image files, read-only media included, as Nova's cold
    migration copies the instance's files; never a block device or a disk other guests share.
    Network volumes are never copied."""
    if kind == "offline":
        return disk.type == "file" and not disk.shareable
    return disk.type in ("file", "block") and disk.device in (None, "disk") and not (
        disk.readonly or disk.shareable)


COPY_RULES = dict(block="read-only, shareable or not a disk", offline="a block device or shareable")


def disks_to_copy(config, chosen=None, kind="block"):
    """The (disk, path) pairs a migration of ``kind`` can copy; ``chosen`` names targets explicitly."""
    disks = [(disk, path) for disk, path in local_disks(config) if copyable(disk, kind)]
    if chosen is None:
        return disks
    by_target = dict((disk.target_dev, (disk, path)) for disk, path in local_disks(config))
    unknown = sorted(set(chosen) - set(by_target))
    if unknown:
        raise VirtopsError("copy_disks names %s, which the guest has not as local disks; it has %s"
                           % (", ".join(unknown), ", ".join(sorted(by_target)) or "none"))
    refused = sorted(target for target in chosen if not copyable(by_target[target][0], kind))
    if refused:
        raise VirtopsError("copy_disks names %s, which kind: %s cannot copy (%s); copyable are %s"
                           % (", ".join(refused), kind, COPY_RULES[kind],
                              ", ".join(sorted(d.target_dev for d, _p in disks)) or "none"))
    return [by_target[target] for target in chosen]


def data_gib(memory_kib, disk_bytes=0):
    """The amount a migration moves, in GiB, as the time limits count it (at least MIN_DATA_GIB)."""
    return max(MIN_DATA_GIB, (memory_kib * 1024 + disk_bytes) / float(GIB))


def downtime_steps(max_downtime_ms, steps, delay_per_gib, gib):
    """The stepped ramp of the allowed downtime: [(seconds after start, downtime in ms), ...].

    The migration starts with a small pause allowance so a guest that converges on its own is
    barely paused; each step, ``delay_per_gib`` seconds per GiB apart, raises it by an equal part
    until ``max_downtime_ms`` is reached. ``steps`` 0 sets the maximum at once.
    """
    if steps <= 0 or max_downtime_ms <= 0:
        return [(0.0, max_downtime_ms)]
    delay = delay_per_gib * gib
    first = max_downtime_ms / float(steps)
    rise = (max_downtime_ms - first) / float(steps)
    return [(delay * step, int(first + rise * step)) for step in range(steps + 1)]


def completion_limit(params, gib):
    """Seconds a migration may take before ``completion_timeout_action``; None for no limit."""
    if params["completion_timeout"] is not None:
        return params["completion_timeout"] or None
    per_gib = params["completion_timeout_per_gib"]
    return per_gib * gib if per_gib else None


class MigrationPlan:
    """libvirt's flags and typed parameters for one migration, with the limits that steer it."""

    def __init__(self, params, kind, copies, memory_kib, disk_bytes, source_running=False):
        self.params = params
        self.kind = kind
        self.copies = copies  # [(disk, path)] a block migration copies
        self.gib = data_gib(memory_kib, disk_bytes)
        self.post_copy = params["post_copy"] and kind != "offline"
        self.auto_converge = params["auto_converge"] and not self.post_copy and kind != "offline"
        self.downtime = downtime_steps(params["max_downtime_ms"], params["downtime_steps"],
                                       params["downtime_delay_per_gib"], self.gib) if kind != "offline" else []
        self.completion_limit = completion_limit(params, self.gib) if kind != "offline" else None
        self.progress_limit = params["progress_timeout"] or None
        self.abort_timeout = params["abort_timeout"]
        self.post_copy_after = params["post_copy_after"] if self.post_copy else None
        # set by strategy auto when it chose post-copy (prediction.controls_for), not a user's option
        self.post_copy_after_first_pass = bool(params.get("switch_after_first_pass")) and self.post_copy
        stall = params.get("stall_timeout")
        if stall is None and params.get("strategy") == "auto":
            stall = AUTO_STALL_TIMEOUT
        self.stall_limit = (stall or None) if kind != "offline" else None
        # One running copy, always: libvirt leaves the destination's copy paused (VIR_MIGRATE_PAUSED)
        # and the module runs it only once the source's copy is confirmed gone. Without this, a
        # destination daemon that answers the finish late resumes its copy after the source gave up
        # and resumed its own. Not for post-copy (the destination runs from the switch on, and the
        # source cannot resume after it) nor for a guest that was not running.
        self.start_paused = source_running and kind != "offline" and not self.post_copy
        self.dest_xml = self.persist_xml = None  # the destination's documents, with the incoming marker

    def flag_names(self):
        """libvirt's VIR_MIGRATE_* flags for this migration, named without the prefix, in libvirt's order."""
        p = self.params
        offline = self.kind == "offline"
        wanted = (
            ("LIVE", not offline),
            ("PEER2PEER", p["peer_to_peer"]),
            ("TUNNELLED", p["tunnelled"]),
            ("PERSIST_DEST", p["persist"] or offline),  # libvirt refuses OFFLINE without PERSIST_DEST
            ("UNDEFINE_SOURCE", p["undefine_source"]),
            ("NON_SHARED_DISK", self.kind == "block"),
            ("UNSAFE", p["unsafe"]),
            ("OFFLINE", offline),
            ("COMPRESSED", bool(p["compression"])),
            ("AUTO_CONVERGE", self.auto_converge),
            ("POSTCOPY", self.post_copy),
            ("TLS", p["tls"]),
            ("PARALLEL", bool(p["parallel_connections"])),
            ("PAUSED", self.start_paused),
        )
        return [name for name, on in wanted if on]

    def flags(self):
        flags = 0
        for name in self.flag_names():
            flags |= getattr(libvirt, "VIR_MIGRATE_" + name)
        return flags

    def typed_params(self):
        p = self.params
        params = {}
        if p["migrate_uri"]:
            params[libvirt.VIR_MIGRATE_PARAM_URI] = p["migrate_uri"]
        if p["bandwidth_mib"] and self.kind != "offline":
            params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = p["bandwidth_mib"]
        if self.kind == "block":
            params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = [disk.target_dev for disk, _path in self.copies]
        if p["parallel_connections"]:
            params[libvirt.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS] = p["parallel_connections"]
        if p["compression"]:
            params[libvirt.VIR_MIGRATE_PARAM_COMPRESSION] = list(p["compression"])
        if self.auto_converge:
            for option, name in (("auto_converge_initial_pct", libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL),
                                 ("auto_converge_increment_pct", libvirt.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT)):
                if p[option]:
                    params[name] = p[option]
        if self.dest_xml:
            params[libvirt.VIR_MIGRATE_PARAM_DEST_XML] = self.dest_xml
        if self.persist_xml and "PERSIST_DEST" in self.flag_names():
            params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML] = self.persist_xml
        return params

    def copied_files(self):
        """Paths of the image files the migration copies (block devices are not files it makes)."""
        return [path for disk, path in self.copies if disk.type == "file"]

    def copy_directories(self):
        return sorted(set(os.path.dirname(path) for path in self.copied_files()))

    def describe(self):
        """The plan as the result shows it."""
        return dict(
            kind=self.kind,
            flags=self.flag_names(),
            copy_disks=[disk.target_dev for disk, _path in self.copies],
            data_gib=round(self.gib, 3),
            downtime_steps=[[round(at, 1), ms] for at, ms in self.downtime],
            completion_timeout=self.completion_limit,
            completion_timeout_action=self.params["completion_timeout_action"],
            progress_timeout=self.progress_limit,
            post_copy=self.post_copy,
            auto_converge=self.auto_converge,
            auto_converge_steps_pct=list(throttle_steps(self.params)) if self.auto_converge else None,
            stall_timeout=self.stall_limit,
            arrives_paused=self.start_paused,
        )
