# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daemon_config module on copies of libvirt's files: which entry a key's value goes into,
values over several lines, duplicates, values compared as libvirt reads them, four ways
(check mode, change, check mode again, no change), secrets hidden, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.host.daemon_config import ConfigFile, parse_value
from ansible_collections.virtops.libvirt.plugins.modules import daemon_config

QEMU_CONF = """# Master configuration file for the QEMU driver.
#
#vnc_listen = "0.0.0.0"
#
#cgroup_device_acl = [
#    "/dev/null", "/dev/full", "/dev/zero",
#    "/dev/random", "/dev/urandom",
#]
max_files = 2048   # raised for the big guests
cgroup_controllers = [ "cpu", "devices",
                       "memory" ]
#max_processes = 0
MAX_PROCESSES = 100
max_processes = 200
"""


@pytest.mark.parametrize("literal, value", [
    ("1", 1), ("-1", -1), ('"0.0.0.0"', "0.0.0.0"), ("'a#b'", "a#b"), ('[ "a", "b" ]', ["a", "b"]), ("[]", []),
    ('[\n  "a", # the first\n  "b",\n]', ["a", "b"]), ('"""two\nlines"""', "two\nlines"),
])
def test_values_parse_as_libvirt_reads_them(literal, value):
    assert parse_value(literal) == value


@pytest.mark.parametrize("literal", ["0.0.0.0", "true", '"open', '["a", "b"', '"a" "b"', ""])
def test_what_libvirt_would_refuse_is_not_a_value(literal):
    with pytest.raises(VirtopsError):
        parse_value(literal)


def test_the_first_active_entry_is_rewritten_whole_and_later_duplicates_become_comments():
    config = ConfigFile(QEMU_CONF)
    assert config.current("cgroup_controllers") == '[ "cpu", "devices",\n                       "memory" ]'
    assert config.current("max_files") == "2048"  # without its comment
    assert config.set("cgroup_controllers", '["cpu"]')
    # libvirt reads a key's first entry and compares names without regard to case
    assert config.current("max_processes") == "100"
    assert config.set("max_processes", "300")
    text = config.text()
    assert 'cgroup_controllers = ["cpu"]\n#max_processes = 0\nmax_processes = 300\n# max_processes = 200\n' in text
    assert '"memory" ]' not in text and "#vnc_listen" in text


def test_a_key_without_entry_takes_its_packaged_example_or_goes_at_the_end():
    config = ConfigFile(QEMU_CONF)
    assert config.set("vnc_listen", '"10.0.0.1"') and config.set("cgroup_device_acl", '["/dev/null"]')
    assert config.set("migration_address", '"10.0.0.2"')
    lines = config.text().splitlines()
    assert lines[2] == 'vnc_listen = "10.0.0.1"' and lines[4] == 'cgroup_device_acl = ["/dev/null"]'
    assert lines[-1] == 'migration_address = "10.0.0.2"'


def test_a_value_written_otherwise_but_read_the_same_is_no_change():
    config = ConfigFile(QEMU_CONF)
    assert not config.set("cgroup_controllers", '["cpu", "devices", "memory"]')
    assert not config.set("max_files", "2048")
    assert not config.changed()


def _write(tmp_path, name="qemu.conf", text=QEMU_CONF, mode=0o640):
    path = tmp_path / name
    path.write_text(text)
    os.chmod(str(path), mode)
    return path


def test_four_ways_one_write_per_file_and_its_mode_kept(tmp_path, run_module):
    path = _write(tmp_path)
    args = dict(config_dir=str(tmp_path), settings=[
        dict(file="qemu.conf", key="max_files", value=4096),
        dict(file="qemu.conf", key="cgroup_device_acl", value=["/dev/null", "/dev/kvm"]),
        dict(file="qemu.conf", key="set_process_name", value=True),
    ], _ansible_check_mode=True, _ansible_diff=True)
    checked = run_module(daemon_config, **args)
    assert checked["changed"] and checked["changed_files"] == ["qemu.conf"]
    assert path.read_text() == QEMU_CONF
    assert checked["changes"][0] == dict(file="qemu.conf", key="max_files", before="2048", after="4096")
    assert checked["diff"][0]["after"].count("\n") == QEMU_CONF.count("\n") + 1  # set_process_name appended
    args.pop("_ansible_check_mode")
    changed = run_module(daemon_config, **args)
    assert changed["changed"] and changed["actions"] == ["write qemu.conf"]
    assert changed["diff"] == checked["diff"]
    text = path.read_text()
    assert "max_files = 4096\n" in text and 'cgroup_device_acl = ["/dev/null", "/dev/kvm"]\n' in text
    assert text.endswith("set_process_name = 1\n")
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640
    for check_mode in (True, False):
        again = run_module(daemon_config, **dict(args, _ansible_check_mode=check_mode))
        assert not again["changed"] and again["changed_files"] == [] and again["changes"] == []
    assert path.read_text() == text


def test_secrets_are_never_returned_or_shown(tmp_path, run_module):
    path = _write(tmp_path, text="#vnc_password = \"XYZZY\"\nspice_password = \"old-secret-value\"\n")
    result = run_module(daemon_config, config_dir=str(tmp_path), _ansible_diff=True, settings=[
        dict(file="qemu.conf", key="vnc_password", secret_value='"new-vnc-value"'),
        dict(file="qemu.conf", key="spice_password", value='"new-spice-value"'),  # named like a secret
    ])
    shown = json.dumps(result)
    assert result["changed"]
    for secret in ("new-vnc-value", "new-spice-value", "old-secret-value"):
        assert secret not in shown
    assert 'vnc_password = "new-vnc-value"' in path.read_text()
    assert [change["after"] for change in result["changes"]] == ["(hidden)", "(hidden)"]


def test_a_file_made_for_a_secret_is_readable_by_its_owner_only(tmp_path, run_module):
    result = run_module(daemon_config, config_dir=str(tmp_path), create_files=["qemu-lockd.conf", "spice.conf"],
                        settings=[dict(file="qemu-lockd.conf", key="auto_disk_leases", value=1),
                                  dict(file="spice.conf", key="tls_password", secret_value='"x"')])
    assert result["changed_files"] == ["qemu-lockd.conf", "spice.conf"]
    assert (tmp_path / "qemu-lockd.conf").read_text() == "auto_disk_leases = 1\n"
    assert stat.S_IMODE(os.stat(str(tmp_path / "qemu-lockd.conf")).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(str(tmp_path / "spice.conf")).st_mode) == 0o600


@pytest.mark.parametrize("setting, create, message", [
    (dict(file="virtqemud.conf", key="max_clients", value=1), [],
     "virtqemud.conf does not exist; libvirt's packages install it"),
    (dict(file="../passwd", key="x", value=1), [], "file '../passwd' is not a configuration file's name"),
    (dict(file="qemu.conf", key="max files", value=1), [], "qemu.conf: key 'max files' is not a setting name"),
    (dict(file="qemu.conf", key="vnc_listen", value="0.0.0.0"), [],
     "settings[0] (qemu.conf: vnc_listen): the value is not one libvirt's configuration files take"),
    (dict(file="qemu.conf", key="vnc_listen", value={"a": 1}), [], "is neither a number, a string nor a list"),
    (dict(file="qemu.conf", key="max_files"), [], "settings[0] (qemu.conf: max_files): give value or secret_value"),
    (dict(file="qemu.conf", key="max_files", value=1, secret_value=2), [], "give value or secret_value (exactly one)"),
])
def test_refusals_say_what_is_wrong_and_change_nothing(tmp_path, run_module, setting, create, message):
    path = _write(tmp_path)
    result = run_module(daemon_config, config_dir=str(tmp_path), settings=[setting], create_files=create)
    assert result.get("failed") and message in result["msg"] and not result.get("changed")
    assert path.read_text() == QEMU_CONF and sorted(os.listdir(str(tmp_path))) == ["qemu.conf"]
