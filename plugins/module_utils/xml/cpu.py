# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""<cpu> of a domain (and of host capabilities): mode, model, topology and features."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Child, ChildList, ConfigObject, Field,
)

CPU_MODES = ("host-model", "host-passthrough", "custom")


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
    )
    # What a CPU mode brings with it: replaced together when the requested CPU differs.
    MODE_PARTS = ("match", "model", "fallback", "vendor", "features")

    def replacing(self, live):
        """The requested CPU in place of ``live``'s mode, model, vendor and features, keeping what
        belongs to the guest rather than to the CPU model: NUMA cells, cache, maxphysaddr, and
        topology and check unless requested (libvirt refuses memory tuning without NUMA cells)."""
        kept = type(live).parse(live.to_element())
        for name in self.MODE_PARTS:
            setattr(kept, name, [] if name == "features" else None)
        return self.apply_to(kept)
