# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``instance_plan`` filter: the instance role's instances as the items of the plural modules.

The role provisions many instances with one task per step (base images, volumes, config drives,
domains, data volumes), each a batch. This filter turns the list of instances - each a dict of
the role's variables without the ``instance_`` prefix, over the role's own values - into those
batches, laid out the way Nova's libvirt driver lays out an instance's storage. It runs on the
controller and checks every key before any task changes anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.module_utils.runners.disk import DISK_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC

# ansible.builtin.to_uuid's namespace: an instance's UUID is the one "{{ name | to_uuid }}" gives,
# as the role's instance_uuid default is.
UUID_NAMESPACE_ANSIBLE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")

# What an instance may set (the role's variables without the instance_ prefix).
INSTANCE_KEYS = (
    "name", "uuid", "hostname", "state", "pool", "base_image", "root_mb", "ephemeral_mb",
    "ephemeral_filesystem", "swap_mb", "config_drive", "config_drive_type", "config_drive_bus",
    "user_data", "public_keys", "meta_data", "network_data", "volumes", "delete_disks", "memory_mb",
    "vcpus", "virt_type", "cpu", "boot", "interfaces", "serial_console", "domain_options",
)
STATES = ("running", "shutoff", "absent")
# Domain options the role never passes: remove_storage (instance_delete_disks deletes the role's
# own volumes instead), xml (the role builds the definition from its variables) and serials (the
# role's serial_console is the instance's serial port); and those it sets from its own variables.
NOT_PASSED_TO_DOMAIN = ("remove_storage", "xml", "serials")
SET_BY_THE_ROLE = ("name", "uuid", "state", "memory_mb", "vcpus", "virt_type", "cpu", "boot", "disks", "interfaces",
                   "serial_console")
# virtops.libvirt.domain options an instance's domain_options may hold: every other one, so that
# a new domain option reaches the role without being listed here.
DOMAIN_OPTIONS = tuple(sorted(set(DOMAIN_ARGUMENT_SPEC) - set(NOT_PASSED_TO_DOMAIN) - set(SET_BY_THE_ROLE)))
# virtops.libvirt.disk options a data volume may hold (the role sets domain; uri is the play's).
VOLUME_OPTIONS = tuple(sorted(set(DISK_ARGUMENT_SPEC) - set(["domain"])))
# The instance's own volumes, named after it as Nova names the files of an instance.
SUFFIXES = ("-disk", "-disk.local", "-disk.swap", "-disk.config")


def _fail(where, message):
    raise AnsibleFilterError("instance_plan: %s: %s" % (where, message))


def _unknown(keys, allowed):
    return sorted(str(key) for key in keys if key not in allowed)


# Keys the plan reads without a fallback: the role passes its own values for them as defaults.
NEEDED = ("state", "pool", "ephemeral_filesystem", "config_drive", "config_drive_type", "config_drive_bus",
          "memory_mb", "vcpus", "virt_type", "serial_console")


def _check_instance(where, instance):
    missing = [key for key in NEEDED if key not in instance]
    if missing:
        _fail(where, "no value for %s (the defaults give them: the instance role passes its own)" % ", ".join(missing))
    unknown = _unknown(instance, INSTANCE_KEYS)
    if unknown:
        _fail(where, "unknown keys %s; an instance takes %s" % (", ".join(unknown), ", ".join(INSTANCE_KEYS)))
    if not instance.get("name"):
        _fail(where, "name is required (give instance_name for one instance, or a name in each item of instance_list)")
    if instance["state"] not in STATES:
        _fail(where, "state must be one of %s, got %r" % (", ".join(STATES), instance["state"]))
    unknown = _unknown(instance.get("domain_options") or {}, DOMAIN_OPTIONS)
    if unknown:
        _fail(where, "domain_options may hold %s (the role sets the others from its own variables), not %s"
              % (", ".join(DOMAIN_OPTIONS), ", ".join(unknown)))
    for index, volume in enumerate(instance.get("volumes") or []):
        unknown = _unknown(volume, VOLUME_OPTIONS)
        if unknown:
            _fail(where, "volumes[%d]: each data volume takes the options of virtops.libvirt.disk but domain and "
                  "uri: %s, not %s" % (index, ", ".join(VOLUME_OPTIONS), ", ".join(unknown)))


def _size(instance, key):
    try:
        return int(instance.get(key) or 0)
    except (TypeError, ValueError):
        _fail(instance["name"], "%s must be a number of MiB, got %r" % (key, instance.get(key)))


def _own_volumes(instance):
    """Root (an overlay on the base image, or empty qcow2), ephemeral and swap, as volume items."""
    name, pool, base = instance["name"], instance["pool"], instance.get("base_image") or {}
    root = dict(pool=pool, name=name + "-disk", format="qcow2")
    if base:
        root["backing_volume"] = base["name"]
    if _size(instance, "root_mb") > 0:
        root["capacity_mb"] = _size(instance, "root_mb")
    elif not base:
        root["capacity_mb"] = 1024
    volumes = [root]
    if _size(instance, "ephemeral_mb") > 0:
        volumes.append(dict(pool=pool, name=name + "-disk.local", format="raw", capacity_mb=_size(instance, "ephemeral_mb"),
                            filesystem=instance["ephemeral_filesystem"], label="ephemeral0"))
    if _size(instance, "swap_mb") > 0:
        volumes.append(dict(pool=pool, name=name + "-disk.swap", format="raw", capacity_mb=_size(instance, "swap_mb"),
                            filesystem="swap", label="swap0"))
    return volumes


def _domain(instance, instance_uuid, own_volumes):
    """The domain item: its disks are ``own_volumes`` (serial: the filesystem label, root for the
    root disk) and the config drive on a CD-ROM."""
    name = instance["name"]
    disks = [dict(pool=volume["pool"], volume=volume["name"], format=volume["format"],
                  serial=volume.get("label", "root")) for volume in own_volumes]
    if instance["config_drive"]:
        disks.append(dict(pool=instance["pool"], volume=name + "-disk.config", format="raw", device="cdrom",
                          bus=instance["config_drive_bus"]))
    domain = dict(instance.get("domain_options") or {})
    domain.update(name=name, uuid=instance_uuid, state=instance["state"], memory_mb=instance["memory_mb"],
                  vcpus=instance["vcpus"], virt_type=instance["virt_type"], disks=disks,
                  interfaces=instance.get("interfaces") or [], serial_console=instance["serial_console"])
    for option in ("cpu", "boot"):
        if instance.get(option):
            domain[option] = instance[option]
    return domain


def _config_drive(instance, instance_uuid):
    drive = dict(pool=instance["pool"], volume=instance["name"] + "-disk.config", type=instance["config_drive_type"],
                 instance_id=instance_uuid, hostname=instance.get("hostname") or instance["name"],
                 user_data=instance.get("user_data") or "", public_keys=instance.get("public_keys") or {},
                 meta_data=instance.get("meta_data") or {})
    if instance.get("network_data"):
        drive["network_data"] = instance["network_data"]
    return drive


def instance_plan(instances, defaults=None):
    """``instances`` (dicts of role variables without the prefix) over ``defaults`` -> the items of
    each step: base_images, volumes, config_drives, domains, disks, removed_volumes, names."""
    if not isinstance(instances, list) or not all(isinstance(item, dict) for item in instances):
        raise AnsibleFilterError("instance_plan: the instances must be a list of dicts, got %r" % (instances,))
    plan = dict(base_images=[], volumes=[], config_drives=[], domains=[], disks=[], removed_volumes=[], names=[])
    bases = {}
    for index, item in enumerate(instances):
        instance = dict(defaults or {})
        instance.update(item)
        _check_instance("instance %s" % (item.get("name") or "#%d" % index), instance)
        name = instance["name"]
        if name in plan["names"]:
            _fail(name, "named twice in the list of instances")
        plan["names"].append(name)
        if instance["state"] == "absent":
            plan["domains"].append(dict(name=name, state="absent"))
            if instance.get("delete_disks"):
                plan["removed_volumes"].extend(dict(pool=instance["pool"], name=name + suffix, state="absent")
                                               for suffix in SUFFIXES)
            continue
        instance_uuid = instance.get("uuid") or str(uuid.uuid5(UUID_NAMESPACE_ANSIBLE, name))
        base = instance.get("base_image") or {}
        if base:
            if not base.get("name") or not base.get("path"):
                _fail(name, "base_image needs name (the volume) and path (the image file on the hypervisor)")
            cached = dict(pool=instance["pool"], name=base["name"], import_path=base["path"],
                          format=base.get("format") or "qcow2")
            key = (cached["pool"], cached["name"])
            if bases.setdefault(key, cached) != cached:
                _fail(name, "base_image %s/%s is also given with another path or format (%s)"
                      % (key + (bases[key]["import_path"],)))
        own_volumes = _own_volumes(instance)
        plan["volumes"].extend(own_volumes)
        if instance["config_drive"]:
            plan["config_drives"].append(_config_drive(instance, instance_uuid))
        plan["domains"].append(_domain(instance, instance_uuid, own_volumes))
        plan["disks"].extend(dict(volume, domain=name) for volume in instance.get("volumes") or [])
    plan["base_images"] = list(bases.values())
    return plan


class FilterModule(object):
    def filters(self):
        return dict(instance_plan=instance_plan)
