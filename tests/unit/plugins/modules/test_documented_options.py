# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each module's DOCUMENTATION and its argument spec say the same: every declared option is
documented with the same type, elements, choices, default and required, its suboptions too, and
nothing is documented that is not declared. The spec is what the module really builds (read by
running main() up to AnsibleModule), doc fragments merged as Ansible merges them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import pkgutil
import re

import pytest
import yaml

from ansible_collections.virtops.libvirt.plugins import modules as modules_package

FRAGMENT_PREFIX = "virtops.libvirt."
MODULES = sorted(name for _finder, name, _ispkg in pkgutil.iter_modules(modules_package.__path__))


class _Built(Exception):
    def __init__(self, kwargs):
        super(_Built, self).__init__("AnsibleModule built")
        self.kwargs = kwargs


def _argument_spec(module):
    def capture(**kwargs):
        raise _Built(kwargs)

    original = module.AnsibleModule
    module.AnsibleModule = capture
    try:
        module.main()
    except _Built as built:
        return built.kwargs["argument_spec"]
    finally:
        module.AnsibleModule = original
    raise AssertionError("%s.main() built no AnsibleModule" % module.__name__)


def _fragment(name):
    short = name[len(FRAGMENT_PREFIX):]
    module_name, _dot, variable = short.partition(".")
    fragment = importlib.import_module("ansible_collections.virtops.libvirt.plugins.doc_fragments." + module_name)
    return yaml.safe_load(getattr(fragment.ModuleDocFragment, (variable or "documentation").upper()))


def _documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for name in doc.get("extends_documentation_fragment") or []:
        if name.startswith(FRAGMENT_PREFIX):
            options.update(_fragment(name).get("options") or {})
    return options


def _differences(spec, documented, where):
    found = []
    for name in sorted(set(spec) | set(documented)):
        option = "%s%s" % (where, name)
        if name not in documented:
            found.append("%s: declared, not documented" % option)
            continue
        if name not in spec:
            found.append("%s: documented, not declared" % option)
            continue
        declared, doc = spec[name], documented[name]
        pairs = [
            ("type", declared.get("type", "str"), doc.get("type", "str")),
            ("elements", declared.get("elements"), doc.get("elements")),
            ("choices", declared.get("choices"), doc.get("choices")),
            ("default", declared.get("default"), doc.get("default")),
            ("required", bool(declared.get("required")), bool(doc.get("required"))),
            ("aliases", sorted(declared.get("aliases") or []), sorted(doc.get("aliases") or [])),
        ]
        for what, in_spec, in_doc in pairs:
            if what == "choices" and in_spec is not None and in_doc is not None:
                in_spec, in_doc = list(in_spec), list(in_doc)
            if in_spec != in_doc:
                found.append("%s: %s is %r in the spec, %r in the documentation" % (option, what, in_spec, in_doc))
        if declared.get("options") is not None or doc.get("suboptions") is not None:
            found.extend(_differences(declared.get("options") or {}, doc.get("suboptions") or {}, option + "."))
    return found


@pytest.mark.parametrize("name", MODULES)
def test_the_documentation_says_what_the_argument_spec_declares(name):
    module = importlib.import_module("ansible_collections.virtops.libvirt.plugins.modules." + name)
    assert _differences(_argument_spec(module), _documented_options(module), "") == []


def test_every_module_file_was_checked():
    here = list(modules_package.__path__)[0]
    files = sorted(entry[:-3] for entry in os.listdir(here) if entry.endswith(".py") and entry != "__init__.py")
    assert files == MODULES and len(MODULES) >= 20


def test_a_difference_is_seen():
    """The comparison itself: each kind of disagreement is reported."""
    spec = dict(a=dict(type="int", default=1), b=dict(type="dict", options=dict(c=dict(choices=["x"]))),
                d=dict(type="bool"))
    doc = dict(a=dict(type="int", default=2), b=dict(type="dict", suboptions=dict(c=dict(choices=["y"]))),
               e=dict(type="str"))
    assert _differences(spec, doc, "") == [
        "a: default is 1 in the spec, 2 in the documentation",
        "b.c: choices is ['x'] in the spec, ['y'] in the documentation",
        "d: declared, not documented",
        "e: documented, not declared",
    ]


def test_a_disk_is_documented_alike_in_the_disk_and_domain_modules():
    """The disk options are declared once (guest/disks.py DISK_OPTIONS); their text is the disk
    fragment's, and the domain module's disks[] say the same with references inside disks[]."""
    from ansible_collections.virtops.libvirt.plugins.modules import domain

    fragment = _fragment("virtops.libvirt.disk")["options"]
    in_domain = yaml.safe_load(domain.DOCUMENTATION)["options"]["disks"]["suboptions"]
    names = "|".join(sorted(fragment))

    def relative(value):
        if isinstance(value, dict):
            return dict((key, relative(item)) for key, item in value.items())
        if isinstance(value, list):
            return [relative(item) for item in value]
        if isinstance(value, str):
            return re.sub(r"O\(disks\[\]\.(%s)" % names, r"O(\1", value)
        return value

    assert relative(in_domain) == fragment
