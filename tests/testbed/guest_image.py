"""Build the small test guest (a Debian cloud kernel and a busybox initramfs) from Debian packages.

The packages are fetched with ``apt-get download`` (no other download) and unpacked with
``dpkg-deb``; nothing is installed on the host. The initramfs is written by this script as a
deterministic cpio archive, so the same inputs give the same bytes. Results are cached under
``--cache-dir`` keyed by the kernel package version and the contents of the guest's init.

Prints a JSON object: {"kernel": path, "initrd": path, "initrd_python": path, "kernel_version": ...}.
``initrd_python`` is the initrd with a second archive appended (the kernel unpacks both): what an
Ansible target needs - Debian's Python 3.11 with its standard library, and an SSH server
(dropbear) - for tests that run Ansible modules inside the guest; the other tests keep the small
initrd, which boots faster under TCG. With
``--install-dir`` the paths are fresh copies in that directory rather than the cache's own files:
libvirt's DAC driver records the owner of every file a guest uses in extended attributes on the
file and refuses another owner while the count is not zero, so a count left behind by a daemon
that died mid-run would otherwise stay on the shared cache and break every later run.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
INIT_SCRIPT = os.path.join(HERE, "guest_init.sh")
KERNEL_META_PACKAGE = "linux-image-cloud-amd64"
BUSYBOX_PACKAGE = "busybox-static"
# What the guest loads at boot, dependencies first (resolved from modules.dep).
GUEST_MODULES = (
    "virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "sr_mod", "virtio_net",
    "virtio_balloon", "virtio_console", "ata_piix", "isofs", "vfat", "nls_cp437", "nls_ascii", "nls_utf8",
    "button", "evdev", "virtio_rng", "efivarfs", "virtiofs",
)
# The QEMU guest agent, and the packages of the shared libraries it loads (resolved from the
# binaries' DT_NEEDED entries inside the unpacked packages, not from the host).
AGENT_PACKAGES = ("qemu-guest-agent", "libc6", "libglib2.0-0", "libpcre2-8-0", "libudev1", "libnuma1", "liburing2")
AGENT_BINARY = "usr/sbin/qemu-ga"
LIBRARY_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
LOADER = "lib64/ld-linux-x86-64.so.2"
# Python for Ansible modules in the guest, the libraries of its extension modules, and dropbear (an
# SSH server) with its own. An extension whose libraries are not among these (ssl, sqlite, curses,
# readline, dbm) is left out.
TARGET_PACKAGES = ("python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib", "zlib1g", "libexpat1",
                   "libffi8", "libbz2-1.0", "liblzma5", "libuuid1", "libcrypt1",
                   "dropbear-bin", "libtomcrypt1", "libtommath1", "libgmp10")
PYTHON_BINARY = "usr/bin/python3.11"
SSH_SERVER_BINARY = "usr/sbin/dropbear"
PYTHON_LIBRARY = "usr/lib/python3.11"
# Parts of the standard library no module run by Ansible needs.
PYTHON_LEFT_OUT = ("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
                   "config-3.11-x86_64-linux-gnu", "sitecustomize.py", "EXTERNALLY-MANAGED")
BUILDER_VERSION = "6"


def run(*cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def kernel_package():
    """The versioned kernel package the meta package points at, e.g. linux-image-6.1.0-56-cloud-amd64."""
    for line in run("apt-cache", "depends", KERNEL_META_PACKAGE).splitlines():
        line = line.strip()
        if line.startswith("Depends: linux-image-"):
            return line.split(": ", 1)[1]
    raise SystemExit(f"cannot resolve {KERNEL_META_PACKAGE}; run 'apt-get update' first")


def download_and_unpack(package, dest, downloads):
    os.makedirs(downloads, exist_ok=True)
    debs = glob.glob(os.path.join(downloads, f"{package}_*.deb"))
    if not debs:
        run("apt-get", "download", package, cwd=downloads)
        debs = glob.glob(os.path.join(downloads, f"{package}_*.deb"))
    run("dpkg-deb", "-x", sorted(debs)[-1], dest)


def module_load_order(modules_dir, wanted):
    """Resolve modules.dep so each module comes after what it depends on."""
    deps = {}
    with open(os.path.join(modules_dir, "modules.dep"), encoding="utf-8") as handle:
        for line in handle:
            path, _sep, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {os.path.basename(p).split(".ko")[0].replace("-", "_"): p for p in deps}
    order = []

    def visit(path):
        for dep in deps[path]:
            visit(dep)
        if path not in order:
            order.append(path)

    for name in wanted:
        visit(by_name[name])
    return order


def needed_libraries(root, binary, packages=AGENT_PACKAGES):
    """Paths (relative to ``root``) of the shared libraries ``binary`` loads, transitively; raises
    MissingLibrary when one is in none of ``packages``."""
    found, todo = [], [binary]
    while todo:
        path = todo.pop()
        for line in run("readelf", "-d", os.path.join(root, path)).splitlines():
            if "(NEEDED)" not in line:
                continue
            name = line.rsplit("[", 1)[1].rstrip("]")
            library = next((os.path.join(folder, name) for folder in LIBRARY_DIRS
                            if os.path.exists(os.path.join(root, folder, name))), None)
            if library is None:
                raise MissingLibrary(f"{path} needs {name}, which none of {', '.join(packages)} has")
            if library not in found:
                found.append(library)
                todo.append(library)
    return sorted(found)


class MissingLibrary(SystemExit):
    """A binary needs a library that none of the unpacked packages has."""


def read_resolved(root, path):
    """The bytes of ``path`` inside ``root``, following symbolic links inside ``root``."""
    full = os.path.join(root, path)
    while os.path.islink(full):
        target = os.readlink(full)
        full = os.path.join(root, target.lstrip("/")) if target.startswith("/") else \
            os.path.join(os.path.dirname(full), target)
    with open(full, "rb") as handle:
        return handle.read()


class CpioWriter:
    """Minimal deterministic 'newc' cpio writer (all files owned by root, mtime 0)."""

    def __init__(self, stream):
        self.stream = stream
        self.inode = 1

    def _entry(self, name, mode, data=b""):
        header = "070701" + "".join(
            f"{value:08X}" for value in (
                self.inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
        )
        self.inode += 1
        self.stream.write(header.encode() + name.encode() + b"\0")
        self.stream.write(b"\0" * ((4 - (110 + len(name) + 1) % 4) % 4))
        self.stream.write(data)
        self.stream.write(b"\0" * ((4 - len(data) % 4) % 4))

    def directory(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data, mode=0o100644):
        self._entry(name, mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def close(self):
        self._entry("TRAILER!!!", 0)


def build_initrd(root, modules_dir, kernel_version, out_path):
    order = module_load_order(modules_dir, GUEST_MODULES)
    with open(INIT_SCRIPT, "rb") as handle:
        init = handle.read()
    with open(os.path.join(root, "bin", "busybox"), "rb") as handle:
        busybox = handle.read()
    with open(out_path + ".tmp", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
            cpio = CpioWriter(stream)
            for directory in ("bin", "dev", "etc", "lib", "lib/modules", "lib/x86_64-linux-gnu", "lib64", "mnt",
                              "proc", "run", "sys", "tmp", "usr", "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/sbin"):
                cpio.directory(directory)
            cpio.file("bin/busybox", busybox, 0o100755)
            cpio.file(AGENT_BINARY, read_resolved(root, AGENT_BINARY), 0o100755)
            for library in needed_libraries(root, AGENT_BINARY):
                cpio.file(library, read_resolved(root, library), 0o100755)
            cpio.file(LOADER, read_resolved(root, LOADER), 0o100755)
            cpio.symlink("bin/sh", "busybox")
            cpio.file("init", init, 0o100755)
            names = []
            for path in order:
                name = os.path.basename(path)
                with open(os.path.join(modules_dir, path), "rb") as handle:
                    cpio.file(f"lib/modules/{name}", handle.read())
                names.append(name)
            cpio.file("etc/modules.order", ("\n".join(names) + "\n").encode())
            cpio.close()
    os.replace(out_path + ".tmp", out_path)
    return kernel_version


def target_archive(root, out_path):
    """A gzip'd cpio of Python, its standard library (less PYTHON_LEFT_OUT), the extension modules
    whose libraries the packages have, and dropbear, with what they load (the loader and libc are
    in the first archive); /usr/bin/python3 points at Python."""
    files = []
    libraries = set(needed_libraries(root, PYTHON_BINARY, TARGET_PACKAGES) + needed_libraries(root, SSH_SERVER_BINARY, TARGET_PACKAGES))
    for folder, directories, names in os.walk(os.path.join(root, PYTHON_LIBRARY)):
        relative = os.path.relpath(folder, root)
        directories[:] = sorted(d for d in directories if not (relative == PYTHON_LIBRARY and d in PYTHON_LEFT_OUT)
                                and d != "__pycache__")
        files.append((relative, None))
        for name in sorted(names):
            path = os.path.join(relative, name)
            if relative == PYTHON_LIBRARY and name in PYTHON_LEFT_OUT:
                continue
            if name.endswith(".so"):
                try:
                    libraries.update(needed_libraries(root, path, TARGET_PACKAGES))
                except MissingLibrary:
                    continue
            files.append((path, os.readlink(os.path.join(root, path)) if os.path.islink(os.path.join(root, path)) else ""))
    with open(out_path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
            cpio = CpioWriter(stream)
            # the kernel makes no parent directories: each archive names its own
            for directory in ("lib", "lib/x86_64-linux-gnu", "usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib/x86_64-linux-gnu"):
                cpio.directory(directory)
            cpio.file(PYTHON_BINARY, read_resolved(root, PYTHON_BINARY), 0o100755)
            cpio.file(SSH_SERVER_BINARY, read_resolved(root, SSH_SERVER_BINARY), 0o100755)
            cpio.symlink("usr/bin/python3", "python3.11")
            for library in sorted(libraries):
                cpio.file(library, read_resolved(root, library), 0o100755)
            for path, link in files:
                if link is None:
                    cpio.directory(path)
                elif link:
                    cpio.symlink(path, link)
                else:
                    cpio.file(path, read_resolved(root, path))
            cpio.close()


def build(cache_dir):
    package = kernel_package()
    with open(INIT_SCRIPT, "rb") as handle:
        key_source = f"{BUILDER_VERSION}:{package}:{','.join(GUEST_MODULES)}:".encode() + handle.read()
    key = hashlib.sha256(key_source).hexdigest()[:16]
    out_dir = os.path.join(cache_dir, f"guest-{key}")
    result = {
        "kernel": os.path.join(out_dir, "vmlinuz"),
        "initrd": os.path.join(out_dir, "initrd.img"),
        "initrd_python": os.path.join(out_dir, "initrd-python.img"),
        "kernel_package": package,
    }
    if all(os.path.exists(result[key]) for key in ("kernel", "initrd", "initrd_python")):
        return result
    os.makedirs(cache_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as staging:
        downloads = os.path.join(cache_dir, "debs")
        download_and_unpack(package, staging, downloads)
        download_and_unpack(BUSYBOX_PACKAGE, staging, downloads)
        for package in AGENT_PACKAGES + TARGET_PACKAGES:
            download_and_unpack(package, staging, downloads)
        kernels = glob.glob(os.path.join(staging, "boot", "vmlinuz-*"))
        kernel_version = os.path.basename(kernels[0])[len("vmlinuz-"):]
        modules_dir = os.path.join(staging, "lib", "modules", kernel_version)
        # The package ships no modules.dep (its postinst runs depmod); make one in the staging tree.
        run("depmod", "--basedir", staging, kernel_version)
        build_dir = tempfile.mkdtemp(dir=cache_dir)
        os.chmod(build_dir, 0o755)  # QEMU runs as libvirt-qemu and must reach the files
        shutil.copyfile(kernels[0], os.path.join(build_dir, "vmlinuz"))
        build_initrd(staging, modules_dir, kernel_version, os.path.join(build_dir, "initrd.img"))
        target_archive(staging, os.path.join(build_dir, "target.cpio.gz"))
        with open(os.path.join(build_dir, "initrd-python.img"), "wb") as joined:
            for part in ("initrd.img", "target.cpio.gz"):
                with open(os.path.join(build_dir, part), "rb") as handle:
                    shutil.copyfileobj(handle, joined)
        os.remove(os.path.join(build_dir, "target.cpio.gz"))
        shutil.rmtree(out_dir, ignore_errors=True)
        os.rename(build_dir, out_dir)
    return result


def install(result, directory):
    """Copy the kernel and initrd into ``directory`` (new inodes, so no attribute survives) and
    return the result with those paths."""
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)  # QEMU runs as libvirt-qemu and must reach the files
    installed = dict(result)
    for key in ("kernel", "initrd", "initrd_python"):
        target = os.path.join(directory, os.path.basename(result[key]))
        staging = target + ".new"
        shutil.copyfile(result[key], staging)
        os.chmod(staging, 0o644)
        os.replace(staging, target)
        installed[key] = target
    return installed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", default=os.environ.get(
        "VIRTOPS_GUEST_CACHE", "/var/cache/virtops-libvirt/guest"))
    parser.add_argument("--install-dir", help="copy the kernel and initrd here and print those paths")
    args = parser.parse_args(argv)
    result = build(args.cache_dir)
    if args.install_dir:
        result = install(result, args.install_dir)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
