# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup XML: the <domainbackup> a backup job is started with and the <domaincheckpoint> that
marks the point an incremental backup starts from (libvirt's formatbackup and formatcheckpoint)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    ChildList, ConfigObject, Field,
)


class BackupDisk(ConfigObject):
    """<disk name='vdb' backup='yes' type='file' backupmode='full|incremental'><driver type='qcow2'/>
    <target file='...'/></disk> of a push-mode backup; in pull mode <scratch file='...'/> instead of
    the target, and libvirt reports the NBD export's name and its dirty bitmap."""

    TAG = "disk"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("backup", attr="backup", kind="yesno"),
        Field("type", attr="type"),
        Field("backup_mode", attr="backupmode"),
        Field("incremental", attr="incremental"),
        Field("export_name", attr="exportname"),
        Field("export_bitmap", attr="exportbitmap"),
        Field("target_file", path="target", attr="file"),
        Field("scratch_file", path="scratch", attr="file"),
        Field("driver_type", path="driver", attr="type"),
    )


class DomainBackup(ConfigObject):
    """<domainbackup mode='push|pull'><incremental>checkpoint</incremental><server .../><disks>...</disks>

    The <server> of pull mode is where QEMU's NBD server listens: transport 'unix' with a socket
    path, or 'tcp' with a host name and a port (libvirt picks a port when none is given)."""

    TAG = "domainbackup"
    FIELDS = (
        Field("mode", attr="mode"),
        Field("incremental", path="incremental"),
        Field("server_transport", path="server", attr="transport"),
        Field("server_socket", path="server", attr="socket"),
        Field("server_name", path="server", attr="name"),
        Field("server_port", path="server", attr="port", kind="int"),
        ChildList("disks", "disks/disk", BackupDisk, authoritative=True),
    )


class CheckpointDisk(ConfigObject):
    """<disk name='vdb' checkpoint='bitmap|no' bitmap='...'/>"""

    TAG = "disk"
    KEY = "name"
    FIELDS = (
        Field("name", attr="name"),
        Field("checkpoint", attr="checkpoint"),
        Field("bitmap", attr="bitmap"),
    )


class DomainCheckpoint(ConfigObject):
    """<domaincheckpoint><name/><description/><parent><name/></parent><creationTime/><disks/>"""

    TAG = "domaincheckpoint"
    FIELDS = (
        Field("name", path="name"),
        Field("description", path="description"),
        Field("parent", path="parent/name"),
        Field("creation_time", path="creationTime", kind="int"),
        ChildList("disks", "disks/disk", CheckpointDisk, authoritative=True),
    )
