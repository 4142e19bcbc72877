"""How a verb is declared: @verb (Invoke's @task that turns a LocalabError into one line and
its exit code), and what the verbs share (the engine, JSON output, the --profiles option)."""

import functools
import json
import os
import sys
from pathlib import Path

from invoke import Exit, Task, task

from localab.host.errors import LocalabError


class Verb(Task):
    """Invoke's Task, whose help texts survive being read: Invoke pops each from the
    task's dict while it builds the arguments, so a second parse (a second Program run in
    one process, as the tests do) would show an option without its help."""

    def get_arguments(self, ignore_unknown_help=None):
        kept = dict(self.help)
        try:
            return super().get_arguments(ignore_unknown_help)
        finally:
            self.help = kept


def verb(*args, **kwargs):
    """@task, plus: no automatic short flags (`-h` is help everywhere), and a LocalabError
    becomes one line on stderr and its exit code."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return verb()(args[0])
    kwargs.setdefault("auto_shortflags", False)
    kwargs.setdefault("klass", Verb)

    def wrap(function):
        @functools.wraps(function)
        def run(*a, **kw):
            # each line as it is said, into a pipe too (`localab build | tee build.log`, a CI
            # log): a build's progress otherwise waited in the buffer until the build ended
            sys.stdout.reconfigure(line_buffering=True)
            try:
                return function(*a, **kw)
            except LocalabError as exc:
                raise Exit(f"localab: {exc}", code=exc.exit_code) from None
            except KeyboardInterrupt:
                raise Exit("localab: interrupted", code=130) from None
            except BrokenPipeError:  # `localab logs | head`
                sys.stderr.close()
                raise Exit(code=0) from None

        return task(run, *args, **kwargs)

    return wrap


def connect_engine():
    """The Docker engine, connected (EngineUnavailable, with what to do, when none answers)."""
    from localab.host.engine import connect

    return connect()


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    print()


RUNTIME_NAME = "name of the runtime (default: default); named runtimes run side by side"
PROFILES_FILE = "a profiles TOML laid over the packaged one and your own (~/.config/localab/profiles.toml)"
JSON = "print JSON instead of text"


def use_profiles(path) -> None:
    """--profiles FILE: the last file on the profiles' search path, for this command and
    what it starts."""
    if path:
        from localab.host import profiles as profile_file

        os.environ[profile_file.ENV] = str(Path(path).expanduser().resolve())
