"""Drain a host of eight small guests: up to four migrations at once against one by one.

Both runs use the migrations module on the test bed's four namespaced libvirt hosts
(tests/testbed/migration_hosts.py), every migration capped at the same bandwidth (32 MiB/s),
live, peer-to-peer. The eight guests (128 MiB, TCG, no disk) start on the first host; the first
run empties it into the three others with max_parallel 4, max_outbound 4, max_inbound 2; then the
guests are brought back (not timed) and the second run empties it one migration at a time (all
bounds 1, as Nova's default of one live migration per host and the evacuate role before this
release). The module runs as Ansible runs it on a host (its own Python process, arguments in a JSON
file). Prints both wall times and the ratio (target: at most 0.35), the peak concurrency the
module measured per host, and every downtime. Guests are virtops-bench-drain-*; everything is
removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "testbed"))
from migration_hosts import MigrationHosts  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = "virtops-bench-drain-"
COUNT = 8
BANDWIDTH_MIB = 32


def guest_xml(name, guest, shared):
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest['kernel']}</kernel>
<initrd>{guest['initrd']}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/><apic/></features><devices>
<serial type='file'><source path='{shared}/{name}-console.log' append='on'/></serial></devices></domain>"""


def drain(root, hosts, source, bounds, workdir):
    args = {"ANSIBLE_MODULE_ARGS": dict(
        hosts=[dict(uri=h["uri"], peer_uri=h["peer_uri"], memory_mb=4096) for h in hosts],
        drain=source if isinstance(source, list) else [source], max_parallel=bounds[0], max_outbound=bounds[1], max_inbound=bounds[2],
        migrate_options=dict(bandwidth_mib=BANDWIDTH_MIB))}
    path = os.path.join(workdir, "args.json")
    with open(path, "w") as handle:
        json.dump(args, handle)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ansible_collections.virtops.libvirt.plugins.modules.migrations",
                           path], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=root), check=False)
    elapsed = time.monotonic() - started
    result = json.loads(done.stdout)
    if result.get("failed") or len(result.get("moved", [])) == 0:
        raise SystemExit("the drain failed: %s" % result.get("msg", result))
    return elapsed, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="a directory holding ansible_collections/virtops/libvirt")
    parser.add_argument("--guest", required=True, help="JSON printed by tests/testbed/guest_image.py")
    parser.add_argument("--cache-dir")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    workdir = tempfile.mkdtemp(prefix="virtops-bench-drain.")
    testbed = MigrationHosts(workdir, args.cache_dir)
    try:
        facts = testbed.up()
        hosts = facts["hosts"]
        source = hosts[0]["hostname"]
        conn = libvirt.open(hosts[0]["uri"])
        for index in range(COUNT):
            conn.defineXML(guest_xml("%s%d" % (PREFIX, index), json.loads(args.guest), facts["shared_dir"])).create()
        conn.close()
        time.sleep(8)  # let the guests boot
        parallel_s, parallel = drain(args.root, hosts, source, (4, 4, 2), workdir)
        # back onto the first host (not timed): the three others emptied at once, so it is the only place
        drain(args.root, hosts, [h["hostname"] for h in hosts[1:]], (4, 2, 4), workdir)
        serial_s, serial = drain(args.root, hosts, source, (1, 1, 1), workdir)
        print("drain of %d guests (128 MiB, TCG) from one host into three, each migration at %d MiB/s"
              % (COUNT, BANDWIDTH_MIB))
        for label, seconds, result in (("up to 4 at once", parallel_s, parallel), ("one by one", serial_s, serial)):
            print("  %-16s %6.2f s wall, %d moved, peak %s, downtimes %s ms"
                  % (label, seconds, len(result["moved"]), json.dumps(result["peak"], sort_keys=True),
                     ", ".join(str(r["downtime_ms"]) for r in result["results"])))
        print("  ratio 4-at-once / one-by-one: %.2f (target at most 0.35)" % (parallel_s / serial_s))
    finally:
        testbed.down()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
