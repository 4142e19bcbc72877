import grp
import os
import pwd

import pytest

from localab.host import drive
from localab.host.errors import UsageError


def test_a_drive_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        drive.validate_drive(str(afile), "default")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_drive_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(UsageError, match="not writable"):
        drive.validate_drive(str(locked / "drive"), "default")


def test_the_host_user_is_the_sudo_user_and_never_root(monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 0)
    monkeypatch.setattr(os, "getgid", lambda: 0)
    monkeypatch.delenv("SUDO_UID", raising=False)
    assert drive.host_user() is None
    monkeypatch.setattr(drive.pwd, "getpwnam", lambda name: pwd.struct_passwd(
        (name, "x", 998, 997, "", "/nonexistent", "/usr/sbin/nologin")) if name == "localab" else None)
    assert drive.owner() == (998, 997), "root alone: localab's system account, never a guessed 1000:100"
    monkeypatch.setenv("LOCALAB_OWNER", "1005:1006")
    assert drive.owner() == (1005, 1006)
    for bad in ("0:0", "abc", "1005", "-1:5"):
        monkeypatch.setenv("LOCALAB_OWNER", bad)
        with pytest.raises(UsageError, match="owner: "):
            drive.owner()
    monkeypatch.delenv("LOCALAB_OWNER")
    monkeypatch.setenv("SUDO_UID", "1001")
    monkeypatch.setenv("SUDO_GID", "1002")
    assert drive.host_user() == (1001, 1002)
    assert drive.container_user() == "1001:1002"


@pytest.mark.parametrize("folder", ["/", "/etc", "/etc/localab", "/usr/local", "/root", "/home", "/tmp", "/var/lib/docker",
                                    "/proc/1", "/dev/shm"])
def test_system_folders_are_refused(folder):
    with pytest.raises(UsageError, match="system folder"):
        drive.validate_drive(folder, "default")


def test_home_and_the_state_folder_and_their_parents_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "ada"))
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state" / "localab"))
    for folder in (tmp_path / "home" / "ada", tmp_path / "home", tmp_path / "state" / "localab", tmp_path / "state"):
        with pytest.raises(UsageError, match="home folder|state folder"):
            drive.validate_drive(str(folder), "default")
    assert drive.validate_drive(str(tmp_path / "home" / "ada" / "drive"), "default") == tmp_path / "home" / "ada" / "drive"


def test_a_planted_link_anywhere_on_the_path_is_refused(tmp_path):
    precious = tmp_path / "root-only"
    precious.mkdir(mode=0o700)
    (tmp_path / "x").symlink_to(precious)
    for planted in (tmp_path / "x", tmp_path / "x" / "drive"):
        with pytest.raises(UsageError, match="symbolic link"):
            drive.validate_drive(str(planted), "default")


def test_a_folder_in_someone_elses_world_writable_directory_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    os.chown(shared, 4321, 4321) if os.getuid() == 0 else pytest.skip("needs root to give the folder away")
    with pytest.raises(UsageError, match="other users may write"):
        drive.validate_drive(str(shared / "drive"), "default")


def test_a_drive_whose_parent_others_may_write_is_refused_unless_sticky_protects_it(tmp_path):
    """Whoever may write a folder on the drive's path can swap the next step for a link
    between localab's check and the engine's mount."""
    mine = tmp_path / "mine"
    mine.mkdir()
    mine.chmod(0o777)
    with pytest.raises(UsageError, match=f"is in {mine}, which other users may write"):
        drive.validate_drive(str(mine / "a" / "drive"), "default")
    mine.chmod(0o1777)  # sticky, like /tmp: only a step's owner may rename it
    (mine / "a").mkdir()
    assert drive.validate_drive(str(mine / "a" / "drive"), "default") == mine / "a" / "drive"
    with pytest.raises(UsageError, match="other users may write"):
        drive.validate_drive(str(mine / "not-yet" / "drive"), "default")  # anyone could make that step first
    group = tmp_path / "group"
    group.mkdir()
    group.chmod(0o770)
    shared_gid = next((g.gr_gid for g in grp.getgrall() if g.gr_mem), None)
    if shared_gid is None:
        pytest.skip("no group with members on this host")
    os.chown(group, os.getuid(), shared_gid)
    with pytest.raises(UsageError, match="other users may write"):
        drive.validate_drive(str(group / "drive"), "default")
    group.chmod(0o750)
    assert drive.validate_drive(str(group / "drive"), "default") == group / "drive"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_root_chowns_only_a_drive_it_creates(tmp_path, monkeypatch):
    monkeypatch.delenv("SUDO_UID", raising=False)
    made = tmp_path / "new-drive"
    drive.prepare_drive(made)
    account = pwd.getpwnam("localab")
    assert (made.stat().st_uid, made.stat().st_gid) == (account.pw_uid, account.pw_gid), "root alone: the system account"
    existing = tmp_path / "someones"
    existing.mkdir(mode=0o755)
    os.chown(existing, 4321, 4321)
    with pytest.raises(UsageError) as error:
        drive.prepare_drive(existing)
    assert f"chown {account.pw_uid}:{account.pw_gid} {existing}" in str(error.value)
    assert existing.stat().st_uid == 4321, "an existing folder keeps its owner"
