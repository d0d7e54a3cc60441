# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a guest is, on the source and the destination, and how to converge after a failure.

Never trust one return value: after a failed or interrupted migration the guest can be in any
of several states on the two hosts (Nova lists them). ``Placement`` reads both hosts and names
the situation; the recovery steps here change only what is provably a leftover: a copy is
destroyed or a definition removed only when the running copy is confirmed on the other host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, is_error, libvirt, libvirt_errors
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.guest import Guest
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.backup import DomainCheckpoint

# The situations a survey finds (what the module does about each is in docs/docsite/rst/guide_migration.rst).
ON_SOURCE = "on_source"                # the only active copy is on the source
ON_DESTINATION = "on_destination"      # the only active copy (or, offline, definition) is on the destination
IN_PROGRESS = "in_progress"            # the source has a migration job running
# The source runs (or is defined, shut off); the destination holds an unfinished incoming copy, or
# a copy or definition a migration of this collection brought there and never ran (its marker).
DESTINATION_LEFTOVER = "destination_leftover"
SOURCE_STALE = "source_stale"          # destination runs; the source holds a paused copy left by a switch-over
POST_COPY_FAILED = "post_copy_failed"  # memory split between hosts: nothing can be rolled back
BOTH_RUNNING = "both_running"          # two active copies, neither left by a migration: never touched
DEFINED_ON_SOURCE = "defined_on_source"  # shut off, defined on the source only
DEFINED_ON_BOTH = "defined_on_both"    # shut off, defined on both hosts
NOWHERE = "nowhere"                    # neither host has the guest

# How often a survey reads the hosts again when the guest leaves one while it is being read.
SURVEY_ATTEMPTS = 3


def _copy_facts(guest, host):
    if guest is None:
        return dict(host=host, state="absent", persistent=False)
    facts = dict(host=host, state=guest.state(), persistent=guest.is_persistent())
    facts["left_by_migration"] = guest.incoming_marker() or guest.incoming_marker(config=True)
    if guest.is_active():
        facts["in_post_copy"] = guest.in_post_copy()
        facts["paused_for_migration"] = guest.paused_for_migration()
        facts["migration_job"] = guest.has_job()
        if facts["state"] == "paused":
            facts["pause_reason"] = guest.pause_reason()
    return facts


class Placement:
    """The guest ``name`` as the source and the destination hold it, read now."""

    def __init__(self, source_conn, dest_conn, name):
        self.source_conn, self.dest_conn, self.name = source_conn, dest_conn, name
        self.source_host = source_conn.getHostname()
        self.dest_host = dest_conn.getHostname()
        self.source = self.dest = None
        self.found = None
        self.resumed_at = None  # monotonic time this run resumed the destination's copy
        self.source_checkpoints = None  # the source's checkpoints' XML, read before the migration
        self.checkpoints = None  # what finish_on_destination carried over (carried, lost, reason)
        self.read()

    def read(self):
        self.source = Guest.lookup(self.source_conn, self.name)
        self.dest = Guest.lookup(self.dest_conn, self.name)
        if self.source is None and self.dest is None:
            return
        # Same name, other UUID: another guest, never a copy of this one.
        if self.source is not None and self.dest is not None and self.source.uuid != self.dest.uuid:
            raise VirtopsError(
                "%s on %s has UUID %s, but %s has a different domain of that name (UUID %s); "
                "it would clash. Rename or remove one of them first"
                % (self.name, self.source_host, self.source.uuid, self.dest_host, self.dest.uuid))
        known = self.source or self.dest
        other_conn, other_host = ((self.dest_conn, self.dest_host) if known is self.source
                                  else (self.source_conn, self.source_host))
        same_uuid = Guest.lookup_uuid(other_conn, known.uuid)
        if same_uuid is not None and same_uuid.name != self.name:
            raise VirtopsError("%s has domain %s with the UUID %s of %s; a migration would clash"
                               % (other_host, same_uuid.name, known.uuid, self.name))

    def survey(self, fresh=True, facts=False):
        """The situation; with ``facts``, also ``found`` (what ``describe()`` says) taken in the same
        pass. Both hosts are read again first unless ``fresh`` is False (just constructed).

        A migration can end between reading a host and asking about its guest: libvirt then has
        no such domain there any more. That is a guest on the move, not an error: read again.
        """
        for attempt in range(SURVEY_ATTEMPTS):
            try:
                if fresh or attempt:
                    self.read()
                if facts:
                    self.found = self.describe()
                return self.situation()
            except libvirt.libvirtError as exc:
                if attempt + 1 == SURVEY_ATTEMPTS or not is_error(exc, "NO_DOMAIN"):
                    raise
        return None  # not reached: the last attempt returns or raises

    def describe(self):
        return dict(source=_copy_facts(self.source, self.source_host),
                    destination=_copy_facts(self.dest, self.dest_host))

    def running_on(self):
        """Host names with an active copy."""
        return [host for guest, host in ((self.source, self.source_host), (self.dest, self.dest_host))
                if guest is not None and guest.is_active()]

    def situation(self):
        src, dst = self.source, self.dest
        src_active = src is not None and src.is_active()
        dst_active = dst is not None and dst.is_active()
        if src_active and src.has_job():
            return IN_PROGRESS
        if src_active and dst_active and (src.in_post_copy() or dst.in_post_copy()):
            return POST_COPY_FAILED
        if src_active and dst_active:
            src_paused = src.state() == "paused"
            dst_paused = dst.state() == "paused"
            # An incoming copy libvirt has not finished, or one it finished paused for this
            # collection (the marker) that was never run: the source's copy is the guest.
            if dst.is_paused_for("MIGRATION") or (dst_paused and dst.incoming_marker()):
                return DESTINATION_LEFTOVER
            # Only a pause a migration made (libvirt's reason, or this collection's marker for its
            # own force_complete pause) marks a stale copy; an operator's pause is left to them.
            if src_paused and not dst_paused and (src.is_paused_for("MIGRATION") or src.paused_for_migration()):
                return SOURCE_STALE
            return BOTH_RUNNING
        if self.leftover_definition():
            return DESTINATION_LEFTOVER
        if src_active:
            return ON_SOURCE
        if dst_active:
            return ON_DESTINATION
        if src is not None and src.is_persistent():
            return DEFINED_ON_BOTH if dst is not None and dst.is_persistent() else DEFINED_ON_SOURCE
        if dst is not None and dst.is_persistent():
            return ON_DESTINATION
        return NOWHERE

    def leftover_definition(self):
        """The destination has a copy of the guest that does not run and that a migration of this
        collection left there (its marker), while the source has the guest (running or defined)."""
        src, dst = self.source, self.dest
        if src is None or dst is None or dst.is_active() or not (src.is_active() or src.is_persistent()):
            return False
        return dst.incoming_marker(config=True)

    def unmarked_definition(self):
        """A definition of the guest on the destination that does not run, while the source runs,
        and that no migration of this collection left (reported, never removed)."""
        src, dst = self.source, self.dest
        return (src is not None and src.is_active() and dst is not None and not dst.is_active()
                and dst.is_persistent() and not dst.incoming_marker(config=True))

    # -- recovery steps (each only where the running copy is confirmed elsewhere) ---------------
    def remove_destination_leftover(self, recorder):
        """The source has the guest: the destination's unfinished copy goes, and its definition.

        libvirt may be removing the same copy itself (its own clean-up of a failed incoming
        migration): a copy that stopped or vanished meanwhile is what this step wanted."""
        src = self.source
        if not (src is not None and (src.is_active() or (src.is_persistent() and not self.dest.is_active()))):
            raise VirtopsError("refusing to remove the copy on %s: %s does not run on %s"
                               % (self.dest_host, self.name, self.source_host))
        if self.dest.is_active():
            recorder.record("destroy the unfinished copy on %s" % self.dest_host, self._gone_anyway, self.dest.destroy)
        self.dest = Guest.lookup(self.dest_conn, self.name) if not recorder.check_mode else self.dest
        if self.dest is not None and self.dest.is_persistent():
            recorder.record("undefine the leftover definition on %s" % self.dest_host, self._gone_anyway,
                            self.dest.undefine)
        self.dest = None  # gone (in check mode: as the real run leaves it)

    @staticmethod
    def _gone_anyway(call):
        """``call()`` (destroy, undefine) of a leftover; libvirt removing it first is no failure."""
        try:
            call()
        except libvirt.libvirtError as exc:
            if not is_error(exc, "NO_DOMAIN", "OPERATION_INVALID"):
                raise

    def retire_stale_source(self, recorder):
        """The destination runs: the source's paused copy left by a switch-over goes."""
        if not (self.dest is not None and self.dest.is_active() and self.dest.state() != "paused"):
            raise VirtopsError("refusing to stop the copy on %s: %s does not run on %s"
                               % (self.source_host, self.name, self.dest_host))
        recorder.record("destroy the stale paused copy on %s" % self.source_host, self.source.destroy)

    def resume_paused_source(self, recorder, paused_by_this_run=False):
        """Undo this collection's own pause of the source (force_complete) after a failed migration:
        the pause is known to be ours from this run, or from the marker an earlier run left."""
        ours = (paused_by_this_run or self.source.paused_for_migration()
                or self.source.is_paused_for("MIGRATION"))  # libvirt's own pause, its migration over
        if ours and self.source.state() == "paused" and not (self.dest is not None and self.dest.is_active()):
            recorder.record("resume on %s (paused for the migration)" % self.source_host, self._resume_source)
            return True
        return False

    def _resume_source(self):
        self.source.resume()
        if self.source.paused_for_migration():
            self.source.mark_paused_for_migration(False)

    def finish_on_destination(self, recorder, persist, undefine_source, paused_by_this_run=False, arrived_now=False):
        """The guest runs (or, offline, is defined) on the destination: make the definitions as asked.

        A copy the migration left paused for this collection runs only here, once the source's copy
        is confirmed gone (``arrived_now``: the migration of this run just ended). The destination
        becomes persistent before the source's definition is removed, so a definition is never
        lost; disks are never touched here.
        """
        dst, src = self.dest, self.source
        if dst is None:
            raise VirtopsError("%s has no copy of %s although libvirt reported the migration done; %s"
                               % (self.dest_host, self.name, "it runs on %s" % self.source_host
                                  if src is not None and src.is_active() else "it runs nowhere"))
        if src is not None and src.is_active():
            raise VirtopsError("refusing to run the copy on %s: %s still runs on %s"
                               % (self.dest_host, self.name, self.source_host))
        if _arrived_paused(dst):
            if arrived_now:  # the last step of this run's migration
                recorder.quietly(self._resume_dest)
            else:
                recorder.record("run the copy on %s, left paused by a migration that was interrupted (the copy on "
                                "%s is gone)" % (self.dest_host, self.source_host), self._resume_dest)
        elif dst.is_active() and dst.state() == "paused" and (paused_by_this_run or dst.paused_for_migration()):
            recorder.record("resume on %s (paused for the migration)" % self.dest_host, self._resume_dest)
        if dst.incoming_marker() or dst.incoming_marker(config=True):
            recorder.quietly(dst.clear_incoming_marker)
        dest_persistent = dst.is_persistent()
        if persist and not dest_persistent:
            xml = src.xml(inactive=True) if src is not None and src.is_persistent() else dst.migratable_xml()
            recorder.record("define on %s" % self.dest_host, Guest.define, self.dest_conn, xml)
            dest_persistent = True
        self._carry_checkpoints(recorder, src, dst)
        if undefine_source and src is not None and src.is_persistent() and not src.is_active() and dest_persistent:
            recorder.record("undefine on %s" % self.source_host, src.undefine)

    def remember_checkpoints(self):
        """Read the source's checkpoints before a migration: libvirt leaves their metadata on the
        source (and removes it with the source's definition) while the bitmaps travel in the
        images, so an incremental backup after the move needs them defined again here."""
        self.source_checkpoints = self.source.checkpoint_xmls() if self.source is not None else []

    def _carry_checkpoints(self, recorder, src, dst):
        """Define on the destination the source's checkpoints it lacks, parents first. One it
        refuses (its bitmaps did not arrive) ends the carrying: the checkpoints after it build on
        it. ``checkpoints`` says what was carried and, when not everything, why."""
        xmls = self.source_checkpoints
        if xmls is None:  # a run that finds the guest arrived earlier: the source may still know them
            xmls = src.checkpoint_xmls() if src is not None else []
        have = set(dst.checkpoint_names())
        named = ((DomainCheckpoint.from_xml(xml).name, xml) for xml in xmls)
        missing = [(name, xml) for name, xml in named if name not in have]
        self.checkpoints = dict(carried=[], lost=[], reason=None)
        if not missing:
            return

        def carry():
            for index, (name, xml) in enumerate(missing):
                try:
                    dst.redefine_checkpoint(xml)
                except libvirt_errors() as exc:
                    self.checkpoints.update(lost=[lost for lost, _xml in missing[index:]], reason=error_text(exc))
                    return
                self.checkpoints["carried"].append(name)

        recorder.record("define checkpoint%s %s on %s (their bitmaps came in the images)" % (
            "s" if len(missing) > 1 else "", ", ".join(name for name, _xml in missing), self.dest_host), carry)
        if recorder.check_mode:
            self.checkpoints["carried"] = [name for name, _xml in missing]

    def run_arrived_copy(self):
        """Right after libvirt returned from a migration whose copy arrives paused: run that copy
        once the source's copy is confirmed gone (the rest of finish_on_destination follows).
        Any doubt or error leaves it to finish_on_destination."""
        try:
            self.read()
            if self.dest is not None and not (self.source is not None and self.source.is_active()) \
                    and _arrived_paused(self.dest):
                self._resume_dest()
        except (libvirt.libvirtError, VirtopsError):
            return

    def _resume_dest(self):
        self.dest.resume()
        self.resumed_at = time.monotonic()
        if self.dest.paused_for_migration():
            self.dest.mark_paused_for_migration(False)


def _arrived_paused(guest):
    """The copy a migration brought here paused for this collection (libvirt's PAUSED flag leaves
    reason user; the incoming marker says it is ours), not yet run."""
    return guest.is_active() and guest.is_paused_for("USER") and guest.incoming_marker()


def reachable_placement(source_conn, dest_conn, name):
    """A Placement, or None when either host cannot be read (say so instead of guessing)."""
    try:
        return Placement(source_conn, dest_conn, name)
    except libvirt.libvirtError:
        return None
