# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance role passes every option of the modules it drives, and only those.

Its tasks name each option (templated task arguments are unsafe in ansible-core 2.19), so a
module that gains an option must gain it here too: these tests say which one is missing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.virtops.libvirt.plugins.module_utils.runners.disk import DISK_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "instance")
# Domain options the role never passes: remove_storage (instance_delete_disks deletes the role's
# own volumes instead) and xml (the role builds the definition from its variables).
NOT_PASSED_TO_DOMAIN = {"remove_storage", "xml"}
# Domain options the role sets from its own variables.
# Modules whose arguments are one free-form string, where a template is the command line itself.
FREE_FORM = {"ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.debug"}
SET_BY_THE_ROLE = {"name", "uuid", "state", "memory_mb", "vcpus", "virt_type", "cpu", "boot", "disks",
                   "interfaces", "serial_console"}


def load_tasks(name):
    with open(os.path.join(ROLE, "tasks", name)) as handle:
        return yaml.safe_load(handle)


def task_named(tasks, start):
    return next(task for task in tasks if task["name"].startswith(start))


@pytest.fixture(scope="module")
def present():
    return load_tasks("present.yml")


def allowed(present, name):
    return set(task_named(present, "Check the options")["vars"][name])


def test_the_domain_task_passes_every_domain_option(present):
    passed = set(task_named(present, "Define the domain")["virtops.libvirt.domain"])
    assert passed == set(DOMAIN_ARGUMENT_SPEC) - NOT_PASSED_TO_DOMAIN


def test_instance_domain_options_are_the_options_the_role_does_not_set(present):
    assert allowed(present, "instance_other_domain_options") == \
        set(DOMAIN_ARGUMENT_SPEC) - NOT_PASSED_TO_DOMAIN - SET_BY_THE_ROLE


def test_the_disk_task_passes_every_disk_option(present):
    passed = set(task_named(present, "Attach the data volumes")["virtops.libvirt.disk"])
    assert passed == set(DISK_ARGUMENT_SPEC)
    assert allowed(present, "instance_volume_options") == set(DISK_ARGUMENT_SPEC) - {"domain"}


def tasks_in(node):
    """Every task of a playbook or task file, inside blocks too."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_in(item)
    elif isinstance(node, dict):
        if "name" in node or "block" in node:
            yield node
        for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
            yield from tasks_in(node.get(key))


def yaml_files_with_tasks():
    top = os.path.join(ROLE, "..", "..")
    for folder in ("roles", "playbooks", "extensions", os.path.join("tests", "integration", "targets")):
        for directory, _subdirs, files in os.walk(os.path.join(top, folder)):
            for name in sorted(files):
                if name.endswith(".yml") and os.path.basename(directory) in ("tasks", "playbooks", "instance"):
                    yield os.path.relpath(os.path.join(directory, name), top)


@pytest.mark.parametrize("path", sorted(yaml_files_with_tasks()))
def test_no_task_templates_its_whole_arguments(path):
    """ansible-core 2.19 warns that templated task arguments are unsafe; name every option instead."""
    with open(os.path.join(ROLE, "..", "..", path)) as handle:
        document = yaml.safe_load(handle)
    for task in tasks_in(document):
        for key, value in task.items():
            if key.startswith(("virtops.libvirt.", "ansible.builtin.")) and isinstance(value, str):
                assert "{{" not in value or key in FREE_FORM, (path, task.get("name"))


@pytest.mark.parametrize("file_name", ["present.yml", "absent.yml"])
def test_no_libvirt_task_sets_uri_so_module_defaults_decide(file_name):
    """A task's uri, even an omitted one, overrides module_defaults: main.yml sets instance_uri
    through a block's module_defaults instead."""
    for task in load_tasks(file_name):
        for key, value in task.items():
            if key.startswith("virtops.libvirt."):
                assert "uri" not in value, task["name"]


def test_instance_uri_reaches_the_modules_through_module_defaults():
    by_uri, by_play = load_tasks("main.yml")
    assert by_uri["when"] == "instance_uri is defined"
    assert by_uri["module_defaults"] == {"group/virtops.libvirt.libvirt": {"uri": "{{ instance_uri }}"}}
    assert by_play["when"] == "instance_uri is undefined"
    assert "module_defaults" not in by_play
