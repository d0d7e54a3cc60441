# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ISO 9660 and FAT16 images, checked by readers that are not ours: pycdlib, mtools, fsck.fat, blkid."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import shutil
import subprocess

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage import ImageContentError
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.fat import build_fat, fat_label, read_fat
from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage.iso9660 import build_iso, iso_label, read_iso

pycdlib = pytest.importorskip("pycdlib")

FILES = {
    "openstack/latest/meta_data.json": b'{"uuid": "0b7c4b62"}\n',
    "openstack/latest/user_data": b"#cloud-config\n",
    "openstack/content/0000": b"x" * 5000,                      # spans three ISO sectors, three FAT clusters
    "empty": b"",
    "a.name.with.several.dots.and.more.than.eight.characters.txt": b"long",
    "A.NAME.WITH": b"short-name collision candidate",
    "unicode-\u00e9t\u00e9.json": "\u00e9t\u00e9".encode("utf-8"),
}
# Enough entries that the top directory spans more than one ISO sector and one FAT cluster.
FILES.update(("many/file-%03d.json" % index, b"%d\n" % index) for index in range(120))


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip("%s is not installed (scripts/test.sh installs it)" % name)
    return path


@pytest.fixture(params=["iso", "fat"])
def kind(request):
    return request.param


def build(kind, files, label):
    return build_iso(files, label) if kind == "iso" else build_fat(files, label)


def test_same_content_same_bytes_in_any_order(kind):
    reordered = dict(reversed(list(FILES.items())))
    assert build(kind, FILES, "config-2") == build(kind, reordered, "config-2")


def test_any_change_changes_the_bytes(kind):
    changed = dict(FILES, **{"openstack/latest/user_data": b"#cloud-config\nhostname: b\n"})
    assert build(kind, FILES, "config-2") != build(kind, changed, "config-2")
    assert build(kind, FILES, "config-2") != build(kind, FILES, "cidata")


def test_our_reader_round_trips(kind):
    image = build(kind, FILES, "config-2")
    label, files = (read_iso if kind == "iso" else read_fat)(image)
    assert label == "config-2"
    assert files == FILES


def test_pycdlib_reads_every_file_from_the_joliet_tree():
    image = build_iso(FILES, "config-2")
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    assert iso.pvd.volume_identifier.rstrip(b" ") == b"config-2"
    assert iso.joliet_vd.volume_identifier.decode("utf-16-be").rstrip() == "config-2"
    for path, data in FILES.items():
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, joliet_path="/" + path)
        assert out.getvalue() == data, path
    iso.close()


def test_primary_tree_holds_unique_level_1_names():
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(build_iso(FILES, "config-2")))
    names = [child.file_identifier().decode("ascii") for child in iso.list_children(iso_path="/")
             if not (child.is_dot() or child.is_dotdot())]
    iso.close()
    assert len(names) == len(set(names)) == 6
    for name in names:
        base = name.split(";")[0]
        stem, _dot, extension = base.partition(".")
        assert len(stem) <= 8 and len(extension) <= 3, name
        assert set(stem + extension) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~"), name


def test_blkid_sees_the_label_and_type(kind, tmp_path):
    image_path = tmp_path / "drive.img"
    image_path.write_bytes(build(kind, FILES, "config-2"))
    out = subprocess.run([tool("blkid"), "-p", "-o", "export", str(image_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "LABEL=config-2" in out.splitlines()
    assert ("TYPE=iso9660" if kind == "iso" else "TYPE=vfat") in out.splitlines()


def test_fsck_fat_finds_no_error_and_mtools_reads_long_names(tmp_path):
    image_path = tmp_path / "drive.vfat"
    image_path.write_bytes(build_fat(FILES, "cidata"))
    subprocess.run([tool("fsck.fat"), "-n", str(image_path)], capture_output=True, check=True)
    for path, data in FILES.items():
        out = subprocess.run([tool("mtype"), "-i", str(image_path), "::/" + path],
                             capture_output=True, check=True).stdout
        assert out == data, path


def test_labels_are_read_from_the_image_head():
    assert iso_label(build_iso(FILES, "config-2")[:64 * 1024]) == "config-2"
    assert fat_label(build_fat(FILES, "CIDATA")[:64 * 1024]) == "CIDATA"
    assert iso_label(b"\x00" * 65536) is None
    assert fat_label(b"\x00" * 65536) is None
    assert read_iso(b"\x00" * 40000) is None
    assert read_fat(b"not an image") is None


@pytest.mark.parametrize("files, message", [
    ({"a/../b": b""}, "empty, '.' or '..' path component"),
    ({"a;1": b""}, "contains ';'"),
    ({"x" * 65: b""}, "has 65 characters; at most 64"),
    ({"/".join("d%d" % i for i in range(9)): b""}, "nested 8 directories deep; at most 7"),
    ({"a": b"", "a/b": b""}, "both as a file and as a directory"),
])
def test_names_images_cannot_hold_are_refused(kind, files, message):
    with pytest.raises(ImageContentError, match=message):
        build(kind, files, "config-2")


def test_labels_are_checked():
    with pytest.raises(ImageContentError, match="1 to 16 printable ASCII"):
        build_iso({}, "x" * 17)
    with pytest.raises(ImageContentError, match="1 to 11 letters"):
        build_fat({}, "config drive")


def test_the_smallest_iso_is_padded_past_what_label_readers_fetch():
    # busybox's volume_id reads 0x11000 bytes at once; a shorter CD-ROM gives it an I/O error
    # and the guest cannot find the drive by its label (seen with an unpadded 62 KiB drive).
    image = build_iso({"meta-data": b"{}"}, "cidata")
    assert len(image) > 0x11000
    assert image.endswith(b"\x00" * 150 * 2048)
    assert read_iso(image) == ("cidata", {"meta-data": b"{}"})
