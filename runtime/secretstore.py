"""Secrets for `google.colab.userdata.get(NAME)`: one 0600 file per secret in localab's
state folder, owned by whoever the runtime runs as, mounted read-only at
/run/localab/secrets. Values never appear in a command line or in the engine's config."""

import os
import re
from pathlib import Path

from .errors import UsageError
from .paths import private_dir, state_dir, write_private

MOUNT = "/run/localab/secrets"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def folder() -> Path:
    return state_dir() / "secrets"


def validate(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise UsageError(f"name: '{name}' is not a secret name; use letters, digits and '_', not starting with a digit")
    return name


def _owner() -> tuple[int, int]:
    from .lifecycle import IMAGE_USER, host_user

    return host_user() or IMAGE_USER


def set_secret(name: str, value: str) -> Path:
    validate(name)
    if not value:
        raise UsageError(f"value: the value for {name} is empty; type it at the prompt or pipe it on stdin")
    where = private_dir(folder())
    path = where / name
    write_private(path, value)
    if os.getuid() == 0:  # the runtime reads them as its own user
        for item in (where, path):
            os.chown(item, *_owner())
    return path


def remove(name: str) -> bool:
    path = folder() / validate(name)
    if not path.exists():
        return False
    path.unlink()
    return True


def names() -> list[str]:
    where = folder()
    return sorted(p.name for p in where.iterdir() if _NAME.fullmatch(p.name)) if where.is_dir() else []


def volume() -> dict:
    """The read-only mount for `docker run`, once any secret exists."""
    where = folder()
    return {str(where): {"bind": MOUNT, "mode": "ro"}} if where.is_dir() else {}
