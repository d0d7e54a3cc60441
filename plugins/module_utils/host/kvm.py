# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host facts and the KVM probe behind ``virt_type: auto``.

A present /dev/kvm proves nothing: on some hosts (nested virtualisation gone wrong) KVM starts and
even runs the BIOS, then hangs once a guest kernel switches modes. So KVM counts as usable only
when a real Linux kernel, started under ``-accel kvm``, prints its banner within a few seconds.
The verdict is cached per boot (under /run) so each module run does not pay for the probe.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import platform
import subprocess
import tempfile
import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import is_local_uri
from ansible_collections.virtops.libvirt.plugins.module_utils.common.waits import Deadline
from ansible_collections.virtops.libvirt.plugins.module_utils.host.capabilities import domain_capabilities

PROBE_CACHE = "/run/virtops-libvirt/kvm-probe.json"
PROBE_TIMEOUT = 8.0
KERNEL_BANNER = b"Linux version"


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return "unknown"


def _probe_kernel():
    """The running kernel's image if /boot has it, else the newest one there."""
    running = "/boot/vmlinuz-%s" % platform.release()
    if os.access(running, os.R_OK):
        return running
    candidates = sorted(path for path in glob.glob("/boot/vmlinuz-*") if os.access(path, os.R_OK))
    return candidates[-1] if candidates else None


def _kvm_capabilities(conn, arch):
    """(emulator path, None) when libvirt offers KVM for ``arch``, else (None, reason)."""
    try:
        return domain_capabilities(conn, "kvm", arch).emulator, None
    except VirtopsError as exc:
        return None, "libvirt offers no KVM here: %s" % exc.msg


def _run_probe(emulator, kernel):
    """Boot ``kernel`` under KVM with no root disk; True when its banner reaches the serial port."""
    with tempfile.NamedTemporaryFile(prefix="virtops-kvm-probe-", suffix=".log") as serial:
        command = [
            emulator, "-accel", "kvm", "-machine", "pc", "-nodefaults", "-no-user-config",
            "-display", "none", "-m", "128", "-no-reboot", "-kernel", kernel,
            "-append", "console=ttyS0 panic=-1", "-serial", "file:%s" % serial.name,
        ]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = Deadline(PROBE_TIMEOUT)
        seen = False
        try:
            while not deadline.expired() and not seen:
                with open(serial.name, "rb") as handle:
                    seen = KERNEL_BANNER in handle.read()
                if not seen:
                    if process.poll() is not None:
                        break
                    time.sleep(0.1)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    return seen


def kvm_probe(conn, arch=None, kernel=None):
    """Whether KVM really runs guests here: {'usable', 'method', 'reason'}.

    KVM counts as usable only when a guest kernel was seen running under it. When no such boot
    can be tried (remote URI, no kernel image, another architecture), the answer is 'not
    proven', so ``virt_type: auto`` falls back to TCG and the reason says how to choose KVM.
    """
    arch = arch or platform.machine()
    emulator, reason = _kvm_capabilities(conn, arch)
    if emulator is None:
        return dict(usable=False, method="capabilities", reason=reason)
    if not is_local_uri(conn.getURI()):
        return dict(usable=False, method="none",
                    reason="libvirt offers KVM, but a remote URI cannot be probed from here; "
                           "set virt_type=kvm to use it")
    if arch not in ("x86_64", "i686"):
        return dict(usable=False, method="none",
                    reason="libvirt offers KVM, but the boot probe supports x86 only; set virt_type=kvm to use it")
    kernel = kernel or _probe_kernel()
    if kernel is None or not os.access(kernel, os.R_OK):
        return dict(usable=False, method="none",
                    reason="libvirt offers KVM, but there is no kernel image (%s) to boot under it; "
                           "give kvm_probe_kernel or set virt_type=kvm" % (kernel or "/boot/vmlinuz-*"))
    key = "%s|%s|%s|%s" % (_boot_id(), emulator, os.path.getmtime(emulator), kernel)
    try:
        with open(PROBE_CACHE) as handle:
            cached = json.load(handle)
        if cached.get("key") == key:
            return cached["result"]
    except (IOError, OSError, ValueError, KeyError):
        pass
    if _run_probe(emulator, kernel):
        result = dict(usable=True, method="boot", reason="%s booted under KVM" % kernel)
    else:
        result = dict(usable=False, method="boot",
                      reason="%s printed nothing within %ss under KVM: KVM is present but does "
                             "not run guests here" % (kernel, PROBE_TIMEOUT))
    try:
        os.makedirs(os.path.dirname(PROBE_CACHE), exist_ok=True)
        with open(PROBE_CACHE, "w") as handle:
            json.dump(dict(key=key, result=result), handle)
    except (IOError, OSError):
        pass  # not root, or /run read-only: probe again next time
    return result


def resolve_virt_type(conn, requested, arch=None, probe_kernel=None):
    """'kvm' or 'qemu' for the requested virt_type; the probe's verdict when 'auto'."""
    if requested != "auto":
        return requested, None
    probe = kvm_probe(conn, arch, probe_kernel)
    return ("kvm" if probe["usable"] else "qemu"), probe
