#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: domain
short_description: Define, update and run libvirt domains (instances) declaratively
version_added: 0.1.0
description:
  - Defines a libvirt domain from typed options (no XML needed) or from raw XML, updates an
    existing definition in place, and moves the domain to the wanted run state.
  - Only the options you give are compared with the existing definition; everything libvirt
    added (PCI addresses, aliases, default controllers, generated MACs, security labels) is kept,
    so MACs, the UUID and device addresses stay stable across runs.
  - On a running domain, what can change live is applied live (current memory through the
    balloon, current vCPUs, CD-ROM media, disk I/O limits, the console password, title,
    description and metadata, and a NIC added to O(interfaces), which is hot-plugged); other
    changes go into the persistent definition and the result says RV(needs_restart=true) and
    names them in RV(restart_fields). A NIC the running guest refuses (no free PCI slot, say)
    stays in the definition, waits for the restart the same way, and a warning says why.
  - Every state change waits until libvirt reports the target state, or fails after O(timeout)
    saying which state the domain is in.
  - Before anything is defined, the definition is checked against libvirt's own RelaxNG schema
    where it is installed on the host the module runs on (C(/usr/share/libvirt/schemas)); a
    definition it refuses fails naming the element, and where it can the attribute, at fault. A
    domain whose existing definition does not fit the schema either is not checked.
author:
  - virtops.libvirt developers (@virtops)
extends_documentation_fragment:
  - virtops.libvirt.attributes.action_group
  - virtops.libvirt.connection
  - virtops.libvirt.kvm_probe
attributes:
  check_mode:
    support: full
    description: Reports exactly what a real run would change, without changing anything.
  diff_mode:
    support: full
    description: >-
      Shows changed fields of an existing definition as C(path: value) lines, or the whole
      XML when a domain is created, removed or given as O(xml).
options:
  name:
    description: Name of the domain.
    type: str
    required: true
  state:
    description:
      - V(present) defines (or updates) the domain and leaves its run state alone.
      - V(running) starts it (restoring a managed save if there is one) or resumes it.
      - V(shutoff) shuts it down gracefully (ACPI), waits up to O(timeout), then powers it off
        only if O(force=true). A saved domain is restored and then shut down, so no guest
        memory is thrown away silently.
      - V(paused) suspends it (starting it paused if it is off).
      - V(saved) does a managed save of a running or paused domain; V(running) restores it
        running, also when it was saved while paused (the saved image is told to resume).
        A domain that does not exist yet cannot be V(saved) (refused before it is defined).
      - A run that finds another run (or the guest) already brought the domain where it was
        going (concurrent runs on one name) goes on from there instead of failing.
      - V(absent) powers it off and undefines it, with managed-save images, snapshot and
        checkpoint metadata and NVRAM. Disk images are kept unless O(remove_storage=true).
    type: str
    default: present
    choices: [present, running, shutoff, paused, saved, absent]
  xml:
    description:
      - A whole domain XML to define, as an escape hatch for what the typed options do not
        cover. Mutually exclusive with the typed definition options.
      - The domain's name in the XML must equal O(name).
      - A network disk with protocol C(sheepdog) is refused before anything is defined - QEMU
        removed its sheepdog driver in 6.0, so such a domain could never start.
      - In check mode only the elements this collection models are compared, and only those the
        document has (an element it leaves out is libvirt's to fill in).
      - On an existing domain, a document without C(<uuid>) keeps the domain's UUID and an
        interface without C(<mac>) keeps the MAC of the next existing interface no C(<mac>) of the
        document names, so running the same document again changes nothing.
      - A DOCTYPE (with entity declarations) is refused, since libvirt drops the declarations
        and keeps the references, which leaves a definition no XML parser reads.
    type: str
  uuid:
    description:
      - UUID of the domain. libvirt generates one when not given. A UUID that belongs to
        another domain, or a different UUID for an existing domain, is refused.
    type: str
  title:
    description: Short title of the domain (shown by C(virsh list --title)).
    type: str
  description:
    description: Free-form description of the domain.
    type: str
  memory_mb:
    description:
      - Maximum memory in MiB. Required to create a domain. A change needs a restart.
      - More than the host's memory is refused (such a domain defines, but cannot start).
      - When O(current_memory_mb) was never set (the guest had all of its memory), the current
        memory follows this value; it never stays above it.
    type: int
  current_memory_mb:
    description:
      - Memory the guest gets now (balloon target) in MiB, at most O(memory_mb).
      - Applied live to a running domain.
    type: int
  max_memory_mb:
    description:
      - The memory the guest may grow to with memory devices (libvirt's C(<maxMemory>)), in MiB; given
        with O(memory_slots). Needs O(cpu.numa) - libvirt plugs memory into a guest NUMA node.
      - A change needs a restart.
    type: int
  memory_slots:
    description: The slots for memory devices below O(max_memory_mb); each of O(memory_devices) takes one.
    type: int
  vcpus:
    description:
      - Maximum number of virtual CPUs. A new domain gets 1 when not given.
      - A change needs a restart.
    type: int
  current_vcpus:
    description:
      - vCPUs online now, at most O(vcpus). Applied live (CPU hot-plug) to a running domain.
    type: int
  virt_type:
    description:
      - V(kvm) or V(qemu) (TCG, software emulation), as in Nova's C(virt_type).
      - V(auto) uses KVM only when a probe shows that it really runs a guest on this host (a
        kernel is booted under KVM and must print its banner, see O(kvm_probe_kernel)); a
        present C(/dev/kvm) is not enough, and where no boot can be tried (remote URI, no
        kernel image) the domain gets V(qemu). The verdict is cached until reboot in
        C(/run/virtops-libvirt/kvm-probe.json) and returned as RV(kvm_probe).
      - V(auto) decides only when the domain is created; an existing domain keeps its type
        unless V(kvm) or V(qemu) is given.
    type: str
    default: auto
    choices: [kvm, qemu, auto]
  arch:
    description: Guest architecture, for example C(x86_64). libvirt's default is the host's.
    type: str
  machine:
    description:
      - Machine type, for example C(pc) or C(q35). libvirt's default when not given.
      - A defined domain keeps its machine family (i440fx or q35); a change to the other family
        is refused, in check mode too, since libvirt refuses the PCI controllers of the old one.
    type: str
  firmware:
    description: Firmware; V(uefi) lets libvirt pick an OVMF image (needs the C(ovmf) package).
    type: str
    choices: [bios, uefi]
  uefi:
    description:
      - UEFI firmware (implies O(firmware=uefi)). libvirt picks installed firmware that has the
        features asked for (its firmware autoselection, as Nova does), or uses O(uefi.loader).
      - O(uefi.secure_boot=true) turns on SMM (O(features.smm)), which secure boot needs; it needs
        a q35 machine (O(machine)). It is also written as the loader's C(secure) flag, with or
        without O(uefi.loader), as Nova writes it.
    type: dict
    suboptions:
      secure_boot:
        description: Firmware with (V(true)) or without (V(false)) secure boot.
        type: bool
      enrolled_keys:
        description:
          - Firmware whose variables have Microsoft's keys enrolled, so secure boot is enforced; V(false)
            leaves it in setup mode, where any image boots. Needs secure boot.
        type: bool
      loader:
        description:
          - A firmware image to use instead of autoselection (read-only pflash). The definition then
            names the image and asks libvirt for no autoselection (libvirt 9.0 refuses a loader path
            beside C(firmware='efi')); O(uefi.secure_boot) says whether the image has secure boot, and
            the variables come from O(uefi.nvram_template) (else the template libvirt pairs with the
            image in C(qemu.conf)'s C(nvram) list or the firmware descriptors).
          - Cannot be combined with O(uefi.enrolled_keys), a property libvirt selects firmware by.
        type: path
      nvram:
        description:
          - Where the domain's NVRAM (its UEFI variables) is kept on the host, instead of libvirt's
            C(/var/lib/libvirt/qemu/nvram/NAME_VARS.fd).
        type: path
      nvram_template:
        description:
          - The variables template the domain's NVRAM is copied from on first start, with O(uefi.loader);
            with firmware autoselection libvirt copies the one that belongs to the firmware it picks
            (libvirt 9.0 refuses another).
        type: path
      stateless:
        description: Firmware without NVRAM (variables are not kept between boots).
        type: bool
  boot:
    description: How the domain boots.
    type: dict
    suboptions:
      kernel:
        description: Kernel image for direct kernel boot (must exist on the host).
        type: path
      initrd:
        description: Initial ramdisk for direct kernel boot; needs O(boot.kernel).
        type: path
      cmdline:
        description: Kernel command line for direct kernel boot; needs O(boot.kernel).
        type: str
      devices:
        description: Boot order of device classes, for example C([hd, cdrom]) (C(fd) is a floppy drive).
        type: list
        elements: str
        choices: [hd, cdrom, network, fd]
      menu:
        description: Show the firmware's boot menu (C(<bootmenu enable>)).
        type: bool
      menu_timeout:
        description: Milliseconds the boot menu waits (0 to 65535); needs O(boot.menu=true).
        type: int
  cpu:
    description:
      - Guest CPU, as Nova's C(cpu_mode). Applying a change needs a restart.
    type: dict
    suboptions:
      mode:
        description:
          - V(host-model) copies the host CPU model and features (migratable).
          - V(host-passthrough) gives the guest the host CPU as it is (not migratable to
            different hosts).
          - V(custom) uses O(cpu.model) and O(cpu.features).
          - V(none) leaves the CPU to the hypervisor's default; on a domain with a CPU model,
            the model, its features and its check are removed (topology and NUMA cells stay).
        type: str
        required: true
        choices: [host-model, host-passthrough, custom, none]
      model:
        description:
          - Named CPU model for V(custom), for example C(qemu64) or C(Nehalem).
          - A model the hypervisor cannot run with O(cpu.features) (checked with libvirt's
            compareHypervisorCPU for the domain's virt_type) is refused before anything
            changes, naming the missing features and the usable models.
          - The output of M(virtops.libvirt.cpu_baseline) can be given as O(cpu) as it is.
        type: str
      models:
        description:
          - Ordered list of models for V(custom), as Nova's C(cpu_models) - the first one the
            hypervisor can run with O(cpu.features) is used. Mutually exclusive with
            O(cpu.model).
        type: list
        elements: str
      fallback:
        description:
          - Whether libvirt may fall back to a close model. Defaults to V(forbid) for
            V(custom).
        type: str
        choices: [allow, forbid]
      vendor:
        description:
          - The vendor the V(custom) model must be of, as libvirt names it (C(Intel), C(AMD)); the
            guest does not start on a host of another vendor.
        type: str
      features:
        description: CPU feature flags with their policy (Nova's C(cpu_model_extra_flags)).
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Feature name, for example C(vmx) or C(pcid).
            type: str
            required: true
          policy:
            description: libvirt's feature policy.
            type: str
            default: require
            choices: [require, disable, force, optional, forbid]
      check:
        description:
          - How strictly libvirt checks that the guest gets the CPU asked for - V(none), V(partial)
            (before start) or V(full) (also what QEMU gave). Not given, libvirt chooses.
        type: str
        choices: [none, partial, full]
      topology:
        description: Sockets, cores and threads; their product must equal O(vcpus).
        type: dict
        suboptions:
          sockets:
            description: Number of sockets.
            type: int
            required: true
          cores:
            description: Cores per socket.
            type: int
            required: true
          threads:
            description: Threads per core.
            type: int
            required: true
      numa:
        description:
          - The guest's NUMA cells, in order (cell ids 0, 1, ...); the list replaces the domain's
            cells. Each vCPU belongs to one cell, and the cells' memory must add up to O(memory_mb).
          - A change of O(cpu) that does not give O(cpu.numa) keeps the domain's cells.
        type: list
        elements: dict
        suboptions:
          cpus:
            description: The cell's vCPUs in libvirt's set syntax, for example C(0-1) or C(0,2).
            type: str
            required: true
          memory_mb:
            description: The cell's memory in MiB.
            type: int
            required: true
          mem_access:
            description: Whether the cell's memory is shared with the host (vhost-user needs V(shared)).
            type: str
            choices: [shared, private]
          discard:
            description: Discard the cell's memory when the guest frees it (file-backed memory).
            type: bool
      maxphysaddr:
        description: The guest's physical address bits.
        type: dict
        suboptions:
          mode:
            description: V(passthrough) gives the host's bits (at most O(cpu.maxphysaddr.bits)); V(emulate) exactly O(cpu.maxphysaddr.bits).
            type: str
            required: true
            choices: [passthrough, emulate]
          bits:
            description: Number of bits, 32 to 52; needed with V(emulate).
            type: int
  features:
    description:
      - Platform features. A new domain gets ACPI and APIC when not given; they are needed for
        graceful shutdown and disk hot-plug.
    type: dict
    suboptions:
      acpi:
        description: ACPI.
        type: bool
      apic:
        description: APIC.
        type: bool
      pae:
        description: Physical address extension (32-bit guests with more than 4 GiB).
        type: bool
      pmu:
        description: The virtual performance monitoring unit on or off.
        type: bool
      vmport:
        description: VMware's I/O port on or off (Nova turns it off).
        type: bool
      smm:
        description: System management mode; UEFI secure boot needs it (q35).
        type: bool
      kvm_hidden:
        description: Hide the KVM signature from the guest (C(<kvm><hidden state='on'/></kvm>)).
        type: bool
      ioapic:
        description: Which I/O APIC emulation serves the guest.
        type: str
        choices: [kvm, qemu]
      hyperv:
        description:
          - Hyper-V enlightenments for Windows guests, as Nova sets them (C(<hyperv mode='custom'>)).
            Only those given are compared.
        type: dict
        suboptions:
          relaxed:
            description: The C(relaxed) enlightenment on or off.
            type: bool
          vapic:
            description: The C(vapic) enlightenment on or off.
            type: bool
          vpindex:
            description: The C(vpindex) enlightenment on or off.
            type: bool
          runtime:
            description: The C(runtime) enlightenment on or off.
            type: bool
          synic:
            description: The C(synic) enlightenment on or off.
            type: bool
          stimer:
            description: The C(stimer) enlightenment on or off.
            type: bool
          reset:
            description: The C(reset) enlightenment on or off.
            type: bool
          frequencies:
            description: The C(frequencies) enlightenment on or off.
            type: bool
          reenlightenment:
            description: The C(reenlightenment) enlightenment on or off.
            type: bool
          tlbflush:
            description: The C(tlbflush) enlightenment on or off.
            type: bool
          ipi:
            description: The C(ipi) enlightenment on or off.
            type: bool
          evmcs:
            description: The C(evmcs) enlightenment on or off.
            type: bool
          spinlocks_retries:
            description: Spinlock retries before the guest tells the hypervisor (at least 4095); turns spinlocks on.
            type: int
          vendor_id:
            description: Hyper-V vendor id the guest sees (1 to 12 characters).
            type: str
  disks:
    description:
      - Disks and CD-ROM drives. Each is matched to the existing definition by its target
        device name; when O(disks[].target) is not given, names are assigned in list order per
        bus (C(vda), C(vdb), ... for virtio; C(sda), ... for scsi and sata; C(hda), ... for ide).
      - Disks of the existing definition that are not listed are kept unless
        O(devices_exclusive=true). Disk images are never deleted by this option.
    type: list
    elements: dict
    suboptions:
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
          - What O(disks[].path) is - V(file) or V(block) - where the host cannot say or should not be asked
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
            description: UUID of that secret, instead of O(disks[].iscsi.chap_secret_usage).
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
            description: UUID of that secret, instead of O(disks[].rbd.secret_usage).
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
            description: Path of the NBD server's UNIX socket, instead of O(disks[].nbd.server).
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
            description: UUID of that secret, instead of O(disks[].encryption.secret_usage).
            type: str
      address:
        description:
          - Where the disk sits, pinned instead of chosen by libvirt. A virtio disk takes O(disks[].address.pci);
            a scsi, sata or ide disk takes drive numbers (Nova gives each virtio-scsi disk its O(disks[].address.unit)).
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
        description: Storage pool of the volume to use instead of O(disks[].path).
        type: str
      volume:
        description: Volume name in O(disks[].pool).
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
  interfaces:
    description:
      - Network interfaces. Each is matched by O(interfaces[].mac); without a MAC, by its
        position among the domain's interfaces, and libvirt's generated MAC is kept.
      - Interfaces of the existing definition that are not listed are kept unless
        O(devices_exclusive=true).
      - An interface added while the domain runs is hot-plugged into the running guest, as libvirt
        defined it (with the MAC it generated where none is given); removing or changing one
        needs a restart.
    type: list
    elements: dict
    suboptions:
      network:
        description:
          - libvirt network to connect to (must exist). Each interface takes exactly one of
            O(interfaces[].network), O(interfaces[].bridge), O(interfaces[].direct),
            O(interfaces[].ethernet), O(interfaces[].vhostuser) and O(interfaces[].hostdev).
        type: str
      bridge:
        description: Host bridge to connect to (a tap device in it).
        type: str
      direct:
        description: A macvtap device on a host NIC.
        type: dict
        suboptions:
          dev:
            description: The host NIC.
            type: str
            required: true
          mode:
            description: macvtap mode.
            type: str
            default: vepa
            choices: [vepa, bridge, private, passthrough]
      ethernet:
        description: V(true) for a plain tap device (named by O(interfaces[].target_dev)) that libvirt connects to nothing.
        type: bool
      vhostuser:
        description: A vhost-user port of a userspace switch (DPDK); needs shared guest memory (O(cpu.numa) with V(shared) or O(memory_backing)).
        type: dict
        suboptions:
          path:
            description: The switch's UNIX socket.
            type: path
            required: true
          mode:
            description: Whether QEMU connects to the socket (V(client)) or listens on it (V(server)).
            type: str
            default: client
            choices: [client, server]
      hostdev:
        description: An SR-IOV virtual function passed to the guest (Nova's direct/hostdev ports).
        type: dict
        suboptions:
          pci:
            description: The VF's PCI address, C(0000:03:00.1) or C(03:00.1).
            type: str
            required: true
          managed:
            description: Let libvirt detach the VF from its host driver and back.
            type: bool
            default: true
      model:
        description:
          - NIC model (not used for O(interfaces[].hostdev)), such as V(virtio), V(e1000e) or V(igb).
          - An empty string writes none, so the hypervisor's default model is used (QEMU's driver names it in the
            definition; Nova leaves the model out when an image asks for no virtio NIC). It asks for nothing on a
            NIC that exists.
        type: str
        default: virtio
      driver:
        description:
          - What runs the NIC on the host - C(vhost) (the kernel's vhost-net) or C(qemu) (QEMU itself) for a virtio
            NIC, C(vfio) for a host NIC passed through (O(interfaces[].hostdev)); libvirt chooses when not given.
        type: str
        choices: [vhost, qemu, vfio]
      mac:
        description: MAC address; libvirt generates one when not given.
        type: str
      target_dev:
        description: Name of the host's tap or macvtap device (Nova's C(tapXXXXXXXX-XX)).
        type: str
      target_managed:
        description:
          - C(false) - the tap device O(interfaces[].target_dev) names exists already and libvirt uses it as it is
            (C(managed='no'), Nova's pre-created taps with O(interfaces[].ethernet)).
        type: bool
      mtu:
        description: MTU the guest's NIC gets (68 to 65535).
        type: int
      queues:
        description: Number of queue pairs (multiqueue virtio-net, 1 to 256).
        type: int
      rx_queue_size:
        description: Receive queue size (256, 512 or 1024).
        type: int
      tx_queue_size:
        description: Transmit queue size (256, 512 or 1024; vhost-user only).
        type: int
      bandwidth:
        description: Traffic shaping of the interface (Nova's C(quota:vif_*) flavor extra specs).
        type: dict
        suboptions:
          inbound:
            description: Traffic to the guest.
            type: dict
            suboptions:
              average:
                description: Average rate in KiB/s.
                type: int
                required: true
              peak:
                description: Peak rate in KiB/s.
                type: int
              burst:
                description: KiB that may burst at peak rate.
                type: int
          outbound:
            description: Traffic from the guest.
            type: dict
            suboptions:
              average:
                description: Average rate in KiB/s.
                type: int
                required: true
              peak:
                description: Peak rate in KiB/s.
                type: int
              burst:
                description: KiB that may burst at peak rate.
                type: int
      vlan:
        description: VLAN tags (Open vSwitch, SR-IOV and macvtap passthrough interfaces).
        type: dict
        suboptions:
          tags:
            description: VLAN ids, 0 to 4095; more than one makes a trunk.
            type: list
            elements: int
            required: true
          native:
            description: The tag that is untagged on the wire (one of O(interfaces[].vlan.tags)).
            type: int
          trunk:
            description: A trunk even with one tag.
            type: bool
      virtualport:
        description: The virtual port of a switch (Nova's Open vSwitch ports carry the Neutron port id as O(interfaces[].virtualport.interfaceid)).
        type: dict
        suboptions:
          type:
            description: Kind of virtual port.
            type: str
            required: true
            choices: [openvswitch, 802.1Qbh, 802.1Qbg, midonet]
          interfaceid:
            description: Interface id (a UUID).
            type: str
          profileid:
            description: Port profile.
            type: str
          instanceid:
            description: Instance id (a UUID) of an 802.1Qbg port; libvirt makes one up when not given.
            type: str
          managerid:
            description: VSI manager id of an 802.1Qbg port (required there).
            type: int
          typeid:
            description: VSI type id of an 802.1Qbg port (required there).
            type: int
          typeidversion:
            description: VSI type version of an 802.1Qbg port (required there).
            type: int
      filter:
        description: nwfilter to apply to the interface's traffic (must be defined).
        type: dict
        suboptions:
          name:
            description: Name of the nwfilter, for example C(clean-traffic).
            type: str
            required: true
          parameters:
            description: "Filter parameters, for example C({IP: 10.0.0.5})."
            type: dict
            default: {}
      address:
        description:
          - Where the guest sees the NIC, pinned instead of chosen by libvirt (as Nova keeps a port's
            slot), so the guest's names of its interfaces stay.
        type: dict
        suboptions:
          pci:
            description: Guest PCI address, such as C(0000:00:03.0).
            type: str
            required: true
      packed:
        description: Packed virtqueues (virtio 1.1, QEMU 6.0 or later) for a virtio NIC, as Nova's C(hw:virtio_packed_ring) asks.
        type: bool
  devices_exclusive:
    description:
      - When true, O(disks) and O(interfaces), where given, are the complete lists; devices
        of those kinds that are not listed are removed from the definition (their images stay).
    type: bool
    default: false
  serial_console:
    description: The serial console. A new domain gets a V(pty) console when not given.
    type: dict
    suboptions:
      type:
        description:
          - V(pty) (for C(virsh console)), V(file) (output only), V(tcp) (a TCP socket, as Nova's
            serial console proxy reaches it), or V(none).
        type: str
        required: true
        choices: [pty, file, tcp, none]
      path:
        description: Output file for V(file).
        type: path
      append:
        description:
          - For V(file) - whether QEMU appends to O(serial_console.path) (V(true)) or empties it (V(false)) when the guest
            starts and when it arrives by migration; libvirt's default (empties it) when not given. A console
            file on storage two hosts share keeps what the guest wrote before a migration only with V(true).
        type: bool
      log_file:
        description: Also log everything the console shows to this file. Its directory must exist.
        type: path
      log_append:
        description:
          - Whether O(serial_console.log_file) is appended to (V(true)) or started anew (V(false)) when the
            guest starts; libvirt's default (start anew) when not given. Nova writes V(false).
        type: bool
      host:
        description: Address QEMU listens on (V(bind)) or connects to (V(connect)) for V(tcp).
        type: str
        default: 127.0.0.1
      port:
        description: TCP port for V(tcp) (Nova's C(serial_console.port_range)).
        type: int
      mode:
        description: V(bind) listens for a client; V(connect) connects to a server.
        type: str
        default: bind
        choices: [bind, connect]
      protocol:
        description: V(raw) bytes or V(telnet).
        type: str
        default: raw
        choices: [raw, telnet]
  serials:
    description:
      - Several serial ports, in order (port 0, 1, ...), each with the options of O(serial_console);
        the first is also the console. Nova gives an instance as many TCP ports as
        C(hw:serial_port_count) asks for. Instead of O(serial_console).
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(pty) (for C(virsh console)), V(file) (output only), V(tcp) (a TCP socket, as Nova's
            serial console proxy reaches it), or V(none).
        type: str
        required: true
        choices: [pty, file, tcp, none]
      path:
        description: Output file for V(file).
        type: path
      append:
        description:
          - For V(file) - whether QEMU appends to O(serials[].path) (V(true)) or empties it (V(false)) when the guest
            starts and when it arrives by migration; libvirt's default (empties it) when not given. A console
            file on storage two hosts share keeps what the guest wrote before a migration only with V(true).
        type: bool
      log_file:
        description: Also log everything the console shows to this file. Its directory must exist.
        type: path
      log_append:
        description:
          - Whether O(serials[].log_file) is appended to (V(true)) or started anew (V(false)) when the
            guest starts; libvirt's default (start anew) when not given. Nova writes V(false).
        type: bool
      host:
        description: Address QEMU listens on (V(bind)) or connects to (V(connect)) for V(tcp).
        type: str
        default: 127.0.0.1
      port:
        description: TCP port for V(tcp) (Nova's C(serial_console.port_range)).
        type: int
      mode:
        description: V(bind) listens for a client; V(connect) connects to a server.
        type: str
        default: bind
        choices: [bind, connect]
      protocol:
        description: V(raw) bytes or V(telnet).
        type: str
        default: raw
        choices: [raw, telnet]
  graphics:
    description: Graphical console. A new domain gets none when not given.
    type: dict
    suboptions:
      type:
        description: V(none), V(vnc) or V(spice).
        type: str
        required: true
        choices: [none, vnc, spice]
      listen:
        description:
          - Address the graphics server listens on (an IP address or a host name).
          - An empty string gives none, so the host's default applies (C(vnc_listen) or C(spice_listen)
            in C(qemu.conf), 127.0.0.1 unless changed there), as Nova's definitions without an address do.
        type: str
        default: 127.0.0.1
      port:
        description: A fixed TCP port (5900 to 65535); without it libvirt picks a free one (autoport).
        type: int
      keymap:
        description: Keyboard layout of the console, for example C(en-us) or C(de).
        type: str
      password:
        description:
          - Password of the console (VNC uses at most 8 characters). It is compared with the one
            libvirt holds and never returned or shown; a change shows as C((hidden)) in the diff.
          - A password set outside this module is kept when other options change.
          - A running guest's console takes a new password at once, without a restart.
        type: str
      image_compression:
        description: SPICE - how images are compressed (Nova's C([spice] image_compression)).
        type: str
        choices: [auto_glz, auto_lz, quic, glz, lz, 'off']
      jpeg_compression:
        description: SPICE - JPEG compression of images over a WAN.
        type: str
        choices: [auto, never, always]
      zlib_compression:
        description: SPICE - zlib compression of images over a WAN.
        type: str
        choices: [auto, never, always]
      playback_compression:
        description: SPICE - compression of the audio stream.
        type: bool
      streaming_mode:
        description: SPICE - video streaming detection.
        type: str
        choices: [filter, all, 'off']
      agent:
        description:
          - With O(graphics.type=spice), the SPICE agent's channel (clipboard, display resizing), as Nova adds it
            (C([spice] agent_enabled)); V(false) removes it.
        type: bool
      secure:
        description:
          - SPICE - V(true) makes every channel (main, display, inputs, cursor, playback, record, smartcard,
            usbredir) take TLS only, as Nova's C([spice] require_secure); V(false) removes that. Needs
            libvirt's SPICE TLS certificates on the host.
        type: bool
  guest_agent:
    description:
      - V(true) gives the domain the QEMU guest agent's channel (a virtio-serial port named
        C(org.qemu.guest_agent.0)), which M(virtops.libvirt.guest_agent) talks through; V(false)
        removes it. Other channels are left alone. The guest needs the agent (C(qemu-ga)) running.
    type: bool
  cputune:
    description: CPU placement and bandwidth on the host (Nova's pinning, C(cpu_shares), quota and period).
    type: dict
    suboptions:
      shares:
        description: Relative CPU weight against other guests (at least 2).
        type: int
      period:
        description: Enforcement period in microseconds (1000 to 1000000).
        type: int
      quota:
        description: Microseconds of CPU time per period for each vCPU; -1 is no limit.
        type: int
      vcpupin:
        description: Host CPUs each vCPU may run on; the list replaces the domain's pins.
        type: list
        elements: dict
        suboptions:
          vcpu:
            description: The vCPU (0 to O(vcpus) - 1).
            type: int
            required: true
          cpuset:
            description: Host CPUs in libvirt's set syntax, for example C(2-3) or C(0-7,^4).
            type: str
            required: true
      emulatorpin:
        description: Host CPUs QEMU's own threads may run on, in libvirt's set syntax.
        type: str
      iothreadpin:
        description: Host CPUs each I/O thread may run on (Nova pins them with the emulator threads).
        type: list
        elements: dict
        suboptions:
          iothread:
            description: The I/O thread, 1 to O(iothreads).
            type: int
            required: true
          cpuset:
            description: Host CPUs in libvirt's set syntax.
            type: str
            required: true
      vcpusched:
        description:
          - Real-time scheduling of vCPUs (Nova's C(hw:cpu_realtime) and C(hw:cpu_realtime_mask)).
            The host kernel must allow real-time scheduling of QEMU's threads.
        type: list
        elements: dict
        suboptions:
          vcpus:
            description: The vCPUs, in libvirt's set syntax, for example C(0-3).
            type: str
            required: true
          scheduler:
            description: V(fifo) and V(rr) are real-time and take a O(cputune.vcpusched[].priority); V(batch) and V(idle) take none.
            type: str
            required: true
            choices: [fifo, rr, batch, idle]
          priority:
            description: Real-time priority, 1 to 99.
            type: int
      emulatorsched:
        description: Real-time scheduling of QEMU's own threads.
        type: dict
        suboptions:
          scheduler:
            description: V(fifo) and V(rr) are real-time and take a O(cputune.emulatorsched.priority); V(batch) and V(idle) take none.
            type: str
            required: true
            choices: [fifo, rr, batch, idle]
          priority:
            description: Real-time priority, 1 to 99.
            type: int
  vcpu_placement:
    description:
      - V(static) runs the vCPUs on O(vcpu_cpuset) (all host CPUs when not given); V(auto) lets numad
        choose the host CPUs and memory nodes (the guest's C(<vcpu placement>)).
    type: str
    choices: [static, auto]
  vcpu_cpuset:
    description:
      - Host CPUs all vCPUs may run on, in libvirt's set syntax (Nova's C(vcpu_pin_set) for unpinned
        guests); O(cputune.vcpupin) narrows it per vCPU.
    type: str
  perf_events:
    description:
      - The perf events libvirt counts for the guest (Nova's C(enabled_perf_events)), read with
        C(virsh domstats --perf); the list is complete - events not listed are not counted. The
        host's kernel and CPU must have them (C(cmt), C(mbmt) and C(mbml) need Intel RDT).
    type: list
    elements: str
    choices: [cmt, mbmt, mbml, cpu_cycles, instructions, cache_references, cache_misses, branch_instructions,
              branch_misses, bus_cycles, stalled_cycles_frontend, stalled_cycles_backend, ref_cpu_cycles, cpu_clock,
              task_clock, page_faults, context_switches, cpu_migrations, page_faults_min, page_faults_maj,
              alignment_faults, emulation_faults]
  numatune:
    description: Which host NUMA nodes the guest's memory comes from.
    type: dict
    suboptions:
      mode:
        description: How strictly the memory stays on O(numatune.nodeset).
        type: str
        choices: [strict, preferred, interleave, restrictive]
      nodeset:
        description: Host NUMA nodes in libvirt's set syntax.
        type: str
      memnodes:
        description: Host nodes per guest NUMA cell (O(cpu.numa)); the list replaces the domain's.
        type: list
        elements: dict
        suboptions:
          cellid:
            description: The guest cell.
            type: int
            required: true
          mode:
            description: How strictly that cell's memory stays on its nodes.
            type: str
            default: strict
            choices: [strict, preferred, interleave, restrictive]
          nodeset:
            description: Host NUMA nodes for that cell.
            type: str
            required: true
  memory_backing:
    description: How the guest's memory is backed on the host (Nova's hugepages and file-backed memory).
    type: dict
    suboptions:
      hugepages:
        description: Back the memory with huge pages (the host must have them reserved for the guest to start).
        type: dict
        suboptions:
          enabled:
            description: V(false) goes back to normal pages.
            type: bool
            default: true
          pages:
            description: Page sizes, per guest node where given; without it the host's default huge page size.
            type: list
            elements: dict
            suboptions:
              size_kib:
                description: Page size in KiB (2048, 1048576).
                type: int
                required: true
              nodeset:
                description: Guest NUMA cells using this size.
                type: str
      nosharepages:
        description: Keep the host from merging identical pages (KSM) of this guest.
        type: bool
      locked:
        description: Lock the guest's memory in host RAM (never swapped).
        type: bool
      source:
        description: Where the memory comes from; V(memfd) or V(file) allow V(shared) access without huge pages.
        type: str
        choices: [anonymous, file, memfd]
      access:
        description: Whether the memory is shared (vhost-user, virtiofs) or private.
        type: str
        choices: [shared, private]
      allocation:
        description: Allocate all memory at start or on demand.
        type: str
        choices: [immediate, ondemand]
      discard:
        description: Discard memory the guest frees (file-backed memory).
        type: bool
  memtune:
    description: Limits on the host memory QEMU may use for the guest.
    type: dict
    suboptions:
      hard_limit_mb:
        description: Most host memory the guest and QEMU may use.
        type: int
      soft_limit_mb:
        description: Memory the guest is pushed back to under host memory pressure.
        type: int
      swap_hard_limit_mb:
        description: Most memory plus swap.
        type: int
  iothreads:
    description: Number of I/O threads QEMU gives the guest's disks.
    type: int
  clock:
    description: The guest's clock and its timers.
    type: dict
    suboptions:
      offset:
        description:
          - Whether the guest's clock starts at UTC or at the host's local time (Windows guests), in a time
            zone (O(clock.timezone)), or at an offset the guest keeps (C(variable), O(clock.adjustment)).
        type: str
        choices: [utc, localtime, variable, timezone]
      adjustment:
        description: With O(clock.offset=variable), seconds from O(clock.basis) (such as C(-3600)), or C(reset).
        type: str
      basis:
        description: With O(clock.offset=variable), what O(clock.adjustment) counts from.
        type: str
        choices: [utc, localtime]
      timezone:
        description: With O(clock.offset=timezone), the time zone, such as C(Europe/Paris).
        type: str
      timers:
        description:
          - Timers by name, each compared with the timer of that name; timers not listed are kept.
          - Nova gives C(rtc) C(catchup), C(pit) C(delay) and C(hpet) not present.
        type: list
        elements: dict
        suboptions:
          name:
            description: Which timer.
            type: str
            required: true
            choices: [platform, pit, rtc, hpet, tsc, kvmclock, hypervclock]
          present:
            description: Whether the guest has this timer.
            type: bool
          tickpolicy:
            description: What happens to ticks the guest missed.
            type: str
            choices: [delay, catchup, merge, discard]
  on_poweroff:
    description: What libvirt does when the guest powers off.
    type: str
    choices: [destroy, restart, preserve, rename-restart]
  on_reboot:
    description: What libvirt does when the guest reboots.
    type: str
    choices: [destroy, restart, preserve, rename-restart]
  on_crash:
    description: What libvirt does when the guest crashes (seen through a O(panic) device).
    type: str
    choices: [destroy, restart, preserve, rename-restart, coredump-destroy, coredump-restart]
  sysinfo:
    description:
      - SMBIOS system information the guest reads from its DMI tables (Nova writes manufacturer,
        product, version, serial, uuid and family), with C(<smbios mode='sysinfo'>) so the guest
        sees these values and not the host's. At least one entry (or O(sysinfo.bios)); the entries
        given replace the domain's.
    type: dict
    suboptions:
      manufacturer:
        description: System manufacturer.
        type: str
      product:
        description: Product name.
        type: str
      version:
        description: Product version.
        type: str
      serial:
        description: Serial number.
        type: str
      uuid:
        description: System UUID; libvirt requires it to equal the domain's UUID.
        type: str
      sku:
        description: SKU number.
        type: str
      family:
        description: Product family.
        type: str
      bios:
        description: SMBIOS BIOS information (type 0), which some licensed software reads.
        type: dict
        suboptions:
          vendor:
            description: BIOS vendor.
            type: str
          version:
            description: BIOS version.
            type: str
          date:
            description: BIOS release date, C(mm/dd/yy) or C(mm/dd/yyyy).
            type: str
          release:
            description: System BIOS major and minor release, such as C(1.2).
            type: str
  memballoon:
    description: The memory balloon device (Nova's C(mem_stats_period_seconds)).
    type: dict
    suboptions:
      model:
        description: Balloon model; V(none) leaves the guest without a balloon.
        type: str
        default: virtio
        choices: [virtio, virtio-transitional, virtio-non-transitional, none]
      stats_period:
        description: Seconds between the guest's memory statistics (0 stops them).
        type: int
      autodeflate:
        description: The guest deflates the balloon before its out-of-memory killer would run (QEMU's C(deflate-on-oom)).
        type: bool
      free_page_reporting:
        description: The guest reports the pages it freed, so the host can take them back.
        type: bool
  rng:
    description: A paravirtual random number generator fed from a host device (Nova's C(hw_rng)).
    type: dict
    suboptions:
      model:
        description: RNG model; V(none) removes the RNG.
        type: str
        default: virtio
        choices: [virtio, virtio-transitional, virtio-non-transitional, none]
      backend:
        description: Host device the random bytes come from (must exist on a local host).
        type: path
        default: /dev/urandom
      rate_bytes:
        description: Bytes the guest may read per O(rng.rate_period) (Nova's C(hw_rng:rate_bytes)).
        type: int
      rate_period:
        description: Milliseconds of that rate period (libvirt's default 1000); needs O(rng.rate_bytes).
        type: int
  watchdog:
    description: A hardware watchdog and what libvirt does when it fires (Nova's C(hw_watchdog_action)).
    type: dict
    suboptions:
      model:
        description: Watchdog model; V(none) removes the watchdog.
        type: str
        required: true
        choices: [i6300esb, ib700, itco, none]
      action:
        description: What happens to the guest when the watchdog fires.
        type: str
        default: reset
        choices: [reset, shutdown, poweroff, pause, none, dump, inject-nmi]
  panic:
    description: A device through which the guest reports a crash, so O(on_crash) applies.
    type: dict
    suboptions:
      model:
        description: Panic notifier model; V(none) removes it.
        type: str
        required: true
        choices: [isa, pvpanic, hyperv, none]
  iommu:
    description:
      - "The guest's IOMMU (Nova's C(hw:viommu_model)), for device assignment inside the guest; C(intel) needs a
        q35 machine, and interrupt remapping the QEMU I/O APIC (O(features.ioapic=qemu))."
    type: dict
    suboptions:
      model:
        description: IOMMU model; V(none) removes it.
        type: str
        required: true
        choices: [intel, smmuv3, virtio, none]
      intremap:
        description: Interrupt remapping.
        type: bool
      caching_mode:
        description: Caching mode (needed to assign a device to a nested guest through VFIO).
        type: bool
      eim:
        description: Extended interrupt mode (more than 255 vCPUs; needs O(iommu.intremap)).
        type: bool
      iotlb:
        description: Device I/O TLB (ATS).
        type: bool
      aw_bits:
        description: Address width in bits (Nova gives 48), 32 to 64.
        type: int
  video:
    description: The video device (libvirt adds one for graphics when none is given).
    type: dict
    suboptions:
      model:
        description: Video model (V(none) for a guest without a display adapter).
        type: str
        required: true
        choices: [virtio, vga, qxl, bochs, cirrus, ramfb, none]
      heads:
        description: Number of heads.
        type: int
      vram_kib:
        description: Video memory in KiB (at least 1024).
        type: int
  inputs:
    description:
      - Input devices, each compared with the device of the same type and bus; devices not listed
        are kept (libvirt always gives an x86 guest a PS/2 mouse and keyboard).
    type: list
    elements: dict
    suboptions:
      type:
        description: Kind of input device; a USB V(tablet) gives a graphical console absolute pointing.
        type: str
        required: true
        choices: [tablet, mouse, keyboard]
      bus:
        description: Bus it sits on.
        type: str
        default: usb
        choices: [usb, ps2, virtio]
  devices_xml:
    description:
      - Devices given as XML, one element each (for example C(<shmem>), C(<hostdev>),
        C(<filesystem>)), for what no typed option covers - the rest of the definition stays typed.
      - A device is there when a device of the domain has everything the given element has (its
        attributes, text and children; what libvirt adds, such as addresses and aliases, does not
        count). Devices that are not there are added; devices are never removed through this
        option. Write a device as libvirt writes it back (C(virsh dumpxml)) so the next run finds it.
    type: list
    elements: str
  pcie_root_ports:
    description:
      - At least this many PCIe root ports on a q35 machine (Nova's C(num_pcie_ports)), each able to take
        one hot-plugged device; missing ones are added, ports are never removed (devices may sit in them).
    type: int
  controllers:
    description:
      - Controllers by O(controllers[].type) and O(controllers[].index), with the model, ports or queues given,
        for example a USB controller of model C(qemu-xhci) (or V(none) for no USB), a virtio-serial
        controller with more ports, a virtio-scsi controller with several queues, or PCI controllers
        (C(pcie-root-port), C(pci-bridge), C(pcie-to-pci-bridge), ...).
      - Only what is given is compared. Controllers are never removed - devices sit on them; a
        controller the disks need (virtio-scsi for bus V(scsi)) is replaced by the one given here.
    type: list
    elements: dict
    suboptions:
      type:
        description: Controller type.
        type: str
        required: true
        choices: [scsi, usb, virtio-serial, sata, ide, pci]
      index:
        description: Index among the controllers of that type.
        type: int
        default: 0
      model:
        description: Model, for example C(virtio-scsi), C(qemu-xhci), C(none), C(pcie-root-port).
        type: str
      ports:
        description: Ports of a virtio-serial controller.
        type: int
      queues:
        description: Request queues of a virtio-scsi controller (Nova gives one per vCPU for multiqueue).
        type: int
  launch_security:
    description:
      - AMD SEV memory encryption (Nova's C(hw:mem_encryption)), defined and compared like any other option.
      - The host must run SEV guests - libvirt's domain capabilities must say C(sev supported='yes'), else
        the definition is refused before anything changes. Missing O(launch_security.cbitpos) and
        O(launch_security.reduced_phys_bits) are taken from them.
      - It needs a q35 machine. Nova also locks the guest's memory (O(memory_backing.locked)) and turns on
        the IOMMU of the virtio devices (O(devices_xml) or O(xml) for those today).
    type: dict
    suboptions:
      type:
        description:
          - V(sev) (SEV, or SEV-ES with policy bit C(0x4)) or V(sev-snp) (SEV-SNP; libvirt 10.5 or later - an
            older libvirt's schema refuses it, and the definition is refused before anything changes).
        type: str
        default: sev
        choices: [sev, sev-snp]
      policy:
        description:
          - Guest policy, hexadecimal. V(sev) - C(0x0033) when not given (Nova's - no debugging, no key sharing,
            SEV only); C(0x0037) also requires SEV-ES. V(sev-snp) - 64 bits, C(0x00030000) when not given.
        type: str
      cbitpos:
        description:
          - Position of the C-bit in page table entries; the host's when not given (left out where libvirt
            cannot say it, as Nova leaves it out - libvirt takes the host's when the guest starts).
        type: int
      reduced_phys_bits:
        description: Physical address bits SEV takes away; the host's when not given (as O(launch_security.cbitpos)).
        type: int
      kernel_hashes:
        description: Include the hashes of a directly booted kernel, initrd and command line in the measurement.
        type: bool
      author_key:
        description: SEV-SNP - the guest's ID block carries an author key.
        type: bool
      vcek:
        description: SEV-SNP - the guest's attestation reports are signed with the chip's VCEK (V(false) - its VLEK).
        type: bool
  memory_devices:
    description:
      - Memory beside the boot memory, each in a slot below O(max_memory_mb) - a DIMM, or an NVDIMM
        backed by a file or a DAX device (Nova's vPMEM, C(hw:pmem)). DIMMs are matched by their order,
        NVDIMMs by O(memory_devices[].path); others of the domain are kept unless O(devices_exclusive=true).
      - libvirt counts them in the domain's memory, so O(memory_mb) is the NUMA cells' memory and theirs
        together. A change needs a restart.
    type: list
    elements: dict
    suboptions:
      model:
        description: V(dimm) (plain memory) or V(nvdimm) (persistent memory, backed by O(memory_devices[].path)).
        type: str
        default: dimm
        choices: [dimm, nvdimm]
      size_mb:
        description: Its size in MiB.
        type: int
        required: true
      node:
        description: The guest NUMA node (an index of O(cpu.numa)) it belongs to.
        type: int
        default: 0
      path:
        description: The file or DAX device (C(/dev/dax0.0)) behind an NVDIMM.
        type: path
      pmem:
        description: The NVDIMM's backing is real persistent memory (QEMU then keeps writes persistent).
        type: bool
      access:
        description: Whether the NVDIMM's writes reach the backing (V(shared), as Nova's vPMEM) or stay the guest's (V(private)).
        type: str
        choices: [shared, private]
      align_size_kib:
        description: The NVDIMM's alignment in KiB (a DAX device's, such as 2048).
        type: int
      label_size_kib:
        description: The size of the NVDIMM's label area in KiB (at least 128), which lets the guest create namespaces.
        type: int
  filesystems:
    description:
      - Host directories the guest mounts by their O(filesystems[].target) tag, matched by that tag;
        others of the domain are kept unless O(devices_exclusive=true).
      - A virtiofs share (how Nova attaches Manila shares) needs the guest's memory shared with
        C(virtiofsd) - O(memory_backing) with C(access=shared) (and C(source=memfd)), or O(cpu.numa) cells
        with C(mem_access=shared); without it the definition is refused. The host needs C(virtiofsd).
      - The guest mounts it with C(mount -t virtiofs TAG /mnt).
    type: list
    elements: dict
    suboptions:
      source:
        description: The host directory.
        type: path
        required: true
      target:
        description: The tag the guest mounts it by.
        type: str
        required: true
      type:
        description:
          - What O(filesystems[].source) is - a directory; libvirt's QEMU driver shares no block
            devices or image files (those are LXC's).
        type: str
        default: mount
        choices: [mount]
      driver:
        description: V(virtiofs) (a C(virtiofsd) per share), or V(path), V(handle) (9p).
        type: str
        default: virtiofs
        choices: [virtiofs, path, handle]
      accessmode:
        description: How the guest's file owners map to the host's; virtiofs takes only V(passthrough), its default.
        type: str
        choices: [passthrough, mapped, squash]
      readonly:
        description: The guest cannot write the share.
        type: bool
      queue_size:
        description: virtiofs request queue size (1 to 1024).
        type: int
      binary:
        description: The C(virtiofsd) program to run, where it is not libvirt's default.
        type: path
      address:
        description: Where the guest sees the share's device, pinned instead of chosen by libvirt.
        type: dict
        suboptions:
          pci:
            description: Guest PCI address, such as C(0000:00:07.0).
            type: str
            required: true
  hostdevs:
    description:
      - Host devices passed to the guest - a PCI device (Nova's PCI passthrough), a mediated
        device such as a vGPU, or a USB device - each matched by its address, UUID or USB ids;
        others of the domain are kept unless O(devices_exclusive=true).
    type: list
    elements: dict
    suboptions:
      pci:
        description: Host PCI address, C(0000:03:00.0) or C(03:00.0).
        type: str
      mdev:
        description: UUID of a mediated device (C(mdevctl list)), instead of O(hostdevs[].pci).
        type: str
      usb:
        description:
          - A host USB device (a licence dongle, a smart-card reader), instead of O(hostdevs[].pci),
            found by its ids when the guest starts, or by where it is plugged in.
          - Give O(hostdevs[].usb.vendor) and O(hostdevs[].usb.product) (C(lsusb) shows them), or
            O(hostdevs[].usb.bus) and O(hostdevs[].usb.device).
        type: dict
        suboptions:
          vendor:
            description: The vendor id, such as C(0x1234).
            type: str
          product:
            description: The product id, such as C(0xbeef).
            type: str
          bus:
            description: The host USB bus number.
            type: int
          device:
            description: The device number on that bus (it changes when the device is plugged in again).
            type: int
      startup_policy:
        description:
          - What happens when the USB device is not there as the guest starts - V(mandatory) (libvirt's
            default) fails the start, V(requisite) fails it unless the guest is restored or migrated in,
            V(optional) starts the guest without it.
        type: str
        choices: [mandatory, requisite, optional]
      boot_order:
        description:
          - Boot from this PCI or USB device, in this place of the per-device boot order (a passed-through
            NIC's PXE, a USB stick), as O(disks[].boot_order) does for a disk.
        type: int
      managed:
        description:
          - Let libvirt detach a PCI device from its host driver and give it back.
          - A mediated device is created outside libvirt; C(false) writes C(managed='no') there, as Nova does.
          - Not used for a USB device (libvirt takes it from the host's driver at start).
        type: bool
        default: true
      model:
        description: Kind of mediated device.
        type: str
        default: vfio-pci
        choices: [vfio-pci, vfio-ccw, vfio-ap]
      driver:
        description: Backend of a PCI device (libvirt's C(<driver name='vfio'>), as Nova writes it); libvirt's choice when not given.
        type: str
        choices: [vfio]
      address:
        description: Where the guest sees the device, pinned instead of chosen by libvirt.
        type: dict
        suboptions:
          pci:
            description: Guest PCI address, such as C(0000:00:06.0).
            type: str
            required: true
  tpm:
    description:
      - A virtual TPM emulated by swtpm, which libvirt starts with the guest (Nova's vTPM); the
        host needs the C(swtpm) and C(swtpm-tools) packages.
    type: dict
    suboptions:
      model:
        description: TPM interface; V(none) removes the TPM.
        type: str
        default: tpm-crb
        choices: [tpm-crb, tpm-tis, none]
      version:
        description: TPM version; V(tpm-crb) is 2.0 only.
        type: str
        default: '2.0'
        choices: ['1.2', '2.0']
      persistent_state:
        description:
          - Keep the vTPM's state when the domain is undefined (libvirt removes it with the domain otherwise),
            so that the same definition can be brought back - how Nova keeps a vTPM across a resize or shelve.
        type: bool
      secret_uuid:
        description:
          - UUID of the libvirt secret (usage C(vtpm), see M(virtops.libvirt.secret)) whose value encrypts the
            vTPM's state, as Nova's C(hw:tpm_secret_security) keeps it. The secret itself never appears here.
        type: str
  vsock:
    description: A virtio socket between the guest and the host.
    type: dict
    suboptions:
      model:
        description: V(none) removes the vsock device.
        type: str
        default: virtio
        choices: [virtio, none]
      cid:
        description: The guest's context id (3 or more); libvirt picks a free one when not given.
        type: int
  metadata:
    description:
      - Flat key/value strings kept in the domain's C(<metadata>) under this collection's
        namespace C(urn:virtops:libvirt:instance:1). Keys must be valid XML names.
    type: dict
  autostart:
    description: Start the domain when libvirtd starts.
    type: bool
  force:
    description: With O(state=shutoff), power the domain off when it did not shut down within O(timeout).
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for each state change.
      - A graceful shutdown presses the ACPI power button again every 10 seconds while it
        waits, as Nova does, since a guest that is still booting ignores the first press.
    type: int
    default: 120
  remove_storage:
    description:
      - With O(state=absent), also delete the domain's writable disk images (through their
        storage pool when they are in one). Read-only, shareable and CD-ROM images are kept, and
        so is every image that another domain's definition (persistent or running) uses, as a
        disk or as a backing file; RV(kept_storage) names those domains.
    type: bool
    default: false
  return_xml:
    description: Return the domain's persistent XML as RV(xml).
    type: bool
    default: false
seealso:
  - module: virtops.libvirt.domain_info
  - module: virtops.libvirt.cpu_info
  - module: virtops.libvirt.cpu_baseline
"""

EXAMPLES = r"""
- name: Define and boot a small instance from a kernel, an initrd and a qcow2 overlay
  virtops.libvirt.domain:
    name: web1
    state: running
    memory_mb: 512
    vcpus: 2
    cpu:
      mode: host-model
    boot:
      kernel: /var/lib/images/vmlinuz
      initrd: /var/lib/images/initrd.img
      cmdline: console=ttyS0
    disks:
      - path: /var/lib/libvirt/images/web1.qcow2
        format: qcow2
        serial: web1-root
    interfaces:
      - network: private
        filter:
          name: clean-traffic
          parameters:
            IP: 10.0.0.5
    serial_console:
      type: pty
      log_file: /var/log/libvirt/qemu/web1-console.log

- name: An instance on storage arrays - a NAS volume over NFS, a LUKS volume, a Ceph image on virtio-scsi units
  virtops.libvirt.domain:
    name: db1
    state: running
    memory_mb: 4096
    vcpus: 4
    machine: q35
    disks:
      - nfs:
          server: nas1.example.com
          path: /export/volumes/db1-root.qcow2
        format: qcow2
        serial: db1-root
        boot_order: 1
      - path: /var/lib/libvirt/images/db1-secrets.luks
        encryption:
          secret_usage: /var/lib/libvirt/images/db1-secrets.luks
        serial: db1-secrets
      - rbd:
          pool: volumes
          image: db1-data
          monitors: [192.0.2.21, 192.0.2.22]
          user: libvirt
          secret_usage: client.libvirt secret
        bus: scsi
        address: {unit: 1}
    controllers:
      - {type: scsi, model: virtio-scsi, queues: 4}
      - {type: usb, model: none}
    pcie_root_ports: 8

- name: Grow memory; the result says needs_restart while the guest runs
  virtops.libvirt.domain:
    name: web1
    memory_mb: 1024

- name: Shut down gracefully, power off after 60 s if the guest does not react
  virtops.libvirt.domain:
    name: web1
    state: shutoff
    timeout: 60
    force: true

- name: Remove the definition and its writable disk images
  virtops.libvirt.domain:
    name: web1
    state: absent
    remove_storage: true

- name: Point every module of this collection at another hypervisor
  module_defaults:
    group/virtops.libvirt.libvirt:
      uri: qemu+ssh://root@hv2.example.com/system
  block:
    - name: Pause an instance there
      virtops.libvirt.domain:
        name: web2
        state: paused
"""

RETURN = r"""
name:
  description: Name of the domain.
  returned: always
  type: str
  sample: web1
uuid:
  description: UUID of the domain.
  returned: when the domain exists after the run
  type: str
  sample: 4dea22b3-1d52-d8f3-2516-782e98ab3fa0
state:
  description: Run state reached (or, in check mode, that a real run would reach).
  returned: always
  type: str
  sample: running
changes:
  description: Definition fields that changed, as paths (for example C(disks[vda].source.file)).
  returned: always
  type: list
  elements: str
  sample: [memory_kib, cpu.mode]
actions:
  description: What was done (or would be done in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [update definition, set current memory (live), start]
needs_restart:
  description: Whether the running domain differs from its definition in ways that apply only at the next boot.
  returned: always
  type: bool
  sample: true
restart_fields:
  description: The fields that need a restart to take effect.
  returned: always
  type: list
  elements: str
  sample: [memory_kib]
kvm_probe:
  description: How O(virt_type=auto) decided, when it decided during this run.
  returned: when a domain was created with O(virt_type=auto)
  type: dict
  sample: {usable: false, method: boot, reason: "... printed nothing within 8.0s under KVM ..."}
domain:
  description: Summary of the domain as it is after the run.
  returned: when the domain exists, except in check mode when something would change
  type: dict
  sample:
    name: web1
    state: running
    vcpus: 2
    memory_mb: 512
    disks: [{target: vda, bus: virtio, device: disk, source: /var/lib/libvirt/images/web1.qcow2}]
    interfaces: [{mac: "52:54:00:12:34:56", network: private, model: virtio}]
removed_storage:
  description: Disk sources deleted with O(state=absent) and O(remove_storage=true).
  returned: when O(state=absent) and the domain existed
  type: list
  elements: str
kept_storage:
  description:
    - Disk sources left in place by O(state=absent), each with C(source) and C(reason), and
      C(used_by) (the names of the other domains) for an image another domain uses.
  returned: when O(state=absent) and the domain existed
  type: list
  elements: dict
xml:
  description: Persistent XML of the domain.
  returned: when O(return_xml=true) and the domain exists
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import run_module
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC, DomainRunner


def main():
    run_module(AnsibleModule, DOMAIN_ARGUMENT_SPEC, DomainRunner)


if __name__ == "__main__":
    main()
