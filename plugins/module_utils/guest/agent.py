# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The QEMU guest agent of one guest: is it there, wait until it answers, and the calls built from
several agent commands (run a program and collect its output, read a file), each with plain
data out and a clear error when the agent is missing or silent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline, wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.monitor import qmp_reply
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import GUEST_AGENT_CHANNEL

COMMAND_TIMEOUT = 5  # seconds libvirt waits for one agent reply
READ_CHUNK = 48 * 1024  # bytes per guest-file-read (its reply is base64 in one JSON message)


class Agent:
    """The guest agent of ``guest`` (a running Guest)."""

    def __init__(self, guest):
        self.guest = guest

    def channel_state(self):
        """'connected', 'disconnected', or None when the domain has no agent channel."""
        for channel in self.guest.live_config().channels:
            if channel.target_name == GUEST_AGENT_CHANNEL:
                return channel.state or "disconnected"
        return None

    def call(self, command, arguments=None, timeout=COMMAND_TIMEOUT):
        """One agent command; its ``return`` value, or VirtopsError with the agent's reason."""
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        try:
            text = self.guest.agent_command(json.dumps(message), timeout)
        except libvirt_errors() as exc:
            raise VirtopsError("the guest agent of %s did not do %s: %s" % (self.guest.name, command, error_text(exc)))
        return qmp_reply(text, "the guest agent of %s" % self.guest.name, command) if text else None

    def wait_until_answering(self, timeout):
        """Wait until the agent answers guest-ping (it starts with the guest); seconds waited."""
        deadline = Deadline(timeout)
        if self.channel_state() is None:
            raise VirtopsError("domain %s has no guest agent channel; give it one (guest_agent: true in "
                               "virtops.libvirt.domain) and run the QEMU guest agent in the guest" % self.guest.name)

        def why_not_answering():
            """None once guest-ping is answered, else why not."""
            if self.channel_state() != "connected":
                return "its channel is not connected (no agent is running in the guest)"
            try:
                self.call("guest-ping", timeout=max(1, min(COMMAND_TIMEOUT, int(deadline.remaining()) or 1)))
            except VirtopsError as exc:
                return exc.msg
            return None

        answered, why = wait_until(why_not_answering, lambda reason: reason is None, timeout, interval=0.5)
        if not answered:
            raise VirtopsError("the guest agent of %s did not answer within %d s: %s" % (self.guest.name, timeout, why))
        return round(deadline.elapsed(), 3)

    def start(self, path, args, stdin):
        """Start ``path`` with ``args`` in the guest; its pid. Raises VirtopsError (nothing ran)
        when the agent refuses: no such program, input it does not take."""
        arguments = {"path": path, "arg": list(args), "capture-output": True}
        if stdin is not None:
            arguments["input-data"] = base64.b64encode(stdin.encode("utf-8")).decode("ascii")
        return self.call("guest-exec", arguments)["pid"]

    def run(self, path, args, stdin, timeout, started=None):
        """Run ``path`` with ``args`` in the guest; its exit code, output and error output.
        ``started(pid)`` is called once the program runs."""
        pid = self.start(path, args, stdin)
        if started is not None:
            started(pid)
        return self.wait(path, pid, timeout)

    def wait(self, path, pid, timeout):
        """Wait for the program ``pid`` started to exit; its exit code and output."""
        exited, status = wait_until(lambda: self.call("guest-exec-status", {"pid": pid}),
                                    lambda found: found.get("exited"), timeout)
        if not exited:
            raise VirtopsError("%s (pid %d in the guest) did not finish within %d s; it may still run"
                               % (path, pid, timeout), pid=pid)
        return dict(pid=pid, exit_code=status.get("exitcode"), signal=status.get("signal"),
                    stdout=_decoded(status.get("out-data")), stderr=_decoded(status.get("err-data")),
                    stdout_truncated=bool(status.get("out-truncated")),
                    stderr_truncated=bool(status.get("err-truncated")))

    def read_file(self, path, max_bytes):
        """Up to ``max_bytes`` of the guest file ``path``: (bytes, whether the file was longer)."""
        handle = self.call("guest-file-open", {"path": path, "mode": "r"})
        data = b""
        try:
            while len(data) < max_bytes:
                chunk = self.call("guest-file-read", {"handle": handle, "count": min(READ_CHUNK, max_bytes - len(data))})
                data += base64.b64decode(chunk.get("buf-b64", ""))
                if chunk.get("eof") or not chunk.get("count"):
                    return data, False
            more = self.call("guest-file-read", {"handle": handle, "count": 1})
            return data, bool(more.get("count"))
        finally:
            self.call("guest-file-close", {"handle": handle})


def _decoded(b64):
    return base64.b64decode(b64).decode("utf-8", "replace") if b64 else ""


def shape_info(info):
    """libvirt's flat guest info ({'os.id': ..., 'user.0.name': ...}) as nested plain data."""
    def items(prefix):
        count = int(info.get("%s.count" % prefix, 0))
        found = []
        for index in range(count):
            head = "%s.%d." % (prefix, index)
            found.append(dict((key[len(head):].replace(".", "_").replace("-", "_"), value)
                              for key, value in info.items() if key.startswith(head)))
        return found

    os_info = dict((key[3:].replace("-", "_"), value) for key, value in info.items() if key.startswith("os."))
    timezone = dict((key[9:], value) for key, value in info.items() if key.startswith("timezone."))
    return dict(os=os_info, hostname=info.get("hostname"), users=items("user"),
                filesystems=items("fs"), timezone=timezone)


def shape_interfaces(interfaces):
    """libvirt's interface addresses ({name: {'hwaddr', 'addrs': [...]}}) as a sorted list."""
    types = {0: "ipv4", 1: "ipv6"}
    return [dict(name=name, mac=value.get("hwaddr"),
                 addresses=[dict(type=types.get(address.get("type"), address.get("type")),
                                 address=address.get("addr"), prefix=address.get("prefix"))
                            for address in value.get("addrs") or []])
            for name, value in sorted(interfaces.items())]
