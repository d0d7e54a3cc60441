"""A heavy guest migrated with the default controls and with ``strategy: auto``, in the same run.

The guest (192 MiB, TCG) rewrites 32 MiB of its memory without end, faster than the 16 MiB/s the
migration is capped at, so plain pre-copy does not converge. Both attempts go from the source to
the destination of the test bed's two namespaced hosts (tests/testbed/migration_hosts.py) with the
same limits - 16 MiB/s, a 60 s completion timeout; ``auto`` may use auto-converge and post-copy.
Prints for each: whether it completed, wall seconds, libvirt's downtime, and for ``auto`` the
strategy it chose and its predicted against measured seconds. The guest is virtops-bench-heavy;
everything is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time

import libvirt

from bench_migrate import HERE, module_run  # noqa: F401  pylint: disable=unused-import

sys.path.insert(0, HERE + "/../tests/testbed")
from migration_hosts import MigrationHosts  # noqa: E402  pylint: disable=wrong-import-position

NAME = "virtops-bench-heavy"
LIMITS = {"bandwidth_mib": 16, "completion_timeout": 60}


def guest_xml(guest):
    return f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>192</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest['kernel']}</kernel>
<initrd>{guest['initrd']}</initrd><cmdline>console=ttyS0 quiet virtops.dirty=32</cmdline></os>
<devices><serial type='pty'/><memballoon model='virtio'><stats period='2'/></memballoon></devices></domain>"""


def attempt(root, facts, workdir, **options):
    args = dict(LIMITS, name=NAME, uri=facts["src_uri"], dest_uri=facts["dst_uri"], peer_uri=facts["dst_peer_uri"],
                persist=False, **options)
    elapsed, result = module_run(root, args, workdir)
    progress = result.get("progress") or {}
    return dict(completed=bool(result.get("migrated")), seconds=round(elapsed, 1), downtime_ms=progress.get("downtime_ms"),
                prediction=result.get("prediction"), msg=result.get("msg"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="a directory holding ansible_collections/virtops/libvirt")
    parser.add_argument("--guest", required=True, help="JSON printed by tests/testbed/guest_image.py")
    parser.add_argument("--cache-dir")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    workdir = tempfile.mkdtemp(prefix="virtops-bench-strategy.")
    hosts = MigrationHosts(workdir, args.cache_dir)
    try:
        facts = hosts.up()
        conn = libvirt.open(facts["src_uri"])
        conn.createXML(guest_xml(json.loads(args.guest)), 0)
        conn.close()
        time.sleep(20)  # booted, and dirtying
        default = attempt(args.root, facts, workdir)
        auto = attempt(args.root, facts, workdir, strategy="auto", auto_converge=True, post_copy=True)
        print("a 192 MiB TCG guest rewriting 32 MiB without end, migrated at %d MiB/s with a %d s completion timeout"
              % (LIMITS["bandwidth_mib"], LIMITS["completion_timeout"]))
        for label, outcome in (("default controls", default), ("strategy auto", auto)):
            print("  %-17s completed=%s  %.1f s  downtime %s ms%s" % (
                label, outcome["completed"], outcome["seconds"], outcome["downtime_ms"],
                "" if outcome["completed"] else "  (%s)" % (outcome["msg"] or "")[:120]))
        prediction = auto["prediction"] or {}
        if prediction.get("actual"):
            print("  auto chose %s: predicted %.1f s, measured %.1f s (error %+d %%); default/auto wall time %.2f"
                  % (prediction["strategy"], prediction["predicted"]["seconds"], prediction["actual"]["seconds"],
                     prediction.get("seconds_error_pct", 0), default["seconds"] / auto["seconds"]))
    finally:
        hosts.down()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
