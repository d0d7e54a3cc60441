# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling_maintenance role passes on every option of migrations it does not decide itself,
and its argument spec says what its defaults are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.virtops.libvirt.plugins.module_utils.runners.migrations import MIGRATIONS_ARGUMENT_SPEC

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "rolling_maintenance")
DECIDED_BY_THE_ROLE = {"hosts", "drain", "rebalance", "instances"}


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def _batch_tasks():
    return load("tasks", "batch.yml")[0]["block"]


def test_the_passed_options_are_the_migrations_options_the_role_does_not_decide():
    passed = load("vars", "main.yml")["rolling_maintenance_passed_options"]
    assert sorted(passed) == sorted(set(MIGRATIONS_ARGUMENT_SPEC) - DECIDED_BY_THE_ROLE)


def test_the_drain_passes_each_of_them():
    drain = next(task for task in _batch_tasks() if task["name"] == "Drain them")["virtops.libvirt.migrations"]
    passed = load("vars", "main.yml")["rolling_maintenance_passed_options"]
    assert set(drain) == set(passed) | {"hosts", "drain"}
    for name in passed:
        assert drain[name] == "{{ rolling_maintenance_migrations.%s | default(omit) }}" % name


def test_argument_spec_defaults_are_the_role_defaults():
    spec = load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load("defaults", "main.yml")
    required = set(name for name, option in spec.items() if option.get("required"))
    assert required == {"rolling_maintenance_hosts", "rolling_maintenance_tasks"}
    assert set(spec) - required == set(defaults)
    for name in defaults:
        assert spec[name]["default"] == defaults[name], name
