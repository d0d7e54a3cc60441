"""The integration tests' real parts on the local libvirtd: ``up`` before, ``down`` after.

``up`` creates the isolated test network, decides independently whether KVM runs guests here
(by booting the test guest under ``qemu -accel kvm`` directly, without libvirt or the module's
probe) and writes the variables the integration targets read. ``down`` removes whatever the
tests left behind, and only that: objects named with the ``virtops-it-`` prefix and the daemons
it started itself (a tgt iSCSI target on 127.0.0.1:3260 with its own control socket, a
single-node Ceph cluster on 127.0.0.1:6789, see ceph_cluster.py, an NFS and an NBD server on
127.0.0.1, see file_servers.py, and two libvirt hosts in their own namespaces for migration, see
migration_hosts.py).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import libvirt

from ceph_cluster import CephCluster
from file_servers import FileServers
from migration_hosts import MigrationHosts
from processes import pid_alive, port_open, running_pid

PREFIX = "virtops-it-"
NETWORK = PREFIX + "net"
BRIDGE = "vtit-br0"
URI = "qemu:///system"
KVM_ORACLE_TIMEOUT = 30.0


def connect():
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt.open(URI)


def ensure_network(conn):
    """An isolated network: no <forward>, no <ip>, so no host address and no traffic leaves."""
    try:
        old = conn.networkLookupByName(NETWORK)
        if old.isActive():
            old.destroy()
        if old.isPersistent():
            old.undefine()
    except libvirt.libvirtError:
        pass
    conn.networkCreateXML(
        f"<network><name>{NETWORK}</name><bridge name='{BRIDGE}' stp='off'/></network>")


def kvm_runs_guests(guest):
    """Boot the test guest under KVM with plain QEMU; True if init prints its marker."""
    if not os.path.exists("/dev/kvm"):
        return False
    with tempfile.NamedTemporaryFile(suffix=".log") as serial:
        process = subprocess.Popen(
            ["qemu-system-x86_64", "-accel", "kvm", "-machine", "pc", "-nodefaults", "-display", "none",
             "-m", "192", "-kernel", guest["kernel"], "-initrd", guest["initrd"],
             "-append", "console=ttyS0 quiet", "-serial", f"file:{serial.name}", "-no-reboot"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + KVM_ORACLE_TIMEOUT
        booted = False
        try:
            while time.time() < deadline and process.poll() is None and not booted:
                time.sleep(0.5)
                with open(serial.name, "rb") as handle:
                    booted = b"VIRTOPS-BOOTED" in handle.read()
        finally:
            process.kill()
            process.wait()
    return booted


class IscsiTarget:
    """A tgt iSCSI target on 127.0.0.1:3260 with its own control socket, two file-backed LUNs:
    one open to every initiator, one behind CHAP with a password made for this run."""

    CONTROL = "7731"  # tgtd -C: its own control socket, so a host tgtd is not touched
    PORTAL = "127.0.0.1:3260"
    PLAIN_IQN = "iqn.2026-11.test.virtops:plain"
    CHAP_IQN = "iqn.2026-11.test.virtops:chap"
    CHAP_USER = "virtops-it"

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "iscsi")

    def _adm(self, *args):
        subprocess.run(["tgtadm", "-C", self.CONTROL, "--lld", "iscsi"] + list(args),
                       check=True, capture_output=True, timeout=30)

    def up(self):
        if port_open(3260):
            raise SystemExit("127.0.0.1:3260 is already in use: another iSCSI target runs here")
        os.makedirs(self.dir, exist_ok=True)
        log = open(os.path.join(self.dir, "tgtd.log"), "w")
        process = subprocess.Popen(["tgtd", "-f", "-C", self.CONTROL, "--iscsi", "portal=" + self.PORTAL],
                                   stdout=log, stderr=log, start_new_session=True)
        with open(os.path.join(self.dir, "tgtd.pid"), "w") as handle:
            handle.write(str(process.pid))
        deadline = time.time() + 10
        while not port_open(3260):
            if time.time() > deadline or process.poll() is not None:
                raise SystemExit("tgtd did not listen on %s; see %s" % (self.PORTAL, log.name))
            time.sleep(0.1)
        password = secrets.token_urlsafe(12)
        luns = {}
        for tid, iqn, size in ((1, self.PLAIN_IQN, "16M"), (2, self.CHAP_IQN, "8M")):
            backing = os.path.join(self.dir, "lun-%d.img" % tid)
            subprocess.run(["truncate", "-s", size, backing], check=True)
            self._adm("--op", "new", "--mode", "target", "--tid", str(tid), "-T", iqn)
            self._adm("--op", "new", "--mode", "logicalunit", "--tid", str(tid), "--lun", "1", "-b", backing)
            self._adm("--op", "bind", "--mode", "target", "--tid", str(tid), "-I", "ALL")
            luns[tid] = backing
        # tgtadm takes the password only as an argument; this is the test target's own throwaway one.
        self._adm("--op", "new", "--mode", "account", "--user", self.CHAP_USER, "--password", password)
        self._adm("--op", "bind", "--mode", "account", "--tid", "2", "--user", self.CHAP_USER)
        return {
            "portal": self.PORTAL, "plain_iqn": self.PLAIN_IQN, "plain_lun_file": luns[1],
            "chap_iqn": self.CHAP_IQN, "chap_lun_file": luns[2], "chap_user": self.CHAP_USER,
            "chap_password": password, "lun": 1,
        }

    def down(self):
        pid_file = os.path.join(self.dir, "tgtd.pid")
        if not os.path.exists(pid_file):
            return
        pid = running_pid(pid_file, "tgtd")  # None: an interrupted run's stale file
        # tgtd ignores SIGTERM: remove the targets, then ask the daemon itself to stop.
        for tid in ("1", "2"):
            subprocess.run(["tgtadm", "-C", self.CONTROL, "--lld", "iscsi", "--op", "delete", "--mode", "target",
                            "--tid", tid, "--force"], capture_output=True, timeout=30, check=False)
        subprocess.run(["tgtadm", "-C", self.CONTROL, "--op", "delete", "--mode", "system"],
                       capture_output=True, timeout=30, check=False)
        deadline = time.time() + 10
        while pid and pid_alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        if pid and pid_alive(pid):
            os.kill(pid, 9)
        for leftover in ("socket." + self.CONTROL, "socket.%s.lock" % self.CONTROL):
            path = os.path.join("/var/run/tgtd", leftover)
            if os.path.exists(path):
                os.remove(path)
        os.remove(pid_file)


def up(args):
    guest = json.loads(args.guest)
    conn = connect()
    ensure_network(conn)
    os.makedirs(args.workdir, exist_ok=True)
    config = {
        "virtops_test_guest": guest,
        "virtops_test_workdir": args.workdir,
        # the collection under test (integration_config.yml is in its tests/integration): the role
        # tests run its README's examples
        "virtops_test_collection": os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.config)))),
        "virtops_test_network": NETWORK,
        "virtops_test_bridge": BRIDGE,  # a target may plug its own namespace into the network
        "virtops_test_expected_virt_type": "kvm" if kvm_runs_guests(guest) else "qemu",
        "virtops_test_iscsi": IscsiTarget(args.workdir).up(),
        "virtops_test_ceph": ceph_up(args.workdir),
        "virtops_test_file_servers": FileServers(args.workdir).up(),
        "virtops_test_migration": MigrationHosts(args.workdir, args.cache_dir).up(),
    }
    with open(args.config, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)  # JSON is YAML: ansible-test reads it as is
    print(json.dumps(config))


def ceph_up(workdir):
    """The Ceph cluster with the RBD images the tests use."""
    cluster = CephCluster(workdir)
    info = cluster.up()
    for image in ("virtops-it-rbd", "virtops-it-rbd2"):
        cluster.rbd("create", "%s/%s" % (info["pool"], image), "--size", "16")
    info["image"], info["second_image"] = "virtops-it-rbd", "virtops-it-rbd2"
    # A well-formed cephx key that Ceph does not know, for the wrong-key test.
    info["wrong_key"] = subprocess.run(["ceph-authtool", "--gen-print-key"], check=True, capture_output=True,
                                       text=True).stdout.strip()
    return info


def down(args):
    MigrationHosts(args.workdir).down()
    IscsiTarget(args.workdir).down()
    CephCluster(args.workdir).down()
    FileServers(args.workdir).down()
    conn = connect()
    undefine_flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                      | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                      | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
    for dom in conn.listAllDomains(0):
        if not dom.name().startswith(PREFIX):
            continue
        print(f"removing leftover test domain {dom.name()}", file=sys.stderr)
        if dom.isActive():
            dom.destroy()
        if dom.isPersistent():
            dom.undefineFlags(undefine_flags)
    for secret in conn.listAllSecrets(0):
        if (secret.usageID() or "").startswith(PREFIX):
            secret.undefine()
    for net in conn.listAllNetworks(0):
        if net.name().startswith(PREFIX):
            persistent = net.isPersistent()  # a transient network is gone once destroyed
            if net.isActive():
                net.destroy()
            if persistent:
                net.undefine()
    # Namespaces a target plugged into the test network (the test bed's hosts' are gone by now)
    for name in sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []:
        if name.startswith(PREFIX):
            print(f"removing leftover network namespace {name}", file=sys.stderr)
            subprocess.run(["ip", "netns", "delete", name], check=False)
    shutil.rmtree(args.workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    parser_up = sub.add_parser("up")
    parser_up.add_argument("--guest", required=True, help="JSON printed by guest_image.py")
    parser_up.add_argument("--config", required=True, help="integration_config.yml to write")
    parser_up.add_argument("--workdir", required=True)
    parser_up.add_argument("--cache-dir", help="kept between runs (the migration hosts' capabilities caches)")
    parser_up.set_defaults(func=up)
    parser_down = sub.add_parser("down")
    parser_down.add_argument("--workdir", required=True)
    parser_down.set_defaults(func=down)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
