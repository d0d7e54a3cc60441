# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet's facts read through libvirt, as the planner takes them.

One connection per hypervisor. Each host: its name, memory (or what the operator allows guests
there), what it reports free, its maintenance mark. Each guest: state, memory, persistence, and
its placement rules, kept with the guest in its ``virtops`` metadata (the ``domain`` module's
``metadata`` option) so that every run from any controller sees them:

- ``anti_affinity``: groups (comma-separated) whose members never share a host;
- ``affinity``: groups whose members share one;
- ``allowed_hosts``: host name patterns (comma-separated) it may run on.

The CPU and storage rules ask libvirt: the destination's comparison of the guest's CPU (as the
``migrate`` module's pre-check does) and Nova's shared-storage probe between the two hosts; both
are remembered for the run, so each guest CPU and each pair of hosts is asked once.
A guest found on two hosts (a migration in flight, or what one left) is reported in
``duplicates``; the caller pins its move to the other host, where ``migrate``'s recovery converges it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, is_error, libvirt, open_connection,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.fleet.planner import Guest, Host
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest as Domain
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import free_memory_mb
from ansible_collections.virtops.libvirt.plugins.module_utils.host.maintenance import read_mark
from ansible_collections.virtops.libvirt.plugins.module_utils.migration.checks import (
    cpu_fits, shared_disk_directories, storage_fits,
)


class Fleet:
    """The hosts of ``specs`` (each {uri, peer_uri, name, memory_mb}) and their guests."""

    def __init__(self, specs):
        self.members = {}  # host name -> {uri, peer_uri, conn}
        self.unreachable = {}  # uri -> why
        self.configs = {}  # guest name -> its running (or persistent) definition, on its home host
        self.homes = {}  # guest name -> host name
        self.duplicates = {}  # guest name -> the other hosts it is defined on
        self._cpu, self._shared = {}, {}
        for index, spec in enumerate(specs):
            try:
                conn = open_connection(spec["uri"])
            except VirtopsError as exc:
                self.unreachable[spec["uri"]] = exc.msg
                continue
            hostname = conn.getHostname()
            name = spec.get("name") or hostname
            if name in self.members:
                conn.close()
                raise VirtopsError("hosts[%d] (%s) is %s, which hosts already lists (%s); give each hypervisor once"
                                   % (index, spec["uri"], name, self.members[name]["uri"]))
            self.members[name] = dict(uri=spec["uri"], peer_uri=spec.get("peer_uri"), conn=conn,
                                      memory_mb=spec.get("memory_mb"), hostname=hostname)

    def close(self):
        for member in self.members.values():
            try:
                member["conn"].close()
            except libvirt.libvirtError:
                pass

    def name_of(self, host):
        """The name of a host given by its name or its URI (None when not in the fleet)."""
        if host in self.members:
            return host
        return next((name for name, member in self.members.items() if member["uri"] == host), None)

    def conn(self, name):
        return self.members[name]["conn"]

    # -- reading -----------------------------------------------------------------------------------
    def read(self):
        """(planner hosts, planner guests)."""
        hosts, guests, seen = [], {}, {}
        for name in sorted(self.members):
            member = self.members[name]
            conn = member["conn"]
            memory = member["memory_mb"] if member["memory_mb"] is not None else conn.getInfo()[1]
            mark = read_mark(conn)
            # libvirt's test driver answers 0 for free memory: it does not know (a unit test's hosts)
            free = free_memory_mb(conn) if conn.getType() != "TEST" else None
            hosts.append(Host(name, memory, free_mb=free,
                              maintenance=(mark["reason"] or "no reason given") if mark else None))
            for domain in Domain.all(conn):
                try:
                    config = domain.live_config()
                    found = Guest.from_metadata(config.name, (config.memory_kib or 0) // 1024, name, domain.state(),
                                                config.metadata, persistent=domain.is_persistent())
                except libvirt.libvirtError as exc:
                    if is_error(exc, "NO_DOMAIN"):
                        continue  # gone while being listed
                    raise
                seen.setdefault(found.name, []).append((name, found, domain, config))
        for guest_name, copies in seen.items():
            host, found, _domain, config = copies[self._home(copies)]
            guests[guest_name] = found
            self.homes[guest_name] = host
            self.configs[guest_name] = config
            if len(copies) > 1:
                self.duplicates[guest_name] = sorted(copy[0] for copy in copies if copy[0] != host)
        return hosts, [guests[name] for name in sorted(guests)]

    @staticmethod
    def _home(copies):
        """Which copy of a guest found on several hosts is where it lives: not the one a
        migration brought in (incoming marker); else the active one; else the first."""
        for index, (_host, found, domain, _config) in enumerate(copies):
            if found.runs and not domain.incoming_marker():
                return index
        return 0

    # -- the rules only libvirt can answer -----------------------------------------------------
    def cpu_check(self, guest, host):
        config = self.configs.get(guest.name)
        if config is None or config.cpu is None:
            return None
        key = (config.cpu.to_xml(), config.virt_type, host.name)
        if key not in self._cpu:
            try:
                cpu_fits(self.conn(host.name), config)
                self._cpu[key] = None
            except VirtopsError as exc:
                missing = exc.details.get("missing_features") or []
                self._cpu[key] = "cannot run %s's CPU (%s%s)" % (
                    guest.name, config.cpu.model, ", missing features: %s" % ", ".join(missing) if missing else "")
            except libvirt.libvirtError as exc:
                self._cpu[key] = "could not compare %s's CPU there: %s" % (guest.name, error_text(exc))
        return self._cpu[key]

    def storage_check(self, guest, host):
        source = self.homes.get(guest.name)
        config = self.configs.get(guest.name)
        if source is None or config is None or source == host.name:
            return None
        key = (source, host.name, tuple(sorted(disk.source() or "" for disk in config.disks)))
        if key not in self._shared:
            try:
                shared = shared_disk_directories(self.conn(source), self.conn(host.name), config)
                storage_fits(self.conn(source), self.conn(host.name), config, "live", [], shared)
                self._shared[key] = None
            except VirtopsError as exc:
                self._shared[key] = exc.msg.replace("live migration refused: ", "")
            except libvirt.libvirtError as exc:
                self._shared[key] = "could not probe the storage it shares: %s" % error_text(exc)
        return self._shared[key]
