# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who uses a network or a traffic filter: the guests whose interfaces name it (running or only
defined) and the filters that reference a filter. Removal is refused while this is not empty."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.nwfilter import NWFilterConfig


def _guest_configs(conn):
    """(guest name, running, [definitions]) for every domain: the running definition and the
    persistent one, so that a guest which would use the object at its next start counts too."""
    for guest in Guest.all(conn):
        try:
            running = guest.is_active()
            configs = [guest.live_config()] if running else []
            if guest.is_persistent():
                configs.append(guest.inactive_config())
        except libvirt_errors():
            continue  # the domain went away meanwhile
        yield guest.name, running, configs


def _users(conn, uses, running_only=False):
    found = []
    for name, running, configs in _guest_configs(conn):
        if running_only and not running:
            continue
        if any(uses(interface) for config in configs for interface in config.interfaces):
            found.append("%s (%s)" % (name, "running" if running else "defined"))
    return sorted(found)


def guests_on_network(conn, network, running_only=False):
    """The guests with an interface on ``network``, e.g. ['web1 (running)', 'db1 (defined)']."""
    return _users(conn, lambda interface: interface.type == "network" and interface.source_network == network,
                  running_only)


def guests_filtered_by(conn, name):
    """The guests with an interface whose traffic filter is ``name``."""
    return _users(conn, lambda interface: interface.filterref is not None and interface.filterref.filter == name)


def filters_referencing(conn, name):
    """The names of the other filters that include ``name`` (a <filterref> in them)."""
    found = []
    for nwfilter in conn.listAllNWFilters(0):
        if nwfilter.name() == name:
            continue
        config = NWFilterConfig.from_xml(nwfilter.XMLDesc(0))
        if any(ref.filter == name for ref in config.filterrefs or []):
            found.append(nwfilter.name())
    return sorted(found)
