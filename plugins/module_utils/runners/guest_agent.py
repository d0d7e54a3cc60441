# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``guest_agent`` module: one action through the QEMU guest agent of a running guest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import MAX_TIMEOUT
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.agent import (
    Agent, shape_info, shape_interfaces,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest

# The most read_file returns: the result holds it twice (text and base64) in one JSON message.
MAX_READ_BYTES = 16 * 1024 * 1024
ACTIONS = ("ping", "info", "interfaces", "exec", "read_file", "freeze", "thaw", "freeze_status", "set_password")
GUEST_AGENT_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    action=dict(type="str", default="ping", choices=list(ACTIONS)),
    wait_timeout=dict(type="int", default=60),
    command=dict(type="str"),
    args=dict(type="list", elements="str", default=[]),
    stdin=dict(type="str"),
    exec_timeout=dict(type="int", default=60),
    path=dict(type="str"),
    max_bytes=dict(type="int", default=1048576),
    mountpoints=dict(type="list", elements="str"),
    user=dict(type="str"),
    password=dict(type="str", no_log=True),
    crypted=dict(type="bool", default=False),
)
REQUIRED = dict(exec=("command",), read_file=("path",), set_password=("user", "password"))


class GuestAgentRunner(Runner):
    # Sent to the agent inside JSON (escaped there), never into libvirt's XML.
    FREE_TEXT_OPTIONS = ("command", "args", "stdin", "path", "mountpoints", "user", "password")
    BINARY_OPTIONS = ("stdin",)  # sent base64-encoded

    def subject(self):
        return "guest agent of %s" % self.params["name"]

    def run(self):
        p = self.params
        missing = [option for option in REQUIRED.get(p["action"], ()) if not p[option]]
        if missing:
            raise VirtopsError("action %s needs %s" % (p["action"], ", ".join(missing)))
        for option, maximum in (("wait_timeout", MAX_TIMEOUT), ("exec_timeout", MAX_TIMEOUT),
                                ("max_bytes", MAX_READ_BYTES)):
            if not 0 <= p[option] <= maximum:
                raise VirtopsError("%s must be between 0 and %d, got %d" % (option, maximum, p[option]))
        guest = Guest.lookup(self.conn, p["name"])
        if guest is None:
            raise VirtopsError("domain %s does not exist" % p["name"])
        if guest.state() != "running":
            raise VirtopsError("domain %s is %s; its guest agent answers only while it runs" % (p["name"], guest.state()))
        self.agent = Agent(guest)
        self.guest = guest
        self.result.update(name=p["name"], action=p["action"])
        self.result["waited_s"] = self.agent.wait_until_answering(p["wait_timeout"])
        getattr(self, "_" + p["action"])()
        return self.result

    def _typed(self, what, call, *args):
        try:
            return call(*args)
        except libvirt_errors() as exc:
            raise VirtopsError("%s through the guest agent of %s failed: %s" % (what, self.params["name"], error_text(exc)))

    def _ping(self):
        """The wait above is the ping."""

    def _info(self):
        self.result.update(shape_info(self._typed("reading guest info", self.guest.agent_info)))

    def _interfaces(self):
        self.result["interfaces"] = shape_interfaces(self._typed("reading interfaces", self.guest.agent_interfaces))

    def _exec(self):
        p = self.params
        self.result["executed"] = False
        action = "run %s in the guest" % " ".join([p["command"]] + p["args"])
        if self.check_mode:
            self.recorder.record(action)
            self.warn("check mode: %s was not run in the guest" % p["command"])
            return

        def started(_pid):
            # A change only once the agent has started the program: a refusal (no such program,
            # input the agent does not take) ran nothing.
            self.recorder.record(action)
            self.result["executed"] = True
        self.result.update(self.agent.run(p["command"], p["args"], p["stdin"], p["exec_timeout"], started))

    def _read_file(self):
        p = self.params
        data, truncated = self.agent.read_file(p["path"], p["max_bytes"])
        self.result.update(path=p["path"], size=len(data), truncated=truncated,
                           content=data.decode("utf-8", "replace"),
                           content_base64=base64.b64encode(data).decode("ascii"))

    def _freeze_status(self):
        self.result["status"] = self.agent.call("guest-fsfreeze-status")

    def _freeze(self):
        self._freeze_or_thaw("frozen", "freeze", self.guest.fs_freeze)

    def _thaw(self):
        self._freeze_or_thaw("thawed", "thaw", self.guest.fs_thaw)

    def _freeze_or_thaw(self, wanted, verb, call):
        status = self.agent.call("guest-fsfreeze-status")
        self.result["status"] = status
        if status == wanted:
            return
        mountpoints = self.params["mountpoints"]
        which = " " + ", ".join(mountpoints) if mountpoints else ""
        count = self.recorder.record("%s the guest's filesystems%s" % (verb, which), call, mountpoints)
        if not self.check_mode:
            self.result.update(filesystems=count, status=self.agent.call("guest-fsfreeze-status"))

    def _set_password(self):
        p = self.params
        # A password cannot be read back to compare, so setting it is always a change.
        self.recorder.record("set the password of %s" % p["user"], self.guest.set_user_password,
                             p["user"], p["password"], p["crypted"])
