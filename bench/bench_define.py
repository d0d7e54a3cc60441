"""Define N domains, then re-run: virtops.libvirt.domains (one batch task) and
virtops.libvirt.domain (a task looping over N) against community.libvirt.virt (looping).

Each runs as one ansible-playbook task, on the same local libvirtd, with the same ansible-core
version, each from its own venv. Domains are named virtops-bench-* and removed afterwards. Prints
wall-clock seconds and the ratios ours/peer for each phase.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile

import libvirt

from playbook_run import run_playbook

PREFIX = "virtops-bench-"

OURS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Define the domains
      virtops.libvirt.domain:
        name: "{{ item }}"
        virt_type: qemu
        memory_mb: 64
        vcpus: 1
        features: {acpi: true, apic: true}
        serial_console: {type: pty}
      loop: "{{ names }}"
"""

BATCH_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Define the domains in one batch
      virtops.libvirt.domains:
        defaults:
          virt_type: qemu
          memory_mb: 64
          vcpus: 1
          features: {acpi: true, apic: true}
          serial_console: {type: pty}
        domains: "{{ items }}"
      register: batch
    - name: Count the changed items
      ansible.builtin.debug:
        msg: "changed items: {{ batch.results | selectattr('changed') | list | length }}"
"""

PEER_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Define the domains
      community.libvirt.virt:
        command: define
        xml: "{{ lookup('template', 'domain.xml.j2') }}"
      loop: "{{ names }}"
"""

# The same definition as OURS_PLAYBOOK asks for (what creation_defaults adds included).
PEER_TEMPLATE = """<domain type='qemu'>
  <name>{{ item }}</name>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <features><acpi/><apic/></features>
  <devices>
    <serial type='pty'><target type='isa-serial' port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
"""


def changed_items(stdout):
    """How many items a run reported changed: the loop's item lines, or the batch's own count."""
    batch = re.search(r'"msg": "changed items: (\d+)"', stdout)
    if batch:
        return int(batch.group(1))
    return sum(1 for line in stdout.splitlines() if line.startswith("changed: [localhost] => (item="))


def timed_run(venv, playbook, names, workdir, env):
    elapsed, stdout = run_playbook(venv, playbook, dict(names=names, items=[dict(name=name) for name in names]),
                                   workdir, env)
    return elapsed, changed_items(stdout)


def cleanup(conn):
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(PREFIX):
            if dom.isActive():
                dom.destroy()
            dom.undefine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--root", required=True)
    parser.add_argument("--ours-venv", required=True)
    parser.add_argument("--peer-venv", required=True)
    args = parser.parse_args()

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open("qemu:///system")
    cleanup(conn)
    results = {}
    with tempfile.TemporaryDirectory(prefix="virtops-bench-") as workdir:
        collections = os.path.join(workdir, "collections", "ansible_collections", "virtops")
        os.makedirs(collections)
        os.symlink(args.root, os.path.join(collections, "libvirt"))
        for name, text in (("ours.yml", OURS_PLAYBOOK), ("batch.yml", BATCH_PLAYBOOK), ("peer.yml", PEER_PLAYBOOK),
                           ("domain.xml.j2", PEER_TEMPLATE)):
            with open(os.path.join(workdir, name), "w") as handle:
                handle.write(text)
        base_env = dict(os.environ, ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
                        ANSIBLE_NOCOLOR="1")
        ours_env = dict(base_env, ANSIBLE_COLLECTIONS_PATH=os.path.join(workdir, "collections"))
        try:
            for tool, venv, playbook, env in (
                    ("virtops.libvirt.domains", args.ours_venv, "batch.yml", ours_env),
                    ("virtops.libvirt.domain", args.ours_venv, "ours.yml", ours_env),
                    ("community.libvirt.virt", args.peer_venv, "peer.yml", base_env)):
                names = ["%s%s-%03d" % (PREFIX, os.path.splitext(playbook)[0], i) for i in range(args.count)]
                first = timed_run(venv, playbook, names, workdir, env)
                rerun = timed_run(venv, playbook, names, workdir, env)
                results[tool] = dict(define=first, rerun=rerun)
        finally:
            cleanup(conn)

    batch, ours, peer = (results["virtops.libvirt.domains"], results["virtops.libvirt.domain"],
                         results["community.libvirt.virt"])
    print("benchmark: define %d domains, then re-run unchanged (wall seconds, one playbook each)" % args.count)
    print("%-24s %12s %10s %12s %10s" % ("tool", "define s", "items chg", "re-run s", "items chg"))
    for tool, data in results.items():
        define, rerun = data["define"], data["rerun"]
        print("%-24s %12.2f %10d %12.2f %10d" % (tool, define[0], define[1], rerun[0], rerun[1]))
    print("ratio domains (batch)/virt: define %.3f, re-run %.3f (re-run target: at most 0.1)" % (
        batch["define"][0] / peer["define"][0], batch["rerun"][0] / peer["rerun"][0]))
    print("ratio domain (loop)/virt: define %.2f, re-run %.2f" % (
        ours["define"][0] / peer["define"][0], ours["rerun"][0] / peer["rerun"][0]))


if __name__ == "__main__":
    main()
