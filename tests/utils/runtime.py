"""Helpers for tests that drive localab as a user would: `invoke` in a subprocess, a
runtime each test owns, bounded waits, and what a failed command must leave untouched."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "artifacts"


def build_image(engine, flavour: str):
    """localab:FLAVOUR built from this checkout through the same code as `localab build`."""
    from localab.host.image import build as image

    lines = []
    built = image.build(engine, flavour, say=lines.append)
    print("\n".join(lines[-3:]))
    return built


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def invoke(*args, env=None, cwd=ROOT, timeout=600, user=None, input=None) -> subprocess.CompletedProcess:
    """Run `invoke ARGS` as a user would, in a subprocess, with a deadline."""
    command = [sys.executable, "-m", "invoke", *args]
    merged = {**os.environ, **(env or {})}
    if user:
        # Another user cannot enter root's home, where this venv's interpreter may live:
        # Debian's own python3 (the same 3.11 ABI) runs the venv's packages instead.
        site = next(Path(sys.prefix).glob("lib/python3.*/site-packages"))
        merged["PYTHONPATH"] = f"{ROOT}:{site}"  # the editable finder's .pth is not read
        command = ["runuser", "-u", user, "--", "/usr/bin/python3", "-m", "invoke", *args]
    return subprocess.run(command, check=False, cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout,
                          input=input)


def profiles_file(tmp_path: Path, text: str) -> dict[str, str]:
    """Write a profiles TOML laid over the packaged localab/host/profiles.toml; returns the env
    (LOCALAB_PROFILES) that makes a subprocess read it."""
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    return {"LOCALAB_PROFILES": str(path)}


def cpu_profile(tmp_path: Path, **fields) -> dict[str, str]:
    """Env that changes only these fields of the packaged `cpu` profile (e.g. lifetime="80s")."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    return profiles_file(tmp_path, "[profiles.cpu]\n" + "\n".join(lines) + "\n")


class Runtime:
    """A runtime this test owns: its own name, state folder, drive and port."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None, flavour: str = "tf"):
        self.name = "t" + uuid.uuid4().hex[:8]
        self.flavour = flavour
        self.state = tmp_path / "state"
        self.drive = tmp_path / "drive"
        self.port = free_port()
        self.env = {"LOCALAB_STATE_DIR": str(self.state), **(env or {})}

    @property
    def container(self) -> str:
        return f"localab-{self.name}"

    def invoke(self, *args, **kwargs):
        env = {**self.env, **kwargs.pop("env", {})}
        return invoke(*args, env=env, **kwargs)

    def up(self, *extra, check=True):
        result = self.invoke("up", "--name", self.name, "--port", str(self.port), "--drive", str(self.drive),
                             "--profile", "cpu", "--flavour", self.flavour, *extra)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def url(self, *extra) -> str:
        """`up`, checked; the URL it prints last."""
        return self.up(*extra).stdout.strip().splitlines()[-1]

    def status(self) -> dict:
        result = self.invoke("status", "--name", self.name, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def client(self):
        from localab.host.bench.kernels import JupyterClient

        token = (self.state / "runtimes" / self.name / "token").read_text().strip()
        return JupyterClient(f"http://127.0.0.1:{self.port}", token)


def engine_snapshot(engine, state: Path) -> dict:
    """What a failed command must leave untouched: containers, volumes, images, state files."""
    api = engine._api
    return {
        "containers": sorted(c["Names"][0] for c in api.containers(all=True)),
        "volumes": engine.volumes(),
        "images": sorted((i["Id"], tuple(sorted(i.get("RepoTags") or []))) for i in api.images()),
        "state": sorted(str(p.relative_to(state)) for p in state.rglob("*")) if state.exists() else [],
    }


def wait_for(predicate, *, timeout_s: float, what: str, every_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def repo_copy(tmp_path: Path) -> Path:
    """A copy of this checkout (no venv, no drive) for tests that must edit tracked files."""
    target = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".venv", ".git", "drive", "drive-*", "artifacts", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT, target, ignore=ignore)
    return target
