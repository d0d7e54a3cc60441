# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors batch_argument_spec() in plugins/module_utils/common/batch.py (but the list option,
    # which each plural module documents itself).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Each item reports what a real run would change, as the singular module does.
  diff_mode:
    support: full
    description: The diff of every changed item, under a header naming it.
options:
  defaults:
    description:
      - Options every item gets unless the item sets them itself (a shallow merge - an item's
        list or dict option replaces the default one whole, and an item's V(null) clears a
        default).
    type: dict
    default: {}
  workers:
    description:
      - How many items run at the same time over the one libvirt connection (1 to 32).
      - Items on the same object run one after another in the order given, whatever this is
        (see the module's notes).
    type: int
    default: 4
  on_invalid:
    description:
      - What an item whose options are not valid does to the others. Every item is validated like
        the options of the singular module before anything changes.
      - V(skip) runs the valid items; each invalid item is a failed item of RV(results) that did
        not run, named with its reason, and the task fails at the end.
      - V(stop) runs nothing when any item is invalid; the task fails naming every invalid item.
    type: str
    choices: [skip, stop]
    default: skip
notes:
  - Items that name one object twice (a domain, a volume, a file in two spellings such as
    C(e.iso) and C(./e.iso), a disk by its source and by its target) are all invalid, since which
    of them was meant cannot be known.
  - Items run independently. One item that fails does not stop the others; the task fails at
    the end with a message naming every failed item and its reason, and RV(results) still holds
    every item's outcome (what it changed before it failed, in C(actions)).
  - Check mode and C(--diff) work per item, as with the singular module; the diff shows
    each changed item under its own header.
  - Options that hold secrets in the singular module are kept out of the logs and the results
    here too.
"""
