"""Writing into the drive from the host without following links planted in it.

The drive is shared with code running in the runtime, which can make symlinks there.
When localab writes into it as root (bench results, folders, ownership), a followed
link could reach host files outside the drive; every write here refuses links."""

import json
import os
from pathlib import Path

from runtime.errors import LocalabError


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LocalabError(f"drive: {path} is a symbolic link; localab does not follow links inside the drive")


def write_text(path: Path, text: str) -> None:
    _refuse_link(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def read_text(path: Path) -> str:
    _refuse_link(path.parent)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd) as handle:
        return handle.read()


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n")


def read_json(path: Path):
    return json.loads(read_text(path))


def clear_links(folder: Path, names) -> None:
    """Remove links planted where a library (matplotlib) is about to write files."""
    _refuse_link(folder)
    for name in names:
        if (folder / name).is_symlink():
            (folder / name).unlink()


def chown_tree(path: Path, uid: int, gid: int) -> None:
    """chown -R that changes links themselves, never what they point to."""
    _refuse_link(path)
    for folder, dirs, files in os.walk(path):  # os.walk does not descend into linked folders
        os.chown(folder, uid, gid, follow_symlinks=False)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def make_folder(drive: Path, relative: str, on_create=None) -> Path:
    """mkdir -p below the drive, refusing a link at any step."""
    target = drive
    for part in Path(relative).parts:
        target = target / part
        _refuse_link(target)
        if not target.exists():
            target.mkdir()
            if on_create:
                on_create(target)
    return target
