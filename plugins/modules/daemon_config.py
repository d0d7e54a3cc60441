#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: daemon_config
short_description: Set keys in libvirt's daemon configuration files (virtqemud.conf, qemu.conf, libvirtd.conf, ...)
version_added: 0.1.0
description:
  - Writes settings into the files libvirt's daemons read at start - C(libvirtd.conf), the modular
    daemons' C(virtqemud.conf), C(virtproxyd.conf), ..., C(qemu.conf), C(qemu-lockd.conf),
    C(virtlogd.conf), C(virtlockd.conf) - key by key, in libvirt's syntax. Everything else in a
    file (comments, the packaged examples, other settings) stays as it is.
  - A key's first entry is the one libvirt reads (names compared without regard to case); it is
    rewritten, a value that spans lines (a list) included. Later entries of the same key, which
    libvirt ignores, become comments. A key with no entry replaces its packaged example
    (C(#key = ...)), or is added at the end of the file.
  - A value is compared as libvirt reads it (C([ "a" ]) and C(["a"]) are the same), so a file
    edited by hand is not rewritten for spacing.
  - Each file is read once and written once, through a temporary file beside it (a daemon starting
    meanwhile reads the old file or the new one), keeping its owner and mode.
  - The daemons read their files only when they start - restart or reload them afterwards (the
    result's RV(changed_files) says which changed);
    the C(virtops.libvirt.hypervisor) role does this, and puts the files back when a daemon refuses them.
  - Talks to no libvirt daemon; runs on the host whose files it changes.
author:
  - virtops.libvirt developers (@virtops)
attributes:
  check_mode:
    support: full
    description: Reads the files and reports what would change, without writing them.
  diff_mode:
    support: full
    description:
      - Each changed file before and after, with the values of secret settings (O(settings[].secret_value), and
        keys whose names contain C(password) or C(secret)) shown as C((hidden)).
options:
  config_dir:
    description: The directory of libvirt's configuration files.
    type: path
    default: /etc/libvirt
  settings:
    description:
      - The settings, each a key of one file. A later setting of the same file and key wins.
    type: list
    elements: dict
    required: true
    suboptions:
      file:
        description:
          - The file's name in O(config_dir), such as C(virtqemud.conf) or C(qemu.conf) - a plain name ending
            in C(.conf), no path.
          - A file that does not exist is refused, unless it is in O(create_files).
        type: str
        required: true
      key:
        description: The setting's name (letters, digits and C(_)), such as C(max_clients).
        type: str
        required: true
      value:
        description:
          - The value. A string is taken as the file writes it - C(1), C('"0.0.0.0"') (a string in double
            quotes), C('["a", "b"]') (a list); a number, a boolean (written C(1) or C(0)) or a list of strings
            is written in that syntax.
          - Exactly one of O(settings[].value) and O(settings[].secret_value) is needed.
        type: raw
      secret_value:
        description:
          - A value that is a secret (C(vnc_password), C(spice_password)), given as O(settings[].value) is; never
            logged, returned or shown in a diff. A file made for it is C(0600).
        type: raw
  create_files:
    description:
      - Files of O(settings) that may be made when they do not exist, such as C(qemu-lockd.conf) (which
        some libvirt packages do not install). A new file is C(0644), or C(0600) when it holds a secret.
    type: list
    elements: str
    default: []
notes:
  - libvirt's packages install the daemons' files; a missing one (other than in O(create_files)) means the daemon
    that reads it is not installed, and is refused rather than made.
seealso:
  - name: libvirt's daemons
    description: The modular daemons and the files each reads.
    link: https://libvirt.org/daemons.html
"""

EXAMPLES = r"""
- name: TLS listener of libvirtd (virtproxyd.conf with the modular daemons), and QEMU's migration stream over TLS
  virtops.libvirt.daemon_config:
    settings:
      - {file: libvirtd.conf, key: listen_tls, value: 1}
      - {file: libvirtd.conf, key: tls_allowed_dn_list, value: ["CN=hv1.example.com", "CN=hv2.example.com"]}
      - {file: qemu.conf, key: migrate_tls_x509_verify, value: 1}
      - {file: qemu.conf, key: migration_address, value: '"10.10.0.1"'}
  register: written

- name: Say that libvirtd must restart to take them
  ansible.builtin.debug:
    msg: "Restart libvirtd: {{ written.changed_files | intersect(['libvirtd.conf', 'qemu.conf']) | join(', ') }} changed"
  when: written.changed_files | length > 0

- name: The lock manager's settings, in a file older libvirt packages do not install
  virtops.libvirt.daemon_config:
    settings:
      - {file: qemu.conf, key: lock_manager, value: '"lockd"'}
      - {file: qemu-lockd.conf, key: file_lockspace_dir, value: '"/var/lib/libvirt/lockd/files"'}
    create_files: [qemu-lockd.conf]

- name: A VNC password, never shown
  virtops.libvirt.daemon_config:
    settings:
      - file: qemu.conf
        key: vnc_password
        secret_value: '"{{ vault_vnc_password }}"'
"""

RETURN = r"""
changed_files:
  description: The files this run changed (or would change, in check mode), by name.
  returned: always
  type: list
  elements: str
  sample: [qemu.conf, virtproxyd.conf]
changes:
  description:
    - Each setting that changed - C(file), C(key), C(before) (the value libvirt read, as written; null when the
      file had none) and C(after). Secret values are C((hidden)).
  returned: always
  type: list
  elements: dict
  sample: [{file: virtproxyd.conf, key: listen_tls, before: null, after: "1"}]
actions:
  description: What was done, one C(write <file>) per changed file.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.daemon_config import (
    DAEMON_CONFIG_ARGUMENT_SPEC, DaemonConfigRunner,
)


def main():
    run_module(AnsibleModule, DAEMON_CONFIG_ARGUMENT_SPEC, DaemonConfigRunner)


if __name__ == "__main__":
    main()
