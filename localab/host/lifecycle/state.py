"""What localab keeps about a runtime: its name, container, labels, token file, and the
cross-process lock that serialises `up`, `down` and `reset`."""

import fcntl
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

from localab.guest import contract
from localab.host.errors import LocalabError, UsageError
from localab.host.paths import private_dir, state_dir

PREFIX = "localab-"
LABEL = "io.localab.runtime"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,40}")


RESERVED = re.compile(r"hub(-.*)?")  # the hub's container (localab-hub) and its users' runtimes (localab-hub-NAME)


def validate_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise UsageError(f"name: '{name}' is not a runtime name; use lowercase letters, digits, '-', '_' or '.' (at most 41)")
    if RESERVED.fullmatch(name):
        raise UsageError(f"name: '{name}' is reserved for the hub's containers; choose another runtime name")
    return name


def find(engine, name: str) -> dict | None:
    """The runtime's container, or None. A container that only has the name, without the
    label that says it is this runtime (someone else's, or the hub's), is never touched."""
    container = engine.container(container_name(name))
    if container is not None and (container["Config"].get("Labels") or {}).get(LABEL) != name:
        raise UsageError(f"name: the container {container_name(name)} is not localab runtime '{name}' (no "
                         f"{LABEL}={name} label); localab leaves it alone, choose another name")
    return container


def container_name(name: str) -> str:
    return PREFIX + validate_name(name)


def runtime_dir(name: str) -> Path:
    return state_dir() / "runtimes" / name


def token_file(name: str) -> Path:
    return runtime_dir(name) / "token"


def read_token(name: str) -> str | None:
    try:
        return token_file(name).read_text().strip()
    except OSError:
        return None


def label(container: dict, key: str) -> str | None:
    """One of the io.localab.runtime.* labels a runtime was started with."""
    return (container["Config"].get("Labels") or {}).get(f"{LABEL}.{key}")


def published_port(container: dict, inside: int = contract.PORT) -> tuple[str, int] | None:
    bindings = (container.get("HostConfig", {}).get("PortBindings") or {}).get(f"{inside}/tcp") or []
    if not bindings:
        return None
    return bindings[0].get("HostIp") or "0.0.0.0", int(bindings[0]["HostPort"])


LOCK_WAIT_S = 1800  # an image build under another command's lock takes minutes, not half an hour


@contextmanager
def runtime_lock(say=print, wait_s: float = LOCK_WAIT_S):
    """One `up`/`down`/`reset` at a time, across processes: a lock on the state folder
    itself, so that taking it writes nothing. A second command says what it waits for,
    and gives up at a deadline."""
    fd = os.open(private_dir(state_dir()), os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another localab command that is changing a runtime (building an image can take minutes)")
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LocalabError(f"another localab command held the runtimes' lock for {wait_s:.0f} s; "
                                           f"let it finish (see `localab status`), then try again") from None
                    time.sleep(0.5)
        yield
    finally:
        os.close(fd)  # closing releases the lock
