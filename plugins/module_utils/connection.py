# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opening libvirt connections and turning libvirt failures into clear module errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.virtops.libvirt.plugins.module_utils.config.base import (
    HAS_LXML, LXML_IMPORT_ERROR,
)

try:
    import libvirt
    HAS_LIBVIRT = True
    LIBVIRT_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported at run time
    libvirt = None
    HAS_LIBVIRT = False
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()

DEFAULT_URI = "qemu:///system"

# Shared by every module; mirrored by the doc fragment virtops.libvirt.connection.
CONNECTION_ARGUMENT_SPEC = dict(
    uri=dict(type="str", default=DEFAULT_URI),
)


class VirtopsError(Exception):
    """A failure to report with fail_json: ``msg`` says what went wrong and what is allowed."""

    def __init__(self, msg, **details):
        super(VirtopsError, self).__init__(msg)
        self.msg = msg
        self.details = details


def check_requirements(module):
    """Fail the module with install hints when libvirt-python or lxml is missing."""
    if not HAS_LIBVIRT:
        module.fail_json(msg=missing_required_lib("libvirt-python"), exception=LIBVIRT_IMPORT_ERROR)
    if not HAS_LXML:
        module.fail_json(msg=missing_required_lib("lxml"), exception=str(LXML_IMPORT_ERROR))


def _silence_default_error_handler():
    # libvirt-python prints every error, even caught ones, to stderr unless a handler is set.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


_EVENT_LOOP = []


def start_event_loop():
    """Run libvirt's default event loop in a daemon thread (once per process).

    Must happen before the connection is opened, or the connection delivers no events.
    """
    if _EVENT_LOOP:
        return
    libvirt.virEventRegisterDefaultImpl()

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    thread = threading.Thread(target=loop, name="libvirt-events")
    thread.daemon = True
    thread.start()
    _EVENT_LOOP.append(thread)


def open_connection(uri):
    """Open a read-write connection, or raise VirtopsError naming the URI and libvirt's reason."""
    _silence_default_error_handler()
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise VirtopsError(
            "cannot connect to libvirt at uri=%s: %s. Check that libvirtd (or virtqemud) runs "
            "there and that the URI is right, e.g. qemu:///system or qemu+ssh://HOST/system."
            % (uri, error_text(exc)), uri=uri)
    if conn is None:  # pragma: no cover - older bindings returned None instead of raising
        raise VirtopsError("cannot connect to libvirt at uri=%s" % uri, uri=uri)
    return conn


def error_text(exc):
    """libvirt's own message without the python binding's decoration."""
    message = exc.get_error_message() if hasattr(exc, "get_error_message") else None
    return message or str(exc)


def error_code(exc):
    return exc.get_error_code() if hasattr(exc, "get_error_code") else None


def is_error(exc, *names):
    """True when a libvirtError carries one of the VIR_ERR_* codes named (e.g. 'NO_DOMAIN')."""
    code = error_code(exc)
    return any(code == getattr(libvirt, "VIR_ERR_" + name, object()) for name in names)


def lookup_or_none(lookup, missing, *args):
    """``lookup(*args)``, or None when libvirt answers that there is no such object.

    ``missing`` names the VIR_ERR_* code that means "does not exist" (e.g. 'NO_DOMAIN'); any
    other error is raised.
    """
    try:
        return lookup(*args)
    except libvirt.libvirtError as exc:
        if is_error(exc, missing):
            return None
        raise


class ChangeRecorder:
    """Records a run's changes in its result and makes each libvirt call unless in check mode.

    ``record(action, call, *args)`` adds ``action`` to ``result['actions']``, sets ``changed``,
    and returns ``call(*args)`` (None in check mode or without a call). A libvirtError becomes a
    VirtopsError naming ``subject``, the action, and what was already done before it.
    """

    def __init__(self, result, check_mode, subject):
        self.result = result
        self.check_mode = check_mode
        self.subject = subject
        result.setdefault("changed", False)
        result.setdefault("actions", [])

    def record(self, action, call=None, *args):
        done = list(self.result["actions"])
        self.result["changed"] = True
        self.result["actions"].append(action)
        if call is None or self.check_mode:
            return None
        try:
            return call(*args)
        except libvirt.libvirtError as exc:
            raise VirtopsError("%s: %s failed: %s" % (self.subject, action, error_text(exc)),
                               actions=done, changed=bool(done))


class LibvirtModule:
    """What every module does around its work: requirements, connection, error reporting.

    ``run(work)`` calls ``work(conn)`` and turns VirtopsError and libvirtError into fail_json,
    so modules never end in a traceback. ``events=True`` starts libvirt's event loop first, for
    modules that wait for domain events; ``connect=False`` runs ``work(None)`` for work that
    needs no libvirt at all (a config drive written to a file).
    """

    def __init__(self, module, events=False, connect=True):
        self.module = module
        self.events = events
        self.connect = connect
        self.conn = None

    def run(self, work):
        if self.connect:
            check_requirements(self.module)
        try:
            if self.events:
                start_event_loop()
            if self.connect:
                self.conn = open_connection(self.module.params["uri"])
            result = work(self.conn)
        except VirtopsError as exc:
            self.module.fail_json(msg=exc.msg, **exc.details)
        except (libvirt.libvirtError if libvirt else ()) as exc:
            self.module.fail_json(msg="libvirt error: %s" % error_text(exc),
                                  libvirt_error_code=error_code(exc))
        finally:
            if self.conn is not None:
                try:
                    self.conn.close()
                except libvirt.libvirtError:
                    pass
        for warning in result.pop("warnings", []):
            self.module.warn(warning)
        self.module.exit_json(**result)
