# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evacuate role passes every option of the migrate module it drives, and only those, and its
argument spec says what its defaults are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrate import MIGRATE_ARGUMENT_SPEC

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "evacuate")
SET_BY_THE_ROLE = {"name", "uri", "dest_uri", "peer_uri", "kind"}


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def _migrations_task():
    return next(task for task in load("tasks", "main.yml") if "virtops.libvirt.migrations" in task)


def test_the_passed_options_are_the_migrate_options_the_role_does_not_set():
    passed = load("vars", "main.yml")["evacuate_passed_options"]
    assert sorted(passed) == sorted(set(MIGRATE_ARGUMENT_SPEC) - SET_BY_THE_ROLE)


def test_the_migrations_task_passes_every_option_of_the_module():
    from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrations import MIGRATIONS_ARGUMENT_SPEC
    args = _migrations_task()["virtops.libvirt.migrations"]
    assert set(args) == set(MIGRATIONS_ARGUMENT_SPEC) - {"rebalance"}
    assert args["migrate_options"] == "{{ evacuate_migrate_options }}"
    assert args["drain"] == ["{{ evacuate_source_uri }}"]


def test_argument_spec_defaults_are_the_role_defaults_and_required_options_have_none():
    spec = load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load("defaults", "main.yml")
    required = set(name for name, option in spec.items() if option.get("required"))
    # a default would satisfy the argument validation's required check (an empty source URI is
    # libvirt's default connection: this machine)
    assert required == {"evacuate_source_uri", "evacuate_destinations"}
    assert set(spec) - required == set(defaults)
    for name in defaults:
        assert spec[name]["default"] == defaults[name], name
