"""`localab exec` and `localab shell` against a stand-in engine: who they run as, where,
through which shell, and their bad input."""

from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine
from localab.host.errors import UsageError
from localab.host.lifecycle import attach


def engine_with(container: dict | None) -> MagicMock:
    engine = MagicMock(spec=Engine)
    engine.container.return_value = container
    engine.exec_stream.return_value = (iter([b"out\n", b"err\n"]), lambda: 3)
    return engine


def runtime(running=True, user="1000:100", env=()) -> dict:
    return {"State": {"Running": running},
            "Config": {"User": user, "Env": list(env), "Labels": {"io.localab.runtime": "default"}}}


def test_exec_runs_the_words_through_a_login_shell_as_the_notebook_user_in_content():
    engine, written = engine_with(runtime()), []
    assert attach.run(engine, "default", ["python", "-c", "print('a b')"], written.append) == 3
    args, kwargs = engine.exec_stream.call_args
    assert args == ("localab-default", ["bash", "-lc", 'exec "$@"', "localab-exec", "python", "-c", "print('a b')"])
    assert kwargs == {"user": "1000:100", "workdir": "/content"}
    assert written == [b"out\n", b"err\n"]


def test_a_sudo_runtime_execs_as_the_user_its_entry_process_drops_to():
    engine = engine_with(runtime(user="0:0", env=["PATH=/x", "LOCALAB_RUN_AS=1234:100"]))
    attach.run(engine, "default", ["true"], lambda _: None)
    assert engine.exec_stream.call_args.kwargs["user"] == "1234:100"
    assert attach.shell_command(engine, "default")[3:5] == ["--user", "1234:100"]


@pytest.mark.parametrize("container, command, message", [
    (None, ["true"], "runtime 'default' is not running; start it with `localab up --name default`"),
    (runtime(running=False), ["true"], "is not running"),
    (runtime(), [], "exec: no command; put it after --"),
])
def test_bad_input_is_one_line_and_runs_nothing(container, command, message):
    engine = engine_with(container)
    with pytest.raises(UsageError, match=message):
        attach.run(engine, "default", command, lambda _: None)
    engine.exec_stream.assert_not_called()


def test_the_shell_is_the_docker_clients_interactive_login_shell(monkeypatch):
    monkeypatch.setattr(attach.shutil, "which", lambda name: "/usr/bin/docker")
    assert attach.shell_command(engine_with(runtime()), "default") == [
        "/usr/bin/docker", "exec", "-it", "--user", "1000:100", "--workdir", "/content", "localab-default", "bash", "-l"]
    monkeypatch.setattr(attach.shutil, "which", lambda name: None)
    with pytest.raises(Exception, match="needs the docker command-line client"):
        attach.shell_command(engine_with(runtime()), "default")
