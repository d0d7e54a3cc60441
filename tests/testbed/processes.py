"""Processes the test bed starts and stops: is one still alive, which pid a pid file names, stop
one, and whether something listens on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import time


def pid_alive(pid):
    """True while ``pid`` runs; a zombie (a child of ours not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


def read_pid(path):
    """The pid in ``path``, or None when the file is missing or empty."""
    try:
        with open(path) as handle:
            return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def running_pid(path, program):
    """The pid in ``path`` while that process runs ``program``; None otherwise.

    A pid file an interrupted run left (a killed test, a restarted machine) may name a pid that
    another process has since taken: only a live process whose executable is ``program`` counts."""
    pid = read_pid(path)
    if not pid or not pid_alive(pid):
        return None
    try:
        executable = os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return None
    return pid if executable.replace(" (deleted)", "") == program else None


def stop(pid, grace=10):
    """SIGTERM, up to ``grace`` seconds for the process to go, then SIGKILL."""
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.time() + grace
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def port_open(port, host="127.0.0.1"):
    """True when something accepts TCP connections on ``host``:``port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0
