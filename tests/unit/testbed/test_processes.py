"""Pid files of the test bed: only a live process running the named program counts, so the
stale file of an interrupted run (its pid since reused) never gets another process stopped."""

import importlib.util
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location(
    "processes", os.path.join(HERE, "..", "..", "testbed", "processes.py"))
_MODULE = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MODULE)
running_pid = _MODULE.running_pid


def _pid_file(tmp_path, pid):
    path = tmp_path / "daemon.pid"
    path.write_text("%d\n" % pid)
    return str(path)


def test_a_live_process_of_the_named_program_is_running(tmp_path):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert running_pid(_pid_file(tmp_path, sleeper.pid), "sleep") == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pid_taken_by_another_program_is_not(tmp_path):
    assert running_pid(_pid_file(tmp_path, os.getpid()), "ceph-mon") is None


def test_a_pid_no_process_has_is_not(tmp_path):
    sleeper = subprocess.Popen(["sleep", "30"])
    sleeper.kill()
    sleeper.wait()
    assert running_pid(_pid_file(tmp_path, sleeper.pid), "sleep") is None


def test_a_missing_or_empty_file_names_nothing(tmp_path):
    assert running_pid(str(tmp_path / "absent.pid"), "sleep") is None
    (tmp_path / "empty.pid").write_text("")
    assert running_pid(str(tmp_path / "empty.pid"), "sleep") is None
