# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: agent
short_description: Run tasks inside a libvirt instance through its QEMU guest agent
version_added: 1.0.0
description:
  - Runs every task of a play inside a running libvirt instance through the QEMU guest agent that
    runs in it - no network, no SSH server, no account in the guest. The controller (or the
    execution environment) talks to the hypervisor's libvirt, which talks to the agent over the
    instance's virtio-serial channel.
  - Commands run as the user the agent runs as (C(root) with the agent's packaging), through
    C(/bin/sh -c), with standard input, exit code, standard output and error. C(ansible_user) is
    not used.
  - Files go to and from the guest byte for byte, in chunks (C(guest-file-write) of 96 KiB, since
    the agent does not answer much longer requests; C(guest-file-read) of 1 MiB). Standard input
    longer than 96 KiB (a large module sent by pipelining) is written to a file under C(/tmp) in
    the guest first, which the command reads and which is removed as soon as it is opened.
  - Become works as on other connections. Because the agent runs as C(root), C(su) and C(sudo)
    never ask for a password; a become password given is not sent to the guest.
  - Pipelining (the module sent on the command's standard input instead of as a file) is on unless
    O(pipelining) turns it off or the become method does not allow it (C(su)).
  - The instance needs the guest agent's channel (V(true) in O(virtops.libvirt.domain#module:guest_agent))
    and the agent running in the guest with C(guest-exec), C(guest-exec-status) and C(guest-file-*)
    allowed; a refused command is reported with the agent's reason.
  - The P(virtops.libvirt.libvirt#inventory) inventory's O(virtops.libvirt.libvirt#inventory:agent_connection)
    sets this connection for the instances that have the agent's channel.
author:
  - virtops.libvirt developers (@virtops)
requirements:
  - libvirt-python and lxml on the controller
options:
  remote_addr:
    description:
      - The name of the libvirt domain to run in. Defaults to the inventory host name.
      - C(ansible_host) is not used, so it may keep the instance's address for other connections.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_libvirt_domain
  uri:
    description:
      - The libvirt URI of the hypervisor the instance runs on, for example V(qemu+ssh://root@hv1/system).
    type: str
    default: qemu:///system
    vars:
      - name: ansible_libvirt_uri
    env:
      - name: VIRTOPS_LIBVIRT_URI
  agent_timeout:
    description:
      - Seconds to wait, when the connection opens, until the agent answers (it starts with the guest).
    type: int
    default: 30
    vars:
      - name: ansible_libvirt_agent_timeout
  command_timeout:
    description:
      - Seconds one command may run. A command that runs longer fails the task; it may still run in
        the guest (the agent cannot stop it).
    type: int
    default: 3600
    vars:
      - name: ansible_libvirt_command_timeout
  pipelining:
    description:
      - Send modules on the command's standard input instead of copying them first.
    type: bool
    default: true
    env:
      - name: ANSIBLE_PIPELINING
    ini:
      - section: defaults
        key: pipelining
    vars:
      - name: ansible_pipelining
notes:
  - The agent returns a command's output when the command has exited, at most 16 MiB of each stream;
    longer output fails the task rather than being cut short silently.
  - The agent keeps no session - every command starts afresh, so environment changes do not carry
    over between tasks (as with SSH).
"""

EXAMPLES = r"""
# inventory.yml: two instances on a hypervisor, reached through their guest agents
all:
  vars:
    ansible_connection: virtops.libvirt.agent
    ansible_libvirt_uri: qemu+ssh://root@hv1.example.com/system
  hosts:
    web1:
    db1:
      ansible_libvirt_domain: db1.prod    # the domain's name when it differs from the host's

# playbook.yml
# - name: Configure instances before they have a network
#   hosts: all
#   tasks:
#     - name: Write the network configuration
#       ansible.builtin.copy:
#         src: interfaces
#         dest: /etc/network/interfaces
#         mode: "0644"
"""

import os

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    HAS_LIBVIRT, error_text, libvirt, lookup_or_none, open_connection,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.agent import Agent
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest

display = Display()

# Bytes of a fetched file one guest-file-read returns (replies may be long; requests may not).
FETCH_CHUNK = 1024 * 1024
# Seconds one agent call of a file copy may take (a chunk through the virtio-serial channel).
TRANSFER_CALL_TIMEOUT = 120


class Connection(ConnectionBase):
    """Ansible's connection to a libvirt instance through its QEMU guest agent."""

    transport = "virtops.libvirt.agent"
    has_pipelining = True
    # The agent gives a command no terminal: a become method that needs one cannot be used.
    has_tty = False

    def __init__(self, *args, **kwargs):
        super(Connection, self).__init__(*args, **kwargs)
        self._conn = None
        self._agent = None

    def _connect(self):
        if self._connected:
            return self
        if not HAS_LIBVIRT:
            raise AnsibleConnectionFailure("the virtops.libvirt.agent connection needs libvirt-python on the controller")
        uri, name = self.get_option("uri"), self.get_option("remote_addr")
        try:
            self._conn = open_connection(uri)
            dom = lookup_or_none(self._conn.lookupByName, "NO_DOMAIN", name)
            if dom is None:
                raise VirtopsError("there is no domain %s at %s" % (name, uri))
            if not dom.isActive():
                raise VirtopsError("domain %s at %s is not running; its guest agent runs only while it runs" % (name, uri))
            self._agent = Agent(Guest(self._conn, dom))
            waited = self._agent.wait_until_answering(self.get_option("agent_timeout"))
        except (VirtopsError, libvirt.libvirtError) as exc:
            self._close_libvirt()
            raise AnsibleConnectionFailure("virtops.libvirt.agent: %s" % _reason(exc))
        display.vvv("the guest agent of %s at %s answered after %.1f s" % (name, uri, waited), host=name)
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        display.vvv("EXEC %s" % cmd, host=self.get_option("remote_addr"))
        try:
            result = self._agent.wait_bytes("/bin/sh", self._agent.start("/bin/sh", ["-c", cmd], in_data),
                                            self.get_option("command_timeout"))
        except (VirtopsError, libvirt.libvirtError) as exc:
            raise AnsibleConnectionFailure("virtops.libvirt.agent: %s" % _reason(exc))
        if result["stdout_truncated"] or result["stderr_truncated"]:
            raise AnsibleError("virtops.libvirt.agent: the guest agent cut the output of the command short (it keeps at "
                               "most 16 MiB of each stream); write long output to a file and fetch it")
        exit_code = result["exit_code"]
        if exit_code is None:  # killed by a signal: as a shell reports it
            exit_code = 128 + (result["signal"] or 0)
        return exit_code, result["stdout"], result["stderr"]

    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        self._connect()
        display.vvv("PUT %s TO %s" % (in_path, out_path), host=self.get_option("remote_addr"))
        b_in_path = to_bytes(in_path, errors="surrogate_or_strict")
        if not os.path.exists(b_in_path):
            raise AnsibleFileNotFound("file or module does not exist: %s" % in_path)
        try:
            with open(b_in_path, "rb") as handle:
                self._agent.write_file(out_path, handle, TRANSFER_CALL_TIMEOUT)
        except (VirtopsError, libvirt.libvirtError) as exc:
            raise AnsibleError("virtops.libvirt.agent: copying %s to %s in the guest failed: %s" % (in_path, out_path, _reason(exc)))

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        self._connect()
        display.vvv("FETCH %s TO %s" % (in_path, out_path), host=self.get_option("remote_addr"))
        b_out_path = to_bytes(out_path, errors="surrogate_or_strict")
        partial = b_out_path + b".part"
        try:
            with open(partial, "wb") as handle:
                for chunk in self._agent.read_chunks(in_path, FETCH_CHUNK, TRANSFER_CALL_TIMEOUT):
                    handle.write(chunk)
            os.rename(partial, b_out_path)
        except (VirtopsError, libvirt.libvirtError) as exc:
            raise AnsibleError("virtops.libvirt.agent: fetching %s from the guest failed: %s" % (in_path, _reason(exc)))
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def reset(self):
        self.close()

    def close(self):
        self._close_libvirt()
        self._connected = False

    def _close_libvirt(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except libvirt.libvirtError:
                pass
        self._conn, self._agent = None, None


def _reason(exc):
    return exc.msg if isinstance(exc, VirtopsError) else error_text(exc)
