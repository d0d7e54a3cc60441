# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small, deterministic filesystem images (ISO 9660 with Joliet, FAT with long names) in pure Python.

Config drives are built here instead of with genisoimage/mkfs.vfat so that no binary is needed
on the hypervisor and the same content always gives the same bytes (every timestamp is fixed),
which is what makes a re-run report no change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Characters neither Joliet nor FAT long names can hold, plus ';' (ISO 9660's version separator).
FORBIDDEN_NAME_CHARACTERS = '/\\:*?"<>|;'
MAX_NAME_LENGTH = 64        # Joliet's limit, the tighter of the two
MAX_DIRECTORY_DEPTH = 7     # ISO 9660 allows 8 levels counting the root


class ImageContentError(ValueError):
    """The files cannot be stored in the image (bad name, too deep); the message says which and why."""


def file_tree(files):
    """{"dir/sub/name": bytes} -> nested dicts {"dir": {"sub": {"name": bytes}}}, names checked."""
    root = {}
    for path in sorted(files):
        parts = path.strip("/").split("/")
        if len(parts) - 1 > MAX_DIRECTORY_DEPTH:
            raise ImageContentError("%s is nested %d directories deep; at most %d are allowed"
                                    % (path, len(parts) - 1, MAX_DIRECTORY_DEPTH))
        node = root
        for index, part in enumerate(parts):
            check_name(part, path)
            last = index == len(parts) - 1
            existing = node.get(part)
            if last:
                if existing is not None:
                    raise ImageContentError("%s is given both as a file and as a directory" % path)
                data = files[path]
                node[part] = data if isinstance(data, bytes) else data.encode("utf-8")
            else:
                if isinstance(existing, bytes):
                    raise ImageContentError("%s is given both as a file and as a directory" % "/".join(parts[:index + 1]))
                node = node.setdefault(part, {})
    return root


def check_name(name, path):
    if name in ("", ".", ".."):
        raise ImageContentError("%s has an empty, '.' or '..' path component" % path)
    if len(name) > MAX_NAME_LENGTH:
        raise ImageContentError("%s: the name %s has %d characters; at most %d are allowed"
                                % (path, name, len(name), MAX_NAME_LENGTH))
    bad = sorted(set(c for c in name if c in FORBIDDEN_NAME_CHARACTERS or ord(c) < 0x20 or ord(c) > 0xFFFF))
    if bad:
        raise ImageContentError("%s: the name %s contains %s; names cannot contain control characters, "
                                "characters beyond U+FFFF or any of %s"
                                % (path, name, ", ".join(repr(c) for c in bad), FORBIDDEN_NAME_CHARACTERS))


def walk_files(tree, prefix=""):
    """Yield (path, bytes) of every file of a nested tree, sorted by path."""
    for name in sorted(tree):
        child = tree[name]
        path = prefix + "/" + name if prefix else name
        if isinstance(child, dict):
            yield from walk_files(child, path)
        else:
            yield path, child


def short_names(names, base_length, extension_length, allowed):
    """Unique upper-case short names (8.3 style) for long names, with ~N tails where they collide.

    Returns {long name: (base, extension)}; ``allowed`` is the set of characters a short name may hold.
    With ``extension_length`` 0 the whole name is the base (directories on ISO 9660).
    """
    def clean(text, length):
        return "".join(c if c in allowed else "_" for c in text.upper())[:length]

    result, taken = {}, set()
    for name in sorted(names):
        base, dot, extension = name.rpartition(".")
        if not extension_length or not dot or not base:
            base, extension = name, ""
        base, extension = clean(base, base_length) or "_", clean(extension, extension_length)
        candidate, counter = base, 1
        while (candidate, extension) in taken:
            tail = "~%d" % counter
            candidate = base[:base_length - len(tail)] + tail
            counter += 1
        taken.add((candidate, extension))
        result[name] = (candidate, extension)
    return result
