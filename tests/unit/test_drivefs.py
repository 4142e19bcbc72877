"""Host-side writes into the drive never follow links planted there by the runtime."""

import os

import pytest

from runtime import drivefs
from runtime.errors import LocalabError


@pytest.fixture
def drive(tmp_path):
    (tmp_path / "drive").mkdir()
    outside = tmp_path / "host-secret"
    outside.write_text("host file")
    return tmp_path / "drive", outside


def test_a_write_through_a_planted_link_is_refused(drive):
    folder, outside = drive
    (folder / "summary.json").symlink_to(outside)
    with pytest.raises(OSError):
        drivefs.write_json(folder / "summary.json", {"x": 1})
    with pytest.raises(OSError):
        drivefs.read_text(folder / "summary.json")
    assert outside.read_text() == "host file"


def test_a_linked_folder_is_refused(drive):
    folder, outside = drive
    (folder / "localab").symlink_to(outside.parent)
    with pytest.raises(LocalabError, match="is a symbolic link"):
        drivefs.make_folder(folder, "localab/bench")
    with pytest.raises(LocalabError, match="is a symbolic link"):
        drivefs.write_text(folder / "localab" / "run.json", "{}")


def test_planted_links_are_removed_before_a_library_writes(drive):
    folder, outside = drive
    (folder / "throughput.png").symlink_to(outside)
    drivefs.clear_links(folder, ["throughput.png", "other.png"])
    assert not (folder / "throughput.png").exists() and outside.read_text() == "host file"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_chown_changes_links_not_their_targets(drive):
    folder, outside = drive
    (folder / "sub").mkdir()
    (folder / "sub" / "data.txt").write_text("x")
    (folder / "sub" / "escape").symlink_to(outside)
    drivefs.chown_tree(folder, 1234, 1234)
    assert (folder / "sub" / "data.txt").stat().st_uid == 1234
    assert os.lstat(folder / "sub" / "escape").st_uid == 1234
    assert outside.stat().st_uid == 0, "the host file outside the drive keeps its owner"
