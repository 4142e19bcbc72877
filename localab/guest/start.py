"""The runtime's entry process (PID 2, under tini).

It prepares the environment, starts Jupyter Server, and owns the runtime's lifetime:
when the profile's maximum lifetime runs out it stops the server and exits with
contract.EXIT_EXPIRED, so the host can tell an expired runtime from a stopped one.
"""

import grp
import json
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from . import contract, gpucap, lifetime, servertoken, shellenv, userpkgs
from .env import default_environment, make_cache_dirs

JUPYTER_DIR = Path(__file__).with_name("jupyter")
LAB_OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d"

HOME = "/home/colab"
STATUS_EVERY_S = 10.0


def log(message: str) -> None:
    print(f"localab: {message}", flush=True)


NSS_WRAPPER = ("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so", "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so")


def user_identity(environ: dict, *, uid: int | None = None, gid: int | None = None, folder: str | None = None) -> None:
    """A container started with the host user's uid has no passwd entry. /etc/passwd
    stays read-only (a writable one is a way to root once setuid binaries may run):
    nss_wrapper, preloaded in what the entry process starts, gives git, ssh and
    `whoami` a private passwd and group file with the user in them."""
    uid = os.getuid() if uid is None else uid
    gid = os.getgid() if gid is None else gid
    try:
        pwd.getpwuid(uid)
        return
    except KeyError:
        pass
    library = next((path for path in NSS_WRAPPER if os.path.exists(path)), None)
    if library is None:
        log(f"no passwd entry for uid {uid} and no nss_wrapper; tools that ask for the user name may complain")
        return
    private = Path(folder or tempfile.mkdtemp(prefix="localab-nss-"))
    passwd, group = private / "passwd", private / "group"
    passwd.write_text(Path("/etc/passwd").read_text() + f"colab-{uid}:x:{uid}:{gid}:localab user:{HOME}:/bin/bash\n")
    group.write_text(Path("/etc/group").read_text())
    environ.update({"LD_PRELOAD": " ".join(filter(None, [environ.get("LD_PRELOAD"), library])),
                    "NSS_WRAPPER_PASSWD": str(passwd), "NSS_WRAPPER_GROUP": str(group)})


def drop_to_user(environ: dict) -> None:
    """A privileged runtime (`up --sudo`) starts as root for one thing: to give the notebook
    user a real passwd entry in the sudo group (sudo is setuid, so it cannot see
    nss_wrapper's). Then this process becomes that user, like any runtime's."""
    run_as = environ.pop(contract.ENV_RUN_AS, "")
    if os.getuid() != 0 or not run_as:
        return
    uid, gid = (int(part) for part in run_as.split(":"))
    try:
        grp.getgrgid(gid)
    except KeyError:
        subprocess.run(["groupadd", "--gid", str(gid), f"colab-{gid}"], check=True)
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = f"colab-{uid}"
        subprocess.run(["useradd", "--no-create-home", "--home-dir", HOME, "--shell", "/bin/bash", "--uid", str(uid),
                        "--gid", str(gid), "--non-unique", name], check=True)
    subprocess.run(["usermod", "--append", "--groups", contract.SUDO_GROUP, name], check=True)
    os.setgroups(sorted({gid, contract.IMAGE_GID, grp.getgrnam(contract.SUDO_GROUP).gr_gid}))
    os.setgid(gid)
    os.setuid(uid)
    environ.update({"HOME": HOME, "USER": name, "LOGNAME": name})
    log(f"privileged runtime: {name} (uid {uid}) may sudo without a password")


def apply_keymap(keymap: str, overrides: Path = LAB_OVERRIDES) -> None:
    """Colab's shortcuts as JupyterLab settings defaults, when the runtime asks for them."""
    target = overrides / "20-keymap-colab.json"
    try:
        if keymap == "colab":
            shutil.copyfile(JUPYTER_DIR / "keymap-colab.json", target)
        else:
            target.unlink(missing_ok=True)
    except OSError as exc:
        log(f"could not apply the {keymap} keymap ({exc}); JupyterLab keeps its own")


def server_command(environ, args: list[str]) -> list[str]:
    """JupyterLab for `localab up` and compose; under JupyterHub (DockerSpawner sets
    JUPYTERHUB_API_TOKEN) the hub's single-user server, which JupyterLab extends."""
    if environ.get("JUPYTERHUB_API_TOKEN"):
        return [sys.executable, "-m", "jupyterhub.singleuser", *args]
    return [sys.executable, "-m", "jupyterlab", "--no-browser", *args]


def server_status(token: str) -> dict | None:
    """Jupyter Server's /api/status; asking it does not count as activity."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{contract.PORT}/api/status", headers={"Authorization": f"token {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def idle_for(status: dict | None, now: datetime) -> float:
    if not status or not status.get("last_activity"):
        return 0.0
    last = datetime.fromisoformat(status["last_activity"].replace("Z", "+00:00"))
    return (now - last).total_seconds()


def idle_over(status: dict | None, now: datetime, idle_s: float) -> bool:
    """No kernel and no activity for the profile's idle timeout (what Jupyter Server's
    shutdown_no_activity means)."""
    return bool(status) and not status.get("kernels") and idle_for(status, now) >= idle_s


class Supervisor:
    def __init__(self, environ):
        self.env = environ
        self.clock = lifetime.Clock.from_environ(environ)
        self.lifetime = self.clock.lifetime_s
        self.idle = float(environ.get(contract.ENV_IDLE_S) or 0)
        self.stop_requested = False
        self.server: subprocess.Popen | None = None
        self.last_status: dict | None = None
        self.token = servertoken.take(environ)

    def on_signal(self, signum, _frame) -> None:
        self.stop_requested = True
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)

    def stop_server(self, grace_s: float = 20.0) -> None:
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=5)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        with contextlib.suppress(OSError):  # a container started again keeps its /tmp
            os.unlink(contract.UNASSIGN_FLAG)
        self.server = subprocess.Popen(server_command(self.env, sys.argv[1:]), env=self.env, cwd=str(contract.CONTENT))
        token = self.token
        while True:
            remaining = self.clock.remaining()
            if remaining is not None and remaining <= 0:
                log("the runtime's maximum lifetime is over; stopping Jupyter Server")
                self.stop_server()
                return contract.EXIT_EXPIRED
            step = STATUS_EVERY_S if remaining is None else max(0.05, min(STATUS_EVERY_S, remaining))
            try:
                code = self.server.wait(timeout=step)
            except subprocess.TimeoutExpired:
                if os.path.exists(contract.UNASSIGN_FLAG):
                    log("google.colab.runtime.unassign() was called; stopping Jupyter Server")
                    self.stop_server()
                    return contract.EXIT_UNASSIGNED
                if token and self.idle:
                    self.last_status = server_status(token) or self.last_status
                    if idle_over(self.last_status, datetime.now(timezone.utc), self.idle):
                        # Jupyter Server's own no-activity check does not fire in this image (its
                        # periodic callback is never run), so the entry process applies it.
                        log(f"no kernels and no activity for {self.idle:.0f} s; stopping Jupyter Server")
                        self.stop_server()
                        return contract.EXIT_IDLE
                continue
            return self.exit_reason(code)

    def exit_reason(self, code: int) -> int:
        if self.stop_requested:
            log("stopped on request")
            return contract.EXIT_STOPPED
        if code != 0:
            log(f"Jupyter Server exited with code {code}")
            return contract.EXIT_SERVER_FAILED
        if self.idle and idle_for(self.last_status, datetime.now(timezone.utc)) + STATUS_EVERY_S >= self.idle:
            log(f"Jupyter Server shut down after {self.idle:.0f} s without activity")
            return contract.EXIT_IDLE
        log("Jupyter Server was shut down from the page")
        return contract.EXIT_STOPPED


def main() -> int:
    env = default_environment()
    drop_to_user(env)
    user_identity(env)
    env["LOCALAB_STARTED_AT"] = f"{time.time():.3f}"  # one clock for this process, the server, the kernels
    if not os.access(env.get("HOME", "/"), os.W_OK):
        env["HOME"] = HOME
    make_cache_dirs(env)
    userpkgs.environment(env, userpkgs.folder())
    gpucap.jax_environment(env)
    shellenv.write(env)
    apply_keymap(env.get(contract.ENV_KEYMAP, "jupyterlab"))
    supervisor = Supervisor(env)
    lifetime = "none" if supervisor.lifetime is None else f"{supervisor.lifetime:.0f} s"
    log(
        f"profile {env.get(contract.ENV_PROFILE, '-')}; lifetime {lifetime}; "
        f"idle timeout {supervisor.idle:.0f} s; threads {env['OMP_NUM_THREADS']}"
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
