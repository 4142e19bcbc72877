"""localab's private files: 0600 from the first byte, never through a planted link,
parents made 0700."""

import os
from pathlib import Path

import pytest

from localab.host import paths
from localab.host.errors import LocalabError


def test_a_private_file_is_0600_from_its_first_byte_and_its_new_parents_0700(tmp_path, monkeypatch):
    """Under umask 0, a file made wider and narrowed later needs a chmod: the file never gets one,
    its mode is the one it was created with, and no other file is left beside it."""
    old_umask = os.umask(0)
    narrowed = []
    for name in ("chmod", "fchmod"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda target, mode, *a, real=real, **k: (narrowed.append(target),
                                                                                real(target, mode, *a, **k))[1])
    try:
        target = tmp_path / "state" / "localab" / "runtimes" / "x" / "token"
        paths.write_private(target, "abc\n")
    finally:
        os.umask(old_umask)
    assert target.read_text() == "abc\n" and target.stat().st_mode & 0o777 == 0o600
    files = [t for t in narrowed if isinstance(t, int) or not Path(t).is_dir()]
    assert files == [], f"the private file was created wider, then narrowed: {files}"
    assert os.listdir(target.parent) == ["token"]
    for folder in (tmp_path / "state", tmp_path / "state" / "localab", target.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_a_planted_link_at_the_file_is_replaced_never_written_through(tmp_path):
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (folder / "TOKEN").symlink_to(victim)
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
