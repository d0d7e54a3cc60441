# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FAT16 images with long (VFAT) names, written and read.

The geometry is fixed - 512-byte sectors, 2 KiB clusters, two FATs, 512 root entries - and the
volume has at least MIN_CLUSTERS clusters (about 8 MiB), the smallest FAT16 size Linux and
blkid recognise as FAT16. Every timestamp is 1980-01-01 00:00 and clusters are handed out in
sorted path order, so equal content gives equal bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct
import zlib

from ansible_collections.virtops.libvirt.plugins.module_utils.configdrive.fsimage import (
    ImageContentError, file_tree, short_names, walk_files,
)

SECTOR = 512
SECTORS_PER_CLUSTER = 4
CLUSTER = SECTOR * SECTORS_PER_CLUSTER
ROOT_ENTRIES = 512
MIN_CLUSTERS = 4200          # FAT16 needs more than 4084 clusters
MAX_CLUSTERS = 65524
ENTRY = 32
DOS_DATE = 0x0021            # 1980-01-01
ATTR_DIRECTORY, ATTR_ARCHIVE, ATTR_VOLUME, ATTR_LONG_NAME = 0x10, 0x20, 0x08, 0x0F
LABEL_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_!#$%&'()@^`{}~")
SHORT_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&'()@^`{}~")
MAX_LABEL_LENGTH = 11


def _clusters(size):
    return max(1, (size + CLUSTER - 1) // CLUSTER)


def _short_checksum(short):
    total = 0
    for byte in bytearray(short):
        total = (((total & 1) << 7) + (total >> 1) + byte) & 0xFF
    return total


def _entry(short, attributes, cluster, size):
    return short + struct.pack("<BBBHHHHHHHI", attributes, 0, 0, 0, DOS_DATE, DOS_DATE, 0, 0, DOS_DATE,
                               cluster, size)


def _short_name_text(short):
    """An 11-byte 8.3 entry name as a reader shows it: "BASE.EXT", or "BASE" without an extension."""
    base, extension = short[:8].decode("ascii").rstrip(), short[8:].decode("ascii").rstrip()
    return base + ("." + extension if extension else "")


def _named_entries(name, short, attributes, cluster, size):
    """The long-name entries (last part first, as FAT stores them) followed by the 8.3 entry."""
    entries = []
    if name != _short_name_text(short):  # the 8.3 entry alone would not give the name back
        units = name.encode("utf-16-le")
        units += b"\x00\x00" if len(units) % 26 else b""
        units += b"\xff\xff" * ((-len(units) // 2) % 13)
        parts = [units[i:i + 26] for i in range(0, len(units), 26)]
        checksum = _short_checksum(short)
        for sequence in range(len(parts), 0, -1):
            part = parts[sequence - 1]
            entries.append(struct.pack("<B", sequence | (0x40 if sequence == len(parts) else 0)) + part[0:10]
                           + struct.pack("<BBB", ATTR_LONG_NAME, 0, checksum) + part[10:22] + b"\x00\x00" + part[22:26])
    entries.append(_entry(short, attributes, cluster, size))
    return entries


class _Layout:
    """Cluster numbers and directory entries for a file tree."""

    def __init__(self, root):
        self.next_cluster = 2
        self.chains = []          # (first cluster, count) of every directory and file
        self.data = {}            # first cluster -> bytes (directories' entries and files' contents)
        self.root_entries = self._directory_entries(root, 0)

    def _allocate(self, size):
        first, count = self.next_cluster, _clusters(size)
        self.next_cluster += count
        self.chains.append((first, count))
        return first

    def _directory_entries(self, node, own_cluster):
        names = short_names(sorted(node), 8, 3, SHORT_CHARACTERS)
        entries = []
        for name in sorted(node):
            base, extension = names[name]
            short = base.encode("ascii").ljust(8) + extension.encode("ascii").ljust(3)
            child = node[name]
            if isinstance(child, dict):
                # Enough clusters for ".", ".." and the children's entries (long names at most 6 each).
                cluster = self._allocate(ENTRY * (2 + 6 * len(child)))
                entries += _named_entries(name, short, ATTR_DIRECTORY, cluster, 0)
                self.data[cluster] = b"".join(
                    [_entry(b".          ", ATTR_DIRECTORY, cluster, 0), _entry(b"..         ", ATTR_DIRECTORY, own_cluster, 0)]
                    + self._directory_entries(child, cluster))
            else:
                cluster = self._allocate(len(child)) if child else 0
                entries += _named_entries(name, short, ATTR_ARCHIVE, cluster, len(child))
                if child:
                    self.data[cluster] = child
        return entries


def build_fat(files, label):
    """The FAT16 image bytes for {path: bytes or str} under volume label ``label`` (e.g. config-2)."""
    if not label or len(label) > MAX_LABEL_LENGTH or not set(label) <= LABEL_CHARACTERS:
        raise ImageContentError("the FAT volume label %r must be 1 to %d letters, digits or -_!#$%%&'()@^`{}~"
                                % (label, MAX_LABEL_LENGTH))
    root = file_tree(files)
    layout = _Layout(root)
    root_entries = [_entry(label.encode("ascii").ljust(11), ATTR_VOLUME, 0, 0)] + layout.root_entries
    if len(root_entries) > ROOT_ENTRIES:
        raise ImageContentError("the top directory needs %d entries; FAT16 holds %d (use fewer or shorter names there)"
                                % (len(root_entries), ROOT_ENTRIES))
    clusters = max(MIN_CLUSTERS, layout.next_cluster - 2)
    if clusters > MAX_CLUSTERS:
        raise ImageContentError("the files need %d MiB; a FAT16 config drive holds at most %d MiB"
                                % (clusters * CLUSTER >> 20, MAX_CLUSTERS * CLUSTER >> 20))
    fat_sectors = ((clusters + 2) * 2 + SECTOR - 1) // SECTOR
    root_sectors = ROOT_ENTRIES * ENTRY // SECTOR
    total_sectors = 1 + 2 * fat_sectors + root_sectors + clusters * SECTORS_PER_CLUSTER
    serial = zlib.crc32(label.encode("ascii") + b"".join(p.encode("utf-8") + d for p, d in walk_files(root))) & 0xFFFFFFFF

    boot = bytearray(SECTOR)
    boot[0:3] = b"\xeb\x3c\x90"
    boot[3:36] = b"VIRTOPS " + struct.pack(
        "<HBHBHHBHHHII", SECTOR, SECTORS_PER_CLUSTER, 1, 2, ROOT_ENTRIES,
        total_sectors if total_sectors < 0x10000 else 0, 0xF8, fat_sectors, 32, 64, 0,
        0 if total_sectors < 0x10000 else total_sectors)
    boot[36:62] = struct.pack("<BBBI", 0x80, 0, 0x29, serial) + label.encode("ascii").ljust(11) + b"FAT16   "
    boot[510:512] = b"\x55\xaa"

    fat = [0xFFF8, 0xFFFF] + [0] * clusters
    for first, count in layout.chains:
        for cluster in range(first, first + count - 1):
            fat[cluster] = cluster + 1
        fat[first + count - 1] = 0xFFFF
    fat_bytes = struct.pack("<%dH" % len(fat), *fat)
    fat_bytes += b"\x00" * (fat_sectors * SECTOR - len(fat_bytes))

    image = bytearray(boot) + fat_bytes * 2
    image += b"".join(root_entries).ljust(root_sectors * SECTOR, b"\x00")
    data_start = len(image)
    image += b"\x00" * (clusters * CLUSTER)
    for first, data in layout.data.items():
        offset = data_start + (first - 2) * CLUSTER
        image[offset:offset + len(data)] = data
    return bytes(image)


def fat_label(head):
    """The volume label in a FAT16 boot sector, or None if ``head`` does not start with one."""
    if len(head) < SECTOR or head[510:512] != b"\x55\xaa" or head[54:59] != b"FAT16":
        return None
    return head[43:54].decode("ascii", "replace").rstrip()


def read_fat(data):
    """(label, {path: bytes}) of a FAT16 image with long names, or None if it is not one."""
    label = fat_label(data)
    if label is None:
        return None
    try:
        (sector, per_cluster, reserved, fats, root_count, _total16, _media, fat_sectors) = struct.unpack_from(
            "<HBHBHHBH", data, 11)
        fat_start = reserved * sector
        root_start = fat_start + fats * fat_sectors * sector
        data_start = root_start + root_count * ENTRY
        cluster_size = sector * per_cluster

        def chain(first):
            out, seen = b"", set()
            while 2 <= first < 0xFFF8 and first not in seen:
                seen.add(first)
                offset = data_start + (first - 2) * cluster_size
                out += data[offset:offset + cluster_size]
                first = struct.unpack_from("<H", data, fat_start + 2 * first)[0]
            return out

        files = {}
        _read_entries(data[root_start:data_start], "", chain, files, 0)
        return label, files
    except (IndexError, struct.error, UnicodeDecodeError, ValueError):
        return None


def _read_entries(raw, prefix, chain, files, depth):
    if depth > 8:
        raise ValueError("directories nested too deep")
    long_name = []
    for offset in range(0, len(raw) - ENTRY + 1, ENTRY):
        entry = raw[offset:offset + ENTRY]
        if entry[0] == 0:
            break
        if entry[0] == 0xE5:
            long_name = []
            continue
        attributes = entry[11]
        if attributes == ATTR_LONG_NAME:
            long_name.insert(0, entry[1:11] + entry[14:26] + entry[28:32])
            continue
        short = entry[0:11]
        if attributes & ATTR_VOLUME or short in (b".          ", b"..         "):
            long_name = []
            continue
        if long_name:
            name = b"".join(long_name).decode("utf-16-le").split("\x00", 1)[0]
        else:
            name = _short_name_text(short)
        long_name = []
        cluster, size = struct.unpack_from("<HI", entry, 26)
        if attributes & ATTR_DIRECTORY:
            _read_entries(chain(cluster), prefix + name + "/", chain, files, depth + 1)
        else:
            files[prefix + name] = chain(cluster)[:size] if size else b""
