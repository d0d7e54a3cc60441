# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A backup directory on real qcow2 images made with qemu-img (no libvirt): the manifest, a chain
verified and restored, what an interrupted run left."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.virtops.libvirt.plugins.module_utils.backup.chain import (
    BackupSet, file_sha256, image_info, qemu_img, points_to_keep,
)
from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
MIB = 1024 * 1024


def write_at(image, offset, pattern, length):
    """Write ``length`` bytes of ``pattern`` into a qcow2 image at ``offset`` (qemu-io, as a guest would)."""
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P %d %d %d" % (pattern, offset, length), image],
                   check=True, capture_output=True)


def add_point(backup_set, name, parent, pattern, offset):
    """A point whose vda image holds ``pattern`` bytes at ``offset`` (1 MiB), backed by ``parent``'s."""
    point_dir = backup_set.path(name)
    os.makedirs(point_dir)
    path = os.path.join(point_dir, "vda.qcow2")
    args = ["create", "-q", "-f", "qcow2"]
    if parent:
        args += ["-b", os.path.relpath(backup_set.path(parent["disks"]["vda"]["file"]), point_dir), "-F", "qcow2"]
    qemu_img(*(args + [path, str(4 * MIB)]))
    write_at(path, offset, pattern, MIB)
    point = dict(name=name, kind="incremental" if parent else "full", checkpoint="virtops-" + name,
                 parent=parent["name"] if parent else None, started="t", finished="t", quiesced=True,
                 disks=dict(vda=dict(file=os.path.relpath(path, backup_set.dest), virtual_size=4 * MIB,
                                     size=1, sha256=file_sha256(path), kind="full")))
    backup_set.points.append(point)
    backup_set.save()
    return point


@pytest.fixture
def chain(tmp_path):
    backup_set = BackupSet(str(tmp_path / "backups"))
    p1 = add_point(backup_set, "p1", None, 0x11, 0)
    p2 = add_point(backup_set, "p2", p1, 0x22, MIB)
    add_point(backup_set, "p3", p2, 0x33, 0)
    return backup_set


def test_points_are_read_back_from_the_manifest(chain):
    again = BackupSet(chain.dest)
    assert [point["name"] for point in again.points] == ["p1", "p2", "p3"]
    assert again.point("latest")["name"] == "p3"
    assert [point["name"] for point in again.chain_to("p2")] == ["p1", "p2"]


def test_a_sound_chain_verifies_and_restores_each_point_as_it_was(chain, tmp_path):
    assert chain.verify("p3") == []
    expected = {
        "p1": bytes([0x11]) * MIB + bytes(3 * MIB),
        "p2": bytes([0x11]) * MIB + bytes([0x22]) * MIB + bytes(2 * MIB),
        "p3": bytes([0x33]) * MIB + bytes([0x22]) * MIB + bytes(2 * MIB),
    }
    for name, content in expected.items():
        written = chain.restore(name, str(tmp_path / ("restored-" + name)), "raw")
        with open(written["vda"], "rb") as handle:
            assert handle.read() == content, name
        assert image_info(written["vda"])["format"] == "raw"


def test_an_altered_image_or_a_missing_one_is_named(chain):
    with open(chain.path("p2/vda.qcow2"), "r+b") as handle:
        handle.seek(300000)
        handle.write(b"X")
    assert chain.verify("p3") == ["p2: %s does not match its checksum recorded at backup time" % chain.path("p2/vda.qcow2")]
    assert chain.verify("p1") == []
    os.remove(chain.path("p1/vda.qcow2"))
    assert chain.verify("p1") == ["p1: %s is missing" % chain.path("p1/vda.qcow2")]


def test_a_backing_chain_that_differs_from_the_manifest_is_named(chain):
    # p3 rebased onto p1 (its checksum recorded again): the images are sound, the chain is not p1-p2-p3.
    qemu_img("rebase", "-u", "-b", "../p1/vda.qcow2", "-F", "qcow2", chain.path("p3/vda.qcow2"))
    chain.points[2]["disks"]["vda"]["sha256"] = file_sha256(chain.path("p3/vda.qcow2"))
    problems = chain.verify("p3")
    assert len(problems) == 1 and problems[0].startswith("p3: the backing chain of vda is")


def test_a_directory_the_manifest_does_not_name_is_a_leftover(chain):
    os.makedirs(chain.path("p4"))
    assert chain.leftovers() == ["p4"]
    chain.remove_leftover("p4")
    assert chain.leftovers() == [] and not os.path.exists(chain.path("p4"))


def test_a_point_that_is_not_there_and_a_broken_manifest_are_refused(chain, tmp_path):
    with pytest.raises(VirtopsError, match=r"has no restore point p9 \(it has: p1, p2, p3\)"):
        chain.chain_to("p9")
    chain.manifest["points"] = chain.points[1:]
    with pytest.raises(VirtopsError, match="restore point p3 needs p1, which .* no longer has"):
        chain.chain_to("p3")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text(json.dumps({"format": 99, "points": []}))
    with pytest.raises(VirtopsError, match="is not a backup manifest of format 1"):
        BackupSet(str(broken))


def test_the_manifest_names_its_instance(chain):
    chain.manifest["domain"] = dict(name="web01", uuid="u-1")
    assert chain.owner_mismatch("u-1") is None
    assert "holds the backups of web01 (u-1)" in chain.owner_mismatch("u-2")


def restored_bytes(backup_set, name, tmp_path):
    written = backup_set.restore(name, str(tmp_path / ("r-" + name)), "raw")
    with open(written["vda"], "rb") as handle:
        return handle.read()


def test_retention_merges_the_oldest_kept_point_and_keeps_every_kept_point_restorable(chain, tmp_path):
    before = dict((name, restored_bytes(chain, name, tmp_path / "before")) for name in ("p2", "p3"))
    assert [p["name"] for p in chain.prune_plan(2)[0]] == ["p1"]
    assert [p["name"] for p in chain.prune_plan(2)[1]] == ["p2"]
    assert chain.prune(2) == (["p1"], ["p2"])
    again = BackupSet(chain.dest)
    assert [point["name"] for point in again.points] == ["p2", "p3"]
    assert again.point("p2")["kind"] == "full" and again.point("p2")["parent"] is None
    assert not os.path.exists(chain.path("p1"))
    assert again.verify("p3") == []
    for name in ("p2", "p3"):
        assert restored_bytes(again, name, tmp_path / "after") == before[name]


def test_an_interrupted_merge_leaves_a_chain_that_verifies(chain, tmp_path):
    # the state between the manifest saved with the merged image's checksum and its swap
    path = chain.path("p2/vda.qcow2")
    qemu_img("convert", "-q", "-O", "qcow2", path, path + ".merged")
    chain.points[1]["disks"]["vda"]["pending_sha256"] = file_sha256(path + ".merged")
    assert chain.verify("p3") == []
    os.replace(path + ".merged", path)
    assert chain.verify("p3") == []


def test_retention_with_room_left_removes_nothing(chain):
    assert chain.prune_plan(3) == ([], [])
    assert chain.prune_plan(5) == ([], [])


def test_only_a_leftover_is_removed_as_one(chain):
    with pytest.raises(VirtopsError, match="is not a point directory the manifest leaves out"):
        chain.remove_leftover("p1")
    assert os.path.exists(chain.path("p1"))


def _finished(days_ago, name):
    moment = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.timezone.utc) - datetime.timedelta(days=days_ago)
    return dict(name=name, finished=moment.isoformat())


NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.timezone.utc)


def test_retention_by_count_by_age_and_both():
    points = [_finished(40, "a"), _finished(20, "b"), _finished(3, "c"), _finished(1, "d")]
    assert points_to_keep(points, None, None, NOW) == 4
    assert points_to_keep(points, 3, None, NOW) == 3
    assert points_to_keep(points, None, 30, NOW) == 3
    assert points_to_keep(points, None, 7, NOW) == 2
    assert points_to_keep(points, 1, 30, NOW) == 1
    assert points_to_keep(points, 10, 7, NOW) == 2


def test_the_newest_point_is_never_removed_for_its_age_and_the_one_being_taken_is_young():
    old = [_finished(400, "a"), _finished(300, "b")]
    assert points_to_keep(old, None, 7, NOW) == 1
    assert points_to_keep(old + [dict(name="planned")], None, 7, NOW) == 1
    assert points_to_keep([_finished(3, "c"), dict(name="planned")], None, 7, NOW) == 2
    assert points_to_keep([], None, 7, NOW) == 0
