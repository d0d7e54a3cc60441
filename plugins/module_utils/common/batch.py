# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many runs of one module in one module run (the plural modules: ``domains``, ``volumes``, ...).

A task over a hundred instances should not pay Ansible's per-task start-up a hundred times. A
batch takes a list of items, each the options of the singular module, validates every item
against that module's own argument spec before anything changes, and runs the singular module's
runner for each item - with its own options, result and ``ChangeRecorder`` - on a bounded pool
of worker threads sharing the one libvirt connection (libvirt's client library is thread-safe;
the calls release the GIL). Items that touch the same object (one pool, one domain) share a
*lane* and run one after another in the given order. One failing item does not stop the others;
the batch fails at the end naming every failed item and its reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_option_text
from ansible_collections.virtops.libvirt.plugins.module_utils.common.module import Runner, failure

DEFAULT_WORKERS = 4
MAX_WORKERS = 32
# The singular module's own combination rules, checked on each item as AnsibleModule would.
VALIDATION_RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


ON_INVALID = ("skip", "stop")


def batch_argument_spec(list_option):
    """The options of a plural module: the items, defaults for every item, the worker count, and
    what an invalid item does to the others."""
    return {
        list_option: dict(type="list", elements="dict", required=True),
        "defaults": dict(type="dict", default={}),
        "workers": dict(type="int", default=DEFAULT_WORKERS),
        "on_invalid": dict(type="str", default="skip", choices=list(ON_INVALID)),
    }


class ItemModule:
    """What an item's runner sees as its module: the item's options, the module's check mode,
    and the real module for everything else (``run_command``, ``get_bin_path``, file attributes)."""

    def __init__(self, module, params):
        self._module = module
        self.params = params
        self.check_mode = module.check_mode

    def __getattr__(self, name):
        return getattr(self._module, name)


class BatchRunner(Runner):
    """Runs ``ITEM_RUNNER`` once per item of the list option ``LIST_OPTION``.

    ``plural_module()`` makes one subclass per plural module from the singular module's runner
    and argument spec, how an item is named (``label``) and which items must not run at the same
    time (``lane``: the same lane runs in order on one worker).
    """

    ITEM_RUNNER = None
    ITEM_SPEC = None
    LIST_OPTION = None
    # AnsibleModule logs its options to the host's journal before the run starts, masking only
    # options its own spec marks no_log; an item's secrets (user_data, ...) are known as such only
    # once the items are validated, so a batch's options are never logged.
    MODULE_OPTIONS = dict(no_log=True)

    def subject(self):
        return "%s batch" % self.LIST_OPTION

    @staticmethod
    def label(params):
        """How results and messages name an item."""
        raise NotImplementedError

    @staticmethod
    def identity(params):
        """What the item acts on, as keys: two items sharing a key name one object (a file in two
        spellings, a disk by its source and by its target). By default the label."""
        return [BatchRunner.label(params)]

    def lane(self, params):
        """Items with the same lane run one after another; by default each object has its own."""
        return sorted(self.identity(params), key=repr)[0]

    # -- validation -----------------------------------------------------------------------------
    def _item_validator(self):
        spec = copy.deepcopy(self.ITEM_SPEC)
        rules = {key: value for key, value in self.ITEM_RUNNER.MODULE_OPTIONS.items() if key in VALIDATION_RULES}
        if self.ITEM_RUNNER.MODULE_OPTIONS.get("add_file_common_args"):
            for name, option in FILE_COMMON_ARGUMENTS.items():
                spec.setdefault(name, dict(option))
        return ArgumentSpecValidator(spec, **rules)

    def _validated_items(self):
        """Every item's options, validated as the singular module validates its own, before
        anything changes: (the valid items, the invalid ones as failed results). Items that name
        one object twice are invalid, each of them. With on_invalid: stop, any invalid item
        fails the task and nothing runs."""
        defaults = self.params["defaults"] or {}
        validator = self._item_validator()
        items, invalid = [], {}
        for index, raw in enumerate(self.params[self.LIST_OPTION]):
            where = "%s[%d]" % (self.LIST_OPTION, index)
            merged = copy.deepcopy(defaults)
            merged.update(raw or {})
            result = validator.validate(merged)
            self.module.no_log_values.update(result._no_log_values)  # pylint: disable=protected-access
            if result.error_messages:
                invalid[index] = (where, merged, "; ".join(result.error_messages))
                continue
            params = result.validated_parameters
            try:
                check_option_text(params, self.ITEM_RUNNER.FREE_TEXT_OPTIONS, self.ITEM_RUNNER.BINARY_OPTIONS)
                keys = self.identity(params)
            except VirtopsError as exc:
                invalid[index] = (where, merged, exc.msg)
                continue
            items.append((index, params, keys))
        owners = {}
        for index, params, keys in items:
            for key in keys:
                owners.setdefault(key, []).append(index)
        for key, indexes in owners.items():
            if len(indexes) > 1:
                for index in indexes:
                    others = ", ".join("%s[%d]" % (self.LIST_OPTION, other) for other in indexes if other != index)
                    params = next(params for number, params, _keys in items if number == index)
                    invalid.setdefault(index, ("%s[%d]" % (self.LIST_OPTION, index), params,
                                               "%s names %s as %s does; give each object once in a batch"
                                               % (self.label(params), self._key_text(key), others)))
        if invalid and self.params["on_invalid"] == "stop":
            errors = ["%s: %s" % (where, msg) for _index, (where, _params, msg) in sorted(invalid.items())]
            raise VirtopsError("%d of %d %s are not valid (nothing was changed, on_invalid: stop): %s" % (
                len(errors), len(self.params[self.LIST_OPTION]), self.LIST_OPTION, " | ".join(errors)),
                invalid=errors)
        rejected = [self._invalid_result(index, *invalid[index]) for index in sorted(invalid)]
        return [(index, params) for index, params, _keys in items if index not in invalid], rejected

    @staticmethod
    def _key_text(key):
        return key if isinstance(key, str) else ":".join(str(part) for part in key if part is not None)

    def _invalid_result(self, index, where, params, msg):
        """The result of an item that did not run because its options are not valid."""
        try:
            label = self.label(params)
        except Exception:  # pylint: disable=broad-except  # an item too broken to name
            label = where
        return dict(item=label, index=index, failed=True, changed=False, actions=[],
                    msg="%s: not valid, not run: %s" % (where, msg))

    # -- running ----------------------------------------------------------------------------------
    def run(self):
        workers = self.params["workers"]
        if not 1 <= workers <= MAX_WORKERS:
            raise VirtopsError("workers must be between 1 and %d, got %d" % (MAX_WORKERS, workers))
        items, rejected = self._validated_items()
        lanes = {}
        for position, (index, params) in enumerate(items):
            lanes.setdefault(self.lane(params), []).append((position, index, params))

        def run_lane(lane_items):
            return [(position, self._run_item(index, params)) for position, index, params in lane_items]

        results = [None] * len(items)
        with ThreadPoolExecutor(max_workers=min(workers, len(lanes) or 1)) as pool:
            for outcomes in pool.map(run_lane, lanes.values()):
                for position, outcome in outcomes:
                    results[position] = outcome
        return self._summary(sorted(results + rejected, key=lambda item: item["index"]))

    def _run_item(self, index, params):
        label = self.label(params)
        runner = None
        try:
            runner = self.ITEM_RUNNER(ItemModule(self.module, params), self.conn)
            result = dict(runner.run(), failed=False)
        except Exception as exc:  # pylint: disable=broad-except
            msg, result = failure(exc, runner, runner.subject() if runner is not None else label)
            result.setdefault("actions", [])
            result.setdefault("changed", False)
            result.update(failed=True, msg=msg)
        result.update(item=label, index=index)
        return result

    def _summary(self, results):
        diffs = []
        for item in results:
            for warning in item.pop("warnings", []):
                self.warn("%s: %s" % (item["item"], warning))
            diff = item.get("diff")
            if diff and (diff.get("before") or diff.get("after")) and item["changed"]:
                diffs.append(dict(diff, before_header=item["item"], after_header=item["item"]))
        failed = [dict(item=item["item"], msg=item["msg"]) for item in results if item["failed"]]
        self.result.update(
            changed=any(item["changed"] for item in results),
            actions=["%s: %s" % (item["item"], action) for item in results for action in item["actions"]],
            results=results, failed_items=failed, diff=diffs)
        if failed:
            raise VirtopsError(
                "%d of %d %s failed (the others ran): %s" % (
                    len(failed), len(results), self.LIST_OPTION,
                    "; ".join("%s: %s" % (item["item"], item["msg"]) for item in failed)),
                results=results, failed_items=failed, diff=diffs,
                actions=self.result["actions"], changed=self.result["changed"])
        return self.result


def plural_module(item_runner, item_spec, list_option, label, lane=None, identity=None):
    """The argument spec and runner class of the plural module of ``item_runner``.

    ``label(params)`` names an item; ``identity(params)`` lists the keys of the object it acts
    on (default: the label), which no two items may share; ``lane(params)`` groups the items that
    must not run concurrently (default: one of the identity's keys).
    """
    attributes = dict(
        ITEM_RUNNER=item_runner, ITEM_SPEC=item_spec, LIST_OPTION=list_option,
        EVENTS=item_runner.EVENTS, label=staticmethod(label),
        identity=staticmethod(identity or (lambda params: [label(params)])),
        FREE_TEXT_OPTIONS=tuple("%s.%s" % (where, option) for option in item_runner.FREE_TEXT_OPTIONS
                                for where in (list_option, "defaults")),
        BINARY_OPTIONS=tuple("%s.%s" % (where, option) for option in item_runner.BINARY_OPTIONS
                             for where in (list_option, "defaults")))
    if lane is not None:
        attributes["lane"] = staticmethod(lane)
    runner = type("%sBatchRunner" % item_runner.__name__[:-len("Runner")], (BatchRunner,), attributes)
    return batch_argument_spec(list_option), runner
