#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: disk
short_description: Attach, detach and grow a disk of a libvirt domain, live and persistent
version_added: 0.1.0
description:
  - Attaches a file, block device, pool volume, iSCSI LUN (QEMU's own initiator, with CHAP),
    Ceph RBD image (with cephx), file on an NFS server (QEMU's own NFS client, how NAS volumes
    reach instances), NBD export or image on a web or FTP server (read-only) to a domain - to the
    running domain and to its persistent definition, as the domain's state allows - or detaches it. A LUKS volume is opened with a
    passphrase from a libvirt secret (O(encryption)).
  - The disk's options are those of a disk in M(virtops.libvirt.domain)'s O(virtops.libvirt.domain#module:disks),
    built and compared the same way; a setting that is not given is not compared with an attached disk.
  - The disk is identified by its source, so a second run finds it attached and changes nothing.
    Without O(target), the next free name of the bus is used (C(vdb), C(vdc), ... or C(sdX)),
    chosen under a per-domain lock so concurrent runs do not collide.
  - A live detach waits for libvirt's device-removed event (the guest has to release the disk)
    and retries, as Nova does.
  - O(size_mb) grows an attached disk of a running domain (blockResize); a smaller size is
    refused, never applied.
  - The host-initiator iSCSI path (iscsiadm login and a block device) is not implemented; QEMU's
    initiator (O(iscsi)) needs no kernel support on the host.
  - Sheepdog volumes, which Nova once attached, cannot be attached - QEMU removed its sheepdog
    driver in 6.0; M(virtops.libvirt.domain) refuses a definition with one and says so.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
  - virtops.libvirt.disk
attributes:
  check_mode:
    support: full
    description: Reports what would be attached, detached or grown, without doing it.
  diff_mode:
    support: full
    description: Shows the disk XML that is attached or detached, and size changes.
options:
  domain:
    description: Name of the domain.
    type: str
    required: true
  state:
    description: V(present) attaches the disk, V(absent) detaches it (its data is never deleted).
    type: str
    default: present
    choices: [present, absent]
  live:
    description:
      - Attach to (or detach from) the running domain, when it runs.
      - With O(state=absent) and V(false), the running guest keeps the disk until it stops;
        only the persistent definition loses it.
    type: bool
    default: true
  persistent:
    description:
      - Attach to (or detach from) the persistent definition, when there is one.
      - With O(state=absent) and V(false), only the running guest loses the disk; the next
        start brings it back.
    type: bool
    default: true
  size_mb:
    description:
      - Grow the attached disk of a running domain to this size in MiB (needs O(live=true)).
      - Refused before anything is attached when the domain does not run.
    type: int
  timeout:
    description:
      - Seconds each live detach request may take, libvirt's own wait inside the request
        included, before the request is sent again (or the run gives up).
    type: int
    default: 30
  retries:
    description:
      - How many more times a live detach request is sent when the guest has not released the
        disk within O(timeout); V(0) sends one request. A run waits at most
        (O(retries) + 1) x O(timeout) seconds.
      - A run that gives up reports C(changed=true), since the guest may still release the disk later.
    type: int
    default: 2
seealso:
  - module: virtops.libvirt.secret
  - module: virtops.libvirt.domain
"""

EXAMPLES = r"""
- name: Attach an iSCSI LUN with CHAP to a running instance and its definition
  virtops.libvirt.disk:
    domain: web1
    iscsi:
      portal: 192.0.2.10:3260
      iqn: iqn.2026-11.com.example:storage.data1
      lun: 1
      chap_username: web1
      chap_secret_usage: iqn.2026-11.com.example:storage.data1
    serial: data1

- name: Attach an RBD image
  virtops.libvirt.disk:
    domain: web1
    rbd:
      pool: volumes
      image: web1-data
      monitors: [192.0.2.21, 192.0.2.22]
      user: libvirt
      secret_usage: client.libvirt secret
    bus: scsi
    serial: web1-data

- name: Grow it while the guest runs
  virtops.libvirt.disk:
    domain: web1
    rbd:
      pool: volumes
      image: web1-data
      monitors: [192.0.2.21, 192.0.2.22]
      user: libvirt
      secret_usage: client.libvirt secret
    bus: scsi
    serial: web1-data
    size_mb: 20480

- name: Attach a NAS volume (a file on an NFS export) on virtio-scsi unit 3, as QEMU's NFS client reaches it
  virtops.libvirt.disk:
    domain: web1
    nfs:
      server: nas1.example.com
      path: /export/volumes/volume-7.qcow2
    format: qcow2
    bus: scsi
    address:
      unit: 3
    serial: volume-7

- name: Attach a LUKS-encrypted volume; its passphrase is in a libvirt secret of usage volume
  virtops.libvirt.disk:
    domain: web1
    path: /var/lib/libvirt/images/secret-data.luks
    encryption:
      secret_usage: /var/lib/libvirt/images/secret-data.luks
    serial: secret-data

- name: Detach a file disk
  virtops.libvirt.disk:
    domain: web1
    path: /var/lib/libvirt/images/scratch.raw
    state: absent
"""

RETURN = r"""
source:
  description:
    - The disk's source as text (a path, C(pool/volume), C(iscsi://HOST:PORT/IQN/LUN), C(rbd://POOL/IMAGE),
      C(nfs://SERVER/PATH), C(nbd://HOST:PORT/EXPORT) or C(nbd+unix:///EXPORT?socket=PATH)).
  returned: always
  type: str
target:
  description: Target device name of the disk.
  returned: when the disk is or was attached
  type: str
  sample: vdb
attached:
  description: Where the disk is attached after the run (V(config), V(live)).
  returned: when O(state=present)
  type: list
  elements: str
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
size_mb:
  description: Size of the disk as the running domain sees it.
  returned: when O(size_mb) is given
  type: int
detach_attempts:
  description: How many live detach requests were sent (1 when the guest released the disk at once).
  returned: when the disk was detached from a running domain
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.disk import DISK_ARGUMENT_SPEC, DiskRunner


def main():
    run_module(AnsibleModule, DISK_ARGUMENT_SPEC, DiskRunner)


if __name__ == "__main__":
    main()
