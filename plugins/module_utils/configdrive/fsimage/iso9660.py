# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ISO 9660 images with a Joliet tree (ECMA-119 and the Joliet specification), written and read.

The primary tree holds level-1 (8.3, upper-case) names for old readers; the Joliet tree holds the
real names, which Linux, Windows and cloud-init use. Every date is fixed (1970-01-01 UTC), the
directories and files are laid out in sorted order, so equal content gives equal bytes.

Layout: system area (sectors 0-15), primary descriptor (16), Joliet descriptor (17), terminator
(18), the four path tables (primary L and M, Joliet L and M), the primary directories, the Joliet
directories, then the file data, which both trees share, then PADDING_SECTORS of zeros.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage import (
    ImageContentError, file_tree, short_names, walk_files,
)

SECTOR = 2048
FIRST_FREE_SECTOR = 19
STANDARD_ID = b"CD001"
JOLIET_ESCAPES = (b"%/@", b"%/C", b"%/E")  # UCS-2 levels 1-3
D_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
RECORD_DATE = bytes(bytearray([70, 1, 1, 0, 0, 0, 0]))        # 1970-01-01 00:00:00 UTC
DESCRIPTOR_DATE = b"1970010100000000\x00"
UNSET_DATE = b"0000000000000000\x00"
APPLICATION_ID = "VIRTOPS.LIBVIRT"
MAX_LABEL_LENGTH = 16                                            # Joliet's volume identifier: 16 UCS-2 characters
# Zero sectors after the data, part of the volume, as genisoimage/mkisofs add by default: readers
# that fetch a fixed-size block from the start (busybox's volume_id reads 68 KiB to find the
# label) get an I/O error from a CD-ROM shorter than that, and Linux's CD read-ahead can run
# past the last data sector.
PADDING_SECTORS = 150


def _both16(value):
    return struct.pack("<H", value) + struct.pack(">H", value)


def _both32(value):
    return struct.pack("<I", value) + struct.pack(">I", value)


def _sectors(size):
    return (size + SECTOR - 1) // SECTOR


class _Tree:
    """One naming of the directory hierarchy (primary or Joliet): identifiers, records, path table."""

    def __init__(self, root, joliet):
        self.joliet = joliet
        # Directories in path-table order (breadth first, siblings sorted by identifier).
        self.directories = [dict(node=root, identifier=b"\x00", parent=1, children=[])]
        index = 0
        while index < len(self.directories):
            directory = self.directories[index]
            children = self._identify(directory["node"])
            for identifier, name in children:
                child = directory["node"][name]
                entry = dict(identifier=identifier, name=name, node=child)
                if isinstance(child, dict):
                    entry["directory"] = len(self.directories)
                    self.directories.append(dict(node=child, identifier=identifier, parent=index + 1, children=[]))
                directory["children"].append(entry)
            index += 1

    def _identify(self, node):
        if self.joliet:
            # No ";1" version suffix: Linux strips it anyway and pycdlib looks names up without it.
            return sorted((name.encode("utf-16-be"), name) for name in node)
        directories = [name for name in node if isinstance(node[name], dict)]
        files = [name for name in node if not isinstance(node[name], dict)]
        named = [(base.encode("ascii"), name)
                 for name, (base, _ext) in short_names(directories, 8, 0, D_CHARACTERS).items()]
        named += [(("%s.%s;1" % (base, ext)).encode("ascii"), name)
                  for name, (base, ext) in short_names(files, 8, 3, D_CHARACTERS).items()]
        # ECMA-119 9.3: ordered by name then extension, each padded with spaces.
        return sorted(named, key=lambda item: tuple(part.ljust(32) for part in item[0].split(b";")[0].split(b".", 1)))

    def path_table_size(self):
        return sum(8 + len(d["identifier"]) + len(d["identifier"]) % 2 for d in self.directories)

    def path_table(self, big_endian):
        order = ">" if big_endian else "<"
        out = b""
        for directory in self.directories:
            ident = directory["identifier"]
            out += struct.pack(order + "BBIH", len(ident), 0, directory["extent"], directory["parent"])
            out += ident + (b"\x00" if len(ident) % 2 else b"")
        return out

    def directory_bytes(self, index, file_extents):
        directory = self.directories[index]
        parent = self.directories[directory["parent"] - 1]
        records = [_record(b"\x00", directory["extent"], directory["size"], True),
                   _record(b"\x01", parent["extent"], parent["size"], True)]
        for entry in directory["children"]:
            if "directory" in entry:
                child = self.directories[entry["directory"]]
                records.append(_record(entry["identifier"], child["extent"], child["size"], True))
            else:
                extent = file_extents[id(entry["node"])]
                records.append(_record(entry["identifier"], extent, len(entry["node"]), False))
        return _pack_records(records)

    def directory_size(self, index):
        lengths = [34, 34] + [_record_length(e["identifier"]) for e in self.directories[index]["children"]]
        return len(_pack_records([b"\x00" * length for length in lengths]))


def _record_length(identifier):
    return 33 + len(identifier) + (0 if len(identifier) % 2 else 1)


def _record(identifier, extent, size, is_directory):
    return (struct.pack("<BB", _record_length(identifier), 0) + _both32(extent) + _both32(size)
            + RECORD_DATE + struct.pack("<BBB", 2 if is_directory else 0, 0, 0) + _both16(1)
            + struct.pack("<B", len(identifier)) + identifier
            + (b"" if len(identifier) % 2 else b"\x00"))


def _pack_records(records):
    """Directory records never cross a sector boundary; the extent is whole sectors."""
    out = b""
    for record in records:
        room = SECTOR - len(out) % SECTOR
        if len(record) > room:
            out += b"\x00" * room
        out += record
    return out + b"\x00" * (-len(out) % SECTOR)


def _text(value, length, joliet):
    if joliet:
        return (value.encode("utf-16-be") + b"\x00 " * length)[:length]
    return value.encode("ascii").ljust(length, b" ")


def _descriptor(kind, label, total_sectors, tree, path_tables):
    joliet = tree.joliet
    root = tree.directories[0]
    out = bytearray(SECTOR)
    out[0:7] = struct.pack("<B", kind) + STANDARD_ID + b"\x01"
    out[8:40] = _text("", 32, joliet)
    out[40:72] = _text(label, 32, joliet)
    out[80:88] = _both32(total_sectors)
    if joliet:
        out[88:91] = JOLIET_ESCAPES[2]
    out[120:132] = _both16(1) + _both16(1) + _both16(SECTOR)
    out[132:140] = _both32(tree.path_table_size())
    out[140:144] = struct.pack("<I", path_tables[0])
    out[148:152] = struct.pack(">I", path_tables[1])
    out[156:190] = _record(b"\x00", root["extent"], root["size"], True)
    out[190:702] = _text("", 128, joliet) * 3 + _text(APPLICATION_ID, 128, joliet)
    out[702:813] = _text("", 37, joliet) * 3
    out[813:881] = DESCRIPTOR_DATE * 2 + UNSET_DATE * 2
    out[881] = 1
    return bytes(out)


def build_iso(files, label):
    """The image bytes for {path: bytes or str} under volume label ``label`` (e.g. config-2)."""
    if not label or len(label) > MAX_LABEL_LENGTH or not all(0x20 < ord(c) < 0x7F for c in label):
        raise ImageContentError("the ISO 9660 volume label %r must be 1 to %d printable ASCII characters without spaces"
                                % (label, MAX_LABEL_LENGTH))
    root = file_tree(files)
    trees = [_Tree(root, joliet=False), _Tree(root, joliet=True)]
    sector = FIRST_FREE_SECTOR
    path_tables = []
    for tree in trees:
        size = _sectors(tree.path_table_size())
        path_tables.append((sector, sector + size))
        sector += 2 * size
    for tree in trees:
        for index, directory in enumerate(tree.directories):
            directory["size"] = tree.directory_size(index)
            directory["extent"] = sector
            sector += directory["size"] // SECTOR
    file_extents, file_data = {}, []
    for _path, data in walk_files(root):
        file_extents[id(data)] = sector
        file_data.append(data)
        sector += _sectors(len(data))
    total = sector + PADDING_SECTORS

    image = bytearray(16 * SECTOR)
    image += _descriptor(1, label, total, trees[0], path_tables[0])
    image += _descriptor(2, label, total, trees[1], path_tables[1])
    image += struct.pack("<B", 255) + STANDARD_ID + b"\x01" + b"\x00" * (SECTOR - 7)
    for tree, (little, big) in zip(trees, path_tables):
        for location, big_endian in ((little, False), (big, True)):
            table = tree.path_table(big_endian)
            image += table + b"\x00" * (-len(table) % SECTOR)
    for tree in trees:
        for index in range(len(tree.directories)):
            image += tree.directory_bytes(index, file_extents)
    for data in file_data:
        image += data + b"\x00" * (-len(data) % SECTOR)
    image += b"\x00" * (PADDING_SECTORS * SECTOR)
    if len(image) != total * SECTOR:  # pragma: no cover - a layout bug, not a user error
        raise AssertionError("ISO layout mismatch: %d bytes for %d sectors" % (len(image), total))
    return bytes(image)


def iso_label(head):
    """The primary volume label of an ISO 9660 image given its first 34 KiB, or None if it is not one."""
    start = 16 * SECTOR
    if len(head) < start + SECTOR or head[start + 1:start + 6] != STANDARD_ID:
        return None
    return head[start + 40:start + 72].decode("ascii", "replace").rstrip(" \x00")


def read_iso(data):
    """(label, {path: bytes}) of an ISO 9660 image, from its Joliet tree when it has one, else None."""
    label = iso_label(data)
    if label is None:
        return None
    try:
        descriptors, sector = [], 16
        while data[sector * SECTOR] != 255 and sector < 64:
            descriptors.append(data[sector * SECTOR:(sector + 1) * SECTOR])
            sector += 1
        joliet = [d for d in descriptors if d[0] == 2 and d[88:91] in JOLIET_ESCAPES]
        descriptor = joliet[0] if joliet else descriptors[0]
        files = {}
        _read_directory(data, descriptor[156:190], "", bool(joliet), files, 0)
        return label, files
    except (IndexError, struct.error, UnicodeDecodeError, ValueError):
        return None


def _read_directory(data, record, prefix, joliet, files, depth):
    if depth > 8:
        raise ValueError("directories nested too deep")
    extent, size = struct.unpack_from("<I", record, 2)[0], struct.unpack_from("<I", record, 10)[0]
    offset, end = extent * SECTOR, extent * SECTOR + size
    while offset < end:
        length = data[offset]
        if length == 0:
            offset = (offset // SECTOR + 1) * SECTOR
            continue
        entry = data[offset:offset + length]
        offset += length
        identifier = entry[33:33 + entry[32]]
        if identifier in (b"\x00", b"\x01"):
            continue
        name = identifier.decode("utf-16-be" if joliet else "ascii")
        name = name[:-2] if name.endswith(";1") else name
        name = name.rstrip(".") if not joliet else name
        path = prefix + name
        if entry[25] & 2:
            _read_directory(data, entry, path + "/", joliet, files, depth + 1)
        else:
            start, length = struct.unpack_from("<I", entry, 2)[0] * SECTOR, struct.unpack_from("<I", entry, 10)[0]
            files[path] = bytes(data[start:start + length])
