"""localab.cli.verb's `verb` wrapper, run through invoke's own Program as the CLI runs it: a
LocalabError becomes its exit code and one line `localab: ...`, never a traceback."""

import sys

import pytest
from invoke import Collection, Program

from localab import cli
from localab.cli import images, runtimes
from localab.cli.verb import verb
from localab.host.errors import BuildFailed, EngineUnavailable, LocalabError, UsageError


def run_verb(body, capsys, *argv):
    """Run a verb whose body is `body` the way `invoke boom ARGV` does; (exit code, stdout, stderr)."""

    @verb(help={"size": "a size"})
    def boom(c, size="1"):
        """A verb for the test."""
        return body(size)

    program = Program(namespace=Collection(boom), name="invoke", binary="invoke")
    try:
        program.run(["invoke", "boom", *argv])
        code = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def raises(exc):
    def body(size):
        raise exc
    return body


@pytest.mark.parametrize("error, code", [
    (UsageError("--size: '16X' is not a size"), 2),
    (LocalabError("something went wrong"), 1),
    (EngineUnavailable("no Docker engine answers"), EngineUnavailable.exit_code),
    (BuildFailed("build failed at Step 3"), BuildFailed.exit_code),
])
def test_a_localab_error_is_one_line_and_its_exit_code(error, code, capsys):
    status, out, err = run_verb(raises(error), capsys)
    assert status == code == error.exit_code
    assert err == f"localab: {error}\n"
    assert "Traceback" not in err and out == ""


def test_ctrl_c_exits_130_with_one_line(capsys):
    status, out, err = run_verb(raises(KeyboardInterrupt()), capsys)
    assert status == 130 and err == "localab: interrupted\n" and out == ""


def test_a_closed_pipe_exits_quietly(capsys, monkeypatch):
    closed = []
    monkeypatch.setattr(sys, "stderr", type("Err", (), {"close": lambda self: closed.append(True),
                                                               "write": lambda self, text: None,
                                                               "flush": lambda self: None})())
    status, _, _ = run_verb(raises(BrokenPipeError()), capsys)
    assert status == 0 and closed


def test_success_passes_the_result_and_the_options_through(capsys):
    seen = []
    status, out, err = run_verb(lambda size: seen.append(size) or print(f"size {size}"), capsys, "--size", "16G")
    assert status == 0 and seen == ["16G"] and out == "size 16G\n" and err == ""


def test_any_other_exception_is_not_swallowed(capsys):
    with pytest.raises(ZeroDivisionError):
        run_verb(lambda size: 1 / 0, capsys)


def test_the_wrapped_body_raises_invoke_exit_with_the_code():
    from invoke import Context, Exit

    @verb
    def plain(c):
        raise UsageError("--name: 'a b' is not a name")

    with pytest.raises(Exit) as exit:
        plain(Context())
    assert exit.value.code == 2 and exit.value.message == "localab: --name: 'a b' is not a name"
    assert plain.__name__ == "plain" and plain.__doc__ is None


def test_every_verb_is_wrapped():
    """A verb declared with plain @task would print a traceback for a LocalabError."""
    for name, declared in cli.ns.tasks.items():
        assert getattr(declared.body, "__wrapped__", None) is not None, f"`invoke {name}` is not a @verb"
    for name, sub in cli.ns.collections.items():
        for verb_name, declared in sub.tasks.items():
            assert getattr(declared.body, "__wrapped__", None) is not None, f"`invoke {name}.{verb_name}` is not a @verb"


def run_localab(capsys, *argv):
    try:
        cli.program.run(["localab", *argv])
        code = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["up", "--bogus"], ["nosuch"], ["hub.user"], ["bench", "--runs"]])
def test_a_command_line_mistake_is_one_line_and_exit_2(capsys, argv):
    code, out, err = run_localab(capsys, *argv)
    assert code == 2 and err.startswith("localab: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err


def test_h_is_help_everywhere_and_no_flag_gets_an_automatic_short_form(capsys):
    for name, declared in [*cli.ns.tasks.items(), *cli.ns.collections["hub"].tasks.items()]:
        shorts = [flag for arg in declared.get_arguments() for flag in arg.names if len(flag) == 1 < len(arg.name)]
        assert shorts == [], f"{name} has short flags {shorts}"
    code, out, _ = run_localab(capsys, "bench", "-h")
    assert code == 0 and "--workload" in out and "--history" in out and "hub-spawn" in out and "load" in out


def test_version_and_a_bare_command(capsys):
    from localab import __version__

    code, out, _ = run_localab(capsys, "--version")
    assert code == 0 and out.strip() == f"localab {__version__}"
    code, out, _ = run_localab(capsys)
    assert code == 0 and "hub.up" in out and "--core-opts" not in out


def test_the_console_script_works_from_any_folder(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("localab")
    if not script.exists():
        pytest.skip("the localab console script is not installed in this environment")
    result = subprocess.run([str(script), "profiles", "--json"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout)["default"] == "p100"


def test_json_outputs_parse(capsys, tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    code, out, _ = run_localab(capsys, "secrets", "--json")
    assert code == 0 and json.loads(out) == []
    from localab.host import secretstore

    secretstore.set_secret("HF_TOKEN", "x")
    assert json.loads(run_localab(capsys, "secrets", "--json")[1]) == ["HF_TOKEN"]
    profiles = json.loads(run_localab(capsys, "profiles", "--json")[1])
    assert profiles["default"] == "p100" and profiles["profiles"]["cpu"]["memory_bytes"] > 0
    drive = tmp_path / "drive"
    for stamp, value in (("20260101T000000Z", 10.0), ("20260102T000000Z", 12.0)):
        folder = drive / "localab" / "bench" / f"{stamp}-matmul"
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({"workload": "matmul", "figures": {
            "tensorflow_cpu_float32": {"median": value, "mad": 0.1, "n": 3}}}))
        (folder / "run.json").write_text(json.dumps({"params": {"scale": "smoke"}}))
    history = json.loads(run_localab(capsys, "bench", "--history", "--json", "--drive", str(drive))[1])
    assert [entry["headline"] for entry in history] == [10.0, 12.0]
    assert history[1]["over_previous"] == pytest.approx(1.2) and history[1]["previous"] == "20260101T000000Z-matmul"


@pytest.mark.parametrize("argv, message", [
    (["up", "--flavour", "tpu"], "flavour: 'tpu' is not a runtime image; use one of: colab, tf"),
    (["up", "--flavour", "colab-gpu"], "the GPU image follows from --gpu"),
    (["build", "--flavour", "tpu"], "flavour: 'tpu' is not an image flavour"),
    (["lock", "--flavour", "tf", "--colab-freeze", "docker/colab/pip-freeze.txt"],
     "colab-freeze: the 'tf' flavour is not built from Colab's freeze"),
    (["lock", "--colab-freeze", "docker/colab/pip-freeze.txt"], "colab-freeze: name the flavour it is for"),
])
def test_bad_colab_input_is_one_line_exit_2_and_no_lock_changes(capsys, argv, message, monkeypatch):
    from localab.host.image import lock
    from tests.utils.fake_engine import INFO, fake_engine

    engine = fake_engine(INFO)
    for verbs in (images, runtimes):
        monkeypatch.setattr(verbs, "connect_engine", lambda: engine)
    before = {path: path.read_bytes() for path in lock.DOCKER_DIR.glob("lock-*.txt")}
    code, out, err = run_localab(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not engine.run.called and not engine.build.called
    assert {path: path.read_bytes() for path in lock.DOCKER_DIR.glob("lock-*.txt")} == before


def test_a_file_that_is_not_a_freeze_changes_no_lock(capsys, tmp_path):
    from localab.host.image import lock

    bad = tmp_path / "freeze.txt"
    bad.write_text("[global]\nindex-url = https://example.org\n")
    before = lock.lock_path("colab").read_bytes(), (lock.DOCKER_DIR / "colab" / "pip-freeze.txt").read_bytes()
    code, out, err = run_localab(capsys, "lock", "--flavour", "colab", "--colab-freeze", str(bad))
    assert code == 2 and "is not a line of `pip freeze`" in err and err.count("\n") == 1, err
    assert (lock.lock_path("colab").read_bytes(), (lock.DOCKER_DIR / "colab" / "pip-freeze.txt").read_bytes()) == before
