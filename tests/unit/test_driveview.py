"""What a runtime binds at its drive, mounted for real (root only): the folder that was
checked, never what a link swapped in for it points to."""

import os

import pytest

from localab.host import driveview
from localab.host.errors import LocalabError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="binding a folder needs root")
OWNER = (4242, 4343)


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    driveview.unmount("t")


def a_drive(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    os.chown(drive, *OWNER)
    (drive / "notes.txt").write_text("mine")
    secret = tmp_path / "etc"
    secret.mkdir()
    (secret / "shadow").write_text("root:$6$...")
    return drive, secret


def test_the_checked_folder_is_bound_and_a_later_swap_changes_nothing(tmp_path, state):
    drive, secret = a_drive(tmp_path)
    bound = driveview.mount(drive, "t", OWNER, sudo=False)
    assert bound == state / "drive-views" / "t" / "folder" and driveview.is_mounted(bound)
    drive.rename(tmp_path / "moved")
    drive.symlink_to(secret)  # the swap, after the check
    assert sorted(os.listdir(bound)) == ["notes.txt"], "the engine mounts the folder that was checked"
    driveview.unmount("t")
    assert not driveview.is_mounted(bound) and not (state / "drive-views" / "t").exists()


def test_a_drive_swapped_for_a_link_before_it_is_bound_is_refused(tmp_path, state):
    drive, secret = a_drive(tmp_path)
    drive.rename(tmp_path / "moved")
    drive.symlink_to(secret)
    with pytest.raises(LocalabError, match="symbolic link"):
        driveview.mount(drive, "t", OWNER, sudo=False)
    assert not driveview.is_mounted(state / "drive-views" / "t" / "folder"), "nothing is left mounted"


def test_a_drive_swapped_for_someone_elses_folder_is_refused(tmp_path, state):
    drive, secret = a_drive(tmp_path)
    os.chown(drive, 777, 777)
    with pytest.raises(LocalabError, match="now belongs to uid 777"):
        driveview.mount(drive, "t", OWNER, sudo=False)
    assert not (state / "drive-views" / "t").exists()
