# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""<cpu> of a domain (and of host capabilities): mode, model, topology, features, the guest's
NUMA cells and its physical address bits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Child, ChildList, ConfigObject, Field, in_kib,
)

CPU_MODES = ("host-model", "host-passthrough", "custom")
# A <cpu> without mode and model: the hypervisor's default CPU (Nova's cpu_mode=none). Only
# requested: it is written as no mode attribute, and read back as no mode (None).
DEFAULT_CPU_MODE = "none"


class CpuFeature(ConfigObject):
    """<feature policy='require' name='vmx'/>"""

    TAG = "feature"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("policy", attr="policy"),
    )


class CpuTopology(ConfigObject):
    """<topology sockets='1' dies='1' cores='2' threads='1'/>"""

    TAG = "topology"
    FIELDS = (
        Field("sockets", attr="sockets", kind="int"),
        Field("dies", attr="dies", kind="int"),
        Field("cores", attr="cores", kind="int"),
        Field("threads", attr="threads", kind="int"),
    )


class NumaCell(ConfigObject):
    """<cell id='0' cpus='0-1' memory='1048576' unit='KiB' memAccess='shared' discard='yes'/>: one
    NUMA node of the guest."""

    TAG = "cell"
    KEY = "id"
    FIELDS = (
        Field("id", attr="id", kind="int"),
        Field("cpus", attr="cpus"),
        Field("memory_kib", attr="memory", kind="int", label="memory_kib"),
        Field("mem_access", attr="memAccess", label="mem_access"),
        Field("discard", attr="discard", kind="yesno"),
    )

    def after_parse(self, element):
        # The memory may be in any unit libvirt takes; the model holds KiB, as libvirt writes it.
        if self.memory_kib is not None:
            self.memory_kib = in_kib(self.memory_kib, element.get("unit"), "numa cell %s memory" % self.id)

    def before_format_done(self, element):
        # a cell read without a unit (KiB) keeps none
        if self.memory_kib is not None and (self._source is None or self._source.get("unit") is not None):
            element.set("unit", "KiB")


class MaxPhysAddrBits(Field):
    """<maxphysaddr mode='emulate' bits='42'/> or <maxphysaddr mode='passthrough' limit='39'/>: the
    number of address bits is ``bits`` in emulate mode and ``limit`` in passthrough mode (libvirt's
    schema); written to the attribute the element's mode takes."""

    def read(self, element):
        node = _find_maxphysaddr(element)
        if node is not None and node.get("mode") == "emulate" and node.get("bits") is not None:
            return int(node.get("bits").strip())
        return super(MaxPhysAddrBits, self).read(element)

    def write(self, element, value):
        super(MaxPhysAddrBits, self).write(element, value)
        node = _find_maxphysaddr(element)
        if node is not None:
            node.attrib.pop("bits", None)
            if node.get("mode") == "emulate" and node.get("limit") is not None:
                node.set("bits", node.attrib.pop("limit"))


def _find_maxphysaddr(element):
    return element.find("maxphysaddr")


class CpuConfig(ConfigObject):
    """<cpu mode=... match=... check=...><model fallback=...>NAME</model><vendor/>...</cpu>"""

    TAG = "cpu"
    FIELDS = (
        Field("mode", attr="mode"),
        Field("match", attr="match"),
        Field("check", attr="check"),
        Field("model", path="model"),
        Field("fallback", path="model", attr="fallback"),
        Field("vendor", path="vendor"),
        Field("arch", path="arch"),
        Child("topology", "topology", CpuTopology),
        ChildList("features", "feature", CpuFeature, authoritative=True),
        ChildList("numa_cells", "numa/cell", NumaCell, label="numa", authoritative=True),
        Field("maxphysaddr_mode", path="maxphysaddr", attr="mode", label="maxphysaddr.mode"),
        MaxPhysAddrBits("maxphysaddr_bits", path="maxphysaddr", attr="limit", kind="int", label="maxphysaddr.bits"),
    )
    # What a CPU mode brings with it: replaced together when the requested CPU differs.
    MODE_PARTS = ("match", "model", "fallback", "vendor", "features")

    def before_format_done(self, element):
        if element.get("mode") == DEFAULT_CPU_MODE:
            del element.attrib["mode"]  # libvirt's default CPU is a <cpu> without mode and model

    def is_hypervisor_default(self):
        """Whether this is the hypervisor's default CPU: no mode, or the model libvirt writes into
        a definition that asked for none (libvirt 9.0 fills in e.g. qemu64 with check='none'
        and no features; a model a user asked for gets check='partial')."""
        if self.mode in (None, DEFAULT_CPU_MODE):
            return not self.model  # a model without mode is custom, as libvirt reads it
        return self.mode == "custom" and self.check == "none" and not self.features

    def changes(self, live=None, prefix=""):
        if self.mode == DEFAULT_CPU_MODE and live is not None and live.is_hypervisor_default():
            # Asked for the default and it is there: only the guest's own parts (topology) count.
            guest_parts = self.copy_requested()
            for name in ("mode",) + self.MODE_PARTS:
                setattr(guest_parts, name, None)
            return super(CpuConfig, guest_parts).changes(live, prefix)
        return super(CpuConfig, self).changes(live, prefix)

    def replacing(self, live):
        """The requested CPU in place of ``live``'s mode, model, vendor and features, keeping what
        belongs to the guest rather than to the CPU model: NUMA cells, cache, maxphysaddr, and
        topology and check unless requested (libvirt refuses memory tuning without NUMA cells)."""
        kept = type(live).parse(live.to_element())
        for name in self.MODE_PARTS:
            setattr(kept, name, [] if name == "features" else None)
        if self.mode == DEFAULT_CPU_MODE and self.check is None:
            kept.check = None  # a check of a model that is no longer there
        return self.apply_to(kept)
