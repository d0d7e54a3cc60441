# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance role passes every option of the modules it drives, and only those.

The role's steps are batches whose items the ``instance_plan`` filter builds; a module that gains
an option must be reachable through the role too: these tests say which one is missing. Every
item the filter makes is validated against the module's own argument spec.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.virtops.libvirt.plugins.filter.instance_plan import (
    DOMAIN_OPTIONS, INSTANCE_KEYS, NOT_PASSED_TO_DOMAIN, SET_BY_THE_ROLE, VOLUME_OPTIONS, instance_plan,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.config_drive import (
    CONFIG_DRIVE_ARGUMENT_RULES, CONFIG_DRIVE_ARGUMENT_SPEC,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.disk import DISK_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.volume import VOLUME_ARGUMENT_SPEC

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "instance")
# Modules whose arguments are one free-form string, where a template is the command line itself.
FREE_FORM = {"ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.debug"}
# Role variables that are not per instance.
ROLE_WIDE = {"instance_list", "instance_workers", "instance_uri", "instance_hypervisors", "instance_memory_reserve_mb",
             "instance_placement_objective"}


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def load_tasks(name):
    return load("tasks", name)


def test_domain_options_are_the_options_the_role_does_not_set():
    # what the role sets is what its domain item holds (besides the options passed through)
    plan = instance_plan([dict(name="a", state="running", pool="default", ephemeral_filesystem="ext4",
                               config_drive=False, config_drive_type="iso9660", config_drive_bus="sata",
                               memory_mb=256, vcpus=1, virt_type="qemu", serial_console=dict(type="pty"))])
    assert set(plan["domains"][0]) <= set(SET_BY_THE_ROLE) | set(DOMAIN_OPTIONS)
    assert set(DOMAIN_OPTIONS) == set(DOMAIN_ARGUMENT_SPEC) - set(NOT_PASSED_TO_DOMAIN) - set(SET_BY_THE_ROLE)
    assert {"title", "tpm", "hostdevs"} <= set(DOMAIN_OPTIONS) and not {"name", "xml", "disks"} & set(DOMAIN_OPTIONS)


def test_a_data_volume_takes_every_disk_option_but_domain():
    assert set(VOLUME_OPTIONS) == set(DISK_ARGUMENT_SPEC) - {"domain"}


def test_every_role_variable_is_an_instance_key_and_a_default():
    options = set(load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"])
    assert options - ROLE_WIDE == set("instance_" + key for key in INSTANCE_KEYS)
    defaults = load("vars", "main.yml")["instance_defaults"]
    assert set(defaults) == set(INSTANCE_KEYS) - {"name", "uuid", "hostname"}
    for key, value in defaults.items():
        assert "instance_" + key in value  # each default is the role variable of that name


def role_defaults():
    """The role's defaults as the plan gets them (templates resolved by hand for the test)."""
    values = load("defaults", "main.yml")
    return dict((key[len("instance_"):], values[key]) for key in values
                if key.startswith("instance_") and key[len("instance_"):] in INSTANCE_KEYS
                and key not in ("instance_uuid", "instance_hostname"))


def validate(spec, items, **rules):
    validator = ArgumentSpecValidator(spec, **rules)
    for item in items:
        result = validator.validate(dict(item))
        assert result.error_messages == [], (item, result.error_messages)


def test_every_planned_item_is_valid_for_its_module():
    defaults = role_defaults()
    defaults.update(base_image=dict(name="base.qcow2", path="/srv/base.qcow2"), ephemeral_mb=64, swap_mb=32,
                    cpu=dict(mode="host-model"), boot=dict(kernel="/k"), interfaces=[dict(network="n")],
                    domain_options=dict(title="t", autostart=True, machine="pc"), network_data=dict(links=[]))
    plan = instance_plan([dict(name="a", volumes=[dict(pool="p", volume="v", serial="data")]),
                          dict(name="b", state="absent", delete_disks=True)], defaults)
    validate(VOLUME_ARGUMENT_SPEC, plan["base_images"] + plan["volumes"] + plan["removed_volumes"])
    validate(CONFIG_DRIVE_ARGUMENT_SPEC, plan["config_drives"], **CONFIG_DRIVE_ARGUMENT_RULES)
    validate(DOMAIN_ARGUMENT_SPEC, plan["domains"])
    assert set(plan["domains"][0]) == set(SET_BY_THE_ROLE) | {"title", "autostart", "machine"}
    assert plan["disks"] == [dict(pool="p", volume="v", serial="data", domain="a")]


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


def test_no_libvirt_task_sets_uri_so_module_defaults_decide():
    """A task's uri, even an omitted one, overrides module_defaults: main.yml sets instance_uri
    through a block's module_defaults instead."""
    for task in load_tasks("instances.yml"):
        for key, value in task.items():
            if key.startswith("virtops.libvirt."):
                assert "uri" not in value, task["name"]


def test_instance_uri_reaches_the_modules_through_module_defaults():
    _refusal, _placed, by_uri, by_play = load_tasks("main.yml")
    assert by_uri["when"] == "instance_uri is defined"
    assert by_uri["module_defaults"] == {"group/virtops.libvirt.libvirt": {"uri": "{{ instance_uri }}"}}
    assert by_play["when"] == "instance_uri is undefined and instance_hypervisors | length == 0"
    assert "module_defaults" not in by_play


def test_each_hypervisor_reaches_the_modules_through_module_defaults():
    [block] = load_tasks("on_hypervisor.yml")
    assert block["module_defaults"] == {"group/virtops.libvirt.libvirt": {"uri": "{{ instance_hypervisor.uri }}"}}
    assert block["block"][0]["ansible.builtin.include_tasks"] == {"file": "instances.yml"}
