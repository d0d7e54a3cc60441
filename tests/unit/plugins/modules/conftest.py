# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() in-process, as Ansible would, and reading its result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import uuid
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt_errors

TEST_URI = "test:///default"


@contextlib.contextmanager
def module_args(args):
    """patch_module_args, but the arguments JSON-escaped to ASCII as the controller can send them:
    patch_module_args cannot carry a lone surrogate, which a playbook's "\\ud800" is."""
    with patch_module_args({}):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps(dict(ANSIBLE_MODULE_ARGS=args)).encode()):
            yield


def _remove_domains(conn, names):
    """Destroy and undefine (managed save image too) those of ``names`` that exist."""
    for name in names:
        try:
            dom = conn.lookupByName(name)
        except libvirt_errors():  # no such domain: nothing to remove
            continue
        if dom.isActive():
            dom.destroy()
        if dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)
        dom.undefine()


@pytest.fixture
def remove_domains():
    """``remove_domains(conn, names)``: what a test defined under ``names`` removed again."""
    return _remove_domains


@pytest.fixture
def run_module(capsys):
    """``run_module(module, **args)``: the module's JSON result (exit or fail), on test:///default
    unless ``uri`` is given."""
    def run(module, **args):
        if "virtops.libvirt.connection" in module.DOCUMENTATION:  # the modules with one uri option
            args.setdefault("uri", TEST_URI)
        with module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)
    return run


@pytest.fixture
def conn():
    """A connection to test:///default that keeps the driver's state while the test runs."""
    import libvirt  # pylint: disable=import-outside-toplevel  # the tests that use it import-skip without it
    connection = libvirt.open(TEST_URI)
    yield connection
    connection.close()


@pytest.fixture
def names(conn, remove_domains):
    """``names()``: a fresh domain name; whatever a test defined under its names is removed afterwards."""
    made = []

    def new():
        made.append("unit-%s" % uuid.uuid4().hex[:8])
        return made[-1]
    yield new
    remove_domains(conn, made)
