"""Shared fixtures. Integration tests use the real engine and the real image, built
once per test session through the same code as `invoke build`; they reach containers
only through ports published on 127.0.0.1, with bounded waits."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        path = str(item.fspath)
        if "/tests/integration/" in path or "/tests/browser/" in path:
            item.add_marker(pytest.mark.integration)
        if "/tests/browser/" in path:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path_factory, monkeypatch):
    """A developer's own ~/.config/localab/profiles.toml or LOCALAB_PROFILES never
    reaches a test (subprocesses inherit this too)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("LOCALAB_PROFILES", raising=False)


@pytest.fixture(scope="session")
def engine():
    from runtime.engine import connect
    from runtime.errors import EngineUnavailable

    try:
        return connect()
    except EngineUnavailable as exc:
        if os.environ.get("LOCALAB_REQUIRE_ENGINE"):
            pytest.fail(str(exc))
        pytest.skip(f"no Docker engine: {exc}")


def build_image(engine, flavour: str):
    from invoke import Context

    from runtime.image import build as image

    lines = []
    built = image.build(engine, flavour, Context(), say=lines.append)
    print("\n".join(lines[-3:]))
    return built


@pytest.fixture(scope="session")
def cpu_image(engine):
    """localab:cpu built from this checkout (the layer cache makes a rebuild quick)."""
    return build_image(engine, "cpu")


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
        merged["PYTHONPATH"] = f"{ROOT}:{site}"
        command = ["runuser", "-u", user, "--", "/usr/bin/python3", "-m", "invoke", *args]
    return subprocess.run(command, cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout, input=input)


class Runtime:
    """A runtime this test owns: its own name, state folder, drive and port."""

    def __init__(self, tmp_path: Path):
        self.name = "t" + uuid.uuid4().hex[:8]
        self.state = tmp_path / "state"
        self.drive = tmp_path / "drive"
        self.port = free_port()
        self.env = {"LOCALAB_STATE_DIR": str(self.state)}

    @property
    def container(self) -> str:
        return f"localab-{self.name}"

    def invoke(self, *args, **kwargs):
        env = {**self.env, **kwargs.pop("env", {})}
        return invoke(*args, env=env, **kwargs)

    def up(self, *extra, check=True):
        result = self.invoke("up", "--name", self.name, "--port", str(self.port), "--drive", str(self.drive),
                             "--profile", "cpu", *extra)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def status(self) -> dict:
        import json

        result = self.invoke("status", "--name", self.name, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def client(self):
        from runtime.kernels import JupyterClient

        token = (self.state / "runtimes" / self.name / "token").read_text().strip()
        return JupyterClient(f"http://127.0.0.1:{self.port}", token)


@pytest.fixture
def runtime(request, engine, cpu_image, tmp_path):
    owned = Runtime(tmp_path)
    yield owned
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        logs = owned.invoke("logs", "--name", owned.name)
        print(f"--- logs of {owned.container}:\n{logs.stdout[-4000:]}")
    engine.remove(owned.container)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


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
