"""Colab's magics in a real IPython shell: %shell and %%shell, and the lazily declared cell
magics (%%bigquery, %%bqsql, %%spanner_graph), whose first use loads the package's extension
and runs its magic."""

import subprocess

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from localab.guest import colab_magics


@pytest.fixture
def shell():
    found = InteractiveShell.instance()
    colab_magics.register(found)
    yield found
    InteractiveShell.clear_instance()


def test_the_first_use_loads_the_extension_and_runs_its_own_magic(shell, tmp_path, monkeypatch):
    (tmp_path / "tiny_magics.py").write_text(
        "def load_ipython_extension(ip):\n"
        "    ip.register_magic_function(lambda line, cell: f'real magic: {line} | {cell}', 'cell', 'tiny')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    colab_magics.declare_lazy_cell_magic(shell, "tiny", "tiny_magics", "tiny-magics")
    assert shell.run_cell_magic("tiny", "--flag", "SELECT 1") == "real magic: --flag | SELECT 1"
    assert "tiny_magics" in shell.extension_manager.loaded


def test_without_the_package_it_says_where_to_get_it(shell):
    colab_magics.declare_lazy_cell_magic(shell, "nothing", "no_such_magics_module", "no-such-magics")
    with pytest.raises(UsageError, match=r"%%nothing needs no-such-magics: the colab image has it"):
        shell.run_cell_magic("nothing", "", "SELECT 1")


def test_shell_runs_bash_shows_its_output_and_returns_it(shell, capfd):
    result = shell.run_line_magic("shell", "echo one; echo two >&2; [[ 1 == 1 ]] && echo bash")
    assert capfd.readouterr().out == "one\ntwo\nbash\n"
    assert (result.returncode, result.output) == (0, "one\ntwo\nbash\n")
    assert shell.display_formatter.format(result)[0]["text/plain"] == "", "the output was shown already"


def test_a_failing_shell_cell_raises_as_on_colab_unless_told_to_ignore_it(shell, capfd):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        shell.run_cell_magic("shell", "", "echo before\nexit 3\necho never")
    assert failed.value.returncode == 3 and failed.value.output == "before\n"
    ignored = shell.run_cell_magic("shell", "--ignore-errors", "read answer; echo got:$answer; exit 4")
    assert (ignored.returncode, ignored.output) == (4, "got:\n")
