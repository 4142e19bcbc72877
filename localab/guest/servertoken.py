"""The server's token, taken out of the environment before anything inherits it.

The host passes a file (JUPYTER_TOKEN_FILE, a read-only mount); compose or a plain
`docker run` may pass JUPYTER_TOKEN itself. Either way the entry process removes both
from the environment it hands on, so `docker inspect`, kernels and `!pip` never see the
token; Jupyter Server reads it from the file named by LOCALAB_SERVER_TOKEN_FILE, which
its config file also removes."""

import os
import tempfile
from pathlib import Path

from .contract import ENV_TOKEN, ENV_TOKEN_FILE

SERVER_ENV = "LOCALAB_SERVER_TOKEN_FILE"


def take(environ: dict) -> str | None:
    """Remove the token (or its file) from `environ`; point the server at a file that
    holds it; return it for the entry process's own probes."""
    token = environ.pop(ENV_TOKEN, None)
    named = environ.pop(ENV_TOKEN_FILE, None)
    if token:
        fd, path = tempfile.mkstemp(prefix="localab-token-")  # 0600, in the container's own /tmp
        with os.fdopen(fd, "w") as handle:
            handle.write(token)
        environ[SERVER_ENV] = path
        return token
    if named:
        environ[SERVER_ENV] = named
        return Path(named).read_text().strip()
    return None


def for_server(environ) -> str | None:
    """In Jupyter Server's config file: the token, and the variable gone from the
    environment the kernels inherit."""
    path = environ.pop(SERVER_ENV, None)
    return Path(path).read_text().strip() if path else None
