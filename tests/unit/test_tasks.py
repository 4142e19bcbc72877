"""tasks.py's `verb` wrapper, run through invoke's own Program as the CLI runs it: a
LocalabError becomes its exit code and one line `localab: ...`, never a traceback."""

import pytest
from invoke import Collection, Program

import tasks
from runtime.errors import BuildFailed, EngineUnavailable, LocalabError, UsageError


def run_verb(body, capsys, *argv):
    """Run a verb whose body is `body` the way `invoke boom ARGV` does; (exit code, stdout, stderr)."""

    @tasks.verb(help={"size": "a size"})
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
    monkeypatch.setattr(tasks.sys, "stderr", type("Err", (), {"close": lambda self: closed.append(True),
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

    @tasks.verb
    def plain(c):
        raise UsageError("--name: 'a b' is not a name")

    with pytest.raises(Exit) as exit:
        plain(Context())
    assert exit.value.code == 2 and exit.value.message == "localab: --name: 'a b' is not a name"
    assert plain.__name__ == "plain" and plain.__doc__ is None


def test_every_verb_in_tasks_py_is_wrapped():
    """A verb declared with plain @task would print a traceback for a LocalabError."""
    for name, verb in tasks.ns.tasks.items():
        assert getattr(verb.body, "__wrapped__", None) is not None, f"`invoke {name}` is not a @verb"
    for name, sub in tasks.ns.collections.items():
        for verb_name, verb in sub.tasks.items():
            assert getattr(verb.body, "__wrapped__", None) is not None, f"`invoke {name}.{verb_name}` is not a @verb"
