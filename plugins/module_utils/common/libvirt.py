# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt-python behind an import guard: connections, the event loop, error codes, look-ups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import traceback

from ansible.module_utils.six.moves.urllib.parse import urlparse

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

try:
    import libvirt
    HAS_LIBVIRT = True
    LIBVIRT_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported at run time
    libvirt = None
    HAS_LIBVIRT = False
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()

try:  # QEMU-specific calls (QMP); part of libvirt-python, separate module
    import libvirt_qemu  # noqa: F401 pylint: disable=unused-import
except ImportError:  # pragma: no cover - reported where used
    libvirt_qemu = None

DEFAULT_URI = "qemu:///system"


def libvirt_errors():
    """The exception class to catch around libvirt calls (an empty tuple without the bindings)."""
    return libvirt.libvirtError if libvirt else ()


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
    """Open a read-write connection, or raise VirtopsError naming the URI and libvirt's reason.

    An empty URI is refused: libvirt would choose its default connection (LIBVIRT_DEFAULT_URI, or
    whatever daemon runs on the machine the module runs on), not a host anybody named."""
    if uri is None or not uri.strip():
        raise VirtopsError("the libvirt URI is empty; give one, e.g. qemu:///system or qemu+ssh://HOST/system "
                           "(an empty URI would be libvirt's default connection on the machine the module "
                           "runs on)", uri=uri)
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


def still_active(obj):
    """Whether a libvirt object (domain, network, pool) is active now; False once it is gone."""
    try:
        return bool(obj.isActive())
    except libvirt.libvirtError:
        return False


def is_local_uri(uri):
    """True when libvirt runs on this machine (no host in the URI), so local paths can be checked."""
    return not urlparse(uri).netloc


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
