# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hypervisor role passes every option of the modules that define its objects, and only
those, and its argument spec says what its defaults are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.virtops.libvirt.plugins.module_utils.runners.network import NETWORK_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.nwfilter import NWFILTER_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.pool import POOL_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.secret import SECRET_ARGUMENT_SPEC

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "hypervisor")
MODULES = [
    ("secret", "hypervisor_secret_options", SECRET_ARGUMENT_SPEC),
    ("nwfilter", "hypervisor_nwfilter_options", NWFILTER_ARGUMENT_SPEC),
    ("network", "hypervisor_network_options", NETWORK_ARGUMENT_SPEC),
    ("pool", "hypervisor_pool_options", POOL_ARGUMENT_SPEC),
]


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("module,option_list,spec", MODULES)
def test_each_object_task_passes_every_option_of_its_module(module, option_list, spec):
    passed = load("vars", "main.yml")[option_list]
    assert sorted(passed) == sorted(set(spec) - {"uri"})
    task = next(task for task in load("tasks", "main.yml") if "virtops.libvirt.%s" % module in task)
    args = task["virtops.libvirt.%s" % module]
    assert set(args) == set(passed) | {"uri"}
    for name in passed:
        assert args[name] == "{{ item.%s | default(omit) }}" % name


def test_secrets_never_show():
    task = next(task for task in load("tasks", "main.yml") if "virtops.libvirt.secret" in task)
    assert task["no_log"] is True and "value" not in task["loop_control"]["label"]


def test_argument_spec_defaults_are_the_role_defaults():
    spec = load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load("defaults", "main.yml")
    assert set(spec) == set(defaults)
    for name, option in spec.items():
        assert option.get("default") == defaults[name], name


def _tasks(tasks):
    for task in tasks:
        yield task
        for part in ("block", "rescue", "always"):
            yield from _tasks(task.get(part) or [])


def test_keys_and_the_daemons_files_never_show():
    """Every task that handles a private key or a configuration file's contents (qemu.conf may hold
    passwords) is no_log."""
    secret_words = re.compile(r"\b(hypervisor_tls_key|hypervisor_files_before|item\.content)\b")
    handling = []
    for name in sorted(os.listdir(os.path.join(ROLE, "tasks"))):
        for task in _tasks(load("tasks", name)):
            if "block" in task:
                continue
            # (an assert's condition and message name variables, they show no values)
            args = {key: value for key, value in task.items() if key not in ("name", "when", "ansible.builtin.assert")}
            body = yaml.safe_dump(args)
            if secret_words.search(body):
                handling.append(task["name"])
                assert task.get("no_log") is True, (name, task["name"])
    assert "Install this host's key (never shown)" in handling
    assert "Read the daemons' files before they change (contents never shown)" in handling
    assert any(task.startswith("Put back its files") for task in handling)
