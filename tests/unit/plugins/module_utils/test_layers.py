# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The folders of plugins/module_utils are the layers; this test enforces who may import whom.

Ansible ships a module with every module_utils file it imports (transitively), so the rule
also decides what each module carries to the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
MODULES = os.path.join(ROOT, "plugins", "modules")
PREFIX = "ansible_collections.virtops.libvirt.plugins.module_utils."

# Each layer and the layers it may import (besides itself). docs/architecture.md explains them.
LAYERS = {
    "common": set(),
    "xml": set(),
    "host": {"common", "xml"},
    "storage": {"common", "xml"},
    "guest": {"common", "xml", "host", "storage"},
    "configdrive": {"common", "storage", "xml"},
    "migration": {"common", "xml", "host", "storage", "guest"},
    "network": {"common", "xml", "guest"},
    "fleet": {"common", "xml", "host", "storage", "guest", "migration"},
    "backup": {"common", "xml", "storage", "guest"},
    "runners": {"common", "xml", "host", "storage", "guest", "configdrive", "migration", "network", "fleet",
                "backup"},
}
MODULE_MAY_IMPORT = {"common", "runners"}
# Modules that never act on a domain carry nothing of the guest or host layers.
NO_GUEST_OR_HOST = ("pool", "volume", "secret", "config_drive")


def _imports(path):
    """Dotted names below module_utils that ``path`` imports, e.g. 'guest.guest'."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            found.add(node.module[len(PREFIX):])
        elif isinstance(node, ast.Import):
            found.update(alias.name[len(PREFIX):] for alias in node.names if alias.name.startswith(PREFIX))
    return found


def _module_utils_files():
    """{'guest.guest': path} for every module_utils file with code (a package's __init__ by its name)."""
    files = {}
    for folder, _dirs, names in os.walk(MODULE_UTILS):
        for name in names:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or (name == "__init__.py" and not os.path.getsize(path)):
                continue
            relative = os.path.relpath(path, MODULE_UTILS)[:-3]
            if name == "__init__.py":
                relative = os.path.dirname(relative)
            files[relative.replace(os.sep, ".")] = path
    return files


FILES = _module_utils_files()


def _closure(path):
    """Every module_utils file that importing ``path`` pulls in."""
    seen, todo = set(), list(_imports(path))
    while todo:
        name = todo.pop()
        if name in seen or name not in FILES:
            continue
        seen.add(name)
        todo.extend(_imports(FILES[name]))
    return seen


def test_every_file_sits_in_a_known_layer():
    loose = [name for name in FILES if "." not in name]
    assert loose == [], "module_utils files outside a layer folder: %s" % loose
    unknown = sorted(set(name.split(".")[0] for name in FILES) - set(LAYERS))
    assert unknown == [], "folders that are no layer of LAYERS (add them, and to docs/architecture.md): %s" % unknown


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_layer_imports_only_the_layers_below_it(name):
    layer = name.split(".")[0]
    allowed = LAYERS[layer] | {layer}
    for imported in _imports(FILES[name]):
        assert imported in FILES, "%s imports %s, which does not exist" % (name, imported)
        target = imported.split(".")[0]
        assert target in allowed, "%s (layer %s) imports %s; %s may import only %s" % (
            name, layer, imported, layer, ", ".join(sorted(allowed)))


@pytest.mark.parametrize("name", sorted(name for name in FILES if name.startswith("runners.")))
def test_runners_import_no_other_runner(name):
    others = sorted(imported for imported in _imports(FILES[name]) if imported.startswith("runners."))
    assert others == [], "%s imports %s: what two runners share belongs in a lower layer" % (name, others)


def _modules():
    return sorted(name[:-3] for name in os.listdir(MODULES) if name.endswith(".py") and name != "__init__.py")


@pytest.mark.parametrize("module", _modules())
def test_modules_import_only_the_wrapper_and_their_runner(module):
    imported = _imports(os.path.join(MODULES, module + ".py"))
    layers = set(name.split(".")[0] for name in imported)
    assert layers <= MODULE_MAY_IMPORT, "%s imports %s" % (module, sorted(imported))
    assert "common.module" in imported and any(name.startswith("runners.") for name in imported)


@pytest.mark.parametrize("module", NO_GUEST_OR_HOST)
def test_storage_modules_ship_nothing_of_guests_or_hosts(module):
    shipped = _closure(os.path.join(MODULES, module + ".py"))
    assert not [name for name in shipped if name.split(".")[0] in ("guest", "host")], sorted(shipped)


def test_every_layer_is_described_in_the_architecture_doc():
    with open(os.path.join(ROOT, "docs", "architecture.md")) as handle:
        text = handle.read()
    missing = [layer for layer in LAYERS if "%s/" % layer not in text]
    assert missing == [], "docs/architecture.md does not describe %s" % missing
