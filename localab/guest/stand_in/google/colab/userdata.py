"""google.colab.userdata: secrets kept on the host (`localab secret set NAME`), mounted
read-only into the runtime."""

import os
from pathlib import Path

from localab.guest import contract

from . import errors


class SecretNotFoundError(errors.Error):
    def __init__(self, key: str):
        super().__init__(f"Secret {key} does not exist. Set it on the host with `localab secret set {key}`.")


class NotebookAccessError(Exception):
    """Colab raises this when a notebook was not granted a secret; localab grants all."""

    def __init__(self, key: str):
        super().__init__(f"Notebook does not have access to secret {key}")


class TimeoutException(errors.Error):
    """Colab raises this when its page does not answer a secret's request; secrets here are files."""

    def __init__(self, key: str):
        super().__init__(f"Requesting secret {key} timed out.")


def _folder() -> Path:
    return Path(os.environ.get(contract.ENV_SECRETS_DIR, str(contract.SECRETS_MOUNT)))


def get(key: str) -> str:
    if not contract.is_secret_name(key):
        raise SecretNotFoundError(key)
    path = _folder() / key
    try:
        value = path.read_text()
    except (FileNotFoundError, NotADirectoryError):
        raise SecretNotFoundError(key) from None
    return value[:-1] if value.endswith("\n") else value
