# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the guest runs on the host and what it may use, as Nova's NUMA-aware placement writes
it: the guest's NUMA cells and physical address bits (inside <cpu>), vCPU and emulator pinning
with CPU shares and bandwidth (<cputune>), memory placement per cell (<numatune>), memory backing
(hugepages, memfd/file source, shared access, locked), memory limits (<memtune>) and I/O threads.

Host CPU and node sets use libvirt's syntax ("0-3,^2,6") and are checked for it here; whether the
host has those CPUs and nodes is libvirt's to say when the guest starts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_at_least
from ansible_collections.virtops.libvirt.plugins.module_utils.common.options import (
    Option, OptionGroup, between,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.cpu import NumaCell
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    CputuneConfig, EmulatorSched, HugePage, IothreadPin, MemNode, MemoryBackingConfig, MemtuneConfig, NumatuneConfig,
    PerfConfig, PerfEvent, VcpuPin, VcpuSched,
)

CPUSET = re.compile(r"^\^?\d+(-\d+)?(,\^?\d+(-\d+)?)*$")
NUMA_MODES = ["strict", "preferred", "interleave", "restrictive"]

# Suboptions of the domain's ``cpu`` option.
CPU_NUMA_OPTIONS = dict(
    numa=dict(type="list", elements="dict", options=dict(
        cpus=dict(type="str", required=True),
        memory_mb=dict(type="int", required=True),
        mem_access=dict(type="str", choices=["shared", "private"]),
        discard=dict(type="bool"),
    )),
    maxphysaddr=dict(type="dict", options=dict(
        mode=dict(type="str", required=True, choices=["passthrough", "emulate"]),
        bits=dict(type="int"),
    )),
)

# Real-time schedulers: fifo and rr take a priority, batch and idle none.
SCHEDULERS = ["fifo", "rr", "batch", "idle"]


def _cpuset(text, option):
    cpu_numbers(text, option)


def _quota(value, option):
    if value != -1 and value < 1000:
        raise VirtopsError("%s is -1 (no limit) or at least 1000 microseconds, got %d" % (option, value))


def _scheduling(item, sched, option):
    if (item["scheduler"] in ("fifo", "rr")) != (item["priority"] is not None):
        raise VirtopsError("%s: scheduler fifo and rr take a priority (1 to 99), batch and idle none (got %s%s)"
                           % (option, item["scheduler"], "" if item["priority"] is None else " with a priority"))
    return sched


def _scheduler_options(*first):
    return list(first) + [Option("scheduler", required=True, choices=SCHEDULERS),
                          Option("priority", "int", checks=[between(1, 99)])]


# <cputune>, declared once: each suboption is the CputuneConfig field of its name unless it says.
CPUTUNE = OptionGroup("cputune", CputuneConfig, [
    Option("shares", "int", checks=[between(2, None)]),
    Option("period", "int", checks=[between(1000, 1000000, "microseconds")]),
    Option("quota", "int", checks=[_quota]),
    OptionGroup("vcpupin", VcpuPin, [
        Option("vcpu", "int", required=True, checks=[between(0, None)]),
        Option("cpuset", required=True, checks=[_cpuset]),
    ], many=True, field="vcpupins"),
    Option("emulatorpin", checks=[_cpuset]),
    OptionGroup("iothreadpin", IothreadPin, [
        Option("iothread", "int", required=True, checks=[between(1, None)]),
        Option("cpuset", required=True, checks=[_cpuset]),
    ], many=True, field="iothreadpins"),
    OptionGroup("vcpusched", VcpuSched, _scheduler_options(Option("vcpus", required=True, checks=[_cpuset])),
                many=True, field="vcpuscheds", finish=_scheduling),
    OptionGroup("emulatorsched", EmulatorSched, _scheduler_options(), finish=_scheduling),
])

PERF_EVENTS = ["cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses",
               "branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
               "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults",
               "context_switches", "cpu_migrations", "page_faults_min", "page_faults_maj", "alignment_faults",
               "emulation_faults"]

# Where the vCPUs' threads may run as a whole (<vcpu placement cpuset>) and the perf events counted.
VCPU_PLACEMENT = Option("vcpu_placement", choices=["static", "auto"])
VCPU_CPUSET = Option("vcpu_cpuset", checks=[_cpuset])
PERF = Option("perf_events", "list", elements="str", choices=PERF_EVENTS, field="perf",
              convert=lambda names: PerfConfig(events=[PerfEvent(name=name, enabled=True) for name in names]))


def _mib_option(name):
    """A limit given in MiB, kept in KiB as libvirt counts it."""
    return Option(name + "_mb", "int", field=name + "_kib", convert=lambda mib: mib * 1024, checks=[between(1)])


NUMATUNE = OptionGroup("numatune", NumatuneConfig, [
    Option("mode", choices=NUMA_MODES),
    Option("nodeset", checks=[_cpuset]),
    OptionGroup("memnodes", MemNode, [
        Option("cellid", "int", required=True),
        Option("mode", default="strict", choices=NUMA_MODES),
        Option("nodeset", required=True, checks=[_cpuset]),
    ], many=True),
])
MEMTUNE = OptionGroup("memtune", MemtuneConfig, [_mib_option("hard_limit"), _mib_option("soft_limit"),
                                                 _mib_option("swap_hard_limit")])


def _memory_backing(item, backing, option):
    hugepages = item["hugepages"]
    if hugepages is not None:
        backing.hugepages = hugepages["enabled"]
        if not hugepages["enabled"]:
            backing.hugepage_sizes = []
        elif hugepages["pages"] is not None:
            backing.hugepage_sizes = []
            for index, page in enumerate(hugepages["pages"]):
                where = "%s.hugepages.pages[%d]" % (option, index)
                check_at_least(page["size_kib"], 4, where + ".size_kib")
                if page["nodeset"] is not None:
                    cpu_numbers(page["nodeset"], where + ".nodeset")
                backing.hugepage_sizes.append(HugePage(size_kib=page["size_kib"], nodeset=page["nodeset"]))
    return backing


# <memoryBacking>: hugepages (each page size on the host nodes given), where the memory comes from
# and whether it is shared (virtiofs, vhost-user), locked or merged.
MEMORY_BACKING = OptionGroup("memory_backing", MemoryBackingConfig, [
    Option("hugepages", "dict", field=None, options=dict(
        enabled=dict(type="bool", default=True),
        pages=dict(type="list", elements="dict", options=dict(
            size_kib=dict(type="int", required=True),
            nodeset=dict(type="str"),
        )),
    )),
    Option("nosharepages", "bool"),
    Option("locked", "bool"),
    Option("source", choices=["anonymous", "file", "memfd"]),
    Option("access", choices=["shared", "private"]),
    Option("allocation", choices=["immediate", "ondemand"]),
    Option("discard", "bool"),
], finish=_memory_backing)
IOTHREADS = Option("iothreads", "int", checks=[between(0)])
TUNING_OPTIONS = (IOTHREADS, CPUTUNE, VCPU_PLACEMENT, VCPU_CPUSET, PERF, NUMATUNE, MEMTUNE, MEMORY_BACKING)


def cpu_numbers(text, option):
    """The set of numbers libvirt's cpuset syntax ``text`` names ("0-3,^2,6" is {0, 1, 3, 6})."""
    if not CPUSET.match(text or ""):
        raise VirtopsError("%s: %r is not a CPU or node set; write it as libvirt does, e.g. '0-3', '0,2' or "
                           "'0-7,^4'" % (option, text))
    included, excluded = set(), set()
    for part in text.split(","):
        target = excluded if part.startswith("^") else included
        first, _dash, last = part.lstrip("^").partition("-")
        if last and int(last) < int(first):
            raise VirtopsError("%s: range %s runs backwards" % (option, part))
        target.update(range(int(first), int(last or first) + 1))
    return included - excluded


def build_numa_cells(cells, vcpus, memory_mb, devices_mb=0):
    """The guest NUMA cells of ``cpu.numa`` (ids in order); each vCPU in exactly one cell, and
    the cells' memory with the memory devices' (``devices_mb``) adding up to ``memory_mb`` where
    it is given (libvirt counts a domain's memory so)."""
    seen = set()
    for index, cell in enumerate(cells):
        option = "cpu.numa[%d]" % index
        numbers = cpu_numbers(cell["cpus"], option + ".cpus")
        if numbers & seen:
            raise VirtopsError("%s.cpus: vCPUs %s are already in another cell; each vCPU belongs to one cell"
                               % (option, ",".join(str(number) for number in sorted(numbers & seen))))
        if vcpus and max(numbers) >= vcpus:
            raise VirtopsError("%s.cpus: vCPU %d does not exist; the domain has %d (0-%d)"
                               % (option, max(numbers), vcpus, vcpus - 1))
        check_at_least(cell["memory_mb"], 1, option + ".memory_mb")
        seen |= numbers
    total = sum(cell["memory_mb"] for cell in cells)
    if memory_mb is not None and devices_mb and total + devices_mb != memory_mb:
        raise VirtopsError("cpu.numa: the cells' memory_mb (%d MiB) and the memory devices' (%d MiB) add up to %d MiB but "
                           "memory_mb is %d; libvirt counts a domain's memory as both"
                           % (total, devices_mb, total + devices_mb, memory_mb))
    if memory_mb is not None and not devices_mb and total != memory_mb:
        raise VirtopsError("cpu.numa: the cells' memory_mb add up to %d MiB but memory_mb is %d; they must be equal"
                           % (total, memory_mb))
    return [NumaCell(id=index, cpus=cell["cpus"], memory_kib=cell["memory_mb"] * 1024,
                     mem_access=cell["mem_access"], discard=cell["discard"]) for index, cell in enumerate(cells)]


def build_tuning(params, desired):
    """Set the placement and tuning parts of ``desired`` that ``params`` asks for."""
    for declared in TUNING_OPTIONS:
        declared.set(desired, params[declared.name])
    _check_tuning(params, desired)
    return desired


def _one_per_vcpu(scheds):
    """libvirt keeps real-time scheduling one <vcpusched> per vCPU ('0-3' comes back as 0, 1, 2
    and 3): asked for the same way, a second run finds it as it is. A vCPU named twice is refused."""
    single = {}
    for index, sched in enumerate(scheds):
        for vcpu in sorted(cpu_numbers(sched.vcpus, "")):
            if vcpu in single:
                raise VirtopsError("cputune.vcpusched[%d].vcpus: vCPU %d already has its scheduler in another item"
                                   % (index, vcpu))
            single[vcpu] = VcpuSched(vcpus=str(vcpu), scheduler=sched.scheduler, priority=sched.priority)
    return [single[vcpu] for vcpu in sorted(single)]


def _check_tuning(params, desired):
    """What the declared options cannot check one by one: the vCPUs real-time scheduling names
    exist (then it is kept one vCPU per entry), and automatic placement takes no CPU set (numad
    chooses it). (Pinned vCPUs and I/O threads are checked on the whole definition:
    spec.check_limits.)"""
    vcpus = params["vcpus"]
    cputune = desired.cputune
    if vcpus and cputune is not None:
        for index, sched in enumerate(cputune.vcpuscheds or []):
            beyond = sorted(number for number in cpu_numbers(sched.vcpus, "") if number >= vcpus)
            if beyond:
                raise VirtopsError("cputune.vcpusched[%d].vcpus: vCPU %d does not exist; the domain has %d"
                                   % (index, beyond[0], vcpus))
    if cputune is not None and cputune.vcpuscheds:
        cputune.vcpuscheds = _one_per_vcpu(cputune.vcpuscheds)
    if params["vcpu_placement"] == "auto" and params["vcpu_cpuset"] is not None:
        raise VirtopsError("vcpu_cpuset is for vcpu_placement static; with auto, numad chooses the host CPUs")
