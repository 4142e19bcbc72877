"""Secrets for `google.colab.userdata.get(NAME)`: one 0600 file per secret in localab's
state folder, owned by whoever the runtime runs as, mounted read-only at
contract.SECRETS_MOUNT. Values never appear in a command line or in the engine's config."""

import os
from pathlib import Path

from localab.guest import contract
from localab.host import drive as drives
from localab.host.errors import UsageError
from localab.host.paths import private_dir, state_dir, write_private


def folder() -> Path:
    return state_dir() / "secrets"


def validate(name: str) -> str:
    if not contract.is_secret_name(name):
        raise UsageError(f"name: '{name}' is not a secret name; use letters, digits and '_', not starting with a digit")
    return name


def set_secret(name: str, value: str) -> Path:
    validate(name)
    if not value:
        raise UsageError(f"value: the value for {name} is empty; type it at the prompt or pipe it on stdin")
    where = private_dir(folder())
    path = where / name
    owner = drives.owner() if os.getuid() == 0 else None  # the runtime reads them as its own user
    write_private(path, value, owner=owner)
    if owner:
        os.chown(where, *owner, follow_symlinks=False)
    return path


def remove(name: str) -> bool:
    path = folder() / validate(name)
    if not path.exists():
        return False
    path.unlink()
    return True


def names() -> list[str]:
    where = folder()
    return sorted(p.name for p in where.iterdir() if contract.is_secret_name(p.name)) if where.is_dir() else []


def mounts() -> tuple[tuple[str, str, bool], ...]:
    """The read-only mount (source, target, read-only) of the secrets, once any exists."""
    where = folder()
    return ((str(where), str(contract.SECRETS_MOUNT), True),) if where.is_dir() else ()
