"""The magics Colab's kernel has: %tensorflow_version, %shell and %%shell, and the cell
magics it declares before their packages load (%%bigquery, %%bqsql, %%spanner_graph)."""

import subprocess
import sys

from IPython.core import magic_arguments
from IPython.core.error import UsageError

TF2_MESSAGE = "Colab only includes TensorFlow 2.x; %tensorflow_version has no effect."
TF1_MESSAGE = ("Tensorflow 1 is unsupported in Colab (and in localab). Your notebook should be updated to use "
               "Tensorflow 2. See the guide at https://www.tensorflow.org/guide/migrate#migrate-from-tensorflow-1x-to-tensorflow-2.")


def tensorflow_version(line: str) -> None:
    """%tensorflow_version 2.x: accepted, as in Colab today; 1.x: refused, as in Colab."""
    version = line.strip()
    if version in ("2", "2.x"):
        print(TF2_MESSAGE)
        return
    if version in ("1", "1.x"):
        raise UsageError(TF1_MESSAGE)
    raise UsageError(f"%tensorflow_version: '{version}' is not a TensorFlow version here; use 2.x")


class ShellResult:
    """What %shell returns, as on Colab: args, returncode and the merged output, which the
    cell has already shown (so its repr shows nothing)."""

    def __init__(self, args, returncode, output):
        self.args, self.returncode, self.output = args, returncode, output

    def check_returncode(self):
        if self.returncode:
            raise subprocess.CalledProcessError(returncode=self.returncode, cmd=self.args, output=self.output)

    def _repr_pretty_(self, p, cycle):
        if cycle:
            raise NotImplementedError


def run_in_bash(command: str) -> ShellResult:
    """The command in bash, its output shown line by line as it comes (stdin is closed:
    a command that asks for input gets end-of-file instead of hanging the cell)."""
    lines = []
    with subprocess.Popen(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1) as process:
        for line in process.stdout:
            lines.append(line)
            sys.stdout.write(line)
            sys.stdout.flush()
    return ShellResult(command, process.returncode, "".join(lines))


def shell_line(line: str) -> ShellResult:
    """%shell CMD: CMD in bash; a non-zero exit raises subprocess.CalledProcessError."""
    result = run_in_bash(line)
    result.check_returncode()
    return result


@magic_arguments.magic_arguments()
@magic_arguments.argument("--ignore-errors", dest="ignore_errors", action="store_true",
                          help="Don't raise subprocess.CalledProcessError when the script exits non-zero.")
def shell_cell(line: str, cell: str) -> ShellResult:
    """%%shell [--ignore-errors]: the cell is a bash script."""
    options = magic_arguments.parse_argstring(shell_cell, line)
    result = run_in_bash(cell)
    if not options.ignore_errors:
        result.check_returncode()
    return result


# Cell magics Colab declares before their packages load: {magic: (module with the IPython extension, package)}
LAZY_CELL_MAGICS = {"bqsql": ("bigframes", "bigframes"), "bigquery": ("bigquery_magics", "bigquery-magics"),
                    "spanner_graph": ("spanner_graphs", "spanner-graph-notebook")}


def declare_lazy_cell_magic(ipython, name: str, module: str, package: str) -> None:
    """%%name, as on Colab: the first use loads `module`'s IPython extension (which defines
    the real magic) and runs it; without the package, one line saying where it is."""
    if module in sys.modules or module in ipython.extension_manager.loaded:
        return

    def load_then_run(line, cell):
        try:
            ipython.extension_manager.load_extension(module)
        except ModuleNotFoundError:
            raise UsageError(f"%%{name} needs {package}: the colab image has it (`localab up --flavour colab`), "
                             f"or `!pip install {package}` and run the cell again") from None
        found = ipython.magics_manager.magics["cell"].get(name)
        if found is None or found is load_then_run:
            raise UsageError(f"{module} did not define %%{name}")
        return found(line, cell)

    ipython.register_magic_function(load_then_run, "cell", name)


def register(ipython) -> None:
    ipython.register_magic_function(tensorflow_version, "line", "tensorflow_version")
    ipython.register_magic_function(shell_line, "line", "shell")
    ipython.register_magic_function(shell_cell, "cell", "shell")
    for name, (module, package) in LAZY_CELL_MAGICS.items():
        declare_lazy_cell_magic(ipython, name, module, package)
