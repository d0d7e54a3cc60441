# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed options declared once: what the module takes, what it checks and where the value goes.

An ``Option`` binds one option's argument spec to the field of a model object it sets and the
checks its value must pass; an ``OptionGroup`` is a dict option (or a list of them) whose
suboptions set the fields of one model object it builds. The argument spec is derived from the
declaration (``argument_spec``), and so are the builder step (``OptionGroup.build``) and the way
back from a definition to the options (``OptionGroup.read_back``). Whether and
how a change applies to a running guest is the model field's (``xml.base.LiveChange``), so it
follows from the field the option sets. The module's DOCUMENTATION stays written out for Ansible;
tests/unit/plugins/modules/test_documented_options.py keeps it equal to the derived spec.

Options whose value needs the connection or other options to build (a disk's source, a CPU
model checked against the host) keep a builder of their own; their checks and fields still go
through the same model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.inputs import check_at_least


class Option:
    """One scalar (or list of scalars) option.

    ``field``: the model attribute it sets (its own name unless given; None: the group's
    ``finish`` reads it). ``convert(value)``: the model's value for the option's, and
    ``convert_back`` the way back (without it, a converted option is the caller's to read back).
    ``checks``: callables ``check(value, option)`` that raise VirtopsError naming ``option``. The
    rest is the argument spec entry (type, choices, default, elements, required, no_log).
    """

    def __init__(self, name, type="str", field=False, convert=None, checks=(), convert_back=None, **spec):
        self.name = name
        self.field = name if field is False else field
        self.convert = convert
        self.convert_back = convert_back
        self.checks = tuple(checks)
        self.spec = dict(spec, type=type)

    def argument_spec(self):
        return dict(self.spec)

    def set(self, target, value, option=None):
        """Check ``value`` and set it on ``target`` (a model object); None is left unset.
        ``option`` names the option in messages (its own name unless given)."""
        option = option or self.name
        if value is None:
            return
        for check in self.checks:
            check(value, option)
        if self.field:
            setattr(target, self.field, self.convert(value) if self.convert else value)

    def read_back(self, target):
        """The option's value that asks for what ``target`` (a model object) has: its field as it
        is; None where the option has no field, is a secret (``no_log``) or converts its value
        without ``convert_back`` (the caller reads those)."""
        if not self.field or self.spec.get("no_log") or (self.convert is not None and self.convert_back is None):
            return None  # (a secret is never read back)
        value = getattr(target, self.field, None)
        return self.convert_back(value) if self.convert_back is not None and value is not None else value


class OptionGroup:
    """A dict option (``many``: a list of dicts) whose suboptions set the fields of one ``model``
    object each; ``field`` is where the built object (or list) goes on its parent (its own name
    unless given). ``finish(item, built, option)`` checks the suboptions together and sets what
    is not one field per option; it may return another object (None: a removal, such as
    ``model: none``)."""

    def __init__(self, name, model, options, many=False, field=False, finish=None, **spec):
        self.name = name
        self.model = model
        self.options = tuple(options)
        self.many = many
        self.field = name if field is False else field
        self.finish = finish
        self.spec = spec

    def argument_spec(self):
        suboptions = argument_spec(self.options)
        if self.many:
            return dict(self.spec, type="list", elements="dict", options=suboptions)
        return dict(self.spec, type="dict", options=suboptions)

    def build(self, value, option=None):
        """The model object(s) ``value`` (the module's value of this option) asks for; None when
        the option is not given. ``option`` names it in messages (its own name unless given; '':
        the suboptions by their own names, as a module whose options they are)."""
        option = self.name if option is None else option
        if value is None:
            return None
        if self.many:
            return [self._one(item, "%s[%d]" % (option, index)) for index, item in enumerate(value)]
        return self._one(value, option)

    def _one(self, item, option):
        # an option left out of ``item`` (a caller other than AnsibleModule) takes its default
        item = dict((declared.name, item.get(declared.name, declared.spec.get("default"))) for declared in self.options)
        built = self.model()
        for declared in self.options:
            inner = "%s.%s" % (option, declared.name) if option else declared.name
            if isinstance(declared, OptionGroup):
                nested = declared.build(item[declared.name], inner)
                if nested is not None and declared.field:
                    setattr(built, declared.field, nested)
            else:
                declared.set(built, item[declared.name], inner)
        if self.finish is not None:
            return self.finish(item, built, option)
        return built

    def read_back(self, built):
        """The way back of ``build``: the option's value that asks for the model object (or list)
        ``built``, from the suboptions that set a field as it is (None and empty lists left out);
        what a ``finish`` sets is the caller's to read."""
        if built is None:
            return None
        if self.many:
            return [self._read_one(item) for item in built]
        return self._read_one(built)

    def _read_one(self, built):
        values = {}
        for declared in self.options:
            if not declared.field:
                continue
            if isinstance(declared, OptionGroup):
                value = declared.read_back(getattr(built, declared.field, None))
            else:
                value = declared.read_back(built)
            if value is not None and value != []:
                values[declared.name] = value
        return values

    def set(self, target, value, option=None):
        """Build the option's object(s) and set them on ``target`` where the option is given."""
        built = self.build(value, option)
        if value is not None and self.field:
            setattr(target, self.field, built)


def argument_spec(declared):
    """The AnsibleModule argument spec of ``declared`` (Options and OptionGroups)."""
    return dict((item.name, item.argument_spec()) for item in declared)


# -- checks ------------------------------------------------------------------------------------
def between(low, high=None, unit=None):
    """A whole number from ``low`` to ``high`` (None: no upper bound), in ``unit`` if given."""
    def check(value, option):
        if high is None:
            check_at_least(value, low, option)
        elif not low <= value <= high:
            raise VirtopsError("%s is %sfrom %d to %d, got %d" % (option, unit + " " if unit else "", low, high, value))
    return check
