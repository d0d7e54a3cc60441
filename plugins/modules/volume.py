#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: volume
short_description: Create, import, clone, format, grow and delete libvirt storage volumes
version_added: 0.1.0
description:
  - Creates a volume in an active pool - empty (sparse or fully allocated), as a qcow2
    copy-on-write overlay on a backing volume, as a clone of another volume, or from an image
    file on the host (uploaded through libvirt, so any pool type works).
  - Base-image cache in the manner of Nova's C(_base) directory - import each base image once
    into a cache pool under a name derived from its checksum, and give every instance a thin
    O(format=qcow2) overlay with O(backing_volume) pointing at it.
  - O(filesystem) formats a new raw volume (ext4 or vfat with a label, or swap), like Nova's
    C(disk.local) and C(disk.swap); this runs C(mkfs.ext4), C(mkfs.vfat) or C(mkswap) on the
    host and so needs a file-backed pool.
  - An existing volume is grown when O(capacity_mb) is larger; a smaller size, another format or
    another backing file is refused, never applied. A volume is deleted only with O(state=absent).
  - Imports and clones of large images take long - run them with C(async) and C(poll=0) and wait
    with M(ansible.builtin.async_status) (see the examples). O(timeout) bounds each. While an import
    runs, this module on the same pool and name in check mode reports how far it got
    (RV(allocation) of RV(capacity)); while a clone runs, any run for that volume fails saying it
    is still being built.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be created, grown or deleted.
  diff_mode:
    support: full
    description: Shows the definition of a new volume, or the size change.
options:
  pool:
    description: Name of the (active) pool.
    type: str
    required: true
  name:
    description: Name of the volume in the pool.
    type: str
    required: true
  state:
    description: V(present) or V(absent) (deletes the volume and its data).
    type: str
    default: present
    choices: [present, absent]
  capacity_mb:
    description:
      - Size in MiB. Needed to create an empty volume; an overlay gets at least its backing
        volume's size. A larger value grows an existing volume.
    type: int
  format:
    description: Volume format.
    type: str
    default: qcow2
    choices: [qcow2, raw]
  allocation:
    description: V(sparse) allocates on write; V(full) allocates the whole capacity at creation.
    type: str
    default: sparse
    choices: [sparse, full]
  backing_volume:
    description: Create a qcow2 overlay on this volume - a name in O(pool), or the path of a volume in any pool.
    type: str
  backing_format:
    description: Format of the backing volume; read from libvirt when not given.
    type: str
    choices: [qcow2, raw]
  clone_from:
    description: Create the volume as a copy of this volume of O(pool).
    type: str
  import_path:
    description:
      - Create the volume from this image file on the host the module runs on (O(format) is the file's format).
      - Where libvirtd writes the volume's file in a place this host sees too (a file-backed pool of a local
        libvirtd), the module proves it is the same file by writing a random token through libvirt and reading
        it back, then copies the image's data into it in the kernel and keeps its holes. Otherwise (a remote
        libvirtd, a block device, a libvirtd in another mount namespace) the bytes go through a libvirt stream.
    type: path
  filesystem:
    description: Make this filesystem on a new raw volume.
    type: str
    choices: [ext4, vfat, swap]
  label:
    description: Label of that filesystem (for example C(ephemeral0)); needs O(filesystem).
    type: str
  qcow2_compat:
    description:
      - qcow2 version of a new qcow2 volume (empty or an overlay) - V(1.1) (qcow2 v3, what
        C(qemu-img create) makes by default) or V(0.10) (qcow2 v2, for QEMU older than 1.1).
      - Not given, new volumes are V(1.1) (libvirt on its own asks for V(0.10)) and an existing
        volume's version is not compared. Given, an existing volume of another version fails the
        task - an image's version is not converted. Imports and clones keep their source's.
    type: str
    choices: ['1.1', '0.10']
  lazy_refcounts:
    description:
      - Create a new qcow2 volume with lazy refcounts (faster writes with C(cache=writethrough);
        after a crash the image needs a C(qemu-img check -r all) before use). Needs
        O(qcow2_compat=1.1).
      - Given, an existing volume is compared and a different setting fails the task.
    type: bool
  timeout:
    description:
      - Seconds an import (O(import_path)) or a clone (O(clone_from)) may take, at least 1.
      - An import that takes longer is stopped and its half-written volume removed; the task fails
        saying how many bytes had been sent or copied.
      - libvirt cannot stop a clone - the task fails when the time is up and libvirt finishes the
        clone in the background; until it has, a run for that volume fails saying it is still being
        built.
    type: int
    default: 3600
seealso:
  - module: virtops.libvirt.pool
  - module: virtops.libvirt.disk
"""

EXAMPLES = r"""
- name: Cache a base image once (named by its checksum)
  virtops.libvirt.volume:
    pool: base-images
    name: "debian-12-{{ image_sha256[:16] }}.qcow2"
    import_path: /srv/images/debian-12.qcow2
    format: qcow2

- name: The instance's root disk, a thin overlay on it
  virtops.libvirt.volume:
    pool: instances
    name: web1-disk
    backing_volume: "/var/lib/libvirt/base/debian-12-{{ image_sha256[:16] }}.qcow2"
    capacity_mb: 20480

- name: Ephemeral and swap disks
  virtops.libvirt.volume:
    pool: instances
    name: "web1-{{ item.name }}"
    format: raw
    capacity_mb: "{{ item.size }}"
    filesystem: "{{ item.fs }}"
    label: "{{ item.label }}"
  loop:
    - {name: disk.local, size: 10240, fs: ext4, label: ephemeral0}
    - {name: disk.swap, size: 1024, fs: swap, label: swap0}

- name: Import a large image in the background (the task returns at once)
  virtops.libvirt.volume:
    pool: base-images
    name: windows-2022.qcow2
    import_path: /srv/images/windows-2022.qcow2
    format: qcow2
    timeout: 7200
  async: 7200
  poll: 0
  register: image_import

- name: See how far it got (a read-only run of the same task)
  virtops.libvirt.volume:
    pool: base-images
    name: windows-2022.qcow2
    import_path: /srv/images/windows-2022.qcow2
    format: qcow2
  check_mode: true
  register: image_progress

- name: Wait for the import (its result is the module's result; it fails as the module would)
  ansible.builtin.async_status:
    jid: "{{ image_import.ansible_job_id }}"
  register: image_imported
  until: image_imported.finished
  retries: 720
  delay: 10
"""

RETURN = r"""
path:
  description: Path (or RBD name) of the volume.
  returned: when the volume exists after the run
  type: str
qcow2_compat:
  description: The qcow2 version of a qcow2 volume (V(1.1) for v3, V(0.10) for v2); null for raw.
  returned: when the volume exists after the run
  type: str
  sample: "1.1"
format:
  description: Volume format.
  returned: when the volume exists after the run
  type: str
capacity:
  description: Capacity in bytes.
  returned: when the volume exists after the run
  type: int
allocation:
  description: Allocated bytes (during an import, the bytes written so far).
  returned: when the volume exists after the run
  type: int
backing_chain:
  description: The backing files from the nearest to the base image, each with C(path) and C(format).
  returned: when the volume exists after the run
  type: list
  elements: dict
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.volume import VOLUME_ARGUMENT_SPEC, VolumeRunner


def main():
    run_module(AnsibleModule, VOLUME_ARGUMENT_SPEC, VolumeRunner)


if __name__ == "__main__":
    main()
