# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the ``daemon_config`` module: settings into libvirt's daemon configuration files,
every file read once and written once (atomically, its owner and mode kept)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner
from ansible_collections.virtops.libvirt.plugins.module_utils.host.daemon_config import (
    HIDDEN, ConfigFile, check_file_name, check_setting, hide_secrets, is_secret, parse_value, render_value,
)

DAEMON_CONFIG_ARGUMENT_SPEC = dict(
    config_dir=dict(type="path", default="/etc/libvirt"),
    settings=dict(type="list", elements="dict", required=True, options=dict(
        file=dict(type="str", required=True),
        key=dict(type="str", required=True, no_log=False),
        value=dict(type="raw"),
        secret_value=dict(type="raw", no_log=True),
    )),
    create_files=dict(type="list", elements="str", default=[]),
)


def _literal(value, where):
    """The value as the file writes it: a string is taken as written in the file's syntax
    ('1', '"0.0.0.0"', '["a", "b"]'), anything else is rendered (numbers, booleans as 1/0, lists)."""
    try:
        if isinstance(value, str):
            parse_value(value)
            return value.strip()
        return render_value(value)
    except VirtopsError as exc:
        raise VirtopsError("%s: the value is not one libvirt's configuration files take (%s); give a number, a string "
                           "in double quotes such as '\"0.0.0.0\"', or a list of them such as '[\"a\", \"b\"]'"
                           % (where, exc.msg))


class DaemonConfigRunner(Runner):
    """One ``daemon_config`` run. No libvirt connection: the daemons read these files when they start."""

    CONNECTION = "own"

    @staticmethod
    def needs_connection(params):
        return False

    def subject(self):
        return "libvirt's configuration in %s" % self.params["config_dir"]

    def run(self):
        p = self.params
        wanted = []  # (file, key, literal, secret)
        for index, setting in enumerate(p["settings"]):
            check_setting(setting["file"], setting["key"])
            where = "settings[%d] (%s: %s)" % (index, setting["file"], setting["key"])
            if (setting["value"] is None) == (setting["secret_value"] is None):
                raise VirtopsError("%s: give value or secret_value (exactly one)" % where)
            secret = setting["secret_value"] is not None
            if not secret and is_secret(setting["key"], False) and isinstance(setting["value"], str):
                # a password given as a plain value: Ansible then masks it wherever the run shows it
                self.module.no_log_values.add(setting["value"])
                self.module.no_log_values.add(setting["value"].strip("\"'"))
            wanted.append((setting["file"], setting["key"],
                           _literal(setting["secret_value"] if secret else setting["value"], where),
                           is_secret(setting["key"], secret)))
        for name in p["create_files"]:
            check_file_name(name)
        files, hidden = {}, {}
        for name, key, _literal_value, secret in wanted:
            if name not in files:
                files[name] = self._read(name)
            if secret:
                hidden.setdefault(name, set()).add(key.lower())
        changes = []
        for name, key, literal, secret in wanted:
            config = files[name]
            before = config.current(key)
            if config.set(key, literal):
                changes.append(dict(file=name, key=key, before=HIDDEN if secret and before is not None else before,
                                    after=HIDDEN if secret else literal))
        changed_files = [name for name in sorted(files) if files[name].changed()]
        diffs = []
        for name in changed_files:
            config = files[name]
            path = os.path.join(p["config_dir"], name)
            diffs.append(dict(before_header=path, after_header=path,
                              before=hide_secrets(config.original, hidden.get(name, set())),
                              after=hide_secrets(config.text(), hidden.get(name, set()))))
            self.recorder.record("write %s" % name, self._write, name, config, name in hidden)
        self.result.update(changed_files=changed_files, changes=changes, diff=diffs)
        return self.result

    def _read(self, name):
        path = os.path.join(self.params["config_dir"], name)
        try:
            with open(path, encoding="utf-8") as handle:
                return ConfigFile(handle.read())
        except FileNotFoundError:
            if name in self.params["create_files"]:
                return ConfigFile("")
            raise VirtopsError("%s does not exist; libvirt's packages install it (is the daemon that reads it "
                               "installed?), or list %s in create_files to have it made" % (path, name))
        except (OSError, UnicodeDecodeError) as exc:
            raise VirtopsError("cannot read %s: %s" % (path, exc))

    def _write(self, name, config, holds_secret):
        """Write the file whole through a temporary file beside it: a daemon starting meanwhile reads
        the old file or the new one, never half. An existing file keeps its owner and mode; a new one
        is 0644, or 0600 when it holds a secret."""
        path = os.path.join(self.params["config_dir"], name)
        existed = os.path.exists(path)
        handle, temporary = tempfile.mkstemp(prefix=".%s." % name, dir=self.params["config_dir"])
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(config.text())
                out.flush()
                os.fsync(out.fileno())
            self.module.atomic_move(temporary, path)
            if not existed:
                os.chmod(path, 0o600 if holds_secret else 0o644)
        except (OSError, IOError) as exc:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise VirtopsError("cannot write %s: %s" % (path, exc))
