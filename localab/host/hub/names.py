"""What one hub is called and where it keeps things: its container, network and volumes,
its image, and its private folder on the host (users, keys) with the lock every change
of it takes."""

import fcntl
import os
import re
from contextlib import contextmanager
from pathlib import Path

from localab.host import refs
from localab.host.paths import private_dir, state_dir

# One hub per host by default; LOCALAB_HUB_NAME runs another beside it (tests do).
CONTAINER = os.environ.get("LOCALAB_HUB_NAME", "localab-hub")
NETWORK = CONTAINER
DATA_VOLUME = f"{CONTAINER}-data"
DRIVE_VOLUME = ("localab" if CONTAINER == "localab-hub" else CONTAINER) + "-drive-{username}"


def drive_pattern(name: str) -> str:
    """A regular expression matching each drive a user `name` had: their first, or one of a
    later person given the name after a removal (hubserver.contract.drive_volume)."""
    return re.escape(DRIVE_VOLUME.format(username=name)) + r"(\.[0-9]+)?"


def is_drive_of(volume: str, name: str) -> bool:
    return re.fullmatch(drive_pattern(name), volume) is not None
HUB_IMAGE = refs.image_ref("hub")


def hub_dir() -> Path:
    return private_dir(state_dir() / "hub")


def users_file() -> Path:
    # In a folder of its own, mounted into the hub: a mounted single file would keep
    # showing the old copy after each atomic rewrite.
    return hub_dir() / "users" / "users.json"


def keys_dir() -> Path:
    return hub_dir() / "keys"


def api_token_file() -> Path:
    return keys_dir() / "api-token"


def crypt_key_file() -> Path:
    return keys_dir() / "crypt-key"


@contextmanager
def hub_lock():
    """One `hub up` or `hub user` at a time: concurrent calls lost updates and printed two
    admin passwords of which one worked."""
    fd = os.open(hub_dir(), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
