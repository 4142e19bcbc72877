"""The drive's policy on the host: which folder may be a drive, and who owns what
localab creates in it. The bytes go through drivefs, which never follows a link."""

import os
from pathlib import Path

from localab_guest import contract
from runtime import drivefs
from runtime.errors import UsageError
from runtime.paths import ROOT

IMAGE_USER = (contract.IMAGE_UID, contract.IMAGE_GID)


def default_drive(name: str) -> Path:
    return ROOT / ("drive" if name == "default" else f"drive-{name}")


def host_user() -> tuple[int, int] | None:
    """Whose files the drive holds: the invoking user (under sudo too); None for root."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0 and os.environ.get("SUDO_UID", "").isdigit():
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ.get("SUDO_GID", "0") or 0)
    return None if uid == 0 else (uid, gid)


def owner() -> tuple[int, int]:
    """uid, gid the runtime runs as: the host user's, or the image's own when root runs localab."""
    return host_user() or IMAGE_USER


def container_user() -> str:
    uid, gid = owner()
    return f"{uid}:{gid}"


def give_to_drive_owner(path: Path) -> None:
    """Files localab writes into the drive as root belong to whoever the container runs as."""
    if os.getuid() == 0:
        drivefs.chown_tree(path, *owner())


def make_drive_folder(drive: Path, relative: str) -> Path:
    """mkdir -p inside the drive, each new folder owned like the drive's own files."""
    return drivefs.make_folder(drive, relative, on_create=give_to_drive_owner)


def validate_drive(value: str | None, name: str) -> Path:
    path = Path(value).expanduser().resolve() if value else default_drive(name)
    if path.exists() and not path.is_dir():
        raise UsageError(f"drive: '{value or path}' is a file, not a folder; name a folder (it is created if missing)")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"drive: '{value or path}' is not writable by you; name a folder you can write to")
    return path


def prepare_drive(path: Path) -> None:
    """Create the drive; when root runs localab without sudo, the container writes as the
    image's own user, so that user must be able to write the drive's top folder."""
    path.mkdir(parents=True, exist_ok=True)
    user = host_user()
    if user and os.getuid() == 0:  # under sudo: the folder belongs to the invoking user
        os.chown(path, *user)
    elif user is None:
        stat = path.stat()
        if (stat.st_uid, stat.st_gid) == (0, 0) and not stat.st_mode & 0o002:
            os.chown(path, *IMAGE_USER)
