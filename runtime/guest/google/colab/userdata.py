"""google.colab.userdata: secrets kept on the host (`invoke secret set NAME`), mounted
read-only into the runtime."""

import os
import re
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class SecretNotFoundError(Exception):
    def __init__(self, key: str):
        super().__init__(f"Secret {key} does not exist. Set it on the host with `invoke secret set {key}`.")


class NotebookAccessError(Exception):
    """Colab raises this when a notebook was not granted a secret; localab grants all."""


def _folder() -> Path:
    return Path(os.environ.get("LOCALAB_SECRETS_DIR", "/run/localab/secrets"))


def get(key: str) -> str:
    if not isinstance(key, str) or not _NAME.fullmatch(key):
        raise SecretNotFoundError(key)
    path = _folder() / key
    try:
        value = path.read_text()
    except (FileNotFoundError, NotADirectoryError):
        raise SecretNotFoundError(key) from None
    return value[:-1] if value.endswith("\n") else value
