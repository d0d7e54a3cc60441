"""Backups of a running guest's 1 GiB data disk: a full point after 300 MiB were written, an
incremental one after 10 MiB more changed, and ``qemu-img convert`` of the same disk in the same run.

The guest (TCG, the test guest with its agent) runs on the local libvirtd (qemu:///system, which
bench/run.sh starts when it is not running); it writes through its agent with direct I/O. Prints
each backup's wall seconds and image size, and the ratios the issue sets targets for: the
incremental point's time and size against the full one's (at most 0.1 each) and the full point's
time against ``qemu-img convert -t writeback -O qcow2`` of the disk (at most 1.2; writeback: the copy
is flushed to the disk before convert returns, as a backup job's target is when libvirt closes it). Everything it made (the
domain virtops-bench-backup, its checkpoints, the images) is removed at the end.

Before each timed step everything written so far is synced. ``--cache cold`` (the default) then
drops the disk image's pages from the host's page cache (``posix_fadvise(DONTNEED)`` on that file
alone), so that each step reads the disk as a backup of data written long before does; ``--cache
warm`` leaves the data the guest just wrote in the cache.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import time

import libvirt
import libvirt_qemu

from bench_migrate import module_run

NAME = "virtops-bench-backup"
URI = "qemu:///system"
MIB = 1024 * 1024


def guest_xml(guest, disk):
    return f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest['kernel']}</kernel>
<initrd>{guest['initrd']}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/>
<target dev='vda' bus='virtio'/></disk><serial type='pty'/>
<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>"""


def agent(dom, command, arguments=None, timeout=10):
    message = {"execute": command}
    if arguments:
        message["arguments"] = arguments
    return json.loads(libvirt_qemu.qemuAgentCommand(dom, json.dumps(message), timeout, 0))["return"]


def wait_for_agent(dom, seconds=300):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return agent(dom, "guest-ping")
        except libvirt.libvirtError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def guest_shell(dom, script):
    """Run ``script`` with the guest's /bin/sh and wait for it; its exit code."""
    pid = agent(dom, "guest-exec", {"path": "/bin/sh", "arg": ["-c", script], "capture-output": True})["pid"]
    while True:
        status = agent(dom, "guest-exec-status", {"pid": pid})
        if status["exited"]:
            if status.get("exitcode"):
                raise SystemExit("the guest's %r failed: %s" % (script, base64.b64decode(status.get("err-data", ""))))
            return status["exitcode"]
        time.sleep(1)


def settle(path, cold):
    """Before a timed step: what earlier steps wrote goes to the disk first (its write-back would
    slow this step down), and with ``cold`` the pages of ``path`` leave the page cache, so that
    the step reads it from the disk."""
    os.sync()
    if cold:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def backup(root, workdir, dest, point):
    elapsed, result = module_run(root, {"name": NAME, "uri": URI, "dest": dest, "point": point}, workdir, "backup")
    if result.get("failed"):
        raise SystemExit("the backup module failed: %s" % result.get("msg"))
    point = result["point"]
    return elapsed, point["job_ms"] / 1000.0, point["disks"]["vda"]["size"], result["plan"]["kind"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="a directory holding ansible_collections/virtops/libvirt")
    parser.add_argument("--guest", required=True, help="JSON printed by tests/testbed/guest_image.py")
    parser.add_argument("--workdir", required=True, help="a directory the domain's images may live in")
    parser.add_argument("--cache", choices=["cold", "warm"], default="cold",
                        help="cold: the disk image's pages dropped from the page cache before each read")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    workdir = os.path.join(args.workdir, "bench-backup")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    disk = os.path.join(workdir, "data.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "1G"], check=True)
    conn = libvirt.open(URI)
    dom = conn.defineXML(guest_xml(json.loads(args.guest), disk))
    try:
        dom.create()
        wait_for_agent(dom)
        # sync: the guest's flush makes QEMU write its qcow2 metadata, so the paused disk's file is whole
        guest_shell(dom, "dd if=/dev/urandom of=/dev/vda bs=1M count=300 oflag=direct 2>/dev/null && sync")
        cold = args.cache == "cold"
        settle(disk, cold)
        full_s, full_job_s, full_size, full_kind = backup(args.root, workdir, os.path.join(workdir, "backups"), "full")
        # the peer copies the same disk with the guest paused (a copy of a running qcow2 image is not consistent)
        copy = os.path.join(workdir, "convert.qcow2")
        dom.suspend()
        settle(disk, cold)
        started = time.monotonic()
        # -t writeback: the copy is on the disk when convert returns, as a backup point's images are
        # (convert's own default, unsafe, leaves it in the page cache)
        subprocess.run(["qemu-img", "convert", "-U", "-t", "writeback", "-O", "qcow2", disk, copy], check=True)
        convert_s = time.monotonic() - started
        dom.resume()
        copy_size = json.loads(subprocess.run(["qemu-img", "info", "--output=json", copy], check=True,
                                              capture_output=True, text=True).stdout)["actual-size"]
        guest_shell(dom, "dd if=/dev/urandom of=/dev/vda bs=1M count=10 seek=500 oflag=direct 2>/dev/null && sync")
        settle(disk, cold)
        inc_s, inc_job_s, inc_size, inc_kind = backup(args.root, workdir, os.path.join(workdir, "backups"),
                                                      "incremental")
        assert (full_kind, inc_kind) == ("full", "incremental"), (full_kind, inc_kind)
        print("backup of a 1 GiB data disk (300 MiB written, then 10 MiB changed), TCG guest, local disk, %s page cache"
              % args.cache)
        print("                      module run  backup job   image")
        print("  full point          %6.2f s    %6.2f s   %7.1f MiB" % (full_s, full_job_s, full_size / float(MIB)))
        print("  incremental point   %6.2f s    %6.2f s   %7.1f MiB" % (inc_s, inc_job_s, inc_size / float(MIB)))
        print("  qemu-img convert    %6.2f s                %7.1f MiB" % (convert_s, copy_size / float(MIB)))
        print("  incremental/full: module run %.3f, backup job %.3f (target <= 0.1), size %.3f (target <= 0.1)"
              % (inc_s / full_s, inc_job_s / full_job_s, inc_size / float(full_size)))
        print("  full/qemu-img convert: module run %.2f, backup job %.2f (target <= 1.2)"
              % (full_s / convert_s, full_job_s / convert_s))
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
        conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
