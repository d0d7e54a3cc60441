"""An NFS server and an NBD server on 127.0.0.1 for the network disk tests, both reached by QEMU's
own clients (libnfs, its NBD client), so nothing is mounted on the host.

NFS: Debian's nfs-ganesha (userspace, NFSv3 with the VFS backend) exporting one directory, with
the portmapper (rpcbind) that NFSv3 clients ask for mountd's port: a running one is used, else
one is started and stopped again. NBD: qemu-nbd serving one raw file under an export name.
Everything lives under ``<workdir>/fileservers``; every wait has a deadline.
"""

from __future__ import annotations

import os
import subprocess
import time

from processes import port_open, running_pid, stop

NFS_PORT, PORTMAPPER_PORT, NBD_PORT = 2049, 111, 10809
NBD_EXPORT = "virtops-it-nbd"
START_TIMEOUT = 30.0

GANESHA_CONF = """NFS_CORE_PARAM {{
    Protocols = 3;
    Bind_addr = 127.0.0.1;
    Enable_NLM = false;
    Enable_RQUOTA = false;
}}
NFSV4 {{ Graceless = true; RecoveryBackend = fs; RecoveryRoot = {dir}/recovery; }}
EXPORT {{
    Export_Id = 77;
    Path = {export};
    Pseudo = /virtops-it;
    Access_Type = RW;
    Squash = No_Root_Squash;
    SecType = sys;
    Protocols = 3;
    Transports = TCP;
    FSAL {{ Name = VFS; }}
}}
"""


def _wait(ready, what, process, log):
    deadline = time.time() + START_TIMEOUT
    while not ready():
        if time.time() > deadline or process.poll() is not None:
            raise SystemExit("%s did not start; see %s" % (what, log))
        time.sleep(0.1)


def _stop(pid_file, program):
    if not os.path.exists(pid_file):
        return
    pid = running_pid(pid_file, program)
    if pid:
        stop(pid)
    os.remove(pid_file)


class FileServers:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "fileservers")
        self.export = os.path.join(self.dir, "export")

    def _path(self, name):
        return os.path.join(self.dir, name)

    def up(self):
        for port, what in ((NFS_PORT, "an NFS server"), (NBD_PORT, "an NBD server")):
            if port_open(port):
                raise SystemExit("127.0.0.1:%d is already in use: %s runs here" % (port, what))
        os.makedirs(self.export, exist_ok=True)
        os.chmod(self.export, 0o777)  # QEMU acts as its own user unless a disk names one
        self._portmapper()
        self._ganesha()
        return dict(nfs=dict(server="127.0.0.1", export=self.export), nbd=self._nbd())

    def _portmapper(self):
        """NFSv3 clients ask the portmapper where mountd is; a host's own one serves as well."""
        if port_open(PORTMAPPER_PORT):
            return
        os.makedirs("/run/rpcbind", exist_ok=True)
        log = self._path("rpcbind.log")
        with open(log, "w") as handle:
            process = subprocess.Popen(["rpcbind", "-f"], stdout=handle, stderr=handle, start_new_session=True)
        with open(self._path("rpcbind.pid"), "w") as handle:
            handle.write(str(process.pid))
        _wait(lambda: port_open(PORTMAPPER_PORT), "rpcbind", process, log)

    def _ganesha(self):
        conf, log = self._path("ganesha.conf"), self._path("ganesha.log")
        with open(conf, "w") as handle:
            handle.write(GANESHA_CONF.format(dir=self.dir, export=self.export))
        with open(self._path("ganesha.out"), "w") as out:
            process = subprocess.Popen(
                ["ganesha.nfsd", "-F", "-f", conf, "-L", log, "-p", self._path("ganesha.nfsd.pid"), "-N", "NIV_EVENT"],
                stdout=out, stderr=out, cwd=self.dir, start_new_session=True)
        with open(self._path("ganesha.pid"), "w") as handle:
            handle.write(str(process.pid))

        def ready():
            with open(log, "a+") as handle:
                handle.seek(0)
                return "NFS SERVER INITIALIZED" in handle.read() and port_open(NFS_PORT)
        _wait(ready, "nfs-ganesha", process, log)

    def _nbd(self):
        image, log = self._path("nbd.raw"), self._path("qemu-nbd.log")
        subprocess.run(["truncate", "-s", "16M", image], check=True)
        with open(log, "w") as handle:
            process = subprocess.Popen(
                ["qemu-nbd", "--persistent", "--shared=4", "--bind=127.0.0.1", "--port=%d" % NBD_PORT,
                 "--export-name=" + NBD_EXPORT, "--format=raw", image],
                stdout=handle, stderr=handle, start_new_session=True)
        with open(self._path("qemu-nbd.pid"), "w") as handle:
            handle.write(str(process.pid))
        _wait(lambda: port_open(NBD_PORT), "qemu-nbd", process, log)
        return dict(server="127.0.0.1:%d" % NBD_PORT, export=NBD_EXPORT, file=image)

    def down(self):
        # ganesha first: it unregisters from the portmapper as it stops.
        for pid_file, program in (("qemu-nbd.pid", "qemu-nbd"), ("ganesha.pid", "ganesha.nfsd"), ("rpcbind.pid", "rpcbind")):
            _stop(self._path(pid_file), program)
