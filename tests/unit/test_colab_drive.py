"""google.colab.drive (localab/guest/stand_in/google/colab/drive.py): mount anywhere under
/content, Colab's messages and errors, a read-only view, flush_and_unmount."""

import os

import pytest

from tests.utils.guest import guest_module


@pytest.fixture
def layout(monkeypatch, tmp_path):
    content = tmp_path / "content"
    drive = content / "drive" / "MyDrive"
    drive.mkdir(parents=True)
    (drive / "notes.md").write_text("mine")
    readonly = tmp_path / "run" / "drive-readonly"  # the engine binds the same folder read-only here
    readonly.parent.mkdir()
    readonly.symlink_to(drive)
    for name, value in (("LOCALAB_CONTENT", content), ("LOCALAB_DRIVE", drive), ("LOCALAB_DRIVE_READONLY", readonly)):
        monkeypatch.setenv(name, str(value))
    module = guest_module(monkeypatch, "google.colab.drive")
    monkeypatch.setattr(module, "_mounted", {})
    return module, content, drive, readonly


def test_the_tutorials_path_gdrive_mounts_with_colabs_words(layout, capsys):
    drive_module, content, drive, _ = layout
    drive_module.mount(str(content / "gdrive"))
    assert capsys.readouterr().out == f"Mounted at {content / 'gdrive'}\n"
    assert (content / "gdrive" / "MyDrive" / "notes.md").read_text() == "mine"
    drive_module.mount(str(content / "gdrive"))
    assert capsys.readouterr().out == (f"Drive already mounted at {content / 'gdrive'}; to attempt to forcibly "
                                       f'remount, call drive.mount("{content / "gdrive"}", force_remount=True).\n')
    drive_module.mount(str(content / "gdrive"), force_remount=True)
    assert capsys.readouterr().out.startswith("Mounted at")


def test_the_default_mountpoint_and_a_relative_one(layout, capsys):
    drive_module, content, _, _ = layout
    drive_module.mount(str(content / "drive"))
    drive_module.mount("mine")  # relative to /content, as a kernel's working directory is
    assert (content / "mine" / "MyDrive" / "notes.md").exists()
    assert capsys.readouterr().out.splitlines() == [f"Mounted at {content / 'drive'}", "Mounted at mine"]


@pytest.mark.parametrize("mountpoint, message", [
    ("/etc/gdrive", "Mountpoint must be in"),
    ("../gdrive", "Mountpoint must not contain '..'"),
    ("my drive", "Mountpoint must not contain a space."),
    ("full", "Mountpoint must not already contain files"),
    ("afile", "Mountpoint must either be a directory or not exist"),
    ("missing/deeper", "Mountpoint must be in a directory that exists"),
    ("alink", "Mountpoint must not be a symlink"),
])
def test_bad_mountpoints_get_colabs_errors(layout, mountpoint, message):
    drive_module, content, _, _ = layout
    (content / "full").mkdir()
    (content / "full" / "x").write_text("x")
    (content / "afile").write_text("x")
    (content / "alink").symlink_to(content / "full")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        drive_module.mount(mountpoint)


def test_a_read_only_mount_goes_through_the_read_only_view(layout):
    drive_module, content, _, readonly = layout
    drive_module.mount(str(content / "ro"), readonly=True)
    assert os.readlink(content / "ro" / "MyDrive") == str(readonly)
    with pytest.raises(ValueError, match="read-only view, mount it elsewhere"):
        drive_module.mount(str(content / "drive"), readonly=True)


def test_flush_and_unmount_takes_the_mountpoints_away_and_keeps_the_drive(layout, capsys):
    drive_module, content, drive, _ = layout
    drive_module.flush_and_unmount()
    assert capsys.readouterr().out == "Drive not mounted, so nothing to flush and unmount.\n"
    drive_module.mount(str(content / "gdrive"))
    drive_module.flush_and_unmount()
    assert capsys.readouterr().out.splitlines()[-1] == \
        "All changes made in this colab session should now be visible in Drive."
    assert not (content / "gdrive").exists() and (drive / "notes.md").read_text() == "mine"
