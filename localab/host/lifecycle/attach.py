"""`localab exec -- CMD` and `localab shell`: a command, or an interactive shell, in a
running runtime as the notebook's user, in /content, with the kernels' environment (a
login shell reads it: localab.guest.shellenv). Like `colab exec`, or the tutorial's
`!python train.py` typed on the host."""

import shutil

from localab.guest import contract
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.lifecycle.state import container_name, find

LOGIN = ["bash", "-lc", 'exec "$@"', "localab-exec"]  # the command's words follow, never pasted into a shell line


def running(engine: Engine, name: str) -> dict:
    container = find(engine, name)
    if container is None or not container["State"].get("Running"):
        raise UsageError(f"name: runtime '{name}' is not running; start it with `localab up --name {name}`")
    return container


def notebook_user(container: dict) -> str:
    """Who the notebook runs as: the container's user, or for a sudo runtime (which starts
    as root) the user its entry process drops to."""
    for entry in container["Config"].get("Env") or []:
        key, _, value = entry.partition("=")
        if key == contract.ENV_RUN_AS and value:
            return value
    return container["Config"].get("User") or f"{contract.IMAGE_UID}:{contract.IMAGE_GID}"


def run(engine: Engine, name: str, command: list[str], write) -> int:
    """Run `command` there, its output (stdout and stderr, interleaved) given to `write` as
    it comes; its exit code."""
    if not command:
        raise UsageError("exec: no command; put it after --, e.g. `localab exec -- python train.py`")
    container = running(engine, name)
    output, exit_code = engine.exec_stream(container_name(name), LOGIN + list(command), user=notebook_user(container),
                                           workdir=str(contract.CONTENT))
    for chunk in output:
        write(chunk)
    return exit_code()


def shell_command(engine: Engine, name: str) -> list[str]:
    """The docker CLI's interactive `exec -it` of a login shell (a terminal needs the CLI's TTY handling)."""
    container = running(engine, name)
    docker = shutil.which("docker")
    if docker is None:
        raise LocalabError("shell: needs the docker command-line client (Debian: apt-get install docker.io); "
                           "`localab exec -- CMD` works without it")
    return [docker, "exec", "-it", "--user", notebook_user(container), "--workdir", str(contract.CONTENT),
            container_name(name), "bash", "-l"]
