#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: secret
short_description: Manage libvirt secrets - cephx keys, iSCSI CHAP passwords, volume passphrases
version_added: 0.1.0
description:
  - Defines a libvirt secret for a usage (C(ceph), C(iscsi) or C(volume)) and sets its value.
  - The value is C(no_log), never returned, never shown in a diff and never put on a command
    line; it reaches libvirt only through virSecretSetValue.
  - Idempotent - the value is set only when it differs from the stored one.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports whether the definition or the value would change, without changing them.
  diff_mode:
    support: full
    description: Shows the usage, description and whether the value changes - never the value.
options:
  usage:
    description: What the secret is for.
    type: str
    required: true
    choices: [ceph, iscsi, volume]
  usage_id:
    description:
      - The name disks and pools refer to the secret by - for V(ceph) a name such as
        C(client.libvirt secret), for V(iscsi) the target IQN or any unique name, for V(volume)
        the volume's path.
    type: str
    required: true
  uuid:
    description: UUID of the secret; libvirt generates one when not given.
    type: str
  description:
    description: Free-form description.
    type: str
  value:
    description:
      - The secret value. Not changed when not given.
      - A cephx key as C(ceph auth get-key) prints it (base64); a CHAP password as text.
    type: str
  value_encoding:
    description:
      - How O(value) is written. V(auto) is V(base64) for O(usage=ceph) and V(text) otherwise;
        libvirt stores the decoded bytes.
    type: str
    default: auto
    choices: [auto, text, base64]
  private:
    description:
      - A private secret's value cannot be read back through libvirt's API, so it cannot be
        compared - it is set when the secret is created and again only with
        O(rewrite_private_value=true).
    type: bool
    default: false
  rewrite_private_value:
    description: Set the value of an existing private secret (reported as a change every time).
    type: bool
    default: false
  state:
    description: V(absent) undefines the secret (disks and pools that refer to it stop working).
    type: str
    default: present
    choices: [present, absent]
notes:
  - Ansible itself prints loop items (with C(-v) the whole item, values included); do not loop
    over secret values, or set C(no_log) on such a task.
seealso:
  - module: virtops.libvirt.disk
"""

EXAMPLES = r"""
- name: The cephx key libvirt uses for RBD disks
  virtops.libvirt.secret:
    usage: ceph
    usage_id: client.libvirt secret
    value: "{{ ceph_client_libvirt_key }}"
  register: ceph_secret

- name: A CHAP password for an iSCSI target
  virtops.libvirt.secret:
    usage: iscsi
    usage_id: iqn.2026-11.com.example:storage.data1
    value: "{{ chap_password }}"
"""

RETURN = r"""
uuid:
  description: UUID of the secret (what disks and pools can refer to).
  returned: when O(state=present)
  type: str
  sample: 1d9e3d1a-2c7b-4f4e-9c33-0b8f0b1c2a77
usage:
  description: The usage type.
  returned: always
  type: str
usage_id:
  description: The usage name.
  returned: always
  type: str
value_changed:
  description: Whether the value was (or in check mode would be) set.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.secret import SECRET_ARGUMENT_SPEC, SecretRunner


def main():
    run_module(AnsibleModule, SECRET_ARGUMENT_SPEC, SecretRunner)


if __name__ == "__main__":
    main()
