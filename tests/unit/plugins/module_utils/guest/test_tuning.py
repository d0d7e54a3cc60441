# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NUMA cells, pinning, numatune, memory backing and limits: from options to the definition,
compared with what libvirt (qemu driver, 9.0) writes back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import check_limits, creation_defaults
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.tuning import cpu_numbers
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DomainConfig

from ansible_collections.virtops.libvirt.tests.unit.plugins.module_utils.guest.test_domain_spec import (
    build_local_qemu as build, change_triples as _changes,
)

LIBVIRT_XML = """<domain type='qemu'>
  <name>spec-test</name>
  <memory unit='KiB'>196608</memory>
  <currentMemory unit='KiB'>196608</currentMemory>
  <memtune>
    <hard_limit unit='KiB'>1048576</hard_limit>
  </memtune>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <vcpu placement='static'>2</vcpu>
  <iothreads>1</iothreads>
  <cputune>
    <shares>2048</shares>
    <vcpupin vcpu='0' cpuset='0'/>
    <vcpupin vcpu='1' cpuset='1'/>
    <emulatorpin cpuset='0-1'/>
  </cputune>
  <numatune>
    <memory mode='strict' nodeset='0'/>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='strict' nodeset='0'/>
  </numatune>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
  </os>
  <cpu mode='custom' match='exact' check='partial'>
    <model fallback='forbid'>qemu64</model>
    <topology sockets='2' dies='1' cores='1' threads='1'/>
    <numa>
      <cell id='0' cpus='0' memory='98304' unit='KiB' memAccess='shared'/>
      <cell id='1' cpus='1' memory='98304' unit='KiB' memAccess='shared'/>
    </numa>
  </cpu>
  <devices/>
</domain>"""

NUMA_CPU = dict(mode="custom", model="qemu64", topology=dict(sockets=2, cores=1, threads=1), numa=[
    dict(cpus="0", memory_mb=96, mem_access="shared"), dict(cpus="1", memory_mb=96, mem_access="shared")])
FULL = dict(
    memory_mb=192, vcpus=2, iothreads=1, cpu=NUMA_CPU,
    cputune=dict(shares=2048, vcpupin=[dict(vcpu=0, cpuset="0"), dict(vcpu=1, cpuset="1")], emulatorpin="0-1"),
    numatune=dict(mode="strict", nodeset="0", memnodes=[dict(cellid=0, nodeset="0"), dict(cellid=1, nodeset="0")]),
    memory_backing=dict(source="memfd", access="shared"),
    memtune=dict(hard_limit_mb=1024),
)


def test_numa_pinning_and_memory_options_match_what_libvirt_wrote_back(conn):
    assert _changes(build(conn, **FULL), DomainConfig.from_xml(LIBVIRT_XML)) == []


@pytest.mark.parametrize("values,expected", [
    (dict(cputune=dict(vcpupin=[dict(vcpu=0, cpuset="1"), dict(vcpu=1, cpuset="1")])),
     [("cputune.vcpupin[0].cpuset", "0", "1")]),
    (dict(cputune=dict(shares=1024)), [("cputune.shares", 2048, 1024)]),
    (dict(memtune=dict(hard_limit_mb=2048)), [("memtune.hard_limit_kib", 1048576, 2097152)]),
    (dict(memory_backing=dict(locked=True)), [("memory_backing.locked", False, True)]),
    (dict(numatune=dict(mode="interleave")), [("numatune.mode", "strict", "interleave")]),
    (dict(iothreads=2), [("iothreads", 1, 2)]),
    (dict(memory_mb=192, vcpus=2, cpu=dict(NUMA_CPU, numa=[dict(cpus="0", memory_mb=64), dict(cpus="1", memory_mb=128)])),
     [("cpu.numa[0].memory_kib", 98304, 65536), ("cpu.numa[1].memory_kib", 98304, 131072)]),
])
def test_one_option_changed_alone_shows_only_its_fields(conn, values, expected):
    assert _changes(build(conn, **values), DomainConfig.from_xml(LIBVIRT_XML)) == expected


def test_a_cpu_model_change_keeps_the_numa_cells(conn):
    live = DomainConfig.from_xml(LIBVIRT_XML)
    build(conn, cpu=dict(mode="host-model")).apply_to(live)
    cells = DomainConfig.from_xml(live.to_xml()).cpu.numa_cells
    assert [(cell.id, cell.cpus, cell.memory_kib) for cell in cells] == [(0, "0", 98304), (1, "1", 98304)]


def test_hugepages_are_written_with_their_sizes_and_can_be_turned_off(conn):
    desired = build(conn, memory_backing=dict(hugepages=dict(pages=[dict(size_kib=2048, nodeset="0")])))
    text = desired.to_xml()
    assert "<page size=\"2048\" nodeset=\"0\" unit=\"KiB\"/>" in text
    assert DomainConfig.from_xml("<domain><name>h</name>%s</domain>" % text.split("<name>spec-test</name>")[1].split(
        "</domain>")[0]).memory_backing.hugepage_sizes[0].size_kib == 2048
    live = DomainConfig.from_xml(LIBVIRT_XML.replace("<source type='memfd'/>", "<hugepages><page size='1' unit='G'/></hugepages>"))
    assert live.memory_backing.hugepage_sizes[0].size_kib == 1048576  # 1 GiB, read in any unit
    off = build(conn, memory_backing=dict(hugepages=dict(enabled=False)))
    assert _changes(off, live) == [("memory_backing.hugepages", True, False), ("memory_backing.hugepages[1048576@all]", "present", None)]


@pytest.mark.parametrize("text,numbers", [("0", {0}), ("0-3", {0, 1, 2, 3}), ("0-7,^4", {0, 1, 2, 3, 5, 6, 7}), ("1,3", {1, 3})])
def test_cpu_sets_are_read_as_libvirt_reads_them(text, numbers):
    assert cpu_numbers(text, "x") == numbers


@pytest.mark.parametrize("values,message", [
    (dict(vcpus=2, memory_mb=192, cpu=dict(NUMA_CPU, numa=[dict(cpus="0-1", memory_mb=96), dict(cpus="1", memory_mb=96)])),
     r"cpu.numa\[1\].cpus: vCPUs 1 are already in another cell"),
    (dict(vcpus=2, memory_mb=192, cpu=dict(NUMA_CPU, numa=[dict(cpus="0-2", memory_mb=192)])),
     r"cpu.numa\[0\].cpus: vCPU 2 does not exist; the domain has 2 \(0-1\)"),
    (dict(vcpus=2, memory_mb=256, cpu=NUMA_CPU), "the cells' memory_mb add up to 192 MiB but memory_mb is 256"),
    (dict(cpu=dict(NUMA_CPU, numa=[dict(cpus="zero", memory_mb=96)])), r"cpu.numa\[0\].cpus: 'zero' is not a CPU or node set"),
    (dict(cputune=dict(emulatorpin="3-1")), "cputune.emulatorpin: range 3-1 runs backwards"),
    (dict(vcpus=2, cputune=dict(vcpupin=[dict(vcpu=2, cpuset="0")])), r"cputune.vcpupin\[0\].vcpu: vCPU 2 does not exist"),
    (dict(cputune=dict(period=10)), "cputune.period is microseconds from 1000 to 1000000, got 10"),
    (dict(cputune=dict(quota=5)), "cputune.quota is -1 .no limit. or at least 1000"),
    (dict(numatune=dict(nodeset="a")), "numatune.nodeset: 'a' is not a CPU or node set"),
    (dict(memtune=dict(hard_limit_mb=0)), "memtune.hard_limit_mb must be at least 1, got 0"),
    (dict(cpu=dict(mode="host-model", maxphysaddr=dict(mode="emulate"))), "cpu.maxphysaddr.mode=emulate needs cpu.maxphysaddr.bits"),
    (dict(cpu=dict(mode="host-model", maxphysaddr=dict(mode="passthrough", bits=64))), "cpu.maxphysaddr.bits is 32 to 52, got 64"),
])
def test_bad_tuning_options_are_refused_with_what_is_allowed(conn, values, message):
    with pytest.raises(VirtopsError, match=message):  # as a new definition is checked
        check_limits(creation_defaults(build(conn, **values)))
