"""Live-migrate one guest back and forth: virtops.libvirt.migrate against bare ``virsh migrate``.

Both run on the two namespaced libvirt hosts of the test bed (tests/testbed/migration_hosts.py),
peer-to-peer, persistent on the destination, undefined on the source, same bandwidth, QEMU's
default 300 ms downtime (the module with ``downtime_steps: 0``). The module runs as Ansible runs
it on a host - its own Python process with the arguments in a JSON file - so the comparison is
the module's whole run (import, pre-checks, both hosts read before and after, the job steered)
against virsh's, without ansible-playbook's start-up. Each round migrates there and back with
each tool. Prints wall-clock seconds, the ratio ours/virsh and the downtime libvirt measured
against the configured maximum. The guest is virtops-bench-mig; everything is removed at the end.
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

NAME = "virtops-bench-mig"
MAX_DOWNTIME_MS = 300  # QEMU's default, which virsh leaves in place
BANDWIDTH_MIB = 32


def guest_xml(guest, shared):
    return f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{guest['kernel']}</kernel>
<initrd>{guest['initrd']}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/><apic/></features><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{shared}/bench.qcow2'/>
<target dev='vda' bus='virtio'/></disk>
<serial type='file'><source path='{shared}/bench-console.log' append='on'/></serial></devices></domain>"""


def module_run(root, module_args, workdir, module="migrate"):
    """Run one of the collection's modules (the migrate module by default) as Ansible runs it on a
    host; (wall seconds, its result)."""
    path = os.path.join(workdir, "args.json")
    with open(path, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
    env = dict(os.environ, PYTHONPATH=root)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ansible_collections.virtops.libvirt.plugins.modules." + module, path],
                          capture_output=True, text=True, env=env, check=False)
    return time.monotonic() - started, json.loads(done.stdout)


def run_module(root, facts, source, dest, workdir):
    elapsed, result = module_run(root, {
        "name": NAME, "uri": facts[source + "_uri"], "dest_uri": facts[dest + "_uri"],
        "peer_uri": facts[dest + "_peer_uri"], "bandwidth_mib": BANDWIDTH_MIB,
        "max_downtime_ms": MAX_DOWNTIME_MS, "downtime_steps": 0}, workdir)
    if result.get("failed") or not result.get("migrated"):
        raise SystemExit("the module did not migrate: %s" % result.get("msg", result))
    return elapsed, result["progress"].get("downtime_ms"), result["progress"].get("run_after_confirm_ms")


def run_virsh(facts, source, dest):
    started = time.monotonic()
    subprocess.run(["virsh", "-c", facts[source + "_uri"], "migrate", "--live", "--p2p", "--persistent",
                    "--undefinesource", "--bandwidth", str(BANDWIDTH_MIB), NAME, facts[dest + "_peer_uri"]],
                   check=True, capture_output=True)
    elapsed = time.monotonic() - started
    conn = libvirt.open(facts[dest + "_uri"])
    try:
        stats = conn.lookupByName(NAME).jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    finally:
        conn.close()
    return elapsed, stats.get("downtime")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", required=True, help="a directory holding ansible_collections/virtops/libvirt")
    parser.add_argument("--guest", required=True, help="JSON printed by tests/testbed/guest_image.py")
    parser.add_argument("--cache-dir")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    workdir = tempfile.mkdtemp(prefix="virtops-bench-migrate.")
    hosts = MigrationHosts(workdir, args.cache_dir)
    try:
        facts = hosts.up()
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", facts["shared_dir"] + "/bench.qcow2", "32M"],
                       check=True)
        conn = libvirt.open(facts["src_uri"])
        conn.defineXML(guest_xml(json.loads(args.guest), facts["shared_dir"])).create()
        conn.close()
        time.sleep(5)  # let the guest boot before the first round
        times = {"module": [], "virsh": []}
        downtimes = {"module": [], "virsh": []}
        waits = []  # the module's destination copy, paused until the source's is confirmed gone
        for _round in range(args.rounds):
            for tool in ("module", "virsh"):
                for source, dest in (("src", "dst"), ("dst", "src")):
                    if tool == "module":
                        elapsed, downtime, wait = run_module(args.root, facts, source, dest, workdir)
                        waits.append(wait)
                    else:
                        elapsed, downtime = run_virsh(facts, source, dest)
                    times[tool].append(elapsed)
                    downtimes[tool].append(downtime)
        ours, peer = sum(times["module"]), sum(times["virsh"])
        print("live migration of a 256 MiB TCG guest at %d MiB/s, %d rounds there and back"
              % (BANDWIDTH_MIB, args.rounds))
        print("  virtops.libvirt.migrate: %6.2f s (%s)" % (ours, ", ".join("%.2f" % t for t in times["module"])))
        print("  virsh migrate --p2p:     %6.2f s (%s)" % (peer, ", ".join("%.2f" % t for t in times["virsh"])))
        print("  ratio ours/virsh:        %6.2f" % (ours / peer))
        for tool in ("module", "virsh"):
            print("  downtime %-6s %s ms (configured maximum %d ms)"
                  % (tool, ", ".join(str(d) for d in downtimes[tool]), MAX_DOWNTIME_MS))
        print("  module: destination copy paused after libvirt's return until it ran: %s ms"
              % ", ".join(str(wait) for wait in waits))
    finally:
        hosts.down()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
