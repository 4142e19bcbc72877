"""Where localab keeps things on the host, and how it writes its private files there."""

import os
import tempfile
from pathlib import Path

from localab.host.errors import LocalabError

PACKAGE = Path(__file__).resolve().parents[1]  # localab/
ROOT = PACKAGE.parent  # the checkout, or site-packages when installed
CHECKOUT = ROOT if (ROOT / "tasks.py").is_file() else None  # None for `pip install .`
# docker/ in a checkout; installed, the same files as the package localab.host.image.dockerfiles
DOCKER_DIR = CHECKOUT / "docker" if CHECKOUT else PACKAGE / "host" / "image" / "dockerfiles"
GUEST_DIR = PACKAGE / "guest"
STAND_IN_DIR = GUEST_DIR / "stand_in"  # the google.colab stand-in: on the image's sys.path as `google`
WORKLOADS_DIR = PACKAGE / "workloads"
HUB_DIR = PACKAGE / "hubserver"  # what the hub image runs


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
    """Create a folder only its owner can read (0700), its missing parents too, and
    return it. A link in its place is refused, never followed."""
    missing = [folder for folder in [*reversed(path.parents), path] if not os.path.lexists(folder)]
    for folder in missing:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
    if path.is_symlink() or not path.is_dir():
        raise LocalabError(f"{path}: is a link or not a folder; localab keeps its state only in a real folder")
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str, owner: tuple[int, int] | None = None) -> None:
    """Write a file that is 0600 from its first byte, through a fresh temporary file that
    no planted link can redirect, then an atomic rename; `owner` (uid, gid) when root
    writes for the runtime's user."""
    folder = private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")  # O_EXCL, 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
