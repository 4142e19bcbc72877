"""localab's private files: 0600 from the first byte, never through a planted link,
parents made 0700."""

import os

import pytest

from runtime import paths
from runtime.errors import LocalabError


def test_a_private_file_is_0600_and_its_new_parents_0700(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # restored after the test
    os.umask(0o022)
    target = tmp_path / "state" / "localab" / "runtimes" / "x" / "token"
    paths.write_private(target, "abc\n")
    assert target.read_text() == "abc\n" and target.stat().st_mode & 0o777 == 0o600
    for folder in (tmp_path / "state", tmp_path / "state" / "localab", target.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_a_planted_link_at_the_file_or_its_old_temporary_name_is_never_written_through(tmp_path):
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (folder / "TOKEN").symlink_to(victim)
    (folder / "TOKEN.tmp").symlink_to(victim)
    paths.write_private(folder / "TOKEN", "s3cret")
    assert victim.read_text() == "untouched"
    assert not (folder / "TOKEN").is_symlink() and (folder / "TOKEN").read_text() == "s3cret"


def test_a_link_in_place_of_a_private_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "state").symlink_to(elsewhere)
    with pytest.raises(LocalabError, match="is a link"):
        paths.write_private(tmp_path / "state" / "token", "x")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_root_writes_a_private_file_owned_by_the_runtime_user(tmp_path):
    paths.write_private(tmp_path / "token", "x", owner=(1000, 100))
    assert ((tmp_path / "token").stat().st_uid, (tmp_path / "token").stat().st_gid) == (1000, 100)
