"""`pip install .` (not editable) into a fresh venv gives a working `localab` command: it
runs from any folder and carries every file an image is built from."""

import json
import shutil
import subprocess
import sys
import venv

import pytest

from tests.utils.runtime import ROOT

pytestmark = pytest.mark.install


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("localab-venv")
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    # From a copy of the checkout without setuptools' build/ (which keeps files deleted
    # since a previous build), its venvs, drives and node_modules.
    source = tmp_path_factory.mktemp("localab-source") / "localab"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        "build", ".venv", ".git", "drive", "drive-*", "artifacts", "node_modules", "__pycache__", "*.egg-info"))
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", str(source)], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder


def run(installed, *args, cwd):
    return subprocess.run([str(installed / "bin" / "localab"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def test_the_installed_command_runs_from_any_folder(installed, tmp_path):
    from localab import __version__

    assert run(installed, "--version", cwd=tmp_path).stdout.strip() == f"localab {__version__}"
    profiles = json.loads(run(installed, "profiles", "--json", cwd=tmp_path).stdout)
    assert profiles["default"] == "p100" and "local" in profiles["profiles"]
    bad = run(installed, "up", "--profile", "nope", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("localab: profile: 'nope' is not a profile")


def test_the_installed_package_builds_the_same_images_as_this_checkout(installed, tmp_path):
    """Same source digest: the installed package carries the Dockerfile, the flavours, the
    locks, the guest and the workloads, byte for byte."""
    script = ("from localab.host.image import build, lock\n"
              "from localab.host import paths\n"
              "print(paths.CHECKOUT, paths.DOCKER_DIR)\n"
              "print(*(build.source_digest(name) for name in lock.lock_names()))\n"
              "from localab.host.drive import default_drive; print(default_drive('default'))\n")
    inside = subprocess.run([str(installed / "bin" / "python"), "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={"HOME": str(tmp_path)})
    assert inside.returncode == 0, inside.stderr
    where, digests, drive = inside.stdout.splitlines()
    checkout, docker_dir = where.split()
    assert checkout == "None" and "site-packages" in docker_dir
    from localab.host.image import build, lock

    assert digests.split() == [build.source_digest(name) for name in lock.lock_names()]
    assert drive == str(tmp_path / "localab" / "drive")


def test_the_host_install_is_light(installed):
    listed = subprocess.run([str(installed / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    names = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert not names & {"numpy", "matplotlib", "uv", "playwright", "hypothesis", "pytest"}, names
    assert sys.version_info >= (3, 11)


def test_the_install_adds_one_top_level_package(installed):
    """`localab` and its dist-info, nothing with a generic name beside them."""
    site = next((installed / "lib").glob("python3.*/site-packages"))
    listed = subprocess.run([str(installed / "bin" / "python"), "-m", "pip", "show", "-f", "localab"],
                            capture_output=True, text=True, timeout=120)
    files = listed.stdout.split("Files:", 1)[1].split()
    tops = {path.split("/")[0] for path in files if not path.startswith("..")}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"localab"}, sorted(tops)
    assert (site / "localab" / "host" / "image" / "dockerfiles" / "Dockerfile").is_file()
    assert (site / "localab" / "guest" / "stand_in" / "google" / "colab" / "__init__.py").is_file()
    assert not (site / "runtime").exists() and not (site / "workloads").exists() and not (site / "google").exists()
