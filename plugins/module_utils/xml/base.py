# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative base of the libvirt XML object model.

Each libvirt XML element family is one ``ConfigObject`` subclass that lists its ``FIELDS``.
A field says where its value lives (attribute, text, presence of a child, nested object, list of
nested objects), so parsing, formatting, comparing and diffing are written once, here.

Round trips are lossless: an object parsed from XML keeps its source element and formats by
updating a copy of it, so whatever the model does not know (addresses, aliases, seclabels,
elements added by newer libvirt) survives a parse/modify/format cycle untouched.

Comparison is "requested only": a desired object built from user input leaves unrequested fields
as ``None`` and only the requested ones are compared with (and applied to) the live object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

try:
    from lxml import etree
    HAS_LXML = True
    LXML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module via missing_required_lib
    etree = None
    HAS_LXML = False
    LXML_IMPORT_ERROR = exc


class XmlModelError(ValueError):
    """The XML does not fit the model (e.g. a value that is not a number)."""


class LiveChange:
    """How a field's change reaches a running guest without a restart, declared once with the field.

    ``name`` is the guest layer's method for it (``Guest.apply_live`` runs ``_live_<name>``),
    ``action`` how a module's ``actions`` name it. ``device`` is, for a field of a device, the
    domain's device list and the attribute that finds the running device (a disk by its target);
    a device the running guest does not have yet (added by this run) needs the restart instead.
    ``whole_owner``: one call sets every such field of the owner together (a disk's I/O limits).
    ``attach``: the change is a device the running guest does not have yet, hot-plugged whole (a
    device list's ``live_add``); it can be applied only while the running guest lacks it.
    """

    def __init__(self, name, action, device=None, whole_owner=False, attach=False):
        self.name = name
        self.action = action
        self.device = device
        self.whole_owner = whole_owner
        self.attach = attach

    def __repr__(self):
        return "LiveChange(%r)" % self.name


class Change(tuple):
    """One requested difference: ``(path, before, after)``, unpacked like a triple.

    ``live`` (a ``LiveChange``) says how it can be applied to a running guest (None: only by a restart) and
    ``owner`` is the desired object the field belongs to (e.g. the CD-ROM whose media changes).
    """

    def __new__(cls, path, before, after, live=None, owner=None):
        change = tuple.__new__(cls, (path, before, after))
        change.live = live
        change.owner = owner
        return change

    path = property(lambda self: self[0])
    before = property(lambda self: self[1])
    after = property(lambda self: self[2])


def _split(path):
    return [part for part in (path or "").split("/") if part]


def _find(element, path):
    for part in _split(path):
        if element is None:
            return None
        element = element.find(part)
    return element


def _ensure(element, path):
    for part in _split(path):
        child = element.find(part)
        if child is None:
            child = etree.SubElement(element, part)
        element = child
    return element


def _says_nothing(element):
    """An element with no children, attributes or text (libvirt drops such a container)."""
    return not (len(element) or element.attrib or (element.text or "").strip())


def _prune_empty(element, path):
    """Remove the elements of ``path`` that were left with nothing in them, deepest first."""
    parts = _split(path)
    while parts:
        child = _find(element, "/".join(parts))
        if child is None or not _says_nothing(child):
            return
        child.getparent().remove(child)
        parts.pop()


class Field:
    """A scalar at ``path`` (child elements below this one, '' for the element itself).

    ``attr`` names the attribute holding the value; without it the value is the element's text.
    ``kind``: 'str', 'int', 'yesno' (yes/no attribute as bool), 'onoff' (on/off as bool),
    'flag' (the element's presence as bool).
    ``absent``: the value that a missing attribute/text stands for; it is read back for a missing
    value and writing it removes the value (only where libvirt reads both the same way).
    ``bare``: the value of an element that is there without the attribute (libvirt reads a bare
    ``<smm/>`` as on).
    ``live``: how a change of this field reaches a running guest without a restart (a
    ``LiveChange``); None when it needs a restart. The owning object may narrow it
    (``ConfigObject.live_method``).
    """

    def __init__(self, name, path="", attr=None, kind="str", label=None, absent=None, live=None, bare=None):
        self.name = name
        self.path = path
        self.attr = attr
        self.kind = kind
        self.label = label or name
        self.absent = absent
        self.live = live
        self.bare = bare

    def default(self):
        return None

    def read(self, element):
        node = _find(element, self.path)
        if self.kind == "flag":
            return node is not None
        if node is None:
            return self.absent
        raw = node.get(self.attr) if self.attr else node.text
        if raw is None:
            return self.bare if self.bare is not None else self.absent
        raw = raw.strip()
        if self.kind == "int":
            try:
                return int(raw)
            except ValueError:
                raise XmlModelError("%s: %r is not a whole number" % (self.label, raw))
        if self.kind in ("yesno", "onoff"):
            return raw in ("yes", "on")
        return raw

    def write(self, element, value):
        if self.kind == "flag":
            node = _find(element, self.path)
            if value and node is None:
                _ensure(element, self.path)
            elif not value and node is not None:
                node.getparent().remove(node)
            return
        if self.bare is not None and value == self.bare:
            node = _find(element, self.path)
            if node is not None and node.get(self.attr) is None:
                return  # a bare <smm/> already says it: kept as libvirt's documents have it
        if value is None or (self.absent is not None and value == self.absent):
            node = _find(element, self.path)
            if node is not None:
                if self.attr:
                    node.attrib.pop(self.attr, None)
                else:
                    node.text = None
                _prune_empty(element, self.path)
            return
        if self.kind == "yesno":
            text = "yes" if value else "no"
        elif self.kind == "onoff":
            text = "on" if value else "off"
        else:
            text = str(value)
        node = _ensure(element, self.path)
        if self.attr:
            node.set(self.attr, text)
        else:
            node.text = text

    def changes(self, desired, live, prefix):
        if desired is None or desired == live:
            return []
        return [Change(prefix + self.label, live, desired)]

    def apply(self, desired, live):
        return live if desired is None else desired


HIDDEN = "(hidden)"
# The attributes a SecretField writes (graphics 'passwd'): shown_xml() hides them wherever they are.
SECRET_ATTRIBUTES = set()


class SecretField(Field):
    """A value that must never show (a graphics password): compared and written like any other,
    but a change of it reads '(hidden)' on both sides, and shown_xml() hides it in a document."""

    def __init__(self, name, path="", attr=None, **kwargs):
        super(SecretField, self).__init__(name, path=path, attr=attr, **kwargs)
        if attr:
            SECRET_ATTRIBUTES.add(attr)

    def changes(self, desired, live, prefix):
        if desired is None or desired == live:
            return []
        return [Change(prefix + self.label, HIDDEN if live is not None else None, HIDDEN)]


class MemoryField(Field):
    """A size element with a ``unit`` attribute, held in KiB whatever unit the XML uses."""

    # Bytes per unit, every unit libvirt's virScaleInteger takes (case-insensitive).
    UNITS = dict([("b", 1), ("bytes", 1)] + [
        (name, base ** power)
        for power, letter in enumerate("kmgtpe", 1)
        for name, base in ((letter, 1024), (letter + "ib", 1024), (letter + "b", 1000))])

    def __init__(self, name, path, label=None, live=None):
        super(MemoryField, self).__init__(name, path, kind="int", label=label, live=live)

    def read(self, element):
        node = _find(element, self.path)
        if node is None or node.text is None:
            return None
        unit = (node.get("unit") or "KiB").lower()
        if unit not in self.UNITS:
            raise XmlModelError("%s: unknown unit %r" % (self.label, unit))
        try:
            size = int(node.text.strip())
        except ValueError:
            raise XmlModelError("%s: %r is not a whole number" % (self.label, node.text.strip()))
        # As libvirt: the size in bytes, rounded up to whole KiB (1 GB is 976563 KiB, not 976562).
        return in_kib(size, unit, self.label)

    def write(self, element, value):
        if value is None:
            node = _find(element, self.path)
            if node is not None:
                node.getparent().remove(node)
            return
        node = _find(element, self.path)
        if node is None or node.get("unit") is not None:
            node = _ensure(element, self.path)
            node.set("unit", "KiB")
        # (a size without a unit is in KiB: one read that way is written back that way)
        node.text = str(int(value))


def in_kib(value, unit, label):
    """``value`` of ``unit`` (any unit libvirt takes; None is KiB) in KiB, rounded up as libvirt does."""
    unit = (unit or "KiB").lower()
    if unit not in MemoryField.UNITS:
        raise XmlModelError("%s: unknown unit %r" % (label, unit))
    return -(-value * MemoryField.UNITS[unit] // 1024)


class Child:
    """One nested ``ConfigObject`` at ``path``.

    ``replace``: when the desired value differs, it replaces the live object as a whole instead
    of being merged into it (for elements the user owns entirely, such as ``<cpu>``).
    ``elsewhere``: other paths where libvirt keeps the same element (a disk's ``<encryption>``
    inside ``<source>`` or directly in ``<disk>``): read from there too, and rewritten in place.
    """

    def __init__(self, name, path, cls, label=None, replace=False, elsewhere=()):
        self.name = name
        self.path = path
        self.cls = cls
        self.label = label or name
        self.replace = replace
        self.elsewhere = tuple(elsewhere)

    def default(self):
        return None

    def _node(self, element):
        for path in (self.path,) + self.elsewhere:
            node = _find(element, path)
            if node is not None:
                return node
        return None

    def read(self, element):
        node = self._node(element)
        return None if node is None else self.cls.parse(node)

    def write(self, element, value):
        old = self._node(element)
        if value is None:
            if old is not None:
                old.getparent().remove(old)
            return
        new = value.to_element()
        if old is not None:
            old.getparent().replace(old, new)
        elif not _says_nothing(new):  # a new empty <features/> is not written
            parent_path = "/".join(_split(self.path)[:-1])
            _ensure(element, parent_path).append(new)

    def changes(self, desired, live, prefix):
        if desired is None:
            return []
        if live is None:  # a missing element reads as its absent values (an <os> without firmware is bios)
            live = self.cls.parse(etree.Element(self.cls.TAG))
        return desired.changes(live, prefix + self.label + ".")

    def apply(self, desired, live):
        if desired is None:
            return live
        if live is None:
            return desired.copy_requested()
        if self.replace and desired.changes(live):
            return desired.replacing(live)
        desired.apply_to(live)
        return live


class ExclusiveList(list):
    """A desired list that replaces the live one: live items it does not name are removed."""


class ChildList:
    """All nested ``ConfigObject`` children found at ``path`` (e.g. 'devices/disk').

    Items are matched by ``cls.key()``. ``authoritative`` lists (or a desired ``ExclusiveList``)
    replace the live list (items missing from the desired list are removed); otherwise items only
    in the live list are kept. ``live_add``: how an item added to a running guest's list is
    hot-plugged (None: it waits for a restart).
    """

    def __init__(self, name, path, cls, label=None, authoritative=False, live_add=None):
        self.name = name
        self.path = path
        self.cls = cls
        self.label = label or name
        self.authoritative = authoritative
        self.live_add = live_add  # a LiveChange(attach=True): a new item is hot-plugged whole

    def default(self):
        return None

    def read(self, element):
        parts = _split(self.path)
        parent = _find(element, "/".join(parts[:-1]))
        if parent is None:
            return []
        return [self.cls.parse(node) for node in parent.findall(parts[-1])]

    def write(self, element, value):
        parts = _split(self.path)
        parent_path, tag = "/".join(parts[:-1]), parts[-1]
        parent = _find(element, parent_path)
        old = [] if parent is None else parent.findall(tag)
        if not value and not old:
            return
        parent = _ensure(element, parent_path)
        value = list(value or [])
        # Each item takes the place of the old one at its index, so that items of this list
        # interleaved with other elements (an nwfilter's rules among its filter references) keep
        # libvirt's document order; further items follow the last one, spare old ones go.
        position = len(parent)
        for node, item in zip(old, value):
            new = item.to_element()
            parent.replace(node, new)
            position = parent.index(new) + 1
        for node in old[len(value):]:
            parent.remove(node)
        for offset, item in enumerate(value[len(old):]):
            parent.insert(position + offset, item.to_element())
        if not value and parent_path:
            _prune_empty(element, parent_path)  # the last item went: no empty <firmware/> left behind

    def _authoritative(self, desired):
        return self.authoritative or isinstance(desired, ExclusiveList)

    @staticmethod
    def _match(desired, live):
        """Pairs (desired_item, live_item or None), and the live items nobody asked for.

        Items are matched by key; an item without one (an interface without MAC, a disk without
        target) takes the next live item no key named, in order, so that a definition compares
        equal to itself and a keyless item is not new on every run."""
        remaining = list(live or [])
        pairs = []
        for item in desired:
            match = None
            key = item.key()
            if key is not None:
                match = next((other for other in remaining if other.key() == key), None)
            if match is not None:
                remaining.remove(match)
            pairs.append((item, match))
        unnamed = list(remaining)
        for index, (item, match) in enumerate(pairs):
            if match is None and item.key() is None and unnamed:
                match = unnamed.pop(0)
                remaining.remove(match)
                pairs[index] = (item, match)
        return pairs, remaining

    @staticmethod
    def _name_in(live, item):
        """How a change names a live item: by its key, else by its place in the live list."""
        return item.describe_key() if item.key() is not None else str(live.index(item))

    def changes(self, desired, live, prefix):
        if desired is None:
            return []
        pairs, extra = self._match(desired, live)
        result = []
        for item, match in pairs:
            name = item.describe_key() if item.key() is not None or match is None else self._name_in(live, match)
            where = "%s%s[%s]." % (prefix, self.label, name)
            if match is None:
                added = item.changes(self.cls(), where)
                for change in added if self.live_add is not None else []:
                    change.live, change.owner = self.live_add, item
                result.extend(added)
            else:
                result.extend(item.changes(match, where))
        if self._authoritative(desired):
            for item in extra:
                result.append(Change("%s%s[%s]" % (prefix, self.label, self._name_in(live, item)), "present", None))
        return result

    def apply(self, desired, live):
        if desired is None:
            return live
        pairs, _extra = self._match(desired, live)
        for item, match in pairs:
            if match is not None:
                item.apply_to(match)
        if self._authoritative(desired):
            return [match if match is not None else item.copy_requested() for item, match in pairs]
        # Keep what nobody asked about, in its place; new items go last.
        return list(live or []) + [item.copy_requested() for item, match in pairs if match is None]


class OrderedChildList(ChildList):
    """A list whose order is its meaning (the rules of a filter): the desired list replaces the
    live one, items are compared by position, and an item's requested fields are compared with
    the live item at the same place."""

    def __init__(self, name, path, cls, label=None):
        super(OrderedChildList, self).__init__(name, path, cls, label=label, authoritative=True)

    @staticmethod
    def _match(desired, live):
        live = list(live or [])
        pairs = [(item, live[index] if index < len(live) else None) for index, item in enumerate(desired)]
        return pairs, live[len(desired):]

    def changes(self, desired, live, prefix):
        if desired is None:
            return []
        pairs, extra = self._match(desired, live)
        result = []
        for index, (item, match) in enumerate(pairs):
            result.extend(item.changes(match if match is not None else self.cls(),
                                       "%s%s[%d]." % (prefix, self.label, index)))
        for offset, _item in enumerate(extra):
            result.append(Change("%s%s[%d]" % (prefix, self.label, len(pairs) + offset), "present", None))
        return result


def _parse(text, parser):
    try:
        element = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlModelError("not well-formed XML: %s" % exc)
    if element is None:
        raise XmlModelError("not XML: nothing could be read from the document")
    return element


def user_xml_element(text):
    """The element of XML text a user gave, parsed strictly and without a DOCTYPE (libvirt keeps
    entity references but drops their declarations, which leaves a definition nobody can read)."""
    element = _parse(text, etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                                           load_dtd=False))
    if element.getroottree().docinfo.doctype:
        raise XmlModelError("a DOCTYPE (and its entities) is not allowed: libvirt drops the "
                            "declarations and keeps the references; write the values out instead")
    return element


def shown_xml(document):
    """``document`` (XML text or an element) as a diff or a result may show it: every secret
    attribute (SECRET_ATTRIBUTES) reads '(hidden)'. Masking the value's text is not enough: the
    document holds it escaped ('&amp;' for '&'), a spelling Ansible's no_log does not know."""
    if isinstance(document, (str, bytes)) and not document:
        return document
    element = copy.deepcopy(document) if not isinstance(document, (str, bytes)) else _parse(
        document, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    hidden = 0
    for node in element.iter():
        for attr in SECRET_ATTRIBUTES & set(node.attrib):
            node.set(attr, HIDDEN)
            hidden += 1
    if isinstance(document, str) and not hidden:
        return document  # libvirt's own text, as it wrote it
    return etree.tostring(element, pretty_print=True, encoding="unicode")


class ConfigObject:
    """Base of one XML element family. Subclasses set ``TAG`` and ``FIELDS``."""

    TAG = None
    FIELDS = ()
    KEY = None  # name of the field identifying an item inside a ChildList

    def __init__(self, **values):
        self._source = None
        for field in self.FIELDS:
            setattr(self, field.name, field.default())
        for name, value in values.items():
            if name not in self.field_names():
                raise TypeError("%s has no field %r" % (type(self).__name__, name))
            setattr(self, name, value)

    @classmethod
    def field_names(cls):
        return [field.name for field in cls.FIELDS]

    # -- parse / format -------------------------------------------------------------------------
    @classmethod
    def parse(cls, element):
        obj = cls()
        obj._source = element
        for field in cls.FIELDS:
            setattr(obj, field.name, field.read(element))
        obj.after_parse(element)
        return obj

    @classmethod
    def from_xml(cls, text):
        """Parse a document libvirt wrote. libvirt 9.0 writes some attribute values unescaped
        (a graphics listen address, a CPU feature name with '<' or '&'), so its documents are read
        with a parser that recovers: one such domain must not break every run on its host."""
        return cls._of_element(_parse(text, etree.XMLParser(
            remove_blank_text=True, recover=True, resolve_entities=False, no_network=True)))

    @classmethod
    def from_user_xml(cls, text):
        """Parse a document a user gave: strictly, and without a DOCTYPE."""
        return cls._of_element(user_xml_element(text))

    @classmethod
    def _of_element(cls, element):
        if element.tag != cls.TAG:
            raise XmlModelError("expected a <%s> element, got <%s>" % (cls.TAG, element.tag))
        return cls.parse(element)

    def after_parse(self, element):
        """Hook for subclasses that derive something from the element."""

    def to_element(self):
        element = copy.deepcopy(self._source) if self._source is not None else etree.Element(self.TAG)
        for field in self.FIELDS:
            field.write(element, getattr(self, field.name))
        self.before_format_done(element)
        return element

    def before_format_done(self, element):
        """Hook for subclasses that must touch the element after the fields were written."""

    def to_xml(self, pretty=True):
        return etree.tostring(self.to_element(), pretty_print=pretty, encoding="unicode")

    # -- identity inside lists ------------------------------------------------------------------
    def key(self):
        return getattr(self, self.KEY) if self.KEY else None

    def describe_key(self):
        key = self.key()
        return key if key is not None else "new"

    # -- requested-only comparison ----------------------------------------------------------------
    def changes(self, live=None, prefix=""):
        """A ``Change`` for each requested field whose live value differs."""
        live = live if live is not None else type(self)()
        result = []
        for field in self.FIELDS:
            found = field.changes(getattr(self, field.name), getattr(live, field.name), prefix)
            if isinstance(field, Field):  # nested objects bind their own changes
                found = [Change(path, before, after, self.live_method(field), self)
                         for path, before, after in found]
            result.extend(found)
        return result

    def leave_unmentioned_lists(self):
        """Make every list the parsed document has no element of unrequested (None), here and in
        nested objects: in a user's document, leaving out all boot devices or all graphics asks
        for libvirt's defaults, not for an empty list. Returns self."""
        for field in self.FIELDS:
            value = getattr(self, field.name)
            if isinstance(field, ChildList) and not value:
                setattr(self, field.name, None)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ConfigObject):
                    item.leave_unmentioned_lists()
        return self

    def drop_other_values(self, live, names):
        """When any of the fields ``names`` (one source of a device, say) is requested, those of
        them that are not are dropped from ``live``: a new source replaces the old one whole.
        Returns whether any was requested."""
        if not any(getattr(self, name) is not None for name in names):
            return False
        for name in names:
            if getattr(self, name) is None:
                setattr(live, name, None)
        return True

    def live_method(self, field):
        """How a change of ``field`` reaches the running guest; subclasses narrow it by context."""
        return field.live

    def apply_to(self, live):
        """Write every requested field into ``live`` (modifies it in place)."""
        for field in self.FIELDS:
            setattr(live, field.name, field.apply(getattr(self, field.name), getattr(live, field.name)))
        return live

    def replacing(self, live):
        """What replaces ``live`` as a whole (a Child with ``replace``): by default only what
        was requested; a subclass keeps the parts of ``live`` that are not the user's to replace."""
        return self.copy_requested()

    def copy_requested(self):
        """A fresh object (no source element) carrying only what was requested."""
        clone = type(self)()
        self.apply_to(clone)
        return clone

    def summary(self):
        """Plain-data view of the modelled fields (for module results)."""
        data = {}
        for field in self.FIELDS:
            value = getattr(self, field.name)
            if isinstance(value, ConfigObject):
                value = value.summary()
            elif isinstance(value, list):
                value = [item.summary() if isinstance(item, ConfigObject)
                         else etree.tostring(item, encoding="unicode") if etree.iselement(item) else item
                         for item in value]
            data[field.name] = value
        return data


def format_changes(changes):
    """Render (path, before, after) triples as the before/after texts of Ansible's ``--diff``."""
    def text(value):
        return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)

    before, after = [], []
    for path, old, new in changes:
        if old is not None:
            before.append("%s: %s\n" % (path, text(old)))
        if new is not None:
            after.append("%s: %s\n" % (path, text(new)))
    return {"before": "".join(before), "after": "".join(after)}
