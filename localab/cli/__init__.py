"""localab's verbs: the `localab` command, and `invoke VERB` in a checkout (tasks.py).

Each verb is thin: it parses options and calls the runtime package. `localab --help`
lists the verbs, `localab VERB --help` a verb's options. A mistake in the command line
is one line and exit code 2; a LocalabError is one line and its own exit code.
"""

import re
import sys

from invoke import Collection, Exit, ParseError, Program

from localab import __version__
from localab.cli.bench import bench
from localab.cli.develop import compose, labextension, test
from localab.cli.hub import hub
from localab.cli.images import base, build, doctor, engine, lock, manifest
from localab.cli.runtimes import down, exec_, list_profiles, logs, reset, secret, secrets, shell, status, up

ns = Collection(engine, doctor, base, build, lock, manifest, up, status, logs, exec_, shell, down, reset, list_profiles,
                secret, secrets, bench, hub, compose, labextension, test)


class LocalabProgram(Program):
    """Invoke's Program, with command-line mistakes as usage errors (one line, exit 2) and
    only the core options a user of localab needs."""

    SHOWN = re.compile(r"--(help|version|list|print-completion-script)\b(?!-)")

    def print_help(self) -> None:
        print(f"Usage: {self.binary} [--help | --version] <command> [--options] ...")
        print(f"       {self.binary} <command> --help    (what a command does, and its options)")
        print("")
        self.print_columns([row for row in self.initial_context.help_tuples() if self.SHOWN.search(row[0])])
        self.list_tasks()

    def parse_core(self, argv):
        try:
            super().parse_core(argv)
        except ParseError as exc:
            raise Exit(f"localab: {exc}; see `{self.binary} --help`", code=2) from None

    def parse_tasks(self):
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(f"localab: {exc}; see `{self.binary} --help`", code=2) from None


program = LocalabProgram(name="localab", binary="localab", version=__version__, namespace=ns)


def main() -> None:
    try:
        program.run()
    except BrokenPipeError:  # `localab --help | head`
        sys.stderr.close()

