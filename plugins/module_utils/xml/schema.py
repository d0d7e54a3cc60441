# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A definition checked against libvirt's own RelaxNG schema before it is defined, so a bad
combination fails naming the element (and attribute) at fault instead of with libvirt's generic
error, or worse, is accepted and fails at start.

libxml2's RelaxNG errors on libvirt's interleaved schema name only the parent that "failed to
validate content"; the element at fault is found by leaving elements out until the document fits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.base import HIDDEN, XmlModelError, etree

# Where Debian's libvirt-daemon installs the schemas (libvirt's own datadir).
SCHEMA_DIR = "/usr/share/libvirt/schemas"
_SCHEMAS = {}
SECRET_ATTRIBUTES = ("passwd",)  # never named with their value


def _schema(name):
    """The compiled schema ``name`` (domain, network, ...), or None where it is not installed."""
    if name not in _SCHEMAS:
        path = os.path.join(SCHEMA_DIR, "%s.rng" % name)
        try:
            _SCHEMAS[name] = etree.RelaxNG(file=path) if os.path.isfile(path) else None
        except (etree.RelaxNGParseError, etree.XMLSyntaxError, IOError, OSError):
            _SCHEMAS[name] = None
    return _SCHEMAS[name]


def check_schema(element, name="domain", baseline=None):
    """Raise XmlModelError naming the first part of ``element`` that libvirt's schema ``name``
    refuses. Nothing is checked where the schema is not installed on this host, or when
    ``baseline`` (the definition as libvirt wrote it, before this run's changes) does not fit the
    schema either: libvirt's own output then proves the schema stricter than libvirt."""
    schema = _schema(name)
    if schema is None or schema.validate(element):
        return
    if baseline is not None and not schema.validate(baseline):
        return
    path, attribute = _culprit(schema, element)
    if attribute and attribute[0] in SECRET_ATTRIBUTES:
        attribute = (attribute[0], HIDDEN)
    where = "%s (attribute %s=%r)" % (path, attribute[0], attribute[1]) if attribute else path
    raise XmlModelError("the definition does not fit libvirt's schema (%s.rng) at %s; see "
                        "https://libvirt.org/format%s.html for what that element takes"
                        % (name, where, name))


def _culprit(schema, element):
    """(path, (attribute, value) or None) of the deepest element found at fault in ``element``:
    at each level the child whose removal alone makes the document fit, else (several faults)
    the last of the children left out one after another until it fits; then the search goes on
    inside that child. Below the element found, the first optional attribute whose removal makes
    the document fit is named too."""
    document = copy.deepcopy(element)
    node = document
    while True:
        fault = _child_at_fault(schema, document, node)
        if fault is None:
            break
        node = fault
    # A required child (a disk's <target>) cannot be left out: an attribute of it may be at fault.
    for candidate in node.iter():
        if isinstance(candidate.tag, str):
            attribute = _attribute_at_fault(schema, document, candidate)
            if attribute is not None:
                node = candidate
                return document.getroottree().getpath(node), attribute
    return document.getroottree().getpath(node), None


def _fits_without(schema, document, node, children):
    """Whether ``document`` fits the schema with ``children`` of ``node`` left out (they are put
    back in their places afterwards)."""
    places = [(child, node.index(child)) for child in children]
    for child in children:
        node.remove(child)
    try:
        return schema.validate(document)
    finally:
        for child, index in sorted(places, key=lambda place: place[1]):
            node.insert(index, child)


def _child_at_fault(schema, document, node):
    children = [child for child in node if isinstance(child.tag, str)]
    for child in children:
        if _fits_without(schema, document, node, [child]):
            return child
    for count in range(2, len(children) + 1):
        if _fits_without(schema, document, node, children[:count]):
            return children[count - 1]
    return None


def _attribute_at_fault(schema, document, node):
    for attribute, value in list(node.attrib.items()):
        del node.attrib[attribute]
        fits = schema.validate(document)
        node.set(attribute, value)
        if fits:
            return attribute, value
    return None
