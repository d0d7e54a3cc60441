# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance module and the mark's readers (domain_info) on test:///default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.host.maintenance import read_mark
from ansible_collections.virtops.libvirt.plugins.modules import domain_info as domain_info_module
from ansible_collections.virtops.libvirt.plugins.modules import maintenance as maintenance_module

libvirt = pytest.importorskip("libvirt")


def test_the_test_driver_has_no_mark_and_refuses_one(conn, run_module):
    """The marks themselves are proven on real daemons (integration target module_maintenance):
    libvirt's test driver keeps no secrets."""
    assert read_mark(conn) is None
    assert run_module(domain_info_module, host=True)["host"]["maintenance"] is None
    result = run_module(maintenance_module, reason="BIOS update")
    assert result["failed"] and result["changed"] is False
    assert result["msg"] == ("test:///default keeps no secrets (libvirt driver TEST), so it cannot hold a "
                             "maintenance mark")
    assert run_module(maintenance_module, state="absent")["changed"] is False


def test_bad_input_is_refused(run_module):
    result = run_module(maintenance_module, reason="x" * 1025)
    assert result["failed"] and result["msg"] == "reason is 1025 characters long; give at most 1024"
    result = run_module(maintenance_module, state="gone")
    assert result["failed"] and "state" in result["msg"] and "present, absent" in result["msg"]
    assert "exception" not in result
