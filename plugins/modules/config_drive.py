#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: config_drive
short_description: Build an OpenStack config-2 or NoCloud cidata config drive for an instance
version_added: 0.1.0
description:
  - Builds the image cloud-init reads at first boot, as Nova's config drive does - either an
    OpenStack C(config-2) drive (C(openstack/latest/meta_data.json), C(user_data),
    C(network_data.json), C(vendor_data.json), injected files under C(openstack/content/)) or a
    NoCloud C(cidata) drive (C(meta-data), C(user-data), C(network-config), C(vendor-data)).
  - The image is ISO 9660 with Joliet names (the default, like Nova's) or FAT16 with long names
    (O(filesystem=vfat)). It is written in Python by this collection - no genisoimage, mkisofs or
    mkfs.vfat is needed on the host.
  - Byte-for-byte deterministic - every timestamp in the image is fixed - so an unchanged drive is
    left alone and reported unchanged.
  - Written to a file on the hypervisor (O(path)) or to a raw volume of a libvirt pool
    (O(pool) and O(volume)), through libvirt's streams, so a drive can live in any pool, Ceph
    RBD included.
  - An existing file or volume is replaced (or with O(state=absent) deleted) only if it is empty
    or already a config drive image (an ISO 9660 or FAT16 filesystem labelled C(config-2),
    C(cidata), their upper-case forms or O(label)), unless O(force=true).
  - Attach the drive as a CD-ROM (or disk) with M(virtops.libvirt.domain) or M(virtops.libvirt.disk).
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Builds the image in memory and reports whether it differs, without writing it.
  diff_mode:
    support: full
    description: Lists the label and every file with its size and SHA-256 prefix, before and after - never the contents.
options:
  path:
    description:
      - File on the hypervisor to write the image to, as an absolute path. Its directory must exist.
      - The file is replaced atomically, so a guest that has the old drive open keeps reading it.
      - O(mode), O(owner) and O(group) apply to it. Without O(mode), a new file is created
        C(0600) (readable by its owner only, as user data often carries passwords) and a replaced
        file keeps its mode.
      - Exactly one of O(path) and O(volume) is needed.
    type: path
  pool:
    description: Active libvirt pool to keep the image in, as the raw volume O(volume).
    type: str
  volume:
    description:
      - Name of the raw volume in O(pool) that holds the image. It is created, or rebuilt when
        the image size changes. O(uri) selects the libvirt daemon.
    type: str
  state:
    description: V(present) builds the drive; V(absent) deletes the file or volume.
    type: str
    default: present
    choices: [present, absent]
  type:
    description:
      - V(openstack) - an OpenStack config drive (cloud-init's ConfigDrive datasource).
      - V(nocloud) - a NoCloud seed (cloud-init's NoCloud datasource).
    type: str
    default: openstack
    choices: [openstack, nocloud]
  filesystem:
    description: V(iso9660) (ISO 9660 with Joliet names) or V(vfat) (FAT16 with long names, at least 8 MiB).
    type: str
    default: iso9660
    choices: [iso9660, vfat]
  label:
    description:
      - Volume label. Defaults to C(config-2) for V(openstack) and C(cidata) for V(nocloud),
        the labels cloud-init looks for.
      - At most 16 printable characters for ISO 9660, 11 for FAT.
    type: str
  instance_id:
    description:
      - The instance's identity - C(uuid) in OpenStack meta data, C(instance-id) in NoCloud
        meta data. cloud-init runs its once-per-instance steps again when it changes.
      - Required with O(state=present); usually the domain's UUID.
    type: str
  hostname:
    description: Host name - C(hostname) and C(name) in OpenStack meta data, C(local-hostname) in NoCloud.
    type: str
  public_keys:
    description: SSH public keys by name (C(public_keys) in OpenStack, the C(public-keys) list in NoCloud).
    type: dict
  meta_data:
    description:
      - More meta data, merged over the keys built from the options above (so it can override them).
      - Written as sorted, indented JSON (NoCloud's YAML reader accepts JSON).
    type: dict
    default: {}
  user_data:
    description:
      - User data, as is - a C(#cloud-config) document, a script or a MIME multipart. NoCloud
        drives always carry a C(user-data) file, empty when this is not given.
      - Treated as a secret (C(no_log)) because cloud-config often carries passwords - its content
        is never shown in results or diffs, only its size and digest.
    type: str
  network_data:
    description:
      - Network configuration - OpenStack C(network_data.json) (links, networks, services), or
        for NoCloud the C(network-config) document (cloud-init network config version 1 or 2).
    type: dict
  vendor_data:
    description:
      - Vendor data. For V(openstack) it is written as C(vendor_data.json); for V(nocloud) a string
        is written as is and a dictionary as a C(#cloud-config) document.
      - Treated as a secret (C(no_log)), as O(user_data) is.
    type: raw
  files:
    description:
      - Files for the guest (Nova's injected files), V(openstack) only - stored under
        C(openstack/content/) and listed in C(meta_data.json)'s C(files).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path of the file in the guest.
        type: str
        required: true
      content:
        description: Its content (text); C(no_log), like O(user_data).
        type: str
        required: true
  force:
    description:
      - Replace or delete the file or volume even if it holds something that is not a config drive image.
    type: bool
    default: false
  timeout:
    description:
      - Seconds the upload of the image into O(volume) may take, at least 1 (a drive on a remote or
        slow pool). One that takes longer is stopped, its half-written volume removed, and the task
        fails saying how many bytes had been sent. Not used with O(path).
    type: int
    default: 300
notes:
  - The O(uri) option is used only with O(pool) and O(volume); a drive written to O(path) needs no libvirt connection.
seealso:
  - name: cloud-init ConfigDrive datasource
    description: The layout cloud-init reads from an OpenStack config drive.
    link: https://cloudinit.readthedocs.io/en/latest/reference/datasources/configdrive.html
  - name: cloud-init NoCloud datasource
    description: The files cloud-init reads from a C(cidata) drive.
    link: https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html
"""

EXAMPLES = r"""
- name: OpenStack config drive for web1, next to its disks
  virtops.libvirt.config_drive:
    path: /var/lib/libvirt/images/web1/disk.config
    instance_id: "{{ web1.uuid }}"
    hostname: web1
    public_keys:
      ops: "{{ lookup('file', 'ops.pub') }}"
    user_data: |
      #cloud-config
      packages: [nginx]
    network_data:
      links:
        - {id: eth0, type: phy, ethernet_mac_address: "52:54:00:12:34:56"}
      networks:
        - {id: net0, link: eth0, type: ipv4, ip_address: 192.0.2.10, netmask: 255.255.255.0}
    files:
      - path: /etc/motd
        content: "Provisioned by Ansible\n"
    mode: "0644"

- name: NoCloud seed on vfat, kept in a Ceph RBD pool
  virtops.libvirt.config_drive:
    pool: rbd-instances
    volume: db1-cidata
    type: nocloud
    filesystem: vfat
    instance_id: db1
    hostname: db1
    user_data: "{{ lookup('template', 'db1-cloud-config.yml.j2') }}"

- name: Attach the drive as a read-only CD-ROM when defining the instance
  virtops.libvirt.domain:
    name: web1
    disks:
      - {path: /var/lib/libvirt/images/web1/disk.qcow2, format: qcow2}
      - {path: /var/lib/libvirt/images/web1/disk.config, device: cdrom, bus: sata}

- name: Remove the drive once the instance is gone
  virtops.libvirt.config_drive:
    path: /var/lib/libvirt/images/web1/disk.config
    state: absent
"""

RETURN = r"""
path:
  description: The image file, or the volume's path in its pool.
  returned: success, when the file or volume exists
  type: str
  sample: /var/lib/libvirt/images/web1/disk.config
pool:
  description: The pool holding the image.
  returned: with O(pool)
  type: str
volume:
  description: The volume holding the image.
  returned: with O(volume)
  type: str
label:
  description: Volume label of the image.
  returned: state is present
  type: str
  sample: config-2
filesystem:
  description: Filesystem of the image.
  returned: state is present
  type: str
  sample: iso9660
size:
  description: Size of the image in bytes.
  returned: state is present
  type: int
  sample: 71680
sha256:
  description: SHA-256 of the image; equal parameters give an equal digest.
  returned: state is present
  type: str
files:
  description: Paths of the files on the drive.
  returned: state is present
  type: list
  elements: str
  sample: [openstack/latest/meta_data.json, openstack/latest/user_data]
state:
  description: What is at RV(path) now, as the file module says it - V(file) or V(absent).
  returned: when RV(path) is returned
  type: str
  sample: file
mode:
  description: Permissions of the file at RV(path).
  returned: when RV(path) is a local file
  type: str
  sample: "0644"
owner:
  description: Owner of the file at RV(path).
  returned: when RV(path) is a local file
  type: str
group:
  description: Group of the file at RV(path).
  returned: when RV(path) is a local file
  type: str
uid:
  description: Owner's user ID.
  returned: when RV(path) is a local file
  type: int
gid:
  description: Group's ID.
  returned: when RV(path) is a local file
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.config_drive import CONFIG_DRIVE_ARGUMENT_SPEC, ConfigDriveRunner


def main():
    run_module(AnsibleModule, CONFIG_DRIVE_ARGUMENT_SPEC, ConfigDriveRunner)


if __name__ == "__main__":
    main()
