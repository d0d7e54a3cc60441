# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a run records a change: the action is listed, the call is skipped in check mode,
and a failure says what had already been done."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import (
    error_text, libvirt_errors,
)


class ChangeRecorder:
    """Records a run's changes in its result and makes each call unless in check mode.

    ``record(action, call, *args)`` appends ``action`` to ``result['actions']``, sets
    ``changed`` and returns ``call(*args)`` (None in check mode, or without a call). Whatever the
    call raises comes back as a VirtopsError that names ``subject``, the action and the actions
    already done, with ``changed`` true when any were: a failed run never hides a change. A call
    that fails after it took effect raises VirtopsError with ``took_effect=True``: its action
    then counts as done.
    """

    def __init__(self, result, check_mode, subject):
        self.result = result
        self.check_mode = check_mode
        self.subject = subject
        result.setdefault("changed", False)
        result.setdefault("actions", [])

    @property
    def actions(self):
        return self.result["actions"]

    def record(self, action, call=None, *args):
        done = list(self.actions)
        self.result["changed"] = True
        self.actions.append(action)
        if call is None or self.check_mode:
            return None
        try:
            return call(*args)
        except libvirt_errors() as exc:
            raise self.failure("%s: %s failed: %s" % (self.subject, action, error_text(exc)), done)
        except VirtopsError as exc:
            details = dict(exc.details)
            if details.pop("took_effect", False):
                # The call changed something before it failed (a request the guest may still act on).
                raise self.failure(exc.msg, done + [action], **details)
            details.setdefault("actions", done)
            details.setdefault("changed", bool(done))
            raise VirtopsError(exc.msg, **details)

    def mark(self):
        """Where the run is now, for ``rollback``."""
        return len(self.actions), self.result["changed"]

    def rollback(self, mark):
        """Forget the actions recorded since ``mark``: they turned out to be another run's doing."""
        count, changed = mark
        del self.actions[count:]
        self.result["changed"] = changed

    def record_or_adopt(self, action, already_done, call, *args):
        """Record a change another run may be making at the same time (create an object, start
        it); returns (the call's result, True). When the call fails because a concurrent run did
        it first (``already_done()`` now returns the object, or something true), the action is
        forgotten and (that, False) returned, for the run to converge on it as on an object it
        found. Any other failure raises as ``record`` does."""
        mark = self.mark()
        try:
            return self.record(action, call, *args), True
        except VirtopsError:
            existing = None if self.check_mode else already_done()
            if not existing:
                raise
        self.rollback(mark)
        return existing, False

    def note(self, action, call=None, *args):
        """Like ``record`` for an action that changes nothing (a refresh): listed, ``changed`` untouched."""
        changed = self.result["changed"]
        try:
            return self.record(action, call, *args)
        finally:
            self.result["changed"] = changed

    def quietly(self, call, *args):
        """Make a bookkeeping call that changes nothing the user asked about; skipped in check mode."""
        if not self.check_mode:
            return call(*args)
        return None

    def failure(self, msg, done=None, **details):
        """A VirtopsError for ``msg`` that carries the actions done so far and ``changed``."""
        done = list(self.actions) if done is None else done
        if done:
            msg = "%s (already done: %s)" % (msg, ", ".join(done))
        details.update(actions=done, changed=bool(done))
        return VirtopsError(msg, **details)
