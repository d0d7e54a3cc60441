"""Provision N running instances from one base image, then re-run: the instance role (one batch
task per step) against community.libvirt's virt_cloud_instance looping over N.

Both start from the same qcow2 base image (1 GiB, 300 MiB of data written into it), give each
instance a 1 GiB root disk on it, 128 MiB of memory, one vCPU, TCG, a cloud-init seed (ours: an
OpenStack config drive; the peer: virt-install's NoCloud ISO), and start it. Prints wall-clock
seconds for provisioning and the idempotent re-run, the disk space each used, and the ratios
ours/peer (targets: time at most 0.2, disk at most 0.1, re-run at most 0.5). Everything is named
virtops-bench-fleet-* and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile

import libvirt

from playbook_run import run_playbook

PREFIX = "virtops-bench-fleet-"
POOL = "virtops-bench-fleet"
USER_DATA = "#cloud-config\nruncmd: [echo provisioned]\n"

OURS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: virtops.libvirt.instance
      vars:
        instance_pool: %(pool)s
        instance_base_image: {name: base.qcow2, path: "{{ base }}", format: qcow2}
        instance_root_mb: 1024
        instance_memory_mb: 128
        instance_vcpus: 1
        instance_virt_type: qemu
        instance_user_data: %(user_data)s
        instance_serial_console: {type: pty}
        instance_list: "{{ items }}"
""" % dict(pool=POOL, user_data=json.dumps(USER_DATA))

PEER_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Provision the instances
      community.libvirt.virt_cloud_instance:
        name: "{{ item }}"
        base_image: "{{ base }}"
        disks:
          - {path: "{{ peer_dir }}/{{ item }}.qcow2", size: 1, format: qcow2}
        memory: 128
        vcpus: 1
        virt_type: qemu
        osinfo: {name: linux2022}
        networks: []
        graphics: {type: none}
        cloud_init:
          user_data: %(user_data)s
        wait_for_cloud_init_reboot: false
      loop: "{{ names }}"
""" % dict(user_data=json.dumps(USER_DATA))


def timed_run(venv, playbook, extra, workdir, env):
    """Wall seconds and the play recap's counters."""
    elapsed, stdout = run_playbook(venv, playbook, extra, workdir, env)
    recap = [line for line in stdout.splitlines() if line.startswith("localhost")]
    return elapsed, recap[-1].split(":", 1)[1].split() if recap else []


def disk_used(path):
    """Bytes the files under ``path`` occupy (allocated blocks, as du counts them)."""
    total = 0
    for directory, _dirs, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(directory, name)).st_blocks * 512
    return total


def remove_new_pools(conn, before):
    """virt_cloud_instance (virt-install) defines persistent, autostarted pools for the directories
    it writes to (the peer directory, /var/lib/libvirt/boot): remove every pool that was not there
    before the run, keeping their files (the work directory goes as a whole)."""
    for pool in conn.listAllStoragePools(0):
        if pool.name() in before:
            continue
        persistent = pool.isPersistent()
        if pool.isActive():
            pool.destroy()
        if persistent:
            pool.undefine()


def cleanup(conn):
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(PREFIX):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    try:
        pool = conn.storagePoolLookupByName(POOL)
    except libvirt.libvirtError:
        return
    persistent = pool.isPersistent()  # a transient pool is gone once destroyed
    if pool.isActive():
        for vol in pool.listAllVolumes(0):
            vol.delete(0)
        pool.destroy()
    if persistent:
        pool.undefine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--root", required=True, help="the collection's source tree")
    parser.add_argument("--ours-venv", required=True)
    parser.add_argument("--peer-venv", required=True)
    parser.add_argument("--peer-collections", required=True, help="collections path holding community.libvirt >= 2.1")
    parser.add_argument("--workdir", required=True, help="a directory QEMU's user can enter")
    args = parser.parse_args()

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open("qemu:///system")
    cleanup(conn)
    pools_before = set(pool.name() for pool in conn.listAllStoragePools(0))
    workdir = tempfile.mkdtemp(prefix="bench-fleet-", dir=args.workdir)
    os.chmod(workdir, 0o755)
    results = {}
    try:
        base = os.path.join(workdir, "base.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", base, "1G"], check=True)
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 300M", base], check=True,
                       stdout=subprocess.DEVNULL)
        pool_dir, peer_dir = os.path.join(workdir, "pool"), os.path.join(workdir, "peer")
        os.makedirs(pool_dir)
        os.makedirs(peer_dir)
        conn.storagePoolCreateXML("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>"
                                  % (POOL, pool_dir), 0)
        collections = os.path.join(workdir, "collections", "ansible_collections", "virtops")
        os.makedirs(collections)
        os.symlink(args.root, os.path.join(collections, "libvirt"))
        for name, text in (("ours.yml", OURS_PLAYBOOK), ("peer.yml", PEER_PLAYBOOK)):
            with open(os.path.join(workdir, name), "w") as handle:
                handle.write(text)
        base_env = dict(os.environ, ANSIBLE_HOME=os.path.join(workdir, "ansible-home"), ANSIBLE_NOCOLOR="1")
        runs = (
            ("instance role (batch)", args.ours_venv, "ours.yml", pool_dir,
             dict(base_env, ANSIBLE_COLLECTIONS_PATH=os.path.join(workdir, "collections"))),
            ("virt_cloud_instance", args.peer_venv, "peer.yml", peer_dir,
             dict(base_env, ANSIBLE_COLLECTIONS_PATH=args.peer_collections)),
        )
        for tool, venv, playbook, data_dir, env in runs:
            names = ["%s%s-%02d" % (PREFIX, os.path.splitext(playbook)[0], i) for i in range(args.count)]
            extra = dict(names=names, items=[dict(name=name) for name in names], base=base, peer_dir=peer_dir)
            first = timed_run(venv, playbook, extra, workdir, env)
            running = sum(1 for name in names if conn.lookupByName(name).isActive())
            rerun = timed_run(venv, playbook, extra, workdir, env)
            results[tool] = dict(create=first, rerun=rerun, disk=disk_used(data_dir), running=running)
    finally:
        cleanup(conn)
        remove_new_pools(conn, pools_before)
        shutil.rmtree(workdir, ignore_errors=True)

    ours, peer = results["instance role (batch)"], results["virt_cloud_instance"]
    print("benchmark: provision %d running instances from one 1 GiB qcow2 base (300 MiB of data), then re-run"
          % args.count)
    print("%-24s %10s %8s %12s %10s  %s" % ("tool", "create s", "running", "disk MiB", "re-run s", "re-run recap"))
    for tool, data in results.items():
        print("%-24s %10.2f %8d %12.1f %10.2f  %s" % (tool, data["create"][0], data["running"],
                                                      data["disk"] / 2 ** 20, data["rerun"][0],
                                                      " ".join(data["rerun"][1])))
    print("ratio ours/peer: create %.3f (target <= 0.2), disk %.3f (target <= 0.1), re-run %.3f (target <= 0.5)" % (
        ours["create"][0] / peer["create"][0], ours["disk"] / peer["disk"], ours["rerun"][0] / peer["rerun"][0]))


if __name__ == "__main__":
    main()
