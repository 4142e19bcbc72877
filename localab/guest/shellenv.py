"""One environment everywhere in the runtime. The entry process computes the kernels'
environment (the image's Python first, pip installs into the drive, thread pools, GPU
caps, caches); Jupyter's kernels and `!cmd` inherit it, but a login shell (the JupyterLab
Terminal, `docker exec ... bash -l`, `localab shell`, `localab exec`) starts from
/etc/profile, which resets PATH and knows none of it. So the entry process writes that
environment to contract.SHELL_ENV, and the image's /etc/profile.d/localab.sh (profile.sh
here) reads it back. No token or secret is written."""

import os
import re
import shlex
import tempfile
from pathlib import Path

from . import contract

# What a shell must not inherit: anything that authenticates (the server's token, a hub's
# API token), and what belongs to one process or terminal.
_LEFT_OUT = re.compile(r".*(TOKEN|SECRET|PASSWORD|CREDENTIAL).*|JUPYTERHUB_.*|JPY_.*|"
                       r"HOSTNAME|PWD|OLDPWD|SHLVL|_|TERM|COLUMNS|LINES|LOCALAB_STARTED_AT")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def shell_lines(env: dict) -> list[str]:
    return [f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())
            if _NAME.fullmatch(name) and not _LEFT_OUT.fullmatch(name) and "\n" not in value]


def write(env: dict, path: Path = Path(contract.SHELL_ENV)) -> None:
    """Replace the file atomically, readable by the runtime's user only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write("# the runtime's environment, written by localab's entry process (localab.guest.shellenv)\n")
            handle.write("\n".join(shell_lines(env)) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
