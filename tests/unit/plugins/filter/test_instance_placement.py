# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the instance role puts each instance when it is given several hypervisors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtops.libvirt.plugins.filter.instance_placement import instance_placement


def facts(uri, hostname, memory_mb=4096, domains=(), maintenance=None):
    """As the role registers them: the domain_info loop result with its loop variable."""
    host = dict(hostname=hostname, memory_mb=memory_mb, free_memory_mb=memory_mb, maintenance=maintenance)
    return dict(instance_hypervisor=dict(uri=uri), host=host, domains=list(domains))


def web(name, **extra):
    item = dict(name=name, domain_options=dict(metadata=dict(anti_affinity="web")))
    item.update(extra)
    return item


def test_new_instances_spread_anti_affinity_honoured_existing_ones_stay():
    web1 = dict(name="web1", memory_mb=512, state="running", metadata=dict(anti_affinity="web"))
    fleet = [facts("qemu:///a", "a", domains=[web1]),
             facts("qemu:///b", "b"), facts("qemu:///c", "c", memory_mb=2048)]
    placed = instance_placement([web("web1"), web("web2"), web("web3"), dict(name="db")], fleet,
                                dict(memory_mb=1024, state="running"), reserve_mb=512)
    # equal memory: db, web2, web3 by name; db to b (most left), web2 to b (a holds web1), web3 to c
    assert placed == {"qemu:///a": [web("web1")], "qemu:///b": [dict(name="db"), web("web2")],
                      "qemu:///c": [web("web3")]}
    again = instance_placement([web("web1"), web("web2")], fleet, dict(memory_mb=1024), reserve_mb=512)
    assert again == instance_placement([web("web1"), web("web2")], fleet, dict(memory_mb=1024), reserve_mb=512)


def test_maintenance_and_a_fourth_member_that_has_no_place():
    fleet = [facts("qemu:///a", "a"), facts("qemu:///b", "b", maintenance=dict(reason="bios"))]
    with pytest.raises(AnsibleFilterError) as caught:
        instance_placement([web("web1"), web("web2")], fleet, dict(memory_mb=256))
    assert str(caught.value) == ("instance_placement: no hypervisor can take web2 (a holds web1 of web2's "
                                 "anti-affinity group web; b is in maintenance (bios)); nothing was created")


def test_an_instance_to_remove_is_removed_where_it_is_and_nowhere_else():
    fleet = [facts("qemu:///a", "a"), facts("qemu:///b", "b", domains=[dict(name="old", memory_mb=256, state="shutoff")])]
    placed = instance_placement([dict(name="old", state="absent"), dict(name="gone", state="absent")], fleet, {})
    assert placed == {"qemu:///a": [], "qemu:///b": [dict(name="old", state="absent")]}


def test_bad_facts_are_refused():
    with pytest.raises(AnsibleFilterError, match="no hypervisor to place the instances on"):
        instance_placement([dict(name="x")], [], {})
    with pytest.raises(AnsibleFilterError, match="x is defined on a and b"):
        instance_placement([dict(name="x")], [facts("u1", "a", domains=[dict(name="x")]),
                                              facts("u2", "b", domains=[dict(name="x")])], {})
    with pytest.raises(AnsibleFilterError, match="instance #0 has no name"):
        instance_placement([dict()], [facts("u1", "a")], {})
