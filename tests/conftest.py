"""Shared fixtures and hooks. Integration tests use the real engine and the real image,
built once per test session through the same code as `localab build`; they reach
containers only through ports published on 127.0.0.1, with bounded waits. The helpers
they use live in tests/utils/."""

import os
import subprocess

import pytest

from tests.utils.runtime import Runtime, build_image


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
    monkeypatch.delenv("LOCALAB_OWNER", raising=False)  # `reset` sets it from a runtime's label: undone after each test


@pytest.fixture(autouse=True)
def no_mount_left(request):
    """Runtimes started as root bind their drive at a mount point in their state folder
    (localab.host.driveview); a test that removes its container without `down` leaves it.
    Unmounted here, deepest first, so that no tmp folder keeps a mount."""
    if "tmp_path" not in request.fixturenames or os.geteuid() != 0:
        yield
        return
    root = str(request.getfixturevalue("tmp_path"))
    yield
    with open("/proc/self/mountinfo") as mounts:
        points = [line.split()[4].replace("\\040", " ") for line in mounts]
    for point in sorted((p for p in points if p.startswith(root + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, timeout=30)


@pytest.fixture(scope="session")
def engine():
    from localab.host.engine import connect
    from localab.host.errors import EngineUnavailable

    try:
        return connect()
    except EngineUnavailable as exc:
        if os.environ.get("LOCALAB_REQUIRE_ENGINE"):
            pytest.fail(str(exc))
        pytest.skip(f"no Docker engine: {exc}")


@pytest.fixture(scope="session")
def tf_image(engine):
    """localab:tf (TensorFlow only) built from this checkout; most runtime tests use it, being
    smaller and faster to start than the default colab image (the layer cache makes a
    rebuild quick)."""
    return build_image(engine, "tf")


@pytest.fixture(scope="session")
def colab_image(engine):
    """localab:colab (Colab's own package set), built once per session, for the colab group."""
    return build_image(engine, "colab")


# The colab group (`localab test --colab`, which sets this): every test of a runtime again on
# the colab image. The whole suite runs the colab image's own tests only, to stay well inside
# CI's hour; the group adds about 20 minutes.
RUNTIME_FLAVOURS = ["tf"] + ([pytest.param("colab", marks=pytest.mark.colab)]
                              if os.environ.get("LOCALAB_TEST_COLAB_GROUP") else [])


@pytest.fixture(params=RUNTIME_FLAVOURS)
def runtime(request, engine, tmp_path):
    """A runtime the test owns, on the cpu image and, in the colab group, on the colab image."""
    request.getfixturevalue(f"{request.param}_image")
    owned = Runtime(tmp_path, flavour=request.param)
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
