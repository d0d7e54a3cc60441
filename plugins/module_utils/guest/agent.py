# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The QEMU guest agent of one guest: is it there, wait until it answers, and the calls built from
several agent commands (run a program and collect its output, read a file), each with plain
data out and a clear error when the agent is missing or silent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import io
import json
import uuid

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline, wait_until
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.monitor import qmp_reply
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import GUEST_AGENT_CHANNEL

COMMAND_TIMEOUT = 5  # seconds libvirt waits for one agent reply
READ_CHUNK = 48 * 1024  # bytes per guest-file-read (its reply is base64 in one JSON message)
# A request to the agent of more than about 200 KB is never answered, and the agent stays silent
# for a while after it (seen with QEMU 7.2's agent: 200 KB answered, 253 KB not; replies of 2.6 MB
# come back). Data sent to the guest therefore goes in requests well under that.
WRITE_CHUNK = 96 * 1024  # bytes per guest-file-write
INLINE_INPUT_MAX = WRITE_CHUNK  # standard input sent inside guest-exec (one request too); more is staged in a file
STAGED_INPUT_DIR = "/tmp"


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
            reason = error_text(exc)
            if "has been disabled" in reason:
                reason += "; the agent's configuration disables it (qemu-ga's block-rpcs or allow-rpcs)"
            raise VirtopsError("the guest agent of %s did not do %s: %s" % (self.guest.name, command, reason))
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
        """Start ``path`` with ``args`` in the guest; its pid. ``stdin`` (text or bytes) is its
        standard input. Raises VirtopsError (nothing ran) when the agent refuses: no such
        program, input it does not take, guest-exec disabled in the agent's configuration."""
        arguments = {"path": path, "arg": list(args), "capture-output": True}
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        if data is not None and len(data) > INLINE_INPUT_MAX:
            # Too long for one request: written to a file first, which the program reads as its
            # standard input through /bin/sh; the file is removed once opened.
            staged = "%s/.virtops-agent-input-%s" % (STAGED_INPUT_DIR, uuid.uuid4().hex)
            self.write_file(staged, io.BytesIO(data))
            arguments["path"] = "/bin/sh"
            arguments["arg"] = ["-c", 'exec <"$0" && rm -f "$0" && exec "$@"', staged, path] + list(args)
        elif data is not None:
            arguments["input-data"] = base64.b64encode(data).decode("ascii")
        return self.call("guest-exec", arguments)["pid"]

    def run(self, path, args, stdin, timeout, started=None):
        """Run ``path`` with ``args`` in the guest; its exit code, output and error output.
        ``started(pid)`` is called once the program runs."""
        pid = self.start(path, args, stdin)
        if started is not None:
            started(pid)
        return self.wait(path, pid, timeout)

    def wait(self, path, pid, timeout):
        """Wait for the program ``pid`` started to exit; its exit code and output as text."""
        result = self.wait_bytes(path, pid, timeout)
        result.update(stdout=result["stdout"].decode("utf-8", "replace"), stderr=result["stderr"].decode("utf-8", "replace"))
        return result

    def wait_bytes(self, path, pid, timeout):
        """Wait for the program ``pid`` started to exit; its exit code and output as bytes."""
        exited, status = wait_until(lambda: self.call("guest-exec-status", {"pid": pid}),
                                    lambda found: found.get("exited"), timeout)
        if not exited:
            raise VirtopsError("%s (pid %d in the guest) did not finish within %d s; it may still run"
                               % (path, pid, timeout), pid=pid)
        return dict(pid=pid, exit_code=status.get("exitcode"), signal=status.get("signal"),
                    stdout=base64.b64decode(status.get("out-data") or ""), stderr=base64.b64decode(status.get("err-data") or ""),
                    stdout_truncated=bool(status.get("out-truncated")),
                    stderr_truncated=bool(status.get("err-truncated")))

    def read_file(self, path, max_bytes):
        """Up to ``max_bytes`` of the guest file ``path``: (bytes, whether the file was longer)."""
        data = b""
        with self._open(path, "r") as handle:
            while len(data) < max_bytes:
                chunk, eof = self._read(handle, min(READ_CHUNK, max_bytes - len(data)), COMMAND_TIMEOUT)
                data += chunk
                if eof:
                    return data, False
            more, _eof = self._read(handle, 1, COMMAND_TIMEOUT)
            return data, bool(more)

    def read_chunks(self, path, chunk_size, timeout=COMMAND_TIMEOUT):
        """The guest file ``path``, in chunks of at most ``chunk_size`` bytes (a generator)."""
        with self._open(path, "r") as handle:
            while True:
                chunk, eof = self._read(handle, chunk_size, timeout)
                if chunk:
                    yield chunk
                if eof:
                    return

    def write_file(self, path, stream, timeout=COMMAND_TIMEOUT):
        """Write the guest file ``path`` (created or emptied) from ``stream`` (a binary file object),
        WRITE_CHUNK bytes per request; bytes written."""
        written = 0
        with self._open(path, "w") as handle:
            for chunk in iter(lambda: stream.read(WRITE_CHUNK), b""):
                while chunk:
                    encoded = base64.b64encode(chunk).decode("ascii")
                    count = self.call("guest-file-write", {"handle": handle, "buf-b64": encoded}, timeout)["count"]
                    if count <= 0:
                        raise VirtopsError("the guest agent of %s wrote nothing of %d bytes to %s" % (self.guest.name, len(chunk), path))
                    written += count
                    chunk = chunk[count:]
        return written

    def _read(self, handle, count, timeout):
        """(bytes, end of file) from one guest-file-read."""
        chunk = self.call("guest-file-read", {"handle": handle, "count": count}, timeout)
        data = base64.b64decode(chunk.get("buf-b64", ""))
        return data, bool(chunk.get("eof") or not chunk.get("count"))

    def _open(self, path, mode):
        return _GuestFile(self, path, mode)


class _GuestFile:
    """A file opened by the guest agent, closed on leaving the ``with`` block."""

    def __init__(self, agent, path, mode):
        self.agent, self.path, self.mode = agent, path, mode
        self.handle = None

    def __enter__(self):
        self.handle = self.agent.call("guest-file-open", {"path": self.path, "mode": self.mode})
        return self.handle

    def __exit__(self, *exc_info):
        try:
            self.agent.call("guest-file-close", {"handle": self.handle})
        except VirtopsError:
            if exc_info[0] is None:
                raise
        return False


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
