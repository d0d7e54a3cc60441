"""The integration tests' real parts on the local libvirtd: ``up`` before, ``down`` after.

``up`` creates the isolated test network, decides independently whether KVM runs guests here
(by booting the test guest under ``qemu -accel kvm`` directly, without libvirt or the module's
probe) and writes the variables the integration targets read. ``down`` removes whatever the
tests left behind, and only that: objects named with the ``virtops-it-`` prefix.
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


def up(args):
    guest = json.loads(args.guest)
    conn = connect()
    ensure_network(conn)
    os.makedirs(args.workdir, exist_ok=True)
    config = {
        "virtops_test_guest": guest,
        "virtops_test_workdir": args.workdir,
        "virtops_test_network": NETWORK,
        "virtops_test_expected_virt_type": "kvm" if kvm_runs_guests(guest) else "qemu",
    }
    with open(args.config, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)  # JSON is YAML: ansible-test reads it as is
    print(json.dumps(config))


def down(args):
    conn = connect()
    undefine_flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                      | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    for dom in conn.listAllDomains(0):
        if not dom.name().startswith(PREFIX):
            continue
        print(f"removing leftover test domain {dom.name()}", file=sys.stderr)
        if dom.isActive():
            dom.destroy()
        if dom.isPersistent():
            dom.undefineFlags(undefine_flags)
    for net in conn.listAllNetworks(0):
        if net.name().startswith(PREFIX):
            persistent = net.isPersistent()  # a transient network is gone once destroyed
            if net.isActive():
                net.destroy()
            if persistent:
                net.undefine()
    shutil.rmtree(args.workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    parser_up = sub.add_parser("up")
    parser_up.add_argument("--guest", required=True, help="JSON printed by guest_image.py")
    parser_up.add_argument("--config", required=True, help="integration_config.yml to write")
    parser_up.add_argument("--workdir", required=True)
    parser_up.set_defaults(func=up)
    parser_down = sub.add_parser("down")
    parser_down.add_argument("--workdir", required=True)
    parser_down.set_defaults(func=down)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
