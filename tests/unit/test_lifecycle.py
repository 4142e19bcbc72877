import json
import os

import pytest

from localab.cli import report
from localab.guest import contract
from localab.host.errors import LocalabError, UsageError
from localab.host.lifecycle import state, verbs
from localab.host.lifecycle import status as statuses
from localab.host.paths import write_private
from tests.utils.fake_engine import GPU_INFO, drive_up, fake_engine


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    return fake_engine()


def request(tmp_path, **kwargs):
    return verbs.UpRequest(drive=str(tmp_path / "drive"), port="18888", **kwargs)


def test_up_maps_the_profile_onto_the_container(engine, tmp_path, monkeypatch):
    options = drive_up(engine, request(tmp_path, profile="cpu"), monkeypatch)
    assert options["image"] == "localab:colab", "Colab's environment is the default"
    assert options["name"] == "localab-default"
    assert options["ports"] == {"8888/tcp": ("127.0.0.1", 18888)}
    token_file = state.token_file("default")
    assert options["volumes"] == [f"{tmp_path / 'drive'}:/content/drive/MyDrive:rw",
                                  f"{tmp_path / 'drive'}:/run/localab/drive-readonly:ro",
                                  f"{token_file}:/run/localab/token:ro"]
    assert options["mem_limit"] == options["memswap_limit"] == 13636521165  # 12.7G, the cpu profile
    assert options["cap_drop"] == ["ALL"] and options["security_opt"] == ["no-new-privileges"]
    assert options["group_add"] == ["100"]
    assert options["user"] != "0:0" and not options["user"].startswith("0:")
    assert options["labels"]["io.localab.runtime.profile"] == "cpu"
    assert options["environment"]["LOCALAB_KEYMAP"] == "jupyterlab"
    token = token_file.read_text().strip()
    assert len(token) == 48 and token_file.stat().st_mode & 0o777 == 0o600
    assert options["environment"]["JUPYTER_TOKEN_FILE"] == "/run/localab/token"
    assert token not in repr(options), "the token reaches the container as a file, never in its configuration"


def test_gpu_without_the_nvidia_runtime_says_how_to_install_it(engine, tmp_path, monkeypatch):
    with pytest.raises(UsageError) as error:
        drive_up(engine, request(tmp_path, gpu=True), monkeypatch)
    assert "NVIDIA Container Toolkit" in str(error.value) and str(error.value).startswith("gpu: ")
    engine.run.assert_not_called()
    assert not (tmp_path / "drive").exists(), "a refused request creates nothing"


def test_a_gpu_profile_on_a_gpu_host_gets_the_gpu_image(engine, tmp_path, monkeypatch):
    engine.info.return_value = GPU_INFO
    options = drive_up(engine, request(tmp_path), monkeypatch)
    assert options["image"] == "localab:colab-gpu"
    assert options["device_requests"][0]["Count"] == 1
    assert options["environment"]["LOCALAB_GPU_MEMORY_MB"] == "16384"


def test_up_after_an_outside_stop_comes_back_on_its_port(engine, tmp_path, monkeypatch):
    engine.container.return_value = inspected({"Running": False, "ExitCode": 0})
    options = drive_up(engine, verbs.UpRequest(drive=str(tmp_path / "drive")), monkeypatch)
    assert options["ports"] == {"8888/tcp": ("127.0.0.1", 18888)}


@pytest.mark.parametrize("name", ["", "UP", "a/b", "-x", "x" * 50, "ok\n"])
def test_bad_runtime_names(name):
    with pytest.raises(UsageError, match="is not a runtime name"):
        state.container_name(name)


@pytest.mark.parametrize("name", ["hub", "hub-ada"])
def test_the_hubs_names_are_reserved(name):
    with pytest.raises(UsageError, match="reserved for the hub"):
        state.container_name(name)


@pytest.mark.parametrize("verb", ["down", "reset", "logs", "status", "up"])
def test_a_container_that_only_shares_the_name_is_left_alone(engine, tmp_path, monkeypatch, verb):
    foreign = inspected({"Running": True})
    del foreign["Config"]["Labels"]["io.localab.runtime"]
    engine.container.return_value = foreign
    calls = {"down": lambda: verbs.down(engine, "default", say=lambda _: None),
             "reset": lambda: verbs.reset(engine, "default", say=lambda _: None),
             "logs": lambda: verbs.logs(engine, "default", write=lambda _: None),
             "status": lambda: statuses.status(engine, "default"),
             "up": lambda: drive_up(engine, verbs.UpRequest(drive=str(tmp_path / "d"), recreate=True), monkeypatch)}
    with pytest.raises(UsageError, match="leaves it alone"):
        calls[verb]()
    engine.remove.assert_not_called()
    engine.stop.assert_not_called()
    engine.run.assert_not_called()


def inspected(container_state: dict, **labels) -> dict:
    return {
        "Name": "/localab-default",
        "State": {"StartedAt": "2026-11-25T14:24:41.157816123Z", **container_state},
        "Config": {"Image": "localab:cpu", "Labels": {"io.localab.runtime": "default", "io.localab.runtime.profile": "cpu",
                                                      "io.localab.runtime.drive": "/d",
                                                      "io.localab.runtime.lifetime-s": "43200", **labels}},
        "HostConfig": {"Memory": 1 << 30, "MemorySwap": 1 << 30, "NanoCpus": 2_000_000_000, "ShmSize": 1 << 20,
                       "PidsLimit": 4096, "PortBindings": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18888"}]}},
    }


@pytest.mark.parametrize("container_state, expected", [
    ({"Running": True}, "running"),
    ({"Running": False, "ExitCode": contract.EXIT_EXPIRED}, "expired"),
    ({"Running": False, "ExitCode": contract.EXIT_IDLE}, "idle"),
    ({"Running": False, "ExitCode": 0}, "stopped"),
    ({"Running": False, "ExitCode": 137, "OOMKilled": True}, "oom"),
    ({"Running": False, "ExitCode": 1}, "failed"),
])
def test_states(container_state, expected):
    assert statuses.state_of(inspected(container_state))[0] == expected


def test_status_of_a_running_runtime(engine, tmp_path):
    engine.container.return_value = inspected({"Running": True, "Health": {"Status": "healthy"}})
    write_private(state.token_file("default"), "abc\n")
    result = statuses.status(engine, measure=False)
    assert result.login_url == "http://127.0.0.1:18888/lab?token=abc" and result.server == "http://127.0.0.1:18888/"
    assert "abc" not in "\n".join(report.status_lines(result)), "the token is printed only when asked"
    assert "abc" not in result.as_json() and json.loads(result.as_json(show_token=True))["token"] == "abc"
    assert any(line.strip().startswith("url") and "token=abc" in line
               for line in report.status_lines(result, show_token=True))
    assert result.expires_at.startswith("2026-11-26T02:24:41")
    assert result.caps["memory_bytes"] == 1 << 30 and result.health == "healthy"
    data = json.loads(result.as_json())
    for key in ("state", "url", "container", "profile", "caps", "drive", "started_at", "expires_at"):
        assert key in data
    for key in ("memory_bytes", "memory_swap_bytes", "nano_cpus", "shm_bytes", "pids_limit", "gpus"):
        assert key in data["caps"]
    assert state.token_file("default").stat().st_mode & 0o777 == 0o600
    lines = report.status_lines(result)
    assert lines[0] == "runtime 'default': running (health: healthy)"
    assert any("RAM 1 GiB (no swap), 2 CPUs" in line for line in lines)


def test_status_of_an_expired_runtime_says_so_and_has_no_url(engine):
    engine.container.return_value = inspected({"Running": False, "ExitCode": contract.EXIT_EXPIRED})
    result = statuses.status(engine, measure=False)
    assert result.state == "expired" and result.url is None and "drive is kept" in result.reason


def test_absent(engine):
    assert statuses.status(engine).state == "absent"


def test_asking_another_profile_while_up_points_at_recreate(engine, tmp_path, monkeypatch):
    engine.container.return_value = inspected({"Running": True})
    with pytest.raises(UsageError, match="--recreate"):
        drive_up(engine, verbs.UpRequest(profile="free", drive=str(tmp_path / "d")), monkeypatch)
    engine.run.assert_not_called()


def test_logs_mask_the_token():
    from localab.host.lifecycle.verbs import redact

    assert redact("url ?token=s3cret ok", "s3cret") == "url ?token=<token> ok"


def test_the_probe_reads_free_scratch_and_oom_kills_on_both_cgroup_versions():
    v1 = "80000000000\noom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
    v2 = "123\nlow 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n"
    assert statuses.parse_probe(v1) == (80000000000, 2)
    assert statuses.parse_probe(v2) == (123, 1)
    assert statuses.parse_probe("456\n") == (456, None)


def test_a_second_command_says_what_it_waits_for_and_gives_up_at_a_deadline(engine):
    said = []
    with state.runtime_lock(said.append):
        with pytest.raises(LocalabError, match="held the runtimes' lock for 0 s"):
            with state.runtime_lock(said.append, wait_s=0.2):
                pass
    assert said == ["waiting for another localab command that is changing a runtime "
                    "(building an image can take minutes)"]
    with state.runtime_lock(said.append, wait_s=0.2):
        pass  # free again once the first is done


@pytest.mark.parametrize("listen, probed", [("127.0.0.1", "http://127.0.0.1:18888/api/status"),
                                            ("0.0.0.0", "http://127.0.0.1:18888/api/status"),
                                            ("::1", "http://[::1]:18888/api/status"),
                                            ("::", "http://[::1]:18888/api/status"),
                                            ("192.0.2.5", "http://192.0.2.5:18888/api/status")])
def test_readiness_is_probed_where_the_port_is_published(engine, monkeypatch, listen, probed):
    asked = []
    monkeypatch.setattr(verbs, "wait_answering", lambda engine, name, url, **kw: asked.append(url) or 0.1)
    verbs.wait_ready(engine, "localab-x", 18888, "t", listen=listen)
    assert asked == [probed]


def test_the_token_stays_across_up_and_down_and_changes_only_when_asked(engine, tmp_path, monkeypatch):
    first = drive_up(engine, request(tmp_path), monkeypatch)
    token = state.token_file("default").read_text()
    engine.container.return_value = inspected({"Running": False, "ExitCode": 0})
    verbs.down(engine, "default", say=lambda _: None)
    assert state.token_file("default").read_text() == token, "down keeps the token"
    engine.container.return_value = None
    drive_up(engine, request(tmp_path), monkeypatch)
    assert state.token_file("default").read_text() == token, "up again: the same token, saved IDE connections work"
    drive_up(engine, request(tmp_path, new_token=True), monkeypatch)
    assert state.token_file("default").read_text() != token
    assert first["environment"]["JUPYTER_TOKEN_FILE"] == "/run/localab/token"


def test_colabs_page_may_connect_only_when_asked_and_only_on_loopback(engine, tmp_path, monkeypatch):
    plain = drive_up(engine, request(tmp_path), monkeypatch)
    assert "LOCALAB_COLAB_FRONTEND" not in plain["environment"]
    engine.run.reset_mock()
    opened = drive_up(engine, request(tmp_path, colab_frontend=True, recreate=True), monkeypatch)
    assert opened["environment"]["LOCALAB_COLAB_FRONTEND"] == "1"
    assert opened["labels"]["io.localab.runtime.colab-frontend"] == "1"
    engine.run.reset_mock()
    for listen in ("0.0.0.0", "::", "192.0.2.5"):
        with pytest.raises(UsageError, match="colab-frontend: refused with --listen"):
            drive_up(engine, request(tmp_path, colab_frontend=True, listen=listen), monkeypatch)
    engine.run.assert_not_called()


def test_down_keeps_a_container_whose_scratch_could_not_be_rescued(engine, tmp_path, monkeypatch):
    drive = tmp_path / "d"
    (drive / "localab").mkdir(parents=True)
    (drive / "localab" / "rescued").symlink_to(tmp_path)
    container = inspected({"Running": False, "ExitCode": 137})
    container["Config"]["Labels"]["io.localab.runtime.drive"] = str(drive)
    engine.container.return_value = container
    engine.changes.return_value = [("/content/notes.txt", "added")]
    engine.container_file.return_value = ("file", b"mine")
    with pytest.raises(LocalabError, match="the runtime is stopped and kept, so nothing is lost"):
        verbs.down(engine, "default", say=lambda _: None)
    engine.remove.assert_not_called()
    verbs.down(engine, "default", discard_scratch=True, say=lambda _: None)
    engine.remove.assert_called_once()


def test_reset_clean_installs_says_what_it_left_and_keeps_the_runtime(engine, tmp_path, monkeypatch):
    """A sudo runtime's root-owned .pth left in the installs folder would run in every
    kernel: reset must not say "removed" then, nor delete the runtime."""
    drive = tmp_path / "d"
    installs = drive / contract.USER_PACKAGES / "site"
    installs.mkdir(parents=True)
    (installs / "root-owned.pth").write_text("import x\n")
    container = inspected({"Running": True})
    container["Config"]["Labels"]["io.localab.runtime.drive"] = str(drive)
    engine.container.return_value = container
    real = os.unlink

    def refusing(name, *args, **kwargs):
        if name == "root-owned.pth":
            raise PermissionError(1, "Operation not permitted")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refusing)
    said = []
    with pytest.raises(LocalabError, match=r"clean-installs: 1 of what `pip install` put in .* could not be removed "
                                           r"\(.*root-owned.pth"):
        verbs.reset(engine, "default", clean_installs=True, say=said.append)
    assert not any("removed" in line or "deleting" in line for line in said), said
    engine.remove.assert_not_called()
    engine.stop.assert_not_called()
    assert (installs / "root-owned.pth").exists()
