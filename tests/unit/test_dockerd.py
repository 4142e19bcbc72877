import pytest

from localab.host.errors import LocalabError
from localab.host.machine import dockerd as hostengine


class FakeEngine:
    def version(self):
        return {"Version": "20.10.24", "ApiVersion": "1.41"}


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path))
    return tmp_path


def host(monkeypatch, *, root=True, debian=True, dockerd=True, systemd=False):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setattr(hostengine, "has_systemd", lambda: systemd)
    monkeypatch.setattr(hostengine, "is_root", lambda: root)
    monkeypatch.setattr(hostengine, "is_debian_like", lambda: debian)
    monkeypatch.setattr(hostengine.shutil, "which", lambda name: "/usr/sbin/dockerd" if dockerd else None)


def test_an_answering_engine_is_left_alone(state, monkeypatch):
    host(monkeypatch)
    monkeypatch.setattr(hostengine.commands, "run", pytest.fail)  # no command may run
    assert hostengine.ensure_engine(connect=lambda **_: FakeEngine(), spawn=pytest.fail)["Version"] == "20.10.24"


def test_a_bare_debian_host_gets_docker_io_installed_and_started(state, monkeypatch):
    host(monkeypatch, dockerd=False)
    installed = []
    monkeypatch.setattr(hostengine.commands, "apt_install", lambda *packages: installed.extend(packages))
    answers = iter([None, None, FakeEngine()])
    started = []

    def spawn(pidfile, logfile):
        started.append((pidfile, logfile))
        return 4242

    monkeypatch.setattr(hostengine, "_alive", lambda pid: True)
    version = hostengine.ensure_engine(say=lambda _: None, connect=lambda **_: next(answers), spawn=spawn)
    assert version["ApiVersion"] == "1.41"
    assert started == [(state / "engine" / "dockerd.pid", state / "engine" / "dockerd.log")]
    assert (state / "engine").stat().st_mode & 0o777 == 0o700
    assert installed == ["docker.io"]


def test_not_root_gets_the_exact_commands(state, monkeypatch):
    host(monkeypatch, root=False)
    with pytest.raises(LocalabError) as error:
        hostengine.ensure_engine(connect=lambda **_: None)
    assert "you are not root" in str(error.value)
    assert "sudo apt-get install -y docker.io" in str(error.value)


def test_not_debian_gets_the_exact_commands(state, monkeypatch):
    host(monkeypatch, debian=False)
    with pytest.raises(LocalabError, match="not Debian or Ubuntu"):
        hostengine.ensure_engine(connect=lambda **_: None)


def test_a_daemon_that_dies_at_start_shows_its_log(state, monkeypatch):
    host(monkeypatch)
    (state / "engine").mkdir()
    (state / "engine" / "dockerd.log").write_text("failed to start daemon: no iptables\n")
    monkeypatch.setattr(hostengine, "_alive", lambda pid: False)
    with pytest.raises(LocalabError, match="no iptables"):
        hostengine.ensure_engine(say=lambda _: None, connect=lambda **_: None, spawn=lambda p, l: 1)


def test_stop_touches_only_a_daemon_localab_started(state):
    said = []
    assert hostengine.stop_engine(said.append) is False
    assert "did not start" in said[0]


def test_stop_forgets_a_recorded_daemon_that_is_gone(state):
    (state / "engine").mkdir()
    hostengine.pid_file().write_text("999999999\n")
    assert hostengine.stop_engine(lambda _: None) is False
    assert not hostengine.pid_file().exists()


def test_with_systemd_the_docker_service_is_started_not_a_second_daemon(state, monkeypatch):
    host(monkeypatch, systemd=True)
    ran = []
    monkeypatch.setattr(hostengine.commands, "run", lambda argv, **_: ran.append(argv))
    answers = iter([None, FakeEngine()])
    version = hostengine.ensure_engine(say=lambda _: None, connect=lambda **_: next(answers), spawn=pytest.fail,
                                       systemd=lambda: True)
    assert version["Version"] == "20.10.24" and ran == [["systemctl", "start", "docker"]]
    assert not hostengine.pid_file().exists(), "not localab's daemon: `localab engine --stop` leaves it alone"


def test_a_docker_host_that_does_not_answer_is_said_and_nothing_is_installed(state, monkeypatch):
    host(monkeypatch)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    monkeypatch.setattr(hostengine.commands, "apt_install", pytest.fail)
    with pytest.raises(LocalabError, match="DOCKER_HOST=tcp://127.0.0.1:1 does not answer"):
        hostengine.ensure_engine(connect=lambda **_: None, spawn=pytest.fail)
