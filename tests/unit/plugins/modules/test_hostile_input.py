# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every string option of every module, fed what XML cannot carry (issue 12, items 2-5 and 9).

Each module runs in-process against libvirt's test:///default driver with its smallest valid
arguments, one string option at a time replaced by text holding a control character, a NUL or a
lone surrogate. Each run must fail with a message that names the option, carry no traceback, and
leave the driver with exactly the objects it had. Text with XML's own markup characters
(``<&"'``) is legal: a run with it may succeed, but what libvirt then holds must read back as
well-formed XML.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import glob
import importlib
import json
import os
import re

import pytest


from ansible_collections.virtops.libvirt.plugins.module_utils.common.batch import plural_module
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import CONNECTION_ARGUMENT_SPEC

libvirt = pytest.importorskip("libvirt")
etree = pytest.importorskip("lxml.etree")

URI = "test:///default"
MODULES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
HOSTILE = {"control": u"a\x01b", "bell": u"a\x07b", "escape": u"a\x1b[31m", "nul": u"a\x00b",
           "surrogate": u"a\ud800b"}
# Arguments some modules need beyond their required options, so the run reaches its own checks.
EXTRA = {
    "config_drive": dict(path="/nonexistent-virtops-hostile/drive.iso"),
    "cpu_compare": dict(cpu=dict(model="qemu64")),
    "qemu_monitor": dict(command="query-status"),
    "disk": dict(path="/nonexistent-virtops-hostile/disk.img"),
    "config_drives": dict(config_drives=[dict(path="/nonexistent-virtops-hostile/drive.iso")]),
    "disks": dict(disks=[dict(path="/nonexistent-virtops-hostile/disk.img")]),
    "daemon_config": dict(config_dir="/nonexistent-virtops-hostile",
                          settings=[dict(file="qemu.conf", key="max_files", value=1)]),
}


@functools.lru_cache(maxsize=None)
def _module_spec(name):
    """(module, argument spec with the connection options, runner class) of plugins/modules/NAME.py."""
    module = importlib.import_module("ansible_collections.virtops.libvirt.plugins.modules.%s" % name)
    with open(module.__file__) as handle:
        text = handle.read()
    plural = re.search(r"plural_module\((\w+), (\w+), \"(\w+)\"", text)
    if plural:
        # A plural module: its list option holds items of the singular module's spec.
        item_runner, item_spec, list_option = plural.groups()
        spec, runner = plural_module(getattr(module, item_runner), getattr(module, item_spec), list_option, str)
        spec[list_option] = dict(spec[list_option], options=getattr(module, item_spec))
    else:
        spec_name, runner_name, made_from = re.search(
            r"run_module\(AnsibleModule, (\w+), (\w+)(?:\((\w+, \w+)\))?\)", text).groups()
        spec, runner = dict(getattr(module, spec_name)), getattr(module, runner_name)
        if made_from:  # a runner class made from another module's runner and spec
            runner = runner(*[getattr(module, name) for name in made_from.split(", ")])
    if runner.CONNECTION == "one":
        spec.update(CONNECTION_ARGUMENT_SPEC)
    return module, spec, runner


def _sample(option):
    kind = option.get("type", "str")
    if option.get("choices"):
        return option["choices"][0]
    if kind == "dict":
        return _required(option.get("options") or {})
    if kind == "list":
        element = option.get("elements", "str")
        if element == "dict":
            return [_required(option.get("options") or {})]
        return [1] if element == "int" else ["unit"]
    return {"int": 1, "bool": False, "path": "/nonexistent-virtops-hostile/file"}.get(kind, "unit-hostile")


def _required(options):
    return dict((name, _sample(option)) for name, option in options.items() if option.get("required"))


def _string_options(options, prefix=""):
    """(path, [keys to reach it]) of every free-choice string option, suboptions included."""
    for name, option in sorted(options.items()):
        kind, where = option.get("type", "str"), prefix + name
        if kind in ("str", "path", "raw") and not option.get("choices"):
            yield where, [name]
        elif kind == "list" and option.get("elements", "str") == "str" and not option.get("choices"):
            yield where + "[0]", [name, 0]
        elif option.get("options"):
            index = [0] if kind == "list" else []
            for path, keys in _string_options(option["options"], where + ("[0]." if index else ".")):
                yield path, [name] + index + keys


def _cases():
    for path in sorted(glob.glob(os.path.join(MODULES_DIR, "*.py"))):
        name = os.path.basename(path)[:-3]
        if name.startswith("_"):
            continue
        _module, spec, _runner = _module_spec(name)
        for option_path, keys in _string_options(spec):
            yield name, option_path, keys


CASES = list(_cases())


def _arguments(name, keys, value):
    _module, spec, runner = _module_spec(name)
    args = _required(spec)
    args.update(json.loads(json.dumps(EXTRA.get(name, {}))))
    for group in runner.MODULE_OPTIONS.get("required_one_of", ()):
        if not any(option in args for option in group):
            args[group[0]] = _sample(spec[group[0]])
    for rule in runner.MODULE_OPTIONS.get("required_if", ()):
        key, when, needed = rule[:3]
        if args.get(key, spec[key].get("default")) == when:
            for option in (needed[:1] if len(rule) > 3 and rule[3] else needed):
                args.setdefault(option, _sample(spec[option]))
    for group in runner.MODULE_OPTIONS.get("mutually_exclusive", ()):
        if keys[0] in group:
            for other in group:
                if other != keys[0]:
                    args.pop(other, None)
    for group in runner.MODULE_OPTIONS.get("required_together", ()):
        if keys[0] in group:
            for other in group:
                args.setdefault(other, _sample(spec[other]))
    _set(args, spec, keys, value)
    return args


def _set(args, options, keys, value):
    """Put ``value`` at ``keys`` (option names, 0 for a list's first item) below ``args``."""
    name, rest = keys[0], keys[1:]
    option = options[name]
    if not rest:
        args[name] = value
    elif rest == [0]:
        args[name] = [value]
    elif rest[0] == 0:
        item = (args.get(name) or [_required(option.get("options") or {})])[0]
        args[name] = [item]
        _set(item, option["options"], rest[1:], value)
    else:
        _set(args.setdefault(name, _required(option.get("options") or {})), option["options"], rest, value)


def _inventory(conn):
    """Names of everything the test driver holds, to show a run defined nothing (it has no secrets or nwfilters)."""
    pools = conn.listAllStoragePools(0)
    return dict(
        domains=sorted(dom.name() for dom in conn.listAllDomains(0)),
        networks=sorted(net.name() for net in conn.listAllNetworks(0)),
        pools=sorted(pool.name() for pool in pools),
        volumes=sorted(vol.path() for pool in pools if pool.isActive() for vol in pool.listAllVolumes(0)),
    )


@pytest.fixture(scope="module")
def conn():
    connection = libvirt.open(URI)  # keeps the test driver's state for the whole module
    yield connection
    connection.close()


def _run(run_module, name, args):
    return run_module(importlib.import_module("ansible_collections.virtops.libvirt.plugins.modules.%s" % name), **args)


def test_every_module_has_string_options_under_test():
    covered = set(name for name, _path, _keys in CASES)
    modules = set(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(MODULES_DIR, "*.py")))
    assert covered == modules - set(name for name in modules if name.startswith("_"))
    assert len(CASES) > 100


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("name, option_path, keys", CASES, ids=["%s:%s" % case[:2] for case in CASES])
def test_text_xml_cannot_carry_is_refused_cleanly(conn, run_module, name, option_path, keys, kind):
    _module, spec, runner = _module_spec(name)
    generic = re.sub(r"\[\d+\]", "", option_path)
    free_text = any(generic == option or generic.startswith(option + ".") for option in runner.FREE_TEXT_OPTIONS)
    binary = any(generic == option or generic.startswith(option + ".") for option in runner.BINARY_OPTIONS)
    if binary and kind != "surrogate":
        pytest.skip("%s is data sent as bytes: only what no encoding can write is refused" % option_path)
    if free_text and kind not in ("surrogate", "nul"):
        pytest.skip("%s is free text (never XML): only NUL and what no encoding can write are refused" % option_path)
    before = _inventory(conn)
    result = _run(run_module, name, _arguments(name, keys, HOSTILE[kind]))
    assert result.get("failed") is True, result
    assert "exception" not in result, result.get("exception")
    assert result["msg"].startswith("option %s: character U+" % option_path), result["msg"]
    assert HOSTILE[kind] not in result["msg"]  # never echoed: it may be a secret
    assert result.get("changed") in (None, False)
    assert _inventory(conn) == before


# Where libvirt escapes the text, and the values checked for what they are (an address, a name)
# because libvirt 9.0 writes a listen address and CPU feature names unescaped (item 2).
ESCAPED_BY_LIBVIRT = ["title", "description", "boot.cmdline", "metadata.note"]
CHECKED_AS_NAMES = ["graphics.listen", "cpu.features[0].name", "cpu.model", "disks[0].serial"]


@pytest.mark.parametrize("option", ESCAPED_BY_LIBVIRT + CHECKED_AS_NAMES)
def test_markup_characters_never_leave_an_unreadable_domain(conn, run_module, tmp_path, option):
    """Item 2: '<', '&' and quotes are refused where libvirt writes them unescaped, and kept
    intact where it escapes them; either way every domain of the host stays readable."""
    name = "unit-markup-%s" % re.sub(r"\W", "-", option)
    image = tmp_path / "image"
    image.write_bytes(b"")
    args = dict(name=name, uri=URI, memory_mb=64, virt_type="qemu", graphics=dict(type="vnc"),
                cpu=dict(mode="custom", model="qemu64"))
    value = u"a<b & \"c\" 'd'"
    if option == "boot.cmdline":
        args["boot"] = dict(kernel=str(image), cmdline=value)
    elif option == "disks[0].serial":
        args["disks"] = [dict(path=str(image), serial=value)]
    elif option == "graphics.listen":
        args["graphics"]["listen"] = value
    elif option == "cpu.features[0].name":
        args["cpu"]["features"] = [dict(name=value)]
    elif option == "cpu.model":
        args["cpu"]["model"] = value
    elif option == "metadata.note":
        args["metadata"] = dict(note=value)
    else:
        args[option] = value
    try:
        result = _run(run_module, "domain", args)
        assert "exception" not in result, result.get("exception")
        if option in CHECKED_AS_NAMES:
            assert result.get("failed") is True
            assert result["msg"].startswith(option), result["msg"]
            assert name not in _inventory(conn)["domains"]
        else:
            assert result.get("failed") is not True, result["msg"]
            text = conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode("utf-8")
            assert value in etree.tostring(etree.fromstring(text), encoding="unicode", method="text") + "".join(
                etree.fromstring(text).xpath("//serial/text()"))
            assert _run(run_module, "domain", args)["changed"] is False
        for dom in conn.listAllDomains(0):
            etree.fromstring(dom.XMLDesc(0).encode("utf-8"))  # strict: libvirt wrote well-formed XML
    finally:
        try:
            conn.lookupByName(name).undefine()
        except libvirt.libvirtError:
            pass


# -- issue 23: absurd and boundary values of every option, in check mode ----------------------------------
def _options_of_type(options, kinds, prefix=""):
    """(path, [keys to reach it]) of every option of one of ``kinds`` (no choices), suboptions included."""
    for name, option in sorted(options.items()):
        kind, where = option.get("type", "str"), prefix + name
        if kind in kinds and not option.get("choices"):
            yield where, [name]
        elif kind == "list" and option.get("elements", "str") in kinds and not option.get("choices"):
            yield where + "[0]", [name, 0]
        elif option.get("options"):
            index = [0] if kind == "list" else []
            for path, keys in _options_of_type(option["options"], kinds, where + ("[0]." if index else ".")):
                yield path, [name] + index + keys


def _typed_cases(kinds):
    for path in sorted(glob.glob(os.path.join(MODULES_DIR, "*.py"))):
        name = os.path.basename(path)[:-3]
        if not name.startswith("_"):
            for option_path, keys in _options_of_type(_module_spec(name)[1], kinds):
                yield name, option_path, keys


NUMBER_CASES = list(_typed_cases(("int",)))
ABSURD_NUMBERS = {"negative": -1, "zero": 0, "beyond_uint64": 2 ** 64, "below_int64": -(2 ** 63) - 1,
                  "googol": 10 ** 100}
TEXT_CASES = list(_typed_cases(("str", "path")))
ABSURD_TEXT = {"empty": "", "blank": "   ", "long": "x" * 20000, "markup": "<&>'\"", "dotdot": "../../etc/passwd",
               "unicode": u"\u00e9\u4e2d\U0001f600"}


def _check_run_changes_nothing(conn, run_module, name, args):
    before = _inventory(conn)
    result = _run(run_module, name, dict(args, _ansible_check_mode=True))
    assert "exception" not in result, result.get("exception")
    assert "Traceback" not in result.get("msg", "")
    assert _inventory(conn) == before


def test_number_and_text_cases_cover_every_module():
    modules = set(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(MODULES_DIR, "*.py")))
    with_numbers = set(case[0] for case in NUMBER_CASES)
    # the modules added since the first pass that take numbers have them under test
    assert set(["migrate", "network", "guest_agent", "domains", "volumes", "config_drives", "disks"]) <= with_numbers
    assert set(case[0] for case in TEXT_CASES) == modules - set(name for name in modules if name.startswith("_"))


@pytest.mark.parametrize("value", sorted(ABSURD_NUMBERS))
@pytest.mark.parametrize("name, option_path, keys", NUMBER_CASES, ids=["%s:%s" % case[:2] for case in NUMBER_CASES])
def test_absurd_numbers_fail_cleanly_or_change_nothing_in_check_mode(conn, run_module, name, option_path, keys,
                                                                     value):
    _check_run_changes_nothing(conn, run_module, name, _arguments(name, keys, ABSURD_NUMBERS[value]))


@pytest.mark.parametrize("value", sorted(ABSURD_TEXT))
@pytest.mark.parametrize("name, option_path, keys", TEXT_CASES, ids=["%s:%s" % case[:2] for case in TEXT_CASES])
def test_absurd_text_fails_cleanly_or_changes_nothing_in_check_mode(conn, run_module, name, option_path, keys, value):
    _check_run_changes_nothing(conn, run_module, name, _arguments(name, keys, ABSURD_TEXT[value]))
