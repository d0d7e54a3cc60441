# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type every layer raises for a failure the user must read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class VirtopsError(Exception):
    """A failure to report with fail_json: ``msg`` says what went wrong and what is allowed.

    ``details`` go into the module result beside ``msg`` (for example ``actions`` already done
    and ``changed``, so a failed run still says what it changed).
    """

    def __init__(self, msg, **details):
        super(VirtopsError, self).__init__(msg)
        self.msg = msg
        self.details = details
