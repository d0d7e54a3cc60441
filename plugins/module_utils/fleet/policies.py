# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration policies: named sets of migrate options chosen for each guest of a fleet move by its
name or its ``virtops`` metadata (as KubeVirt's MigrationPolicy selects VMs by labels), so that a
drain gives a database the controls it needs and a web server its own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

POLICY_OPTIONS = dict(
    name=dict(type="str", required=True),
    instances=dict(type="list", elements="str", default=[]),
    metadata=dict(type="dict", default={}),
    migrate_options=dict(type="dict", default={}),
)


def check_policies(policies):
    """Refuse a policy that selects every guest by accident (no selector) or a name given twice."""
    seen = set()
    for index, policy in enumerate(policies):
        if not policy["instances"] and not policy["metadata"]:
            raise VirtopsError("policies[%d] (%s): give instances (name patterns) or metadata (keys and values of "
                               "the guest's virtops metadata) to say which guests it is for; for every guest, "
                               "use migrate_options" % (index, policy["name"]))
        if policy["name"] in seen:
            raise VirtopsError("policies[%d]: the name %s is given twice" % (index, policy["name"]))
        seen.add(policy["name"])


def matching_policy(policies, name, metadata):
    """The first policy (in order) whose ``instances`` patterns match ``name`` - where it has any -
    and whose ``metadata`` the guest's ``metadata`` holds, every key with the same value; or None."""
    metadata = metadata or {}
    for policy in policies:
        if policy["instances"] and not any(fnmatch.fnmatchcase(name, pattern) for pattern in policy["instances"]):
            continue
        if any(str(metadata.get(key)) != str(value) or key not in metadata
               for key, value in policy["metadata"].items()):
            continue
        return policy
    return None
