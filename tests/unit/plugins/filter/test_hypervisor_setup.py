# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which key the hypervisor role writes into which daemon's file, and which daemons it runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.filter.hypervisor_setup import hypervisor_setup


def setup(**role):
    role.setdefault("daemons", "monolithic")
    return hypervisor_setup(role)


def written(result):
    return {(item["file"], item["key"]): (item["value"], item["daemon"], item["action"]) for item in result["settings"]}


def test_monolithic_every_daemon_setting_in_libvirtd_conf_qemu_settings_restart_libvirtd():
    result = setup(libvirtd={"listen_tcp": 1, "listen_addr": "10.0.0.5", "auth_tcp": "sasl"},
                   qemu={"cgroup_controllers": ["cpu", "memory"]},
                   typed={"daemon": {"max_clients": 4096, "keepalive_count": None},
                          "qemu": {"dynamic_ownership": True, "migration_host": "10.0.0.5"}})
    assert written(result) == {
        ("libvirtd.conf", "listen_tcp"): ("1", "libvirtd", "restart"),
        ("libvirtd.conf", "listen_addr"): ('"10.0.0.5"', "libvirtd", "restart"),
        ("libvirtd.conf", "auth_tcp"): ('"sasl"', "libvirtd", "restart"),
        ("libvirtd.conf", "max_clients"): ("4096", "libvirtd", "restart"),
        ("qemu.conf", "cgroup_controllers"): ('["cpu", "memory"]', "libvirtd", "restart"),
        ("qemu.conf", "dynamic_ownership"): ("1", "libvirtd", "restart"),
        ("qemu.conf", "migration_host"): ('"10.0.0.5"', "libvirtd", "restart"),
    }
    assert [daemon["name"] for daemon in result["daemons"]] == ["virtlogd", "libvirtd"]
    libvirtd = result["daemons"][-1]
    assert libvirtd["listen"] is True  # no systemd: --listen, or listen_tcp is ignored
    assert libvirtd["pid_file"] == "/run/libvirtd.pid"
    assert libvirtd["sockets"] == ["libvirtd.socket", "libvirtd-admin.socket", "libvirtd-ro.socket", "libvirtd-tcp.socket"]


def test_no_listener_no_listen_flag():
    result = setup(libvirtd={"max_workers": 40})
    assert result["daemons"][-1]["listen"] is False
    assert result["daemons"][-1]["sockets"] == ["libvirtd.socket", "libvirtd-admin.socket", "libvirtd-ro.socket"]


def test_modular_listener_keys_go_to_virtproxyd_others_to_every_daemon_qemu_to_virtqemud():
    result = setup(daemons="modular", present_files=["virtqemud.conf", "virtnetworkd.conf", "virtproxyd.conf", "libvirtd.conf"],
                   libvirtd={"listen_tls": 1, "log_filters": "1:qemu"},
                   typed={"daemon": {"max_clients": 100}, "qemu": {"max_files": 32768}})
    settings = written(result)
    assert settings[("virtproxyd.conf", "listen_tls")] == ("1", "virtproxyd", "restart")
    assert ("virtqemud.conf", "listen_tls") not in settings
    for daemon in ("virtqemud", "virtnetworkd", "virtproxyd"):
        assert settings[(daemon + ".conf", "log_filters")] == ('"1:qemu"', daemon, "restart")
        assert settings[(daemon + ".conf", "max_clients")] == ("100", daemon, "restart")
    assert settings[("qemu.conf", "max_files")] == ("32768", "virtqemud", "restart")
    assert not any(file == "libvirtd.conf" for file, _key in settings)
    assert [daemon["name"] for daemon in result["daemons"]] == ["virtlogd", "virtqemud", "virtnetworkd", "virtproxyd"]
    assert [daemon["listen"] for daemon in result["daemons"]] == [False, False, False, True]
    assert "virtproxyd-tls.socket" in result["daemons"][-1]["sockets"]


def test_lock_manager_starts_virtlockd_first_and_its_settings_reload_it():
    result = setup(lock_manager="lockd", daemon_config={"virtlockd": {"max_clients": 2048}},
                   typed={"qemu": {"lock_manager": "lockd"},
                          "lockd": {"auto_disk_leases": 1, "file_lockspace_dir": "/shared/lockspace"}})
    settings = written(result)
    assert settings[("qemu.conf", "lock_manager")] == ('"lockd"', "libvirtd", "restart")
    assert settings[("qemu-lockd.conf", "file_lockspace_dir")] == ('"/shared/lockspace"', "libvirtd", "restart")
    # virtlockd is reloaded (it re-executes itself and keeps every lock), never restarted
    assert settings[("virtlockd.conf", "max_clients")] == ("2048", "virtlockd", "reload")
    assert [(daemon["name"], daemon["action"]) for daemon in result["daemons"]] == [
        ("virtlogd", "reload"), ("virtlockd", "reload"), ("libvirtd", "restart")]


def test_lockd_settings_only_with_the_lock_manager():
    result = setup(typed={"lockd": {"auto_disk_leases": 1}})
    assert not any(item["file"] == "qemu-lockd.conf" for item in result["settings"])
    assert "virtlockd" not in [daemon["name"] for daemon in result["daemons"]]


def test_with_the_lock_manager_the_daemon_that_starts_qemu_runs_with_glib_slices_from_malloc():
    environments = {daemon["name"]: daemon["environment"] for daemon in setup(lock_manager="lockd")["daemons"]}
    assert environments == {"virtlogd": {}, "virtlockd": {}, "libvirtd": {"G_SLICE": "always-malloc"}}
    modular = setup(daemons="modular", lock_manager="lockd", present_files=["virtqemud.conf", "virtnetworkd.conf"])
    assert {daemon["name"]: daemon["environment"] for daemon in modular["daemons"]}["virtqemud"] == {
        "G_SLICE": "always-malloc"}
    assert all(not daemon["environment"] for daemon in setup()["daemons"])


def test_daemon_environment_adds_replaces_and_removes_variables():
    result = setup(lock_manager="lockd", environment={
        "libvirtd": {"LIBVIRT_DEBUG": 1, "G_SLICE": None}, "virtlogd": {"TZ": "UTC"},
        "virtqemud": {"TZ": "UTC"}})  # a daemon of modular hosts: allowed in a mixed inventory
    environments = {daemon["name"]: daemon["environment"] for daemon in result["daemons"]}
    assert environments == {"virtlogd": {"TZ": "UTC"}, "virtlockd": {}, "libvirtd": {"LIBVIRT_DEBUG": "1"}}


def test_typed_settings_given_as_text_are_numbers_and_switches():
    """ansible-playbook -e hypervisor_max_clients=4000 passes text: libvirt wants a number."""
    result = setup(typed={"daemon": {"max_clients": "4000"}, "qemu": {"set_process_name": "true", "vnc_listen": "0.0.0.0"}})
    settings = written(result)
    assert settings[("libvirtd.conf", "max_clients")][0] == "4000"
    assert settings[("qemu.conf", "set_process_name")][0] == "1"
    assert settings[("qemu.conf", "vnc_listen")][0] == '"0.0.0.0"'


def test_free_settings_win_over_typed_ones():
    result = setup(libvirtd={"max_clients": 10}, typed={"daemon": {"max_clients": 4096}})
    assert written(result)[("libvirtd.conf", "max_clients")][0] == "10"


@pytest.mark.parametrize("role, message", [
    (dict(libvirtd={"listen_tls": True}), "libvirtd.conf: listen_tls is True; these files take 0 and 1"),
    (dict(qemu={"Bad-Key": 1}), "qemu.conf: 'Bad-Key' is not a setting name"),
    (dict(qemu={"user": {"name": "x"}}), "allowed are strings, whole numbers (0 and 1 for off and on) and lists of strings"),
    (dict(daemons="both"), "daemons is 'both'; allowed are modular and monolithic"),
    (dict(lock_manager="sanlock"), "hypervisor_lock_manager is 'sanlock'; allowed are lockd and '' (none)"),
    (dict(daemon_config={"virtfoo": {}}), "hypervisor_daemon_config names virtfoo"),
    (dict(environment={"virtfoo": {}}), "hypervisor_daemon_environment names virtfoo; allowed are libvirtd"),
    (dict(environment={"libvirtd": {"1X": "a"}}), "libvirtd: '1X' is not a variable name"),
    (dict(environment={"libvirtd": {"X": "a\nb"}}), "allowed are strings of one line and whole numbers"),
    (dict(environment={"libvirtd": {"X": True}}), "libvirtd: X is True; allowed are strings"),
    (dict(environment={"libvirtd": ["X=1"]}), "libvirtd's is ['X=1']; it maps a variable's name to its value"),
])
def test_refusals_name_what_is_wrong_and_what_is_allowed(role, message):
    role.setdefault("daemons", "monolithic")
    with pytest.raises(AnsibleFilterError) as error:
        hypervisor_setup(role)
    assert message in str(error.value)
