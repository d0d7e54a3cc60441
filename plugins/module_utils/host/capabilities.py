# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hypervisor's capabilities, asked once per connection and kept for the rest of the run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import weakref

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.capabilities import (
    DomainCapabilities, HostCapabilities,
)

# connection -> {key: parsed capabilities}; a closed connection's entries go with it.
_CACHE = weakref.WeakKeyDictionary()


def _cached(conn, key, load):
    per_connection = _CACHE.setdefault(conn, {})
    if key not in per_connection:
        per_connection[key] = load()
    return per_connection[key]


def host_capabilities(conn):
    """HostCapabilities of ``conn`` (virConnectGetCapabilities), parsed once per connection."""
    return _cached(conn, ("host",), lambda: HostCapabilities.from_xml(conn.getCapabilities()))


def domain_capabilities(conn, virt_type, arch=None, machine=None):
    """DomainCapabilities for one virt_type/arch/machine, parsed once per connection.

    Raises VirtopsError naming the combination when libvirt cannot describe it (for example
    virt_type=kvm on a host without KVM).
    """
    def load():
        try:
            text = conn.getDomainCapabilities(None, arch, machine, virt_type, 0)
        except libvirt.libvirtError as exc:
            raise VirtopsError("libvirt cannot describe virt_type=%s arch=%s machine=%s here: %s"
                               % (virt_type, arch or "default", machine or "default", error_text(exc)))
        return DomainCapabilities.from_xml(text)
    return _cached(conn, ("domain", virt_type, arch, machine), load)


def canonical_machine(conn, arch, machine):
    """The versioned machine type libvirt stores for an alias such as 'pc' or 'q35'.

    libvirt writes the canonical name (pc-q35-7.2) into the definition, so a request for the
    alias must be compared as the canonical name or every run would report a change.
    """
    if not machine:
        return machine
    return host_capabilities(conn).canonical_machine(arch, machine)


def host_facts(conn):
    """Versions, host CPU/memory and what the hypervisor can run (for domain_info)."""
    caps = host_capabilities(conn)
    info = conn.getInfo()
    cpu = caps.host_cpu
    return dict(
        hostname=conn.getHostname(),
        uri=conn.getURI(),
        host_uuid=caps.host_uuid,
        libvirt_version=version_text(conn.getLibVersion()),
        hypervisor=conn.getType(),
        hypervisor_version=version_text(conn.getVersion()),
        arch=caps.arch,
        cpu_model=cpu.model if cpu is not None else None,
        cpu_vendor=cpu.vendor if cpu is not None else None,
        cpus=info[2],
        memory_mb=info[1],
        free_memory_mb=free_memory_mb(conn),
        guests=caps.guest_summaries(),
    )


def host_objects(conn):
    """The host's networks and storage pools with whether each is active and starts with the host
    (a host that came back from maintenance is healthy when every autostart one runs again)."""
    found = dict(networks=[], pools=[])
    for kind, listing in (("networks", conn.listAllNetworks), ("pools", conn.listAllStoragePools)):
        try:
            objects = listing(0)
        except libvirt.libvirtError:
            continue  # a driver without networks or pools (the test driver has both)
        for obj in objects:
            try:
                found[kind].append(dict(name=obj.name(), active=bool(obj.isActive()), autostart=bool(obj.autostart())))
            except libvirt.libvirtError:
                continue  # removed while being listed
        found[kind].sort(key=lambda item: item["name"])
    return found


def free_memory_mb(conn):
    """Memory the host has free now (all NUMA nodes), in MiB; None where the driver cannot say."""
    try:
        return conn.getFreeMemory() // (1024 * 1024)
    except libvirt.libvirtError:
        return None


def version_text(number):
    return "%d.%d.%d" % (number // 1000000, (number // 1000) % 1000, number % 1000)
