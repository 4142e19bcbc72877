"""Nothing written is lost: before localab removes a runtime's container, every notebook
and text file its user made or changed in /content (scratch) is copied into the drive,
under localab/rescued/<UTC time>/, keeping its path.

The engine says what a container changed in its own layer (`docker diff`: the drive, a
bind mount, is not in it), running or stopped, so this works after every kind of stop:
`localab down`, `reset`, `up --recreate`, the lifetime's end, the idle stop, a `docker
stop`, an engine restart, even a killed entry process or an out-of-memory kill. Only a
container removed by someone else (`docker rm`) leaves nothing to rescue."""

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from localab.guest import contract
from localab.host import drive as drives
from localab.host import drivefs
from localab.host.engine import Engine

RESCUED_DIR = PurePosixPath("localab") / "rescued"
MAX_FILE_BYTES = 10 << 20  # a bigger file is data, not something typed: its path is listed instead
MAX_FILES = 2000
SKIPPED_DIRS = {"drive", "sample_data", ".localab-uploads", ".ipynb_checkpoints", "__pycache__", ".git", ".cache",
                ".config", ".local", ".ipython", ".jupyter", ".npm", ".keras"}


@dataclass
class Rescue:
    folder: Path | None  # where the files went, None when there was nothing to rescue
    files: list[str]  # paths under /content, copied
    left: list[str]  # paths under /content not copied (binary, too big, too many), said so


def candidates(changes: list[tuple[str, str]]) -> list[str]:
    """Paths under /content, outside the drive and sample_data, that the runtime added or
    changed, in a stable order."""
    content = str(contract.CONTENT) + "/"
    picked = []
    for path, kind in changes:
        if kind == "deleted" or not path.startswith(content):
            continue
        parts = PurePosixPath(path[len(content):]).parts
        if parts and not SKIPPED_DIRS & set(parts[:-1]) and parts[0] not in SKIPPED_DIRS:
            picked.append(path)
    return sorted(set(picked))


def worth_keeping(path: str, data: bytes) -> bool:
    """A notebook, or text someone typed or a program wrote for them to read."""
    if path.endswith(".ipynb"):
        return True
    head = data[:8192]
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut at the 8 KiB boundary
    return True


def rescue(engine: Engine, container: str, drive: Path, say=print) -> Rescue:
    paths = candidates(engine.changes(container))
    if not paths:
        return Rescue(None, [], [])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    relative = RESCUED_DIR / stamp
    folder = None
    kept, left = [], []
    for path in paths:
        if len(kept) >= MAX_FILES:
            left.append(path)
            continue
        try:
            kind, data = engine.container_file(container, path, MAX_FILE_BYTES)
        except Exception:  # gone meanwhile, or unreadable: listed, never fatal to a stop
            kind, data = "unreadable", None
        if kind in ("folder", "link"):
            continue
        if data is None or not worth_keeping(path, data):
            left.append(path)
            continue
        inside = PurePosixPath(path).relative_to(contract.CONTENT)
        if folder is None:
            folder = drives.make_drive_folder(drive, str(relative))
        if len(inside.parts) > 1:
            drives.make_drive_folder(folder, str(inside.parent))
        drivefs.write_bytes(folder / inside, data)
        kept.append(path)
    if folder is not None:
        drives.give_to_drive_owner(folder)
        say(f"rescued {len(kept)} file(s) you left in /content to {folder}")
    return Rescue(folder, kept, left)
