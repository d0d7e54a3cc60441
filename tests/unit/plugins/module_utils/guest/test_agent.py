# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest agent's answers as plain data: libvirt's flat guest info and interface addresses
(in the forms libvirt-python 9.0 returns them); the integration target asks a real qemu-ga."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.guest.agent import shape_info, shape_interfaces


def test_flat_guest_info_becomes_nested():
    info = {"os.id": "virtops", "os.kernel-release": "6.1.0", "hostname": "guest-a", "user.count": 1,
            "user.0.name": "root", "user.0.login-time": 1795250000, "fs.count": 1, "fs.0.name": "vda",
            "fs.0.mountpoint": "/mnt/data", "fs.0.fstype": "ext4", "fs.0.total-bytes": 14000000,
            "fs.0.disk.count": 1, "fs.0.disk.0.serial": "a-data", "timezone.name": "UTC", "timezone.offset": 0}
    shaped = shape_info(info)
    assert shaped["os"] == {"id": "virtops", "kernel_release": "6.1.0"}
    assert shaped["hostname"] == "guest-a"
    assert shaped["users"] == [{"name": "root", "login_time": 1795250000}]
    assert shaped["filesystems"] == [{"name": "vda", "mountpoint": "/mnt/data", "fstype": "ext4",
                                      "total_bytes": 14000000, "disk_count": 1, "disk_0_serial": "a-data"}]
    assert shaped["timezone"] == {"name": "UTC", "offset": 0}
    assert shape_info({})["users"] == []


def test_interface_addresses_become_a_sorted_list():
    interfaces = {"lo": {"hwaddr": "00:00:00:00:00:00", "addrs": [{"type": 0, "addr": "127.0.0.1", "prefix": 8}]},
                  "eth0": {"hwaddr": "52:54:00:77:00:0a", "addrs": [
                      {"type": 0, "addr": "10.77.0.11", "prefix": 24}, {"type": 1, "addr": "fe80::1", "prefix": 64}]}}
    assert shape_interfaces(interfaces) == [
        {"name": "eth0", "mac": "52:54:00:77:00:0a", "addresses": [
            {"type": "ipv4", "address": "10.77.0.11", "prefix": 24},
            {"type": "ipv6", "address": "fe80::1", "prefix": 64}]},
        {"name": "lo", "mac": "00:00:00:00:00:00", "addresses": [{"type": "ipv4", "address": "127.0.0.1", "prefix": 8}]},
    ]
