"""A Docker engine for a host that has none: Debian's docker.io, started by localab.

localab records the daemon it starts (pid and log in its state folder) and `stop`
touches only that one, never an engine somebody else runs.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from localab.host import commands
from localab.host import engine as engines
from localab.host.errors import EngineUnavailable, LocalabError
from localab.host.machine.osinfo import is_debian_like, is_root
from localab.host.paths import private_dir, state_dir

MANUAL_STEPS = (
    "sudo apt-get update && sudo apt-get install -y docker.io",
    "sudo systemctl start docker   # or, without systemd: sudo dockerd &",
    "sudo usermod -aG docker $USER  # then log in again",
)


def engine_dir() -> Path:
    return state_dir() / "engine"


def pid_file() -> Path:
    return engine_dir() / "dockerd.pid"


def log_file() -> Path:
    return engine_dir() / "dockerd.log"


def try_connect(timeout: int = 10):
    try:
        return engines.connect(timeout=timeout)
    except EngineUnavailable:
        return None


def spawn_dockerd(pidfile: Path, logfile: Path) -> int:
    with logfile.open("ab") as log:
        process = subprocess.Popen(
            ["dockerd", "--pidfile", str(pidfile)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return process.pid


def has_systemd() -> bool:
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def ensure_engine(say=print, *, connect=try_connect, spawn=spawn_dockerd, deadline_s: float = 90,
                  systemd=has_systemd) -> dict:
    """Return the engine's version, installing and starting Debian's docker.io if needed:
    through systemd where the host runs it, else as a daemon localab records and stops."""
    found = connect()
    if found:
        return found.version()
    if os.environ.get("DOCKER_HOST"):
        raise EngineUnavailable(f"DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer; start that engine, or "
                                f"unset DOCKER_HOST to use (or let localab start) this host's own")
    if not is_root() or not is_debian_like():
        where = "you are not root" if not is_root() else "this host is not Debian or Ubuntu"
        steps = "\n".join(f"  {step}" for step in MANUAL_STEPS)
        raise LocalabError(f"no Docker engine answers and localab cannot start one ({where}); run:\n{steps}")
    if not shutil.which("dockerd"):
        say("installing Debian's docker.io")
        commands.apt_install("docker.io")
    if systemd():
        say("starting Debian's docker service (systemctl start docker)")
        commands.run(["systemctl", "start", "docker"])
        stop_at = time.monotonic() + deadline_s
        while time.monotonic() < stop_at:
            found = connect(timeout=5)
            if found:
                return found.version()
            time.sleep(0.5)
        raise LocalabError(f"the docker service did not answer within {deadline_s:.0f} s; see `journalctl -u docker`")
    private_dir(engine_dir())
    pid = spawn(pid_file(), log_file())
    say(f"started dockerd (pid {pid}); log: {log_file()}")
    stop_at = time.monotonic() + deadline_s
    while time.monotonic() < stop_at:
        found = connect(timeout=5)
        if found:
            return found.version()
        if not _alive(pid):
            raise LocalabError(f"dockerd exited at start; its log says:\n{_tail(log_file())}")
        time.sleep(0.5)
    raise LocalabError(f"dockerd did not answer within {deadline_s:.0f} s; its log:\n{_tail(log_file())}")


def stop_engine(say=print, *, grace_s: float = 60) -> bool:
    """Stop the dockerd localab started; returns False when there was none."""
    path = pid_file()
    if not path.is_file():
        say("localab did not start a Docker engine here; leaving any running engine alone")
        return False
    pid = int(path.read_text().strip() or 0)
    if not _alive(pid) or "dockerd" not in _cmdline(pid):
        say(f"the dockerd localab started (pid {pid}) is not running any more")
        path.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    stop_at = time.monotonic() + grace_s
    while _alive(pid) and time.monotonic() < stop_at:
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    say(f"stopped dockerd (pid {pid})")
    return True


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
