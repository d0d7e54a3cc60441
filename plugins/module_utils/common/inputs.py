# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks every module's options pass before anything reaches libvirt.

Option text ends up in libvirt's XML or in C strings of its API. XML 1.0 cannot carry NUL, most
control characters or lone surrogates (lxml refuses them with a traceback, libvirt's C API stops
at a NUL), so they are refused here, once for every module, naming the option and the position
and never the value (it may be a secret).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

# Characters XML 1.0 cannot carry: C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF.
NOT_IN_XML = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters no encoding can write (lone surrogates): refused even in free text.
UNENCODABLE = re.compile(u"[\ud800-\udfff]")
# Free text that reaches a C string (a path, a command name) ends at a NUL: refused there too.
UNENCODABLE_OR_NUL = re.compile(u"[\x00\ud800-\udfff]")

# The largest size libvirt counts in bytes (an unsigned long long, and QEMU's int64).
MAX_BYTES = 2 ** 63 - 1
MIB = 1024 * 1024


def _walk(value, path):
    """Yields (option path, text) for every string in ``value``, dict keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = "%s.%s" % (path, key) if path else str(key)
            if isinstance(key, str):
                yield where + " (a key)", key
            yield from _walk(item, where)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, "%s[%d]" % (path, index))


def _generic(path):
    """``files[0].content`` -> ``files.content``: how FREE_TEXT_OPTIONS names an option."""
    return re.sub(r"\[\d+\]", "", path).split(" ")[0]


def _is_free_text(path, free_text):
    generic = _generic(path)
    return any(generic == option or generic.startswith(option + ".") for option in free_text)


def check_option_text(params, free_text=(), binary=()):
    """Refuse characters that libvirt's XML cannot carry in any option.

    ``free_text`` names options whose text never reaches XML (a guest agent's command, a QMP
    message): control characters are allowed there, but not NUL, which ends the C string the text
    becomes (``/etc/passwd\\0.bak`` would read /etc/passwd). ``binary`` names the free-text options
    whose text is data sent as bytes (file contents, a program's input): only characters no
    encoding can write are refused there.
    """
    for path, text in _walk(params, ""):
        if _is_free_text(path, binary):
            pattern = UNENCODABLE
        elif _is_free_text(path, free_text):
            pattern = UNENCODABLE_OR_NUL
        else:
            pattern = NOT_IN_XML
        found = pattern.search(text)
        if found is None:
            continue
        char = found.group()
        kind = ("a lone surrogate, which no encoding can write" if UNENCODABLE.match(char) else
                "a NUL, which ends the text where a program reads it" if char == u"\x00" else
                "a control character, which libvirt's XML cannot carry")
        raise VirtopsError("option %s: character U+%04X at position %d is %s; remove it "
                           "(tab, newline and carriage return are allowed)"
                           % (path, ord(char), found.start(), kind), option=_generic(path))


def mib_to_bytes(value, option):
    """``value`` MiB as bytes, refusing sizes libvirt cannot count (or that are not positive)."""
    if value is None:
        return None
    if value <= 0:
        raise VirtopsError("%s must be a positive number of MiB, got %d" % (option, value))
    if value * MIB > MAX_BYTES:
        raise VirtopsError("%s: %d MiB is beyond what libvirt can count (at most %d MiB)"
                           % (option, value, MAX_BYTES // MIB))
    return value * MIB


# libvirt writes some values into attributes without escaping them (libvirt 9.0: a graphics
# listen address, CPU model and feature names): such values are checked for what they are.
TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


# The longest wait any option asks for (a year): beyond it the clocks' waits overflow.
MAX_TIMEOUT = 365 * 24 * 3600


def check_timeout(value, option, what):
    """A limit in seconds on ``what``: at least one second, at most a year."""
    if not 1 <= value <= MAX_TIMEOUT:
        raise VirtopsError("%s is the seconds %s may take: between 1 and %d (got %d)"
                           % (option, what, MAX_TIMEOUT, value))


def check_at_least(value, minimum, option):
    """Refuse a number below ``minimum`` (None: not given, nothing to check)."""
    if value is not None and value < minimum:
        raise VirtopsError("%s must be at least %d, got %d" % (option, minimum, value))


def check_wwn_bus(bus, option):
    """A WWN identifies SCSI (and IDE) disks only; libvirt refuses it on any other bus."""
    if bus not in ("scsi", "ide"):
        raise VirtopsError("%s is only supported on bus scsi (libvirt: 'Only ide and scsi disk support wwn'); "
                           "use serial to identify a %s disk" % (option, bus))


def uuid_hex(value):
    """The 32 hexadecimal digits of a UUID as libvirt reads one (dashes anywhere, either case), or None."""
    digits = value.replace("-", "").lower()
    return digits if re.match(r"^[0-9a-f]{32}$", digits) else None


def canonical_uuid(value):
    """A UUID libvirt reads as written back by it (lower case, 8-4-4-4-12), so that any way of
    writing the same UUID compares equal."""
    digits = uuid_hex(value)
    return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


def check_uuid(value, option):
    """Refuse a UUID libvirt cannot parse."""
    if value is not None and uuid_hex(value) is None:
        raise VirtopsError("%s %r is not a UUID (32 hexadecimal digits, such as 6a1f0c2e-7d3b-4c5a-9e8f-0b1c2d3e4f50)"
                           % (option, value))


def check_token(value, option, what):
    """Refuse a name (a CPU model or feature) that is not letters, digits and ``_.+-``."""
    if value is not None and not TOKEN.match(value):
        raise VirtopsError("%s: %r is not a valid %s; use letters, digits, '_', '.', '+' and '-'"
                           % (option, value, what))


DISK_SERIAL = re.compile(r"^[A-Za-z0-9_.+\- ]+$")  # libvirt's diskSerial (QEMU refuses others)


def check_disk_serial(value, option):
    """Refuse a disk serial libvirt's qemu driver would refuse at start."""
    if value is not None and not DISK_SERIAL.match(value):
        raise VirtopsError("%s: %r is not a valid disk serial; use letters, digits, spaces, '_', '.', '+' "
                           "and '-'" % (option, value))


def check_cpu_features(features, option="cpu.features"):
    """Refuse CPU feature names (the items of CPU_FEATURES_SPEC) that are not tokens."""
    for index, feature in enumerate(features):
        check_token(feature["name"], "%s[%d].name" % (option, index), "CPU feature name")


def check_address(value, option):
    """Refuse a listen address that is neither an IP address nor a host name."""
    if value is None:
        return
    try:
        ipaddress.ip_address(value)
        return
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    if not (0 < len(value) <= 253 and all(HOST_LABEL.match(label) for label in labels)):
        raise VirtopsError("%s: %r is neither an IP address nor a host name" % (option, value))
