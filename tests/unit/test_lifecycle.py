import json
import os
from unittest.mock import MagicMock

import pytest

from runtime import lifecycle, report
from runtime.engine import Engine
from runtime.errors import UsageError
from runtime.guest.localab_guest import exitcodes

INFO = {"NCPU": 2, "Runtimes": {"runc": {}}, "Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    fake = MagicMock(spec=Engine)
    fake.info.return_value = INFO
    fake.container.return_value = None
    return fake


def request(tmp_path, **kwargs):
    return lifecycle.UpRequest(drive=str(tmp_path / "drive"), port="18888", **kwargs)


def test_plan_maps_the_profile_onto_the_container(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle.ports, "is_free", lambda port, address: True)
    plan = lifecycle.plan_run(request(tmp_path, profile="cpu"), engine, say=lambda _: None)
    options = plan["options"]
    assert plan["flavour"] == "cpu"
    assert options["name"] == "localab-default"
    assert options["ports"] == {"8888/tcp": ("127.0.0.1", 18888)}
    assert options["volumes"] == {str(tmp_path / "drive"): {"bind": "/content/drive/MyDrive", "mode": "rw"}}
    assert options["mem_limit"] == options["memswap_limit"] == plan["profile"].memory_bytes
    assert options["cap_drop"] == ["ALL"] and options["security_opt"] == ["no-new-privileges"]
    assert options["group_add"] == ["100"]
    assert options["user"] != "0:0" and not options["user"].startswith("0:")
    assert options["labels"]["io.localab.runtime.profile"] == "cpu"
    assert not (tmp_path / "drive").exists(), "planning creates nothing"


def test_gpu_without_the_nvidia_runtime_says_how_to_install_it(engine, tmp_path):
    with pytest.raises(UsageError) as error:
        lifecycle.plan_run(request(tmp_path, gpu=True), engine)
    assert "NVIDIA Container Toolkit" in str(error.value) and str(error.value).startswith("gpu: ")


def test_a_gpu_profile_on_a_gpu_host_gets_the_gpu_image(engine, tmp_path, monkeypatch):
    engine.info.return_value = {**INFO, "Runtimes": {"runc": {}, "nvidia": {}}}
    monkeypatch.setattr(lifecycle.ports, "is_free", lambda port, address: True)
    plan = lifecycle.plan_run(request(tmp_path), engine, say=lambda _: None)
    assert plan["flavour"] == "gpu" and plan["caps"].gpus == 1
    assert plan["options"]["device_requests"][0]["Count"] == 1


@pytest.mark.parametrize("name", ["", "UP", "a/b", "-x", "x" * 50, "ok\n"])
def test_bad_runtime_names(name):
    with pytest.raises(UsageError, match="is not a runtime name"):
        lifecycle.container_name(name)


def test_a_drive_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        lifecycle.validate_drive(str(afile), "default")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_drive_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(UsageError, match="not writable"):
        lifecycle.validate_drive(str(locked / "drive"), "default")


def test_the_host_user_is_the_sudo_user_and_never_root(monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 0)
    monkeypatch.setattr(os, "getgid", lambda: 0)
    monkeypatch.delenv("SUDO_UID", raising=False)
    assert lifecycle.host_user() is None
    monkeypatch.setenv("SUDO_UID", "1001")
    monkeypatch.setenv("SUDO_GID", "1002")
    assert lifecycle.host_user() == (1001, 1002)


def inspected(state: dict, **labels) -> dict:
    return {
        "State": {"StartedAt": "2026-11-25T14:24:41.157816123Z", **state},
        "Config": {"Image": "localab:cpu", "Labels": {"io.localab.runtime.profile": "cpu",
                                                      "io.localab.runtime.drive": "/d",
                                                      "io.localab.runtime.lifetime-s": "43200", **labels}},
        "HostConfig": {"Memory": 1 << 30, "MemorySwap": 1 << 30, "NanoCpus": 2_000_000_000, "ShmSize": 1 << 20,
                       "PidsLimit": 4096, "PortBindings": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18888"}]}},
    }


@pytest.mark.parametrize("state, expected", [
    ({"Running": True}, "running"),
    ({"Running": False, "ExitCode": exitcodes.EXPIRED}, "expired"),
    ({"Running": False, "ExitCode": exitcodes.IDLE}, "idle"),
    ({"Running": False, "ExitCode": 0}, "stopped"),
    ({"Running": False, "ExitCode": 137, "OOMKilled": True}, "oom"),
    ({"Running": False, "ExitCode": 1}, "failed"),
])
def test_states(state, expected):
    assert lifecycle.state_of(inspected(state))[0] == expected


def test_status_of_a_running_runtime(engine, tmp_path):
    engine.container.return_value = inspected({"Running": True, "Health": {"Status": "healthy"}})
    lifecycle.write_private(lifecycle.token_file("default"), "abc\n")
    result = lifecycle.status(engine, measure=False)
    assert result.url == "http://127.0.0.1:18888/lab?token=abc"
    assert result.expires_at.startswith("2026-11-26T02:24:41")
    assert result.caps["memory_bytes"] == 1 << 30 and result.health == "healthy"
    data = json.loads(result.as_json())
    for key in ("state", "url", "container", "profile", "caps", "drive", "started_at", "expires_at"):
        assert key in data
    for key in ("memory_bytes", "memory_swap_bytes", "nano_cpus", "shm_bytes", "pids_limit", "gpus"):
        assert key in data["caps"]
    assert lifecycle.token_file("default").stat().st_mode & 0o777 == 0o600
    lines = report.status_lines(result)
    assert lines[0] == "runtime 'default': running (health: healthy)"
    assert any("RAM 1 GiB (no swap), 2 CPUs" in line for line in lines)


def test_status_of_an_expired_runtime_says_so_and_has_no_url(engine):
    engine.container.return_value = inspected({"Running": False, "ExitCode": exitcodes.EXPIRED})
    result = lifecycle.status(engine, measure=False)
    assert result.state == "expired" and result.url is None and "drive is kept" in result.reason


def test_absent(engine):
    assert lifecycle.status(engine).state == "absent"


def test_asking_another_profile_while_up_points_at_recreate(engine, tmp_path):
    engine.container.return_value = inspected({"Running": True})
    with pytest.raises(UsageError, match="--recreate"):
        lifecycle.up(engine, lifecycle.UpRequest(profile="free", drive=str(tmp_path)), ctx=None, say=lambda _: None)
    engine.run.assert_not_called()


def test_logs_mask_the_token():
    assert lifecycle.redact("url ?token=s3cret ok", "s3cret") == "url ?token=<token> ok"


def test_the_probe_reads_free_scratch_and_oom_kills_on_both_cgroup_versions():
    v1 = "80000000000\noom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
    v2 = "123\nlow 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n"
    assert lifecycle.parse_probe(v1) == (80000000000, 2)
    assert lifecycle.parse_probe(v2) == (123, 1)
    assert lifecycle.parse_probe("456\n") == (456, None)
