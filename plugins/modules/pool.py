#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pool
short_description: Manage libvirt storage pools (dir, logical, rbd, iscsi, iscsi-direct, netfs)
version_added: 0.1.0
description:
  - Defines a storage pool, builds it when new (a C(dir) pool's directory; other types only
    with O(build=true), since building can format devices), starts or stops it, sets autostart
    and refreshes it.
  - An existing pool's definition is updated in place; an active pool is restarted to apply it
    (restarting a pool leaves its volumes alone). Its type cannot change.
  - O(state=absent) stops and undefines the pool; its volumes and storage are deleted only with
    O(delete_storage=true).
  - C(rbd) pools authenticate with cephx and C(iscsi) and C(iscsi-direct) pools with CHAP through
    a libvirt secret (M(virtops.libvirt.secret)). Pool backends are loaded when libvirtd starts - install
    C(libvirt-daemon-driver-storage-rbd) or C(-iscsi-direct) before starting it.
  - C(iscsi-direct) uses libvirt's built-in initiator (libiscsi, as QEMU's own iSCSI disks do).
    C(iscsi) is the host-initiator path, like Nova's default iSCSI connector - libvirt logs in
    with C(iscsiadm) and the LUNs become block devices under O(target_path); it needs open-iscsi
    (C(iscsiadm), C(iscsid) running) and the kernel module C(iscsi_tcp) on the hypervisor, and a
    start failure says which of these is missing. Attach its volumes with M(virtops.libvirt.disk).
  - C(logical) and C(netfs) pools need LVM device mapper and NFS in the host kernel, and C(iscsi)
    needs the kernel's iSCSI initiator; this collection's tests run on a kernel without them and
    so cover these three types only up to their clear start failure (C(iscsi)) or not at all.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be defined, changed, started or removed.
  diff_mode:
    support: full
    description: Shows the definition of a new or removed pool, or the changed fields.
options:
  name:
    description: Name of the pool.
    type: str
    required: true
  type:
    description: Pool type; needed to define a pool, not to change the state of an existing one.
    type: str
    choices: [dir, logical, rbd, iscsi, iscsi-direct, netfs]
  state:
    description: V(active) (defined and started), V(inactive) (defined, stopped) or V(absent).
    type: str
    default: active
    choices: [active, inactive, absent]
  target_path:
    description:
      - Directory of a C(dir) pool, mount point of a C(netfs) pool, where an C(iscsi) pool's
        LUNs appear (default C(/dev/disk/by-path)).
    type: path
  hosts:
    description:
      - Source hosts as C(HOST) or C(HOST:PORT) - Ceph monitors for C(rbd) (port 6789), the
        portal for C(iscsi) and C(iscsi-direct) (port 3260), the NFS server for C(netfs).
    type: list
    elements: str
  source_path:
    description: The target IQN for C(iscsi) and C(iscsi-direct), the export for C(netfs), a device for C(logical).
    type: str
  source_name:
    description: Ceph pool name for C(rbd), volume group for C(logical).
    type: str
  source_format:
    description: Source format, for example C(nfs) for C(netfs) or C(lvm2) for C(logical).
    type: str
  initiator_iqn:
    description: Initiator IQN libvirt logs in with (C(iscsi-direct), required; C(iscsi), optional - the host's own by default).
    type: str
  auth_username:
    description: Ceph user (without C(client.)) or CHAP user name.
    type: str
  auth_secret_usage:
    description: Usage id of the libvirt secret with the cephx key or CHAP password.
    type: str
  auth_secret_uuid:
    description: UUID of that secret, instead of O(auth_secret_usage).
    type: str
  build:
    description: Build a new pool of another type than C(dir) (may format its devices).
    type: bool
    default: false
  autostart:
    description: Start the pool when libvirtd starts.
    type: bool
  refresh:
    description: Rescan the pool's volumes (for volumes made outside libvirt).
    type: bool
    default: false
  delete_storage:
    description: With O(state=absent), delete the pool's volumes and its storage too.
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.volume
  - module: virtops.libvirt.secret
"""

EXAMPLES = r"""
- name: A directory pool for instance disks
  virtops.libvirt.pool:
    name: instances
    type: dir
    target_path: /var/lib/libvirt/instances
    autostart: true

- name: A Ceph RBD pool with cephx
  virtops.libvirt.pool:
    name: volumes
    type: rbd
    hosts: [192.0.2.21, 192.0.2.22]
    source_name: volumes
    auth_username: libvirt
    auth_secret_usage: client.libvirt secret
"""

RETURN = r"""
type:
  description: Pool type.
  returned: when the pool exists after the run
  type: str
active:
  description: Whether the pool is started.
  returned: when the pool exists after the run
  type: bool
autostart:
  description: Whether the pool starts with libvirtd.
  returned: when the pool exists after the run
  type: bool
target_path:
  description: Target path of the pool.
  returned: when the pool exists after the run
  type: str
capacity:
  description: Capacity in bytes (0 when inactive).
  returned: when the pool exists after the run
  type: int
allocation:
  description: Allocated bytes.
  returned: when the pool exists after the run
  type: int
available:
  description: Available bytes.
  returned: when the pool exists after the run
  type: int
volumes:
  description: Names of the pool's volumes (when active).
  returned: when the pool exists after the run
  type: list
  elements: str
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.pool import POOL_ARGUMENT_SPEC, PoolRunner


def main():
    run_module(AnsibleModule, POOL_ARGUMENT_SPEC, PoolRunner)


if __name__ == "__main__":
    main()
