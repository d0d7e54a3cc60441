# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors DISK_OPTIONS in plugins/module_utils/guest/disks.py: the options of one disk, as the
    # disk module takes them. The domain module's disks[] suboptions say the same (each reference
    # O(X) written O(disks[].X) there); tests/unit/plugins/modules/test_documented_options.py keeps
    # the two texts equal.
    DOCUMENTATION = r"""
options:
  path:
    description:
      - Image file or block device on the host (must exist). A block device gives a
        C(type=block) disk.
      - Through a remote URI the path cannot be looked at from here - a pool volume with that
        path says whether it is a block device, else a path under C(/dev/) is one and any other
        path a file.
      - In M(virtops.libvirt.domain), a V(cdrom) without a source is an empty drive, so media
        in it is ejected, from a running guest too.
    type: path
  path_type:
    description:
      - What O(path) is - V(file) or V(block) - where the host cannot say or should not be asked
        (a block device outside C(/dev), such as a multipath or LVM link elsewhere; or a path that
        appears only when the guest starts).
      - When not given, the path on the host says; a path that is something else than given is refused.
    type: str
    choices: [file, block]
  iscsi:
    description: An iSCSI LUN in the definition, reached by QEMU's own initiator (as M(virtops.libvirt.disk) takes it).
    type: dict
    suboptions:
      portal:
        description: Target portal as C(HOST) or C(HOST:PORT) (port 3260 by default).
        type: str
        required: true
      iqn:
        description: Target IQN.
        type: str
        required: true
      lun:
        description: LUN number.
        type: int
        default: 0
      chap_username:
        description: CHAP user name.
        type: str
      chap_secret_usage:
        description: Usage id of the libvirt secret (usage C(iscsi)) holding the CHAP password.
        type: str
      chap_secret_uuid:
        description: UUID of that secret, instead of O(iscsi.chap_secret_usage).
        type: str
  rbd:
    description: A Ceph RBD image in the definition (as M(virtops.libvirt.disk) takes it).
    type: dict
    suboptions:
      pool:
        description: Ceph pool.
        type: str
        required: true
      image:
        description: RBD image name.
        type: str
        required: true
      monitors:
        description: Monitor addresses as C(HOST) or C(HOST:PORT) (port 6789 by default).
        type: list
        elements: str
        required: true
      user:
        description: Ceph user without the C(client.) prefix, for example C(libvirt).
        type: str
      secret_usage:
        description: Usage id of the libvirt secret (usage C(ceph)) holding the user's key.
        type: str
      secret_uuid:
        description: UUID of that secret, instead of O(rbd.secret_usage).
        type: str
  nfs:
    description:
      - A file on an NFS server in the definition, opened by QEMU's own NFS client (libnfs, NFSv3) -
        nothing is mounted on the host. This is how NAS volumes (NetApp and others) reach instances.
      - The export must let the host in; the server's portmapper and mountd are asked for the ports.
    type: dict
    suboptions:
      server:
        description: NFS server, a host name or an address (no port).
        type: str
        required: true
      path:
        description: Absolute path of the file on the server, the export's path followed by the file's, for example C(/export/volumes/volume-1.qcow2).
        type: str
        required: true
      user:
        description: User (name or C(+UID)) QEMU acts as towards the server; the QEMU process's user when not given.
        type: str
      group:
        description: Group (name or C(+GID)) QEMU acts as towards the server.
        type: str
  nbd:
    description: An NBD export (for example of C(qemu-nbd)) in the definition, on a TCP server or a UNIX socket.
    type: dict
    suboptions:
      server:
        description: NBD server as C(HOST) or C(HOST:PORT) (port 10809 by default).
        type: str
      socket:
        description: Path of the NBD server's UNIX socket, instead of O(nbd.server).
        type: path
      export:
        description: Export name; the server's default export when not given.
        type: str
      tls:
        description: Whether QEMU talks TLS to the server (libvirt's C(nbd_tls) certificates).
        type: bool
  url:
    description:
      - An image on a web or FTP server, C(SCHEME://HOST[:PORT]/PATH[?QUERY]) with scheme
        C(http), C(https), C(ftp) or C(ftps), read by QEMU's curl driver (as Nova attaches an ISO
        from an image service). The disk is read-only.
      - No user or password in the URL - libvirt would keep them where anyone who can read the
        definition sees them.
    type: str
  encryption:
    description:
      - The disk is a LUKS container that QEMU opens with the passphrase of a libvirt secret of
        usage C(volume) (see M(virtops.libvirt.secret)), as Nova opens encrypted volumes. The
        passphrase itself never appears here.
    type: dict
    suboptions:
      format:
        description: Encryption format.
        type: str
        default: luks
        choices: [luks]
      secret_usage:
        description: Usage id (the volume path) of the libvirt secret holding the passphrase.
        type: str
      secret_uuid:
        description: UUID of that secret, instead of O(encryption.secret_usage).
        type: str
  address:
    description:
      - Where the disk sits, pinned instead of chosen by libvirt. A virtio disk takes O(address.pci);
        a scsi, sata or ide disk takes drive numbers (Nova gives each virtio-scsi disk its O(address.unit)).
      - Only the numbers given are compared.
    type: dict
    suboptions:
      pci:
        description: PCI address of a virtio disk, such as C(0000:00:0a.0).
        type: str
      controller:
        description: Index of the disk's controller.
        type: int
      bus:
        description: Bus on that controller.
        type: int
      target:
        description: Target on that bus.
        type: int
      unit:
        description: Unit number (a virtio-scsi controller has units 0 to 16383).
        type: int
  pool:
    description: Storage pool of the volume to use instead of O(path).
    type: str
  volume:
    description: Volume name in O(pool).
    type: str
  device:
    description:
      - V(disk), V(cdrom) (a CD-ROM may have no source, an empty drive) or V(lun), which passes
        the guest's SCSI commands to an iSCSI LUN or a block device (needs bus V(scsi)).
    type: str
    default: disk
    choices: [disk, cdrom, lun]
  wwn:
    description: World wide name the guest sees (16 hex digits; bus V(scsi) or V(ide)).
    type: str
  iotune:
    description:
      - I/O limits of the disk (Nova's C(quota:disk_*) flavor extra specs); a total limit excludes the read and write ones.
      - A running guest gets changed limits at once, without a restart (limits not given keep their values).
    type: dict
    suboptions:
      total_bytes_sec:
        description: Bytes per second, reads and writes together (0 lifts the limit).
        type: int
      read_bytes_sec:
        description: Bytes read per second (0 lifts the limit).
        type: int
      write_bytes_sec:
        description: Bytes written per second (0 lifts the limit).
        type: int
      total_iops_sec:
        description: I/O operations per second, reads and writes together (0 lifts the limit).
        type: int
      read_iops_sec:
        description: Read operations per second (0 lifts the limit).
        type: int
      write_iops_sec:
        description: Write operations per second (0 lifts the limit).
        type: int
  blockio:
    description: Block sizes the guest sees.
    type: dict
    suboptions:
      logical_block_size:
        description: Logical block size in bytes.
        type: int
        choices: [512, 4096]
      physical_block_size:
        description: Physical block size in bytes (not below the logical one).
        type: int
        choices: [512, 4096]
  bus:
    description:
      - Bus; V(virtio) for disks and V(sata) for CD-ROMs when not given.
      - V(scsi) adds a virtio-scsi controller when the domain has no SCSI controller (libvirt
        would add an LSI one guests may lack drivers for).
      - V(ide) exists only on the C(pc) (i440fx) machine; it is what guests without AHCI or
        virtio-scsi drivers can read a CD-ROM (a config drive) from. V(sata) needs AHCI in the guest.
        Neither V(ide) nor V(sata) disks can be attached to a running guest.
    type: str
    choices: [virtio, scsi, sata, ide]
  target:
    description: Target device name as the guest is told, for example C(vdb).
    type: str
  format:
    description: Image format (the driver's C(type)). libvirt probes nothing; give it for qcow2.
    type: str
    choices: [qcow2, raw]
  cache:
    description: Cache mode.
    type: str
    choices: [none, writethrough, writeback, directsync, unsafe]
  io:
    description: I/O mode.
    type: str
    choices: [native, threads, io_uring]
  discard:
    description: Whether discard requests reach the image.
    type: str
    choices: [unmap, ignore]
  serial:
    description: Serial number the guest sees (for example in C(/sys/block/vdX/serial)).
    type: str
  readonly:
    description: Read-only disk; read-write when not given (and then not compared with an attached disk).
    type: bool
  shareable:
    description: Disk shared with other domains; not shared when not given (and then not compared with an attached disk).
    type: bool
  boot_order:
    description: Per-device boot order (instead of O(virtops.libvirt.domain#module:boot.devices)).
    type: int
  packed:
    description:
      - Packed virtqueues (virtio 1.1) for a virtio disk, as Nova's C(hw:virtio_packed_ring)
        asks; QEMU 6.0 or later, and the guest must support them.
    type: bool
"""
