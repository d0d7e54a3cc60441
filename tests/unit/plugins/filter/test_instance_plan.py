# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance_plan filter: instances -> the items of the role's batches, checked before any change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.filter.instance_plan import instance_plan

# What ansible.builtin.to_uuid gives for these names (read from ansible-playbook 2.19).
TO_UUID = {"a": "9b6d1a0c-51b1-5093-93fc-cf09a700edff", "b": "90e6e322-37c4-54ed-86e1-98d46695381b"}
DEFAULTS = dict(state="running", pool="p", base_image=dict(name="base.qcow2", path="/srv/base.qcow2"), root_mb=0,
                ephemeral_mb=0, ephemeral_filesystem="ext4", swap_mb=0, config_drive=True,
                config_drive_type="openstack", config_drive_bus="sata", user_data="", public_keys={}, meta_data={},
                network_data={}, volumes=[], delete_disks=False, memory_mb=512, vcpus=1, virt_type="auto", cpu={},
                boot={}, interfaces=[], serial_console=dict(type="pty"), domain_options={})


def plan(*instances, **defaults):
    values = dict(DEFAULTS)
    values.update(defaults)
    return instance_plan(list(instances), values)


def test_two_instances_share_one_base_image():
    result = plan(dict(name="a"), dict(name="b", ephemeral_mb=64, swap_mb="32", root_mb=2048))
    assert result["names"] == ["a", "b"]
    assert result["base_images"] == [dict(pool="p", name="base.qcow2", import_path="/srv/base.qcow2", format="qcow2")]
    assert result["volumes"] == [
        dict(pool="p", name="a-disk", format="qcow2", backing_volume="base.qcow2"),
        dict(pool="p", name="b-disk", format="qcow2", backing_volume="base.qcow2", capacity_mb=2048),
        dict(pool="p", name="b-disk.local", format="raw", capacity_mb=64, filesystem="ext4", label="ephemeral0"),
        dict(pool="p", name="b-disk.swap", format="raw", capacity_mb=32, filesystem="swap", label="swap0"),
    ]
    domain_b = result["domains"][1]
    assert [disk.get("serial") or disk["device"] for disk in domain_b["disks"]] == ["root", "ephemeral0", "swap0", "cdrom"]
    assert domain_b["uuid"] == TO_UUID["b"] and domain_b["state"] == "running"
    assert "cpu" not in domain_b and "boot" not in domain_b  # empty: libvirt's default, not compared


def test_the_config_drive_carries_the_domains_uuid():
    result = plan(dict(name="a"), dict(name="b", uuid="0b5e3e2c-3c1a-4d0e-8c43-0c1f3e1a2b3c", hostname="bee"))
    assert [drive["instance_id"] for drive in result["config_drives"]] == [
        TO_UUID["a"], "0b5e3e2c-3c1a-4d0e-8c43-0c1f3e1a2b3c"]
    assert [drive["hostname"] for drive in result["config_drives"]] == ["a", "bee"]
    assert [domain["uuid"] for domain in result["domains"]] == [drive["instance_id"] for drive in result["config_drives"]]
    assert "network_data" not in result["config_drives"][0]


def test_without_base_image_the_root_disk_is_empty_qcow2():
    result = plan(dict(name="a"), base_image={})
    assert result["base_images"] == []
    assert result["volumes"] == [dict(pool="p", name="a-disk", format="qcow2", capacity_mb=1024)]


def test_absent_instances_are_removed_and_their_own_volumes_only_when_asked():
    result = plan(dict(name="a", state="absent"), dict(name="b", state="absent", delete_disks=True), dict(name="c"))
    assert result["domains"][:2] == [dict(name="a", state="absent"), dict(name="b", state="absent")]
    assert result["removed_volumes"] == [dict(pool="p", name="b" + suffix, state="absent")
                                         for suffix in ("-disk", "-disk.local", "-disk.swap", "-disk.config")]
    assert [volume["name"] for volume in result["volumes"]] == ["c-disk"]
    assert [drive["volume"] for drive in result["config_drives"]] == ["c-disk.config"]


def test_data_volumes_name_their_domain_and_domain_options_are_merged():
    result = plan(dict(name="a", volumes=[dict(pool="p", volume="a-data", size_mb=16)],
                       domain_options=dict(title="A", autostart=True)))
    assert result["disks"] == [dict(pool="p", volume="a-data", size_mb=16, domain="a")]
    assert result["domains"][0]["title"] == "A" and result["domains"][0]["autostart"] is True


@pytest.mark.parametrize("instances, message", [
    ([dict(name="a", colour="red")], "instance a: unknown keys colour; an instance takes name, uuid"),
    ([dict(memory_mb=1)], "instance #0: name is required (give instance_name for one instance"),
    ([dict(name="")], "name is required"),
    ([dict(name="a"), dict(name="a")], "instance_plan: a: named twice"),
    ([dict(name="a", state="paused")], "state must be one of running, shutoff, absent, got 'paused'"),
    ([dict(name="a", domain_options=dict(uri="x", name="y"))], "domain_options may hold arch, autostart"),
    ([dict(name="a", volumes=[dict(domain="b")])], "volumes[0]: each data volume takes the options of "
                                                   "virtops.libvirt.disk but domain and uri: address, blockio, boot_order, bus"),
    ([dict(name="a"), dict(name="b", base_image=dict(name="base.qcow2", path="/other"))],
     "base_image p/base.qcow2 is also given with another path or format (/srv/base.qcow2)"),
    ([dict(name="a", base_image=dict(name="x"))], "base_image needs name (the volume) and path"),
    ([dict(name="a", ephemeral_mb="lots")], "ephemeral_mb must be a number of MiB, got 'lots'"),
    ("a", "the instances must be a list of dicts"),
])
def test_bad_instances_are_refused_with_the_reason(instances, message):
    with pytest.raises(AnsibleFilterError) as error:
        plan(*instances) if isinstance(instances, list) else instance_plan(instances, DEFAULTS)
    assert message in str(error.value)


def test_missing_defaults_are_named():
    with pytest.raises(AnsibleFilterError) as error:
        instance_plan([dict(name="a")], dict(pool="p"))
    assert "no value for state, ephemeral_filesystem" in str(error.value)
