# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull mode's pure parts: where the NBD server listens, what a reader is told, which checkpoints
go when an export stops. The export itself runs on real libvirt in module_backup (pull.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.export import (
    ExportServer, checkpoints_to_settle, describe_export,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.backup import DomainBackup

# what libvirt 9.0 answered for a running incremental export (virsh backup-dumpxml)
RUNNING_INCREMENTAL = """<domainbackup mode='pull'>
  <incremental>virtops.export-20261206T024342Z</incremental>
  <server transport='tcp' name='127.0.0.1' port='10919'/>
  <disks>
    <disk name='vda' backup='yes' type='file' backupmode='incremental' incremental='virtops.export-20261206T024342Z'
          exportname='vda' exportbitmap='backup-vda' index='4'>
      <driver type='qcow2'/>
      <scratch file='/srv/b/.export/scratch-vda.qcow2'/>
    </disk>
    <disk name='sda' backup='no'/>
  </disks>
</domainbackup>"""


def test_the_default_server_is_a_socket_in_the_exports_directory():
    server = ExportServer.requested("/srv/b/.export", None, None, None)
    assert (server.transport, server.socket) == ("unix", "/srv/b/.export/nbd.sock")
    assert server.uri("vda") == "nbd+unix:///vda?socket=/srv/b/.export/nbd.sock"


def test_a_tcp_server_names_host_and_port_and_brackets_an_ipv6_address():
    assert ExportServer.requested("/x", None, "192.0.2.7", 10809).uri("vdb") == "nbd://192.0.2.7:10809/vdb"
    assert ExportServer.requested("/x", None, "fd00::7", 10809).uri("vdb") == "nbd://[fd00::7]:10809/vdb"


@pytest.mark.parametrize("socket, address, port, message", [
    (None, None, 10809, "export_port needs export_address"),
    ("relative/nbd.sock", None, None, "export_socket must be an absolute path"),
    ("/" + "s" * 107, None, None, "108 bytes long, more than the 107 a UNIX socket allows"),
    ("/run/nbd.sock", "127.0.0.1", None, "export_socket and export_address exclude each other"),
    (None, "127.0.0.1", 70000, "export_port must be between 1 and 65535, got 70000"),
])
def test_a_server_that_cannot_be_is_refused_saying_why(socket, address, port, message):
    with pytest.raises(VirtopsError, match=message):
        ExportServer.requested("/srv/b/.export", socket, address, port)


def test_a_running_server_covers_the_request_when_the_port_was_left_to_libvirt():
    running = ExportServer.of(DomainBackup.from_xml(RUNNING_INCREMENTAL))
    assert ExportServer.requested("/x", None, "127.0.0.1", None).covers(running)
    assert ExportServer.requested("/x", None, "127.0.0.1", 10919).covers(running)
    assert not ExportServer.requested("/x", None, "127.0.0.1", 10920).covers(running)
    assert not ExportServer.requested("/x", None, None, None).covers(running)


def test_a_reader_is_told_each_exported_disk_its_uri_and_bitmap():
    described = describe_export(DomainBackup.from_xml(RUNNING_INCREMENTAL),
                                {"checkpoint": "virtops.export-20261206T024349Z", "started": "2026-12-06T02:43:49+00:00"})
    assert described == {
        "transport": "tcp", "socket": None, "address": "127.0.0.1", "port": 10919, "kind": "incremental",
        "base": "virtops.export-20261206T024342Z", "checkpoint": "virtops.export-20261206T024349Z",
        "started": "2026-12-06T02:43:49+00:00",
        "disks": {"vda": {"export": "vda", "uri": "nbd://127.0.0.1:10919/vda", "bitmap": "backup-vda",
                          "context": "qemu:dirty-bitmap:backup-vda"}}}


EXPORTS = ["virtops.export-1", "virtops.export-2", "virtops.export-3"]


def test_an_export_read_completely_becomes_the_base_and_the_older_ones_go():
    assert checkpoints_to_settle(EXPORTS, {"checkpoint": "virtops.export-3"}, True) == (
        ["virtops.export-1", "virtops.export-2"], "virtops.export-3")


def test_an_export_not_read_completely_gives_its_checkpoint_up_for_the_one_before():
    assert checkpoints_to_settle(EXPORTS, {"checkpoint": "virtops.export-3"}, False) == (
        ["virtops.export-3"], "virtops.export-2")
    assert checkpoints_to_settle(["virtops.export-1"], {"checkpoint": "virtops.export-1"}, False) == (
        ["virtops.export-1"], None)


def test_without_a_record_of_the_export_no_checkpoint_is_touched():
    assert checkpoints_to_settle(EXPORTS, None, True) == ([], "virtops.export-3")
    assert checkpoints_to_settle(EXPORTS, {"checkpoint": "virtops.export-9"}, False) == ([], "virtops.export-3")
