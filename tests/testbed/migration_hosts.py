"""Four libvirt "hypervisors" on one machine, for the migration and fleet tests.

Each host is a libvirtd in its own network, UTS and mount namespaces: its own hostname, a private
copy-on-write /etc (an overlay: /etc/pki, /etc/hosts naming every host, and /etc/libvirt a copy
without domains, networks or pools), its own /run, /run/libvirt, /var/lib/libvirt,
/var/log/libvirt. One private bridge, in a network namespace of its own (``virtops-it-br``), joins
them: each host has a veth into it and a private address (10.99.0.1 to 10.99.0.4); nothing routes
out. The test client in the root namespace reaches each daemon through its unix socket
(``qemu+unix:///system?socket=...``); a source daemon dials its destination over the bridge
(``qemu+tcp://virtops-it-dst/system``, or ``qemu+tls://``). The migration tests use the first two
(``src``, ``dst``), the fleet tests all four.

The collection's own ``hypervisor`` role sets every host up (tests/testbed/hypervisors.yml), run
inside each host's namespaces (``ansible_python_interpreter`` is a wrapper that enters them): its
settings, TLS for libvirt and QEMU from a lab CA (kept in the test bed's ``pki`` folder), the lock
manager (virtlockd, its lockspace on the shared storage), and virtlogd, virtlockd and libvirtd
started as a host without systemd starts them. ``python HOST`` prints that wrapper, for tests that
run modules (or the role again) on a host.

Storage: ``shared`` is one directory every host sees, mounted with bindfs as a FUSE filesystem of
subtype glusterfs so that libvirt counts it as shared storage (a local ext4 directory would make
libvirt refuse live migration as unsafe). Each host's /var/lib/libvirt/images is its own (private).

Faults for the tests: ``kill-daemon HOST`` (SIGKILL to that libvirtd, its guests keep running),
``start-daemon HOST``, ``link-down`` / ``link-up`` (every host's link to the bridge), and ``hang-daemon HOST --domain NAME
--seconds N``: once the other host's outgoing migration of NAME moves data, HOST's libvirtd is
stopped (SIGSTOP) for N seconds and continued: QEMU's stream still completes, and the source's call
of the migration's Finish step waits at the hung daemon until libvirt's keepalive gives up.
``continue-daemon HOST`` sends SIGCONT (clean-up after a failed test).

Test-bed-only settings, each for a reason: QEMU runs as root with its capabilities kept, so that
post-copy's userfaultfd works without changing the machine's vm.unprivileged_userfaultfd; no cgroup
controllers (both daemons would otherwise share cgroup paths); ``auth_tcp = "none"`` on the veth only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

from processes import pid_alive, read_pid, running_pid

HOSTS = {
    "src": {"name": "virtops-it-src", "address": "10.99.0.1", "veth": "vtit-mig-s"},
    "dst": {"name": "virtops-it-dst", "address": "10.99.0.2", "veth": "vtit-mig-d"},
    "hv3": {"name": "virtops-it-hv3", "address": "10.99.0.3", "veth": "vtit-mig-3"},
    "hv4": {"name": "virtops-it-hv4", "address": "10.99.0.4", "veth": "vtit-mig-4"},
}
# Hosts outside the fleet, each added and removed by the test that owns it (add-host, remove-host):
# a bare host with namespaces, folders and a link to the bridge, but no daemon until its test runs
# the hypervisor role there (the role's own tests and the molecule scenario).
EXTRA_HOSTS = {
    "hv5": {"name": "virtops-it-hv5", "address": "10.99.0.5", "veth": "vtit-mig-5"},
    "hv6": {"name": "virtops-it-hv6", "address": "10.99.0.6", "veth": "vtit-mig-6"},
}
ALL_HOSTS = dict(HOSTS, **EXTRA_HOSTS)
BRIDGE_NAMESPACE = "virtops-it-br"
BRIDGE = "vtit-br"
STOCK_NWFILTERS = "/usr/share/libvirt/nwfilter"
# The migrate options of the tests whose guests must stay healthy after the move (the fleet tests):
# the guests run under TCG, and Debian 12's QEMU 7.2 loses a TCG guest's memory writes in every
# pre-copy pass after the first (fixed in QEMU 9.0; the migrate module warns of it). Seen here as
# guests that panicked after a drain (list corruption, a general protection fault in the slab)
# when the downtime ramp's 30-50 ms start made QEMU iterate. Without a ramp and with a 2 s
# allowance, QEMU completes after its first pass (leaving exposed only the moment between its last
# look at the dirty bitmap and the guest's pause). Tests of the ramp itself do not use these.
ONE_PASS_OPTIONS = {"downtime_steps": 0, "max_downtime_ms": 2000}
PRIVATE_DIRS = {  # path inside the host: folder under the host's state directory (mounted in this order)
    "/etc/libvirt": "etc",
    "/run": "runroot",
    "/run/libvirt": "run",
    "/var/lib/libvirt": "lib",
    "/var/log/libvirt": "log",
}
START_TIMEOUT = 90.0
# libvirt's QEMU hook on every host (read when the daemon starts). While the host's
# /run/virtops-hold-start exists, a guest's start waits in it - libvirt's preparation of the guest,
# before QEMU runs, with the domain locked: a destination whose incoming guest never starts (as with
# the GLib slice deadlock of libvirt 9.0 with the lock manager) while the daemon itself answers.
HOLD_START_FLAG = "/run/virtops-hold-start"
QEMU_HOOK = """#!/bin/sh
[ "$2" = prepare ] && [ "$3" = begin ] || exit 0
while [ -e %s ]; do sleep 0.1; done
""" % HOLD_START_FLAG
SETUP_PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hypervisors.yml")
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*cmd, check=True, timeout=60):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True, timeout=timeout)


class MigrationHosts:
    def __init__(self, workdir, cache_dir=None):
        self.dir = os.path.join(workdir, "migration")
        # The capabilities cache survives between runs: building it is most of a daemon's start-up.
        self.cache_dir = cache_dir

    # -- paths and URIs --------------------------------------------------------------------------
    def state(self, host, *parts):
        return os.path.join(self.dir, host, *parts)

    def socket(self, host):
        return self.state(host, "run", "libvirt-sock")

    def uri(self, host):
        return "qemu+unix:///system?socket=" + self.socket(host)

    @property
    def shared(self):
        return os.path.join(self.dir, "shared")

    @property
    def pki(self):
        """The lab CA the hypervisor role made (on the controller: this machine's root namespace)."""
        return os.path.join(self.dir, "pki")

    def python(self, key):
        """A Python interpreter inside the host's namespaces, for ansible_python_interpreter."""
        return self.state(key, "python")

    def facts(self):
        return {
            "src_uri": self.uri("src"),
            "dst_uri": self.uri("dst"),
            # how the source daemon reaches the destination (peer-to-peer), and the data stream
            "dst_peer_uri": "qemu+tcp://%s/system" % HOSTS["dst"]["name"],
            "src_peer_uri": "qemu+tcp://%s/system" % HOSTS["src"]["name"],
            "dst_tls_uri": "qemu+tls://%s/system" % HOSTS["dst"]["name"],
            "src_tls_uri": "qemu+tls://%s/system" % HOSTS["src"]["name"],
            "dst_data_uri": "tcp://%s" % HOSTS["dst"]["address"],
            "src_hostname": HOSTS["src"]["name"],
            "dst_hostname": HOSTS["dst"]["name"],
            "shared_dir": self.shared,
            "lockspace_dir": os.path.join(self.shared, "lockspace"),
            "pki_dir": self.pki,
            "bridge_namespace": BRIDGE_NAMESPACE,
            "one_pass_options": ONE_PASS_OPTIONS,
            "setup_playbook": SETUP_PLAYBOOK,
            "inventory": self.state("inventory.json"),
            "private_dir": "/var/lib/libvirt/images",
            # the private directory of each host as the root namespace sees it
            "src_private_root": self.state("src", "lib", "images"),
            "dst_private_root": self.state("dst", "lib", "images"),
            # while this file exists, a guest's start on the destination waits before QEMU runs (QEMU_HOOK)
            "dst_hold_start": self.state("dst", "runroot", os.path.basename(HOLD_START_FLAG)),
            "control": "%s %s --workdir %s" % (sys.executable, os.path.abspath(__file__),
                                               os.path.dirname(self.dir)),
            # captures a link's traffic (link_capture.py)
            "capture": "%s %s" % (sys.executable,
                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "link_capture.py")),
            # samples the migrations between the hosts (the fleet tests' bounds)
            "sampler": "%s %s" % (sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "migration_sampler.py")),
            # every host, for the fleet tests: {key, uri, peer_uri, tls_uri, hostname, address, python,
            # link (its port on the bridge), run_dir (its /run: the daemons' pid files), private_root
            # (its /var/lib/libvirt/images as the root namespace sees it)}
            "hosts": [dict(key=key, uri=self.uri(key), peer_uri="qemu+tcp://%s/system" % host["name"],
                           tls_uri="qemu+tls://%s/system" % host["name"], hostname=host["name"],
                           address=host["address"], python=self.python(key), link=self._port(key),
                           run_dir=self.state(key, "runroot"), private_root=self.state(key, "lib", "images"))
                      for key, host in HOSTS.items()],
        }

    # -- up ----------------------------------------------------------------------------------
    def up(self):
        if os.path.exists(self.dir):
            self.down()
        os.makedirs(self.dir)
        os.makedirs(self.shared + "-backing")
        os.makedirs(self.shared)
        _run("bindfs", "-o", "subtype=glusterfs", self.shared + "-backing", self.shared)
        _run("ip", "netns", "add", BRIDGE_NAMESPACE)
        _run("ip", "-n", BRIDGE_NAMESPACE, "link", "add", BRIDGE, "type", "bridge")
        _run("ip", "-n", BRIDGE_NAMESPACE, "link", "set", BRIDGE, "up")
        for key in HOSTS:
            self._link(key)
        for key in HOSTS:
            self._prepare(key)
            self._hold_namespaces(key)
        self._write_inventory()
        self.configure()
        for key in HOSTS:
            self._wait_for_daemon(key)
        return self.facts()

    @staticmethod
    def _port(key):
        return "vtit-br-" + key[-1]

    def _link(self, key):
        """The host's network namespace, with a veth into the bridge and its address."""
        host = ALL_HOSTS[key]
        _run("ip", "netns", "add", host["name"])
        port = self._port(key)
        _run("ip", "link", "add", host["veth"], "netns", host["name"], "type", "veth",
             "peer", "name", port, "netns", BRIDGE_NAMESPACE)
        _run("ip", "-n", BRIDGE_NAMESPACE, "link", "set", port, "master", BRIDGE)
        _run("ip", "-n", BRIDGE_NAMESPACE, "link", "set", port, "up")
        _run("ip", "-n", host["name"], "addr", "add", host["address"] + "/24", "dev", host["veth"])
        _run("ip", "-n", host["name"], "link", "set", host["veth"], "up")
        _run("ip", "-n", host["name"], "link", "set", "lo", "up")

    def add_host(self, key):
        """A bare extra host on the bridge (the fleet must be up): namespaces and folders, no daemon."""
        if not os.path.exists("/run/netns/" + BRIDGE_NAMESPACE):
            raise SystemExit("add-host needs the test bed up (its bridge namespace %s)" % BRIDGE_NAMESPACE)
        self.remove_host(key)
        self._link(key)
        self._prepare(key)
        self._hold_namespaces(key)
        host = ALL_HOSTS[key]
        return dict(key=key, hostname=host["name"], address=host["address"], python=self.python(key),
                    uri="qemu+unix:///system?socket=" + self.socket(key), link=self._port(key),
                    tls_uri="qemu+tls://%s/system" % host["name"], run_dir=self.state(key, "runroot"),
                    private_root=self.state(key, "lib", "images"), state_etc=self.state(key, "etc"))

    def remove_host(self, key):
        self._stop_namespace(key)
        shutil.rmtree(self.state(key), ignore_errors=True)

    def configure(self, *extra_args):
        """Run the hypervisor role on every host (tests/testbed/hypervisors.yml): it writes the
        settings, makes the TLS certificates and starts the daemons."""
        collections = os.path.join(self.dir, "collections")
        link = os.path.join(collections, "ansible_collections", "virtops", "libvirt")
        if not os.path.islink(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(COLLECTION_ROOT, link)
        paths = [collections] + [path for path in (os.environ.get("DEPENDENCY_COLLECTIONS"),
                                                   os.environ.get("ANSIBLE_COLLECTIONS_PATH")) if path]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=":".join(paths), ANSIBLE_HOME=os.path.join(self.dir, "ansible"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
        playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
        result = subprocess.run([playbook, "-i", self.state("inventory.json"), "--forks", str(len(HOSTS)),
                                 SETUP_PLAYBOOK, *extra_args], env=env, capture_output=True, text=True, timeout=900,
                                check=False)
        with open(self.state("setup.log"), "a") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise SystemExit("the hypervisor role did not set the hosts up (rc %d); see %s\n%s"
                             % (result.returncode, self.state("setup.log"), (result.stdout + result.stderr)[-6000:]))
        # The play recap per host: {"virtops-it-src": {"ok": 30, "changed": 0, ...}}
        return {match.group(1): {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
                for match in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", result.stdout, re.MULTILINE)}

    def _write_inventory(self):
        hosts = {}
        for key, host in HOSTS.items():
            hosts[host["name"]] = dict(ansible_connection="local", ansible_python_interpreter=self.python(key),
                                       testbed_key=key, testbed_address=host["address"],
                                       testbed_host_uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, host["name"] + self.dir)))
        inventory = dict(all=dict(
            hosts=dict(localhost=dict(ansible_connection="local", ansible_python_interpreter=sys.executable)),
            vars=dict(testbed_lockspace_dir=os.path.join(self.shared, "lockspace"), testbed_pki_dir=self.pki),
            children=dict(testbed_hosts=dict(hosts=hosts))))
        with open(self.state("inventory.json"), "w") as handle:
            json.dump(inventory, handle, indent=2)

    def _prepare(self, key):
        for folder in PRIVATE_DIRS.values():
            os.makedirs(self.state(key, folder), exist_ok=True)
        etc = self.state(key, "etc")
        shutil.rmtree(etc)
        # A copy of the host's configuration without any of its objects.
        shutil.copytree("/etc/libvirt", etc, symlinks=True,
                        ignore=shutil.ignore_patterns("*.xml", "autostart"))
        for folder in ("qemu", "qemu/networks", "storage", "secrets", "hooks"):
            os.makedirs(os.path.join(etc, folder), exist_ok=True)
        with open(os.path.join(etc, "hooks", "qemu"), "w") as handle:
            handle.write(QEMU_HOOK)
        os.chmod(os.path.join(etc, "hooks", "qemu"), 0o755)
        # libvirt's stock traffic filters (clean-traffic, ...) as the package ships them, none of the host's own.
        shutil.rmtree(os.path.join(etc, "nwfilter"), ignore_errors=True)
        shutil.copytree(STOCK_NWFILTERS, os.path.join(etc, "nwfilter"))
        os.makedirs(self.state(key, "lib", "images"), exist_ok=True)
        cache = self._cache(key)
        os.makedirs(cache, exist_ok=True)
        # The python the hypervisor role's modules run with, inside the host's namespaces.
        with open(self.python(key), "w") as handle:
            handle.write('#!/bin/sh\nexec nsenter --target "$(cat %s)" --net --uts --mount -- %s "$@"\n'
                         % (self.state(key, "holder.pid"), sys.executable))
        os.chmod(self.python(key), 0o755)
        os.makedirs(self.state(key, "runroot", "libvirt"), exist_ok=True)
        os.makedirs(self.state(key, "etc-upper"), exist_ok=True)
        os.makedirs(self.state(key, "etc-work"), exist_ok=True)
        with open(self.state(key, "hosts"), "w") as handle:
            handle.write("127.0.0.1 localhost\n")
            for other in ALL_HOSTS.values():
                handle.write("%s %s\n" % (other["address"], other["name"]))

    def _cache(self, key):
        return os.path.join(self.cache_dir or self.state(key), "libvirt-cache-" + key)

    def _hold_namespaces(self, key):
        """A process that keeps the host's mount and UTS namespaces, so that its daemon can be
        killed and started again in them."""
        host = ALL_HOSTS[key]
        # /etc copy-on-write (what the role writes there - /etc/pki, /etc/fstab - stays the host's),
        # then each private folder over its path.
        binds = ["mount -t overlay overlay -o lowerdir=/etc,upperdir=%s,workdir=%s /etc"
                 % (self.state(key, "etc-upper"), self.state(key, "etc-work"))]
        binds += ["mount --bind %s %s" % (self.state(key, folder), inside) for inside, folder in PRIVATE_DIRS.items()]
        binds.append("mount --bind %s /var/cache/libvirt" % self._cache(key))
        binds.append("mount --bind %s /etc/hosts" % self.state(key, "hosts"))
        script = "set -e; hostname %s; %s; exec sleep infinity" % (host["name"], "; ".join(binds))
        log = open(self.state(key, "holder.log"), "w")
        process = subprocess.Popen(["ip", "netns", "exec", host["name"], "unshare", "--mount", "--uts",
                                    "--propagation", "private", "sh", "-c", script],
                                   stdout=log, stderr=log, start_new_session=True)
        with open(self.state(key, "holder.pid"), "w") as handle:
            handle.write(str(process.pid))
        deadline = time.time() + 10
        while time.time() < deadline:  # the bind mounts are in place once sleep runs
            try:
                with open("/proc/%d/comm" % process.pid) as handle:
                    if handle.read().strip() == "sleep":
                        return
            except OSError:
                pass
            if process.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("the namespaces of %s did not come up; see %s" % (host["name"], log.name))

    def _enter(self, key):
        holder = read_pid(self.state(key, "holder.pid"))
        return ["nsenter", "--target", str(holder), "--net", "--uts", "--mount"]

    # -- daemons -------------------------------------------------------------------------------
    def daemon_pid(self, key, daemon="libvirtd"):
        return running_pid(self.state(key, "runroot", daemon + ".pid"), daemon)

    def start_daemon(self, key, wait=True):
        """libvirtd again, as the hypervisor role starts it on a host without systemd."""
        if self.daemon_pid(key):
            return
        _run(*self._enter(key), "libvirtd", "--daemon", "--listen", "--config", "/etc/libvirt/libvirtd.conf")
        if wait:
            self._wait_for_daemon(key)

    def _wait_for_daemon(self, key):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if _run("virsh", "-c", self.uri(key), "version", check=False, timeout=30).returncode == 0:
                return
            time.sleep(0.3)
        raise SystemExit("libvirtd of %s did not answer within %ds" % (ALL_HOSTS[key]["name"], START_TIMEOUT))

    def kill_daemon(self, key):
        pid = self.daemon_pid(key)
        if pid:
            os.kill(pid, signal.SIGKILL)
            while pid_alive(pid):
                time.sleep(0.05)

    def hang_daemon(self, key, domain, seconds, wait_for_data=60.0):
        """Stop ``key``'s libvirtd for ``seconds`` once the other host's migration of ``domain``
        moves data; returns what happened, for the test to print."""
        import libvirt  # the venv's libvirt-python: only this command needs it
        other = next(name for name in HOSTS if name != key)
        conn = libvirt.open(self.uri(other))
        try:
            dom = conn.lookupByName(domain)
            deadline = time.time() + wait_for_data
            while time.time() < deadline:
                stats = dom.jobStats(0)
                if stats.get("memory_processed", 0) > 0:
                    break
                time.sleep(0.01)
            else:
                return dict(stopped=False, reason="no data moved within %ds" % wait_for_data)
        finally:
            conn.close()
        pid = self.daemon_pid(key)
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
        return dict(stopped=True, seconds=seconds, pid=pid)

    def continue_daemon(self, key):
        pid = self.daemon_pid(key)
        if pid:
            os.kill(pid, signal.SIGCONT)

    def link(self, up):
        for host in HOSTS.values():
            _run("ip", "-n", host["name"], "link", "set", host["veth"], "up" if up else "down")

    # -- down ----------------------------------------------------------------------------------
    def _stop_namespace(self, key):
        """Everything that runs in the host's network namespace is the test bed's (daemons, QEMU
        guests, dnsmasq, the namespaces' holder): killed, then the namespace removed."""
        host = ALL_HOSTS[key]
        self.kill_daemon(key)
        if os.path.exists("/run/netns/" + host["name"]):
            pids = _run("ip", "netns", "pids", host["name"], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            for pid in pids:
                while pid_alive(int(pid)):
                    time.sleep(0.05)
            _run("ip", "netns", "delete", host["name"], check=False)

    def down(self):
        """Stop everything of the test bed: guests, daemons, namespaces, the shared mount."""
        for key in ALL_HOSTS:
            self._stop_namespace(key)
        if os.path.exists("/run/netns/" + BRIDGE_NAMESPACE):
            _run("ip", "netns", "delete", BRIDGE_NAMESPACE, check=False)
        if os.path.ismount(self.shared):
            _run("umount", self.shared, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    # The daemons this starts (itself or through the hypervisor role) take it: see scripts/common.sh.
    # Set here too because ansible-test passes its targets' commands only the environment it chooses.
    os.environ.setdefault("G_SLICE", "always-malloc")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--cache-dir")
    parser.add_argument("command", choices=("up", "down", "kill-daemon", "start-daemon", "link-down", "link-up",
                                            "hang-daemon", "continue-daemon", "configure", "add-host",
                                            "remove-host"))
    parser.add_argument("host", nargs="?", choices=tuple(ALL_HOSTS))
    parser.add_argument("--extra-vars", action="append", default=[],
                        help="configure: variables for the hypervisor role (as ansible-playbook -e takes them)")
    parser.add_argument("--domain", help="hang-daemon: the domain whose migration from the other host is watched")
    parser.add_argument("--seconds", type=float, default=15.0, help="hang-daemon: how long the daemon stays stopped")
    args = parser.parse_args()
    hosts = MigrationHosts(args.workdir, args.cache_dir)
    if args.command == "up":
        print(json.dumps(hosts.up(), indent=2))
    elif args.command == "down":
        hosts.down()
    elif args.command == "configure":  # the role again on one host (or all), with other variables
        extra = ["--limit", ALL_HOSTS[args.host]["name"]] if args.host else []
        for value in args.extra_vars:
            extra += ["-e", value]
        print(json.dumps(hosts.configure(*extra)))
    elif args.command in ("add-host", "remove-host"):
        if args.host not in EXTRA_HOSTS:
            parser.error("%s takes one of %s" % (args.command, ", ".join(EXTRA_HOSTS)))
        if args.command == "add-host":
            print(json.dumps(hosts.add_host(args.host), indent=2))
        else:
            hosts.remove_host(args.host)
    elif args.command in ("kill-daemon", "start-daemon", "continue-daemon", "hang-daemon"):
        if not args.host:
            parser.error("%s needs a host: %s" % (args.command, ", ".join(HOSTS)))
        if args.command == "hang-daemon":
            if not args.domain:
                parser.error("hang-daemon needs --domain")
            print(json.dumps(hosts.hang_daemon(args.host, args.domain, args.seconds)))
        else:
            dict(zip(("kill-daemon", "start-daemon", "continue-daemon"),
                     (hosts.kill_daemon, hosts.start_daemon, hosts.continue_daemon)))[args.command](args.host)
    else:
        hosts.link(args.command == "link-up")


if __name__ == "__main__":
    main()
