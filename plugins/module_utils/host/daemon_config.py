# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's daemon configuration files (libvirtd.conf, virtqemud.conf, qemu.conf, ...), setting
by setting: ``key = value`` lines in libvirt's own syntax, where a value is a number, a quoted
string or a bracketed list that may span lines. libvirt reads the first entry of a key and
compares names without regard to case; everything else in a file (comments, the packaged
examples, other settings) stays as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

HIDDEN = "(hidden)"
# Settings whose values are secrets however they were given (qemu.conf's vnc_password, ...).
SECRET_KEY = re.compile(r"password|passwd|secret", re.IGNORECASE)
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.conf$")
NUMBER = re.compile(r"-?[0-9]+")
# A setting's line, active or commented: (indent and '#') (key) (' = ') (value) (line end)
SETTING_LINE = re.compile(r"^(\s*#?\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)(\n?)$")


def _scan_value(text, at):
    """Parse the value starting at ``text[at]`` (blanks and line ends before it skipped);
    returns (python value, index just after it). Numbers, '...' / "..." / \"\"\"...\"\"\" strings
    and [ ... ] lists of them, as libvirt's virconf reads them."""
    length = len(text)

    def blanks(i, newlines):
        while i < length:
            if text[i] in " \t" or (newlines and text[i] in "\r\n"):
                i += 1
            elif newlines and text[i] == "#":  # a comment inside a list runs to the line's end
                while i < length and text[i] != "\n":
                    i += 1
            else:
                break
        return i

    def scalar(i):
        if text.startswith('"""', i):
            end = text.find('"""', i + 3)
            if end < 0:
                raise VirtopsError("a string opened with \"\"\" is not closed")
            return text[i + 3:end], end + 3
        if i < length and text[i] in "\"'":
            end = text.find(text[i], i + 1)
            if end < 0 or "\n" in text[i:end]:
                raise VirtopsError("a string opened with %s is not closed on its line" % text[i])
            return text[i + 1:end], end + 1
        number = NUMBER.match(text, i)
        if number:
            return int(number.group(0)), number.end()
        raise VirtopsError("expected a number, a quoted string or a list at %r" % text[i:i + 20])

    at = blanks(at, False)
    if at < length and text[at] == "[":
        items, i = [], blanks(at + 1, True)
        while True:
            if i < length and text[i] == "]":
                return items, i + 1
            item, i = scalar(i)
            items.append(item)
            i = blanks(i, True)
            if i < length and text[i] == ",":
                i = blanks(i + 1, True)
            elif i >= length or text[i] != "]":
                raise VirtopsError("a list opened with [ is not closed with ]")
    return scalar(at)


def parse_value(literal):
    """The Python value of a setting's value as the file writes it; VirtopsError when it is not
    one libvirt's files take."""
    value, end = _scan_value(literal, 0)
    if literal[end:].strip():
        raise VirtopsError("unexpected %r after the value" % literal[end:].strip())
    return value


def render_value(value):
    """A setting's value in the file's syntax: numbers as they are, booleans as 1 and 0, strings
    in double quotes, lists of them in brackets."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if '"' not in value:
            return '"%s"' % value
        if "'" not in value:
            return "'%s'" % value
        raise VirtopsError("a string holding both kinds of quote cannot be written in libvirt's files")
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(render_value(item) for item in value)
    raise VirtopsError("%r is neither a number, a string nor a list" % (value,))


class ConfigFile:
    """The text of one configuration file and the changes made to it."""

    def __init__(self, text):
        self.original = text
        self.lines = text.splitlines(True)

    def text(self):
        return "".join(self.lines)

    def changed(self):
        return self.text() != self.original

    def _entries(self, key):
        """(first line, line after the value, commented) of each entry of ``key``; a commented
        one is a packaged example ('#key = ...')."""
        active = re.compile(r"^\s*(%s)\s*=" % re.escape(key), re.IGNORECASE)
        example = re.compile(r"^#\s*(%s)\s*=" % re.escape(key), re.IGNORECASE)
        found = []
        for index, line in enumerate(self.lines):
            if active.match(line):
                found.append((index, self._value_end(index), False))
            elif example.match(line):
                found.append((index, index + 1, True))
        return found

    def _value_end(self, index):
        """The index of the line after an active entry's value (a list may run over lines)."""
        rest = "".join(self.lines[index:])
        start = rest.index("=") + 1
        try:
            _value, end = _scan_value(rest, start)
        except VirtopsError:
            return index + 1  # a value libvirt would refuse too: only its own line is replaced
        return index + rest[:end].count("\n") + 1

    def _written(self, index, end):
        """The value of the active entry on lines index..end as written, without a trailing comment."""
        written = "".join(self.lines[index:end]).split("=", 1)[1]
        try:
            return written[:_scan_value(written, 0)[1]].strip()
        except VirtopsError:
            return written.strip()

    def current(self, key):
        """The value libvirt reads for ``key`` (its first active entry) as written; None when the
        file has none."""
        for index, end, commented in self._entries(key):
            if not commented:
                return self._written(index, end)
        return None

    def set(self, key, literal):
        """Make ``key`` read ``literal``: its first active entry is rewritten (later duplicates,
        which libvirt ignores, become comments), else the last packaged example is replaced by
        it, else it is appended. Returns whether the file changed."""
        wanted = parse_value(literal)
        line = "%s = %s\n" % (key, literal)
        entries = self._entries(key)
        active = [entry for entry in entries if not entry[2]]
        if active:
            index, end, _commented = active[0]
            try:
                same = parse_value(self._written(index, end)) == wanted
            except VirtopsError:
                same = False
            duplicates = active[1:]
            if same and not duplicates:
                return False
            for d_index, d_end, _c in reversed(duplicates):
                self.lines[d_index:d_end] = ["# " + text if not text.startswith("#") else text
                                             for text in self.lines[d_index:d_end]]
            if not same:
                self.lines[index:end] = [line]
            return True
        if entries:
            index = entries[-1][0]
            self.lines[index:index + 1] = [line]
            return True
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.lines.append(line)
        return True


def hide_secrets(text, hidden_keys):
    """``text`` with the values of ``hidden_keys`` (lower case) and of keys named like secrets
    replaced, for a diff."""
    out = []
    for line in text.splitlines(True):
        match = SETTING_LINE.match(line)
        if match and (match.group(2).lower() in hidden_keys or SECRET_KEY.search(match.group(2))):
            line = "%s%s%s%s%s" % (match.group(1), match.group(2), match.group(3), HIDDEN, match.group(5))
        out.append(line)
    return "".join(out)


def check_file_name(file_name):
    """Refuse a file name that is not a plain ``*.conf`` name (no path)."""
    if not isinstance(file_name, str) or not FILE.match(file_name):
        raise VirtopsError("file %r is not a configuration file's name in the directory: a plain name ending in "
                           ".conf, such as virtqemud.conf or qemu.conf (no path)" % (file_name,))


def check_setting(file_name, key):
    """Refuse a file name that is not a plain ``*.conf`` name or a key that is not a setting name."""
    check_file_name(file_name)
    if not isinstance(key, str) or not KEY.match(key):
        raise VirtopsError("%s: key %r is not a setting name (letters, digits and '_', not starting with a digit)"
                           % (file_name, key))


def is_secret(key, given_as_secret):
    return given_as_secret or bool(SECRET_KEY.search(key))
