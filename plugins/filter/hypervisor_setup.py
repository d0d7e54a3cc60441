# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``hypervisor_setup`` filter behind the hypervisor role: from the role's settings, which key
goes into which daemon's configuration file, and which daemons the host runs, in start order.

libvirt runs either as one ``libvirtd`` or as modular daemons (``virtqemud`` for QEMU, one daemon
per other driver, ``virtproxyd`` for remote clients). A setting belongs to a file, and a file to
the daemon that reads it, so that a changed setting restarts that daemon only. ``virtlogd`` and
``virtlockd`` are reloaded instead (they re-execute themselves and keep the guests' log files and
disk locks open): restarting ``virtlockd`` would drop every lock of every running guest.

Each daemon also gets the environment it runs with. With the lock manager, the daemon that starts
QEMU gets ``G_SLICE=always-malloc``: libvirt takes the disk lock in the child it forks for QEMU, and
GLib's slice allocator before 2.76 can deadlock there (later GLib ignores the variable).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError

MODULAR_DRIVER_DAEMONS = ("virtqemud", "virtnetworkd", "virtstoraged", "virtnwfilterd", "virtsecretd",
                          "virtnodedevd", "virtinterfaced")
# Keys of libvirtd.conf that belong to the daemon remote clients connect to: with modular daemons,
# virtproxyd's file.
LISTENER_KEYS = re.compile(r"^(listen_\w+|tcp_port|tls_port|auth_\w+|tls_\w+|key_file|cert_file|ca_file|crl_file|"
                           r"sasl_allowed_username_list|unix_sock_\w+|access_drivers|mdns_\w+)$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What the daemon that forks QEMU needs with the lock manager (see the module's documentation).
LOCKD_ENVIRONMENT = {"G_SLICE": "always-malloc"}
RELOADED = ("virtlogd", "virtlockd")


def _fail(message):
    raise AnsibleFilterError("hypervisor_setup: %s" % message)


def _render(file, key, value, typed):
    """The value as libvirt's configuration files write it."""
    if typed and isinstance(value, str):
        # a typed setting given as text (ansible-playbook -e max_clients=4000): its number or switch
        if value.isdigit():
            value = int(value)
        elif value.lower() in ("true", "false"):
            value = value.lower() == "true"
    if isinstance(value, bool):
        if not typed:
            _fail("%s: %s is %r; these files take 0 and 1 for off and on, not true and false" % (file, key, value))
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return json.dumps(list(value))
    _fail("%s: %s is %r; allowed are strings, whole numbers (0 and 1 for off and on) and lists of strings"
          % (file, key, value))


def _items(file, daemon, settings, typed):
    items = []
    for key, value in (settings or {}).items():
        if value is None:
            continue  # a typed setting left to libvirt's default
        if not isinstance(key, str) or not KEY.match(key):
            _fail("%s: %r is not a setting name (lower-case letters, digits and '_', starting with a letter)"
                  % (file, key))
        items.append(dict(file=file, key=key, value=_render(file, key, value, typed), daemon=daemon,
                          action="reload" if daemon in RELOADED else "restart"))
    return items


def _on(value):
    """Whether a listen_* setting turns its listener on (1, "1", true)."""
    return str(value) not in ("0", "False", "false")


def _merge(*dicts):
    merged = {}
    for part in dicts:
        merged.update(part or {})
    return merged


def _environment(name, defaults, given):
    """The environment ``name`` runs with: ``defaults`` updated by ``given`` (a None value removes)."""
    if not isinstance(given, dict):
        _fail("hypervisor_daemon_environment: %s's is %r; it maps a variable's name to its value" % (name, given))
    environment = dict(defaults)
    for key, value in given.items():
        if not isinstance(key, str) or not ENVIRONMENT_NAME.match(key):
            _fail("hypervisor_daemon_environment: %s: %r is not a variable name (letters, digits and '_', "
                  "not starting with a digit)" % (name, key))
        if value is None:
            environment.pop(key, None)
        elif isinstance(value, bool) or not isinstance(value, (str, int)) or "\n" in str(value):
            _fail("hypervisor_daemon_environment: %s: %s is %r; allowed are strings of one line and whole numbers"
                  % (name, key, value))
        else:
            environment[key] = str(value)
    return environment


def hypervisor_setup(role):
    """``role``: the settings as vars/main.yml of the hypervisor role gathers them (see the filter's
    documentation). Returns ``{'settings': [...], 'daemons': [...]}``."""
    if not isinstance(role, dict):
        _fail("expects the role's settings as a dictionary, got %r" % (role,))
    mode = role.get("daemons")
    if mode not in ("modular", "monolithic"):
        _fail("daemons is %r; allowed are modular and monolithic" % (mode,))
    present = set(role.get("present_files") or ())
    typed = role.get("typed") or {}
    per_daemon = role.get("daemon_config") or {}
    if not isinstance(per_daemon, dict):
        _fail("hypervisor_daemon_config is %r; it maps a daemon's name to its settings" % (per_daemon,))
    lock_manager = role.get("lock_manager") or ""
    if lock_manager not in ("", "lockd"):
        _fail("hypervisor_lock_manager is %r; allowed are lockd and '' (none)" % (lock_manager,))

    daemon_settings = role.get("libvirtd") or {}
    listener = {key: value for key, value in daemon_settings.items() if isinstance(key, str) and LISTENER_KEYS.match(key)}
    others = {key: value for key, value in daemon_settings.items() if key not in listener}
    listener_typed = typed.get("listener") or {}

    settings = []
    if mode == "monolithic":
        qemu_daemon = "libvirtd"
        main = [dict(name="libvirtd", listen=False)]
        settings += _items("libvirtd.conf", "libvirtd", typed.get("daemon"), True)
        settings += _items("libvirtd.conf", "libvirtd", listener_typed, True)
        settings += _items("libvirtd.conf", "libvirtd", _merge(daemon_settings, per_daemon.get("libvirtd")), False)
        listening = _merge(listener_typed, listener, {key: value for key, value in (per_daemon.get("libvirtd") or {}).items()
                                                      if LISTENER_KEYS.match(str(key))})
    else:
        qemu_daemon = "virtqemud"
        drivers = [name for name in MODULAR_DRIVER_DAEMONS if name + ".conf" in present] or ["virtqemud"]
        main = [dict(name=name, listen=False) for name in drivers] + [dict(name="virtproxyd", listen=False)]
        for daemon in drivers + ["virtproxyd"]:
            settings += _items(daemon + ".conf", daemon, typed.get("daemon"), True)
            settings += _items(daemon + ".conf", daemon, _merge(others, per_daemon.get(daemon)), False)
        settings += _items("virtproxyd.conf", "virtproxyd", listener_typed, True)
        settings += _items("virtproxyd.conf", "virtproxyd", listener, False)
        listening = _merge(listener_typed, listener, per_daemon.get("virtproxyd"))
    # Without systemd's sockets a daemon listens on TCP only when started with --listen.
    listens = any(_on(listening.get(key, 0)) for key in ("listen_tls", "listen_tcp"))
    main[-1]["listen"] = listens

    settings += _items("qemu.conf", qemu_daemon, typed.get("qemu"), True)
    settings += _items("qemu.conf", qemu_daemon, role.get("qemu"), False)
    if lock_manager:
        settings += _items("qemu-lockd.conf", qemu_daemon, typed.get("lockd"), True)
    for helper in RELOADED:
        settings += _items(helper + ".conf", helper, per_daemon.get(helper), False)
    unknown = set(per_daemon) - {"libvirtd", "virtproxyd", "virtlogd", "virtlockd"} - set(MODULAR_DRIVER_DAEMONS)
    if unknown:
        _fail("hypervisor_daemon_config names %s; allowed are libvirtd, virtproxyd, virtlogd, virtlockd and %s"
              % (", ".join(sorted(unknown)), ", ".join(MODULAR_DRIVER_DAEMONS)))

    seen = {}
    for item in settings:  # a later source of the same key wins (the free dictionaries over the typed ones)
        seen[(item["file"], item["key"])] = item
    settings = list(seen.values())

    helpers = [dict(name="virtlogd", listen=False)]
    if lock_manager == "lockd":
        helpers.append(dict(name="virtlockd", listen=False))
    environments = role.get("environment") or {}
    if not isinstance(environments, dict):
        _fail("hypervisor_daemon_environment is %r; it maps a daemon's name to its variables" % (environments,))
    daemons = []
    for daemon in helpers + main:  # the helpers first: libvirt connects to their sockets at start
        name = daemon["name"]
        defaults = LOCKD_ENVIRONMENT if lock_manager == "lockd" and name == qemu_daemon else {}
        daemon.update(pid_file="/run/%s.pid" % name,
                      action="reload" if name in RELOADED else "restart",
                      sockets=_sockets(name, listening if daemon["listen"] else {}),
                      environment=_environment(name, defaults, environments.get(name) or {}))
        daemons.append(daemon)
    # a daemon this host does not run is allowed: one inventory may hold monolithic and modular hosts
    unknown = set(environments) - {"libvirtd", "virtproxyd"} - set(RELOADED) - set(MODULAR_DRIVER_DAEMONS)
    if unknown:
        _fail("hypervisor_daemon_environment names %s; allowed are libvirtd, virtproxyd, virtlogd, virtlockd and %s"
              % (", ".join(sorted(map(str, unknown))), ", ".join(MODULAR_DRIVER_DAEMONS)))
    return dict(settings=settings, daemons=daemons)


def _sockets(name, listening):
    """The systemd socket units that start ``name`` on demand (socket activation)."""
    units = ["%s.socket" % name, "%s-admin.socket" % name]
    if name not in RELOADED:
        units.append("%s-ro.socket" % name)
    for kind in ("tls", "tcp"):
        if _on(listening.get("listen_" + kind, 0)):
            units.append("%s-%s.socket" % (name, kind))
    return units


class FilterModule(object):
    def filters(self):
        return {"hypervisor_setup": hypervisor_setup}
