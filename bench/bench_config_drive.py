"""Build the same OpenStack config drive N times with virtops.libvirt's Python writer and with
genisoimage invoked as Nova invokes it (the files written to a temporary directory first, as Nova
does). Prints seconds per drive, image sizes and the ratios ours/peer from the same run.

Usage: python bench_config_drive.py --count N --root REPO  (run by bench/run.sh)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def drive_params(index):
    """A typical instance's drive: meta data with keys, 4 KiB of cloud-config, network data, 5 files."""
    return {
        "type": "openstack", "filesystem": "iso9660", "label": None,
        "instance_id": "00000000-0000-4000-8000-%012d" % index, "hostname": "bench-%d" % index,
        "public_keys": {"ops": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%040d ops" % index},
        "meta_data": {"meta": {"role": "web", "index": str(index)}},
        "user_data": "#cloud-config\n" + "".join("write_files_%03d: %s\n" % (i, "x" * 60) for i in range(64)),
        "network_data": {"links": [{"id": "eth0", "type": "phy", "ethernet_mac_address": "52:54:00:00:00:%02x" % (index % 256)}],
                         "networks": [{"id": "n0", "link": "eth0", "type": "ipv4_dhcp"}], "services": []},
        "vendor_data": {"cloud-init": "#cloud-config\n"},
        "files": [{"path": "/etc/app/%d.conf" % i, "content": "setting=%d\n" % i * 20} for i in range(5)],
    }


def ours(count, out_dir, build_image):
    sizes = []
    start = time.perf_counter()
    for index in range(count):
        _label, _files, image = build_image(drive_params(index))
        with open(os.path.join(out_dir, "ours-%d.iso" % index), "wb") as handle:
            handle.write(image)
        sizes.append(len(image))
    return time.perf_counter() - start, sizes


def peer(count, out_dir, drive_files):
    sizes = []
    start = time.perf_counter()
    for index in range(count):
        with tempfile.TemporaryDirectory() as tree:
            for path, data in drive_files(drive_params(index)).items():
                full = os.path.join(tree, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as handle:
                    handle.write(data)
            out = os.path.join(out_dir, "peer-%d.iso" % index)
            # nova/virt/configdrive.py's genisoimage arguments
            subprocess.run(["genisoimage", "-o", out, "-ldots", "-allow-lowercase", "-allow-multidot", "-l",
                            "-publisher", "bench", "-quiet", "-J", "-r", "-V", "config-2", tree],
                           check=True, stderr=subprocess.DEVNULL)  # its "does not conform" warning, each time
        sizes.append(os.path.getsize(out))
    return time.perf_counter() - start, sizes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--root", required=True, help="the repository, seen as ansible_collections/virtops/libvirt")
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.layout import build_image, drive_files

    with tempfile.TemporaryDirectory() as out_dir:
        ours_seconds, ours_sizes = ours(args.count, out_dir, build_image)
        peer_seconds, peer_sizes = peer(args.count, out_dir, drive_files)
        repeat = build_image(drive_params(0))[2] == build_image(drive_params(0))[2]
    report = {
        "drives": args.count,
        "ours_ms_per_drive": round(1000 * ours_seconds / args.count, 2),
        "genisoimage_ms_per_drive": round(1000 * peer_seconds / args.count, 2),
        "time_ratio_ours_to_genisoimage": round(ours_seconds / peer_seconds, 3),
        "ours_bytes": ours_sizes[0], "genisoimage_bytes": peer_sizes[0],
        "size_ratio_ours_to_genisoimage": round(ours_sizes[0] / peer_sizes[0], 3),
        "ours_same_bytes_twice": repeat,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
