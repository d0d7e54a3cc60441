# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Definitions checked against libvirt's installed RelaxNG schema, naming the element at fault."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import XmlModelError, etree
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.schema import SCHEMA_DIR, check_schema

pytestmark = pytest.mark.skipif(not os.path.isfile(os.path.join(SCHEMA_DIR, "domain.rng")),
                                reason="libvirt's schemas are not installed here")

DOMAIN = ("<domain type='qemu'><name>x</name><memory>1024</memory><os><type>hvm</type></os>"
          "<devices>%s</devices></domain>")
RNG = "<rng model='virtio'><rate bytes='4096'/><backend model='random'>/dev/urandom</backend></rng>"


def test_a_definition_that_fits_passes():
    check_schema(etree.fromstring(DOMAIN % (RNG + "<watchdog model='i6300esb' action='reset'/>")))


@pytest.mark.parametrize("devices,where", [
    (RNG.replace("bytes='4096'", "bytes='many'"), "at /domain/devices/rng/rate;"),
    ("<watchdog model='bogus'/>", "at /domain/devices/watchdog;"),
    ("<disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='nope'/></disk>",
     "at /domain/devices/disk/target (attribute bus='nope');"),
    # Two faults: one of them is named.
    (RNG.replace("bytes='4096'", "bytes='many'") + "<watchdog model='bogus'/>", "at /domain/devices/watchdog;"),
])
def test_the_element_at_fault_is_named(devices, where):
    with pytest.raises(XmlModelError) as raised:
        check_schema(etree.fromstring(DOMAIN % devices))
    assert where in str(raised.value)
    assert str(raised.value).startswith("the definition does not fit libvirt's schema (domain.rng) ")


def test_nothing_is_refused_when_libvirts_own_definition_does_not_fit_either():
    """Then the schema is stricter than libvirt itself (its own output proves it): an update of such
    a domain must not be blocked by the check."""
    bad = etree.fromstring(DOMAIN % "<watchdog model='bogus'/>")
    check_schema(bad, baseline=etree.fromstring(DOMAIN % "<panic model='bogus'/>"))
    with pytest.raises(XmlModelError):
        check_schema(bad, baseline=etree.fromstring(DOMAIN % ""))


def test_a_schema_that_is_not_installed_checks_nothing():
    check_schema(etree.fromstring("<network><bogus/></network>"), name="virtops-no-such-schema")
