# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for libvirt's domain events (needs the event loop started before connecting)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline


class DeviceRemovedWatch:
    """Collects the DEVICE_REMOVED events of one domain: the aliases the guest released."""

    def __init__(self, conn, dom):
        self.conn = conn
        self.removed = set()
        self.condition = threading.Condition()
        self.callback_id = conn.domainEventRegisterAny(
            dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, self._on_removed, None)

    def _on_removed(self, _conn, _dom, alias, _opaque):
        with self.condition:
            self.removed.add(alias)
            self.condition.notify_all()

    def wait(self, alias, timeout):
        """True once ``alias`` was removed, False after ``timeout`` seconds without it."""
        deadline = Deadline(timeout)
        with self.condition:
            while alias not in self.removed:
                if deadline.expired():
                    return False
                self.condition.wait(deadline.remaining())
        return True

    def close(self):
        try:
            self.conn.domainEventDeregisterAny(self.callback_id)
        except libvirt.libvirtError:
            pass
