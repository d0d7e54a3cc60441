"""A throwaway single-node Ceph cluster for the RBD tests: one mon on 127.0.0.1, one OSD.

cephx is on, the pool has size 1, there is no mgr. Everything (config, keyrings, data, sockets,
logs) lives under one directory, so nothing of a host's own Ceph is read or touched. The OSD
uses bluestore on a sparse file. Every wait has a deadline.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import shutil

from processes import running_pid, stop

MON_PORT = 6789  # the msgr v1 port QEMU's librbd and libvirt reach the mon on
POOL = "rbd"
CLIENT = "libvirt"  # the user the guests' disks authenticate as (client.libvirt)


class CephCluster:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "ceph")
        self.conf = os.path.join(self.dir, "ceph.conf")

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _run(self, *cmd, timeout=60, **kwargs):
        return subprocess.run(list(cmd), check=True, capture_output=True, text=True, timeout=timeout,
                              **kwargs).stdout

    def ceph(self, *args, timeout=60):
        return self._run("ceph", "-c", self.conf, "--connect-timeout", "20", *args, timeout=timeout)

    def _write_conf(self, fsid):
        run, log = self._path("run"), self._path("log")
        os.makedirs(run, exist_ok=True)
        os.makedirs(log, exist_ok=True)
        # keyring per section: in [global] it would silently turn cephx off for the OSD.
        text = f"""[global]
fsid = {fsid}
mon host = v1:127.0.0.1:{MON_PORT}
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
run dir = {run}
admin socket = {run}/$name.asok
log file = {log}/$name.log
pid file = {run}/$name.pid
osd objectstore = bluestore
bluestore block create = true
bluestore block path = {self._path('osd-0.block')}
bluestore block size = 2147483648
osd memory target = 536870912
osd data = {self._path('osd-0')}
mon data = {self._path('mon-a')}
ms bind msgr2 = false

[mon]
keyring = {self._path('mon.keyring')}

[osd]
keyring = {self._path('osd-0', 'keyring')}

[client]
keyring = {self._path('client.admin.keyring')}
"""
        with open(self.conf, "w") as handle:
            handle.write(text)

    def up(self):
        if running_pid(self._path("run", "mon.a.pid"), "ceph-mon"):
            raise SystemExit("a test Ceph cluster is already running under %s" % self.dir)
        self.down()  # what an interrupted run left: its OSD, stale pid files, its data
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, exist_ok=True)
        fsid = str(uuid.uuid4())
        self._write_conf(fsid)
        mon_keyring, admin_keyring = self._path("mon.keyring"), self._path("client.admin.keyring")
        self._run("ceph-authtool", "--create-keyring", mon_keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *")
        self._run("ceph-authtool", "--create-keyring", admin_keyring, "--gen-key", "-n", "client.admin",
                  "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *")
        self._run("ceph-authtool", mon_keyring, "--import-keyring", admin_keyring)
        monmap = self._path("monmap")
        self._run("monmaptool", "--create", "--addv", "a", f"[v1:127.0.0.1:{MON_PORT}]", "--fsid", fsid, monmap)
        self._run("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", mon_keyring)
        self._run("ceph-mon", "-c", self.conf, "-i", "a")
        self._wait(lambda: self.ceph("mon", "stat", timeout=30), "the monitor to answer")
        osd_uuid = str(uuid.uuid4())
        osd_id = self.ceph("osd", "new", osd_uuid).strip()
        os.makedirs(self._path("osd-0"), exist_ok=True)
        self._run("ceph-osd", "-c", self.conf, "-i", osd_id, "--mkfs", "--mkkey", "--osd-uuid", osd_uuid,
                  "--no-mon-config", timeout=120)
        self.ceph("auth", "add", f"osd.{osd_id}", "osd", "allow *", "mon", "allow profile osd",
                  "-i", self._path("osd-0", "keyring"))
        self.ceph("osd", "crush", "add-bucket", "localhost", "host")
        self.ceph("osd", "crush", "move", "localhost", "root=default")
        self.ceph("osd", "crush", "add", f"osd.{osd_id}", "1.0", "host=localhost")
        self._run("ceph-osd", "-c", self.conf, "-i", osd_id)
        self.ceph("osd", "pool", "create", POOL, "8")
        self.ceph("osd", "pool", "set", POOL, "size", "1", "--yes-i-really-mean-it")
        self.ceph("osd", "pool", "application", "enable", POOL, "rbd")
        # Readiness: a real write, not 'ceph -s' (no mgr here, so status output says little).
        probe = self._path("probe")
        with open(probe, "w") as handle:
            handle.write("probe")
        self._wait(lambda: self._run("rados", "-c", self.conf, "-p", POOL, "put", "probe", probe, timeout=15),
                   "the pool to take a write", deadline=120)
        self.ceph("auth", "get-or-create", f"client.{CLIENT}", "mon", "profile rbd", "osd", f"profile rbd pool={POOL}")
        key = self.ceph("auth", "get-key", f"client.{CLIENT}").strip()
        return {"monitor": f"127.0.0.1:{MON_PORT}", "pool": POOL, "user": CLIENT, "key": key, "conf": self.conf}

    def _wait(self, attempt, what, deadline=60):
        end = time.time() + deadline
        while True:
            try:
                return attempt()
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                if time.time() > end:
                    raise SystemExit("Ceph test cluster: timed out waiting for %s: %s" % (what, exc))
                time.sleep(1)

    def rbd(self, *args, timeout=60):
        return self._run("rbd", "-c", self.conf, *args, timeout=timeout)

    def down(self):
        for name, program in (("osd.0", "ceph-osd"), ("mon.a", "ceph-mon")):
            pid_file = self._path("run", name + ".pid")
            if not os.path.exists(pid_file):
                continue
            pid = running_pid(pid_file, program)
            if pid:
                stop(pid, grace=15)
            if os.path.exists(pid_file):  # the daemons remove their own on a clean exit
                os.remove(pid_file)
