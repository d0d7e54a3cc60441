# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every field that any ConfigObject declares is written, parsed back and compared.

The classes are found by walking ConfigObject's subclasses, so a field added to the object model
is tested here the moment it is declared; a new kind of field fails until it gets a sample.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Every module of the object model, imported so that all its subclasses are registered.
from ansible_collections.virtops.libvirt.plugins.module_utils.xml import (
    backup, capabilities, cpu, devices, domain, network, nwfilter, snapshot, storage,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import (
    Child, ChildList, ConfigObject, Field, MemoryField, SecretField, etree,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import (
    DeviceXmlField, MetadataField, PendingRestartField, RootPortsField,
)


MODEL_MODULES = (backup, capabilities, cpu, devices, domain, network, nwfilter, snapshot, storage)


def _all_classes(base=ConfigObject):
    for cls in base.__subclasses__():
        yield cls
        yield from _all_classes(cls)


CLASSES = sorted(set(cls for cls in _all_classes() if cls.TAG), key=lambda cls: cls.__name__)
FIELDS = [(cls, field) for cls in CLASSES for field in cls.FIELDS]


def _sample(field, depth=0):
    """A value for ``field`` that differs from what a missing element reads as."""
    if isinstance(field, PendingRestartField):
        return ["memory_kib", "vcpus"]
    if isinstance(field, MetadataField):
        return {"role": "web", "tier": "1"}
    if isinstance(field, RootPortsField):
        return 3
    if isinstance(field, SecretField):
        return "v-secret"
    if isinstance(field, DeviceXmlField):
        return [etree.fromstring("<shmem name='v-shm'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>")]
    if isinstance(field, MemoryField):
        return 2097152
    if isinstance(field, cpu.MaxPhysAddrBits):
        return 42
    if isinstance(field, nwfilter.StateMatch):
        return False
    if isinstance(field, nwfilter.ProtocolMatch):
        return {"protocol": "tcp", "attributes": {"dstportstart": "22", "srcipaddr": "$IP"}}
    if isinstance(field, Child):
        return _filled(field.cls, depth + 1)
    if isinstance(field, ChildList):
        return [_filled(field.cls, depth + 1)]
    if field.__class__ is not Field:  # exactly Field: a subclass needs its own sample
        raise AssertionError("no sample for %s: teach this test the new kind of field" % type(field).__name__)
    if field.kind == "int":
        return 7
    if field.kind in ("yesno", "onoff"):
        return field.absent is not True
    if field.kind == "flag":
        return True
    return "v-%s" % field.name.replace("_", "-")


def _filled(cls, depth):
    """An object of ``cls`` with every scalar field set (nested objects only to a small depth)."""
    obj = cls()
    for field in cls.FIELDS:
        if isinstance(field, (Child, ChildList)) and depth > 2:
            continue
        if isinstance(field, PendingRestartField):
            continue  # read-only: written only through virDomainSetMetadata
        setattr(obj, field.name, _sample(field, depth))
    return obj


def _comparable(value):
    if isinstance(value, ConfigObject):
        return value.summary()
    if etree.iselement(value):
        return etree.tostring(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


@pytest.mark.parametrize("cls,field", FIELDS, ids=["%s.%s" % (cls.__name__, f.name) for cls, f in FIELDS])
def test_each_declared_field_round_trips_alone(cls, field):
    value = _sample(field)
    if isinstance(field, PendingRestartField):
        # Written live by the guest layer, never by the model: parse it from the marker's XML.
        xml = ("<%s><metadata><p:restart xmlns:p='%s' fields='memory_kib vcpus'/></metadata></%s>"
               % (cls.TAG, domain.PENDING_NAMESPACE, cls.TAG))
        assert getattr(cls.from_xml(xml), field.name) == value
        return
    obj = cls(**{field.name: value})
    parsed = cls.from_xml(obj.to_xml())
    assert _comparable(getattr(parsed, field.name)) == _comparable(value)


@pytest.mark.parametrize("cls", CLASSES, ids=[cls.__name__ for cls in CLASSES])
def test_all_fields_together_round_trip_and_compare_equal(cls):
    obj = _filled(cls, 0)
    parsed = cls.from_xml(obj.to_xml())
    assert obj.changes(parsed) == [], obj.to_xml()
    assert cls.from_xml(parsed.to_xml()).to_xml() == parsed.to_xml()


def test_the_walk_found_the_whole_model():
    names = set(cls.__name__ for cls in CLASSES)
    declared = set(name for module in MODEL_MODULES for name, value in vars(module).items()
                   if isinstance(value, type) and issubclass(value, ConfigObject) and value.TAG)
    assert declared <= names
    assert {"DomainConfig", "DiskConfig", "InterfaceConfig", "CpuConfig", "PoolConfig", "VolumeConfig",
            "SecretConfig", "HostCapabilities", "DomainCapabilities"} <= names
    assert len(FIELDS) > 100
