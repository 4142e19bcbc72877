import os

import pytest

from runtime import drive
from runtime.errors import UsageError


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
    assert drive.owner() == (1000, 100)
    monkeypatch.setenv("SUDO_UID", "1001")
    monkeypatch.setenv("SUDO_GID", "1002")
    assert drive.host_user() == (1001, 1002)
    assert drive.container_user() == "1001:1002"
