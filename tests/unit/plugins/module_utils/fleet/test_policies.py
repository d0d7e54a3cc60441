# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration policies: which one selects a guest, by name pattern and metadata, first match wins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.policies import check_policies, matching_policy


def policy(name, instances=(), metadata=None, **options):
    return dict(name=name, instances=list(instances), metadata=metadata or {}, migrate_options=options)


POLICIES = [
    policy("databases", metadata={"role": "database"}, strategy="auto", post_copy=True),
    policy("web-eu", instances=["web-*"], metadata={"zone": "eu"}, bandwidth_mib=256),
    policy("web", instances=["web-*", "proxy-?"], bandwidth_mib=128),
]


@pytest.mark.parametrize("name, metadata, chosen", [
    ("db-1", {"role": "database"}, "databases"),
    ("web-1", {"role": "database"}, "databases"),  # the first that selects it
    ("web-1", {"zone": "eu"}, "web-eu"),
    ("web-1", {"zone": "us"}, "web"),  # metadata must match when the policy has some
    ("web-1", None, "web"),
    ("proxy-1", {}, "web"),
    ("proxy-12", {}, None),
    ("db-2", {"role": "cache"}, None),
])
def test_the_first_policy_that_selects_a_guest_is_its_own(name, metadata, chosen):
    found = matching_policy(POLICIES, name, metadata)
    assert (found["name"] if found else None) == chosen


def test_metadata_values_compare_as_text_and_a_missing_key_does_not_match():
    numbered = [policy("tier-1", metadata={"tier": 1})]
    assert matching_policy(numbered, "a", {"tier": "1"})["name"] == "tier-1"
    assert matching_policy([policy("none", metadata={"tier": "None"})], "a", {}) is None


@pytest.mark.parametrize("policies, message", [
    ([policy("all")], r"policies\[0\] \(all\): give instances .* or metadata"),
    ([policy("a", instances=["x"]), policy("a", instances=["y"])], r"policies\[1\]: the name a is given twice"),
])
def test_a_policy_without_a_selector_or_a_repeated_name_is_refused(policies, message):
    with pytest.raises(VirtopsError, match=message):
        check_policies(policies)
