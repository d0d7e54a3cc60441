# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module does around its work: options, requirements, connection, one runner,
errors as ``fail_json`` (never a traceback)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_option_text
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    DEFAULT_URI, HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR, error_code, error_text, libvirt, libvirt_errors,
    open_connection, start_event_loop,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.recorder import ChangeRecorder

try:  # only whether it is there: the xml layer imports it for use
    import lxml  # noqa: F401 pylint: disable=unused-import
    HAS_LXML = True
    LXML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported at run time
    HAS_LXML = False
    LXML_IMPORT_ERROR = str(exc)

# Shared by every module; mirrored by the doc fragment virtops.libvirt.connection.
CONNECTION_ARGUMENT_SPEC = dict(
    uri=dict(type="str", default=DEFAULT_URI),
)


class Runner:
    """One module run. Subclasses implement ``run()`` and return the module result.

    The base holds what every run has: the connection, the options, check mode, the result with
    its ``actions``, the ``--diff`` texts and the one ``ChangeRecorder`` every change goes through.
    """

    EVENTS = False  # start libvirt's event loop before connecting (runs that wait for events)
    # "one": the module's uri option and its connection; "own": the runner opens its own (several
    # hosts named by its options), so the module has no uri option and gets no connection.
    CONNECTION = "one"
    MODULE_OPTIONS = {}  # further AnsibleModule arguments (mutually_exclusive, required_if, ...)
    # Options whose text never reaches libvirt's XML (guest agent and QMP commands): control
    # characters but NUL are allowed there; BINARY_OPTIONS, data sent as bytes (file contents, a
    # program's input), may hold NUL too (see common/inputs.py).
    FREE_TEXT_OPTIONS = ()
    BINARY_OPTIONS = ()

    def __init__(self, module, conn):
        self.module = module
        self.conn = conn
        self.params = module.params
        self.check_mode = module.check_mode
        self.result = dict(changed=False, actions=[])
        self.diff = dict(before="", after="")
        self.recorder = ChangeRecorder(self.result, self.check_mode, self.subject())

    @staticmethod
    def needs_connection(params):
        """False for runs that do not talk to libvirt at all (a config drive written to a file)."""
        return True

    def subject(self):
        """What the run acts on, as error messages name it."""
        return type(self).__name__

    def shows_outcome(self):
        """Whether reading the resource back now shows this run's outcome: not after a change
        that check mode only reported."""
        return not (self.check_mode and self.result["changed"])

    def warn(self, *warnings):
        self.result.setdefault("warnings", []).extend(warnings)

    def run(self):
        raise NotImplementedError


def diff_lines(items):
    """A diff's text for a list of things: one line each."""
    return "".join("%s\n" % item for item in items)


def check_requirements(module):
    """Fail the module with install hints when libvirt-python or lxml is missing."""
    if not HAS_LIBVIRT:
        module.fail_json(msg=missing_required_lib("libvirt-python"), exception=LIBVIRT_IMPORT_ERROR)
    if not HAS_LXML:
        module.fail_json(msg=missing_required_lib("lxml"), exception=LXML_IMPORT_ERROR)


def failure(exc, run, subject):
    """``(msg, details)`` of a run that raised ``exc``: a VirtopsError as it says, a libvirt error
    with its code, anything else as a bug of ours with its traceback. ``run`` (the Runner, or None
    if it was never made) adds what it had already done. Call it inside the ``except`` block."""
    if isinstance(exc, VirtopsError):
        msg, details = exc.msg, dict(exc.details)
    elif isinstance(exc, libvirt_errors()):
        msg, details = "libvirt error: %s" % error_text(exc), dict(libvirt_error_code=error_code(exc))
    else:
        # A bug of this collection, not the user's input: still a result, never a traceback.
        msg = ("%s: unexpected %s: %s (a bug in virtops.libvirt; its traceback is in 'exception', shown "
               "with -vvv)" % (subject, type(exc).__name__, exc))
        details = dict(exception=traceback.format_exc())
    if run is not None:
        # Whatever failed, the result says what this run had already changed, and carries what it
        # had found out so far (the return values its documentation says are always there).
        details.setdefault("actions", list(run.result["actions"]))
        details.setdefault("changed", run.result["changed"])
        for key, value in run.result.items():
            if key not in ("diff", "warnings", "failed", "msg"):
                details.setdefault(key, value)
    return msg, details


def run_module(module_class, argument_spec, runner):
    """Build the module with ``argument_spec`` plus the connection options and run ``runner``.

    ``module_class`` is the module's own AnsibleModule import, so that the module file shows it.
    """
    spec = dict(argument_spec)
    if runner.CONNECTION == "one":
        spec.update(CONNECTION_ARGUMENT_SPEC)
    options = dict(runner.MODULE_OPTIONS, argument_spec=spec, supports_check_mode=True)
    try:
        module = module_class(**options)
    except UnicodeEncodeError:
        # ansible-core logs the options as UTF-8 before a module runs, which an option holding a
        # lone surrogate cannot be: build it again without that log, so that the check below
        # names the option instead of a traceback.
        module = module_class(**dict(options, no_log=True))
    connect = runner.needs_connection(module.params)
    if connect:
        check_requirements(module)
    conn = run = None
    try:
        check_option_text(module.params, runner.FREE_TEXT_OPTIONS, runner.BINARY_OPTIONS)
        if connect:
            if runner.EVENTS:
                start_event_loop()
            if runner.CONNECTION == "one":
                conn = open_connection(module.params["uri"])
        run = runner(module, conn)
        result = run.run()
    except Exception as exc:  # pylint: disable=broad-except
        msg, details = failure(exc, run, run.subject() if run is not None else runner.__name__)
        for warning in run.result.pop("warnings", []) if run is not None else ():
            module.warn(warning)
        module.fail_json(msg=msg, **details)
    finally:
        if conn is not None:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
