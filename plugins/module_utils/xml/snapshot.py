# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot XML: the <domainsnapshot> an external snapshot is created with and libvirt describes
it by (libvirt's formatsnapshot)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    ChildList, ConfigObject, Field, etree,
)


class SnapshotDisk(ConfigObject):
    """<disk name='vda' snapshot='external|no' type='file'><driver type='qcow2'/>
    <source file='the overlay the snapshot created'/></disk>"""

    TAG = "disk"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("snapshot", attr="snapshot"),
        Field("type", attr="type"),
        Field("driver_type", path="driver", attr="type"),
        Field("source_file", path="source", attr="file"),
    )


class DomainSnapshot(ConfigObject):
    """<domainsnapshot><name/><description/><state/><parent><name/></parent><creationTime/>
    <memory snapshot='no|external' file='...'/><disks/></domainsnapshot>; libvirt adds the
    domain's definition at that time (<domain>, kept as it is)."""

    TAG = "domainsnapshot"
    FIELDS = (
        Field("name", path="name"),
        Field("description", path="description"),
        Field("state", path="state"),
        Field("parent", path="parent/name"),
        Field("creation_time", path="creationTime", kind="int"),
        Field("memory", path="memory", attr="snapshot"),
        Field("memory_file", path="memory", attr="file"),
        ChildList("disks", "disks/disk", SnapshotDisk, authoritative=True),
    )

    def external_disks(self):
        """{target: overlay path} of the disks this snapshot took."""
        return dict((disk.name, disk.source_file) for disk in self.disks or [] if disk.snapshot == "external")

    def domain_xml(self):
        """The domain's definition when the snapshot was taken (libvirt's <domain> in it), or None."""
        node = self._source.find("domain") if self._source is not None else None
        return None if node is None else etree.tostring(node, encoding="unicode")
