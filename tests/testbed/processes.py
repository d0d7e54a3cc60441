"""Processes the test bed starts and stops: is one still alive, which pid a pid file names."""

from __future__ import annotations

import os


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
