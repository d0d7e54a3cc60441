# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config_drive module writing files (no libvirt needed): layouts, idempotence, check mode, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest


from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.fat import read_fat
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.iso9660 import read_iso
from ansible_collections.virtops.libvirt.plugins.modules import config_drive

SECRET_USER_DATA = "#cloud-config\npassword: do-not-show-me\n"


def test_openstack_layout(tmp_path, run_module):
    path = str(tmp_path / "disk.config")
    result = run_module(config_drive, path=path, instance_id="uuid-1", hostname="web1", user_data=SECRET_USER_DATA,
                        public_keys={"ops": "ssh-ed25519 AAAA ops"}, meta_data={"meta": {"role": "web"}},
                        network_data={"links": []}, vendor_data={"x": 1},
                        files=[{"path": "/etc/motd", "content": "hello\n"}, {"path": "/etc/issue", "content": "issue\n"}])
    assert result["changed"] and result["label"] == "config-2" and result["filesystem"] == "iso9660"
    with open(path, "rb") as handle:
        label, files = read_iso(handle.read())
    assert label == "config-2"
    meta = json.loads(files["openstack/latest/meta_data.json"])
    assert meta == {"uuid": "uuid-1", "hostname": "web1", "name": "web1", "public_keys": {"ops": "ssh-ed25519 AAAA ops"},
                    "meta": {"role": "web"},
                    "files": [{"path": "/etc/motd", "content_path": "/content/0000"},
                              {"path": "/etc/issue", "content_path": "/content/0001"}]}
    assert files["openstack/content/0001"] == b"issue\n"
    assert files["openstack/latest/user_data"] == SECRET_USER_DATA.encode()
    assert json.loads(files["openstack/latest/vendor_data.json"]) == {"x": 1}
    assert "do-not-show-me" not in json.dumps(result)


def test_nocloud_layout_on_vfat(tmp_path, run_module):
    path = str(tmp_path / "seed.img")
    result = run_module(config_drive, path=path, type="nocloud", filesystem="vfat", instance_id="db1", hostname="db1",
                        public_keys={"b": "key-b", "a": "key-a"}, vendor_data={"packages": ["x"]})
    with open(path, "rb") as handle:
        label, files = read_fat(handle.read())
    assert (label, result["label"]) == ("cidata", "cidata")
    assert sorted(files) == ["meta-data", "user-data", "vendor-data"]
    assert json.loads(files["meta-data"]) == {"instance-id": "db1", "local-hostname": "db1", "public-keys": ["key-a", "key-b"]}
    assert files["user-data"] == b""
    assert files["vendor-data"].startswith(b"#cloud-config\n")


def test_check_mode_then_idempotent_then_diff_names_the_changed_file(tmp_path, run_module):
    path = tmp_path / "disk.config"
    args = dict(path=str(path), instance_id="i-1", user_data="#cloud-config\n")
    checked = run_module(config_drive, _ansible_check_mode=True, _ansible_diff=True, **args)
    assert checked["changed"] and not path.exists()
    first = run_module(config_drive, **args)
    second = run_module(config_drive, **args)
    assert first["changed"] and not second["changed"]
    assert first["sha256"] == second["sha256"] == checked["sha256"]
    changed_args = dict(args)
    changed_args["user_data"] = "#cloud-config\nx: 1\n"
    changed = run_module(config_drive, _ansible_diff=True, **changed_args)
    assert changed["changed"]
    before, after = changed["diff"]["before"].splitlines(), changed["diff"]["after"].splitlines()
    assert [line.split()[0] for line in set(before) ^ set(after)] == ["openstack/latest/user_data"] * 2


def test_other_data_is_left_alone_unless_forced(tmp_path, run_module):
    path = tmp_path / "disk.qcow2"
    path.write_bytes(b"QFI\xfb" + b"\x00" * 4096)
    refused = run_module(config_drive, path=str(path), instance_id="i-1")
    assert refused["failed"] and "not a config drive image" in refused["msg"] and "force=true" in refused["msg"]
    refused_delete = run_module(config_drive, path=str(path), state="absent")
    assert refused_delete["failed"] and "to delete it" in refused_delete["msg"]
    assert path.read_bytes().startswith(b"QFI\xfb")
    forced = run_module(config_drive, path=str(path), instance_id="i-1", force=True)
    assert forced["changed"] and read_iso(path.read_bytes())[0] == "config-2"


def test_an_installer_iso_is_not_a_config_drive(tmp_path, run_module):
    from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.iso9660 import build_iso
    path = tmp_path / "debian.iso"
    path.write_bytes(build_iso({"README": b"installer"}, "Debian-12"))
    refused = run_module(config_drive, path=str(path), instance_id="i-1")
    assert refused["failed"] and "not a config drive image" in refused["msg"]


def test_absent_deletes_a_drive_once(tmp_path, run_module):
    path = tmp_path / "disk.config"
    run_module(config_drive, path=str(path), instance_id="i-1")
    assert run_module(config_drive, path=str(path), state="absent", _ansible_check_mode=True)["changed"] and path.exists()
    assert run_module(config_drive, path=str(path), state="absent")["changed"] and not path.exists()
    assert not run_module(config_drive, path=str(path), state="absent")["changed"]


@pytest.mark.parametrize("args, message", [
    (dict(type="nocloud", files=[{"path": "/x", "content": "y"}]), "files are an OpenStack config drive feature"),
    (dict(label="a-label-that-is-too-long"), "must be 1 to 16 printable ASCII characters"),
    (dict(filesystem="vfat", label="config drive"), "must be 1 to 11 letters"),
])
def test_bad_input_is_explained(tmp_path, run_module, args, message):
    result = run_module(config_drive, path=str(tmp_path / "d.img"), instance_id="i-1", **args)
    assert result["failed"] and message in result["msg"]
    assert not (tmp_path / "d.img").exists()
