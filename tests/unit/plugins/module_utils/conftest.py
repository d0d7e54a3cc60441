# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module_utils tests run against libvirt's built-in test driver."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

libvirt = pytest.importorskip("libvirt")


@pytest.fixture
def conn():
    """A connection to test:///default, closed after the test."""
    connection = libvirt.open("test:///default")
    yield connection
    connection.close()
