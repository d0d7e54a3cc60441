# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A guest as plain data for module results (domain, domain_info)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import GUEST_AGENT_CHANNEL


def guest_summary(guest):
    """State, resources and devices of a guest as plain data."""
    config = guest.live_config()
    return dict(
        name=config.name,
        uuid=config.uuid,
        state=guest.state(),
        persistent=guest.is_persistent(),
        autostart=guest.autostart(),
        virt_type=config.virt_type,
        title=config.title,
        memory_mb=(config.memory_kib or 0) // 1024,
        current_memory_mb=(config.current_memory_kib or 0) // 1024,
        vcpus=config.vcpus,
        current_vcpus=config.current_vcpus or config.vcpus,
        cpu_mode=(config.cpu.mode or "custom") if config.cpu is not None else None,
        cpu_model=config.cpu.model if config.cpu is not None else None,
        disks=[dict(target=d.target_dev, bus=d.target_bus, device=d.device, source=d.source(),
                    format=d.format, serial=d.serial, readonly=d.readonly) for d in config.disks],
        interfaces=[dict(mac=i.mac, type=i.type, network=i.source_network, bridge=i.source_bridge,
                         model=i.model, filter=i.filterref.filter if i.filterref else None)
                    for i in config.interfaces],
        metadata=config.metadata or {},
        guest_agent=any(channel.target_name == GUEST_AGENT_CHANNEL for channel in config.channels),
        pending_restart=config.pending_restart or [],
    )
