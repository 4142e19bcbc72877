"""Where localab keeps things on the host."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKER_DIR = ROOT / "docker"
GUEST_DIR = ROOT / "runtime" / "guest"
WORKLOADS_DIR = ROOT / "workloads"
HUB_DIR = ROOT / "runtime" / "hub" / "server"  # what the hub image runs


def state_dir() -> Path:
    """localab's state folder: tokens, engine pid and log, secrets.

    LOCALAB_STATE_DIR wins (tests use it); then XDG_STATE_HOME; then ~/.local/state.
    """
    explicit = os.environ.get("LOCALAB_STATE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "localab"


def private_dir(path: Path) -> Path:
    """Create a folder only its owner can read (0700) and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file that is 0600 from its first byte (never briefly world-readable)."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
