"""localab's verbs: the `localab` command, and `invoke VERB` in a checkout (tasks.py).

Each verb is thin: it parses options and calls the runtime package. `localab --help`
lists the verbs, `localab VERB --help` a verb's options. A mistake in the command line
is one line and exit code 2; a LocalabError is one line and its own exit code.
"""

import functools
import json
import os
import re
import sys
from pathlib import Path

from invoke import Collection, Exit, ParseError, Program, Task, task

from runtime import __version__
from runtime.bench import registry as bench_registry
from runtime.errors import LocalabError, UsageError


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


def _engine():
    from runtime.engine import connect

    return connect()


def _json(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    print()


RUNTIME_NAME = "name of the runtime (default: default); named runtimes run side by side"
PROFILES_FILE = "a profiles TOML laid over the packaged one and your own (~/.config/localab/profiles.toml)"
JSON = "print JSON instead of text"


def use_profiles(path) -> None:
    """--profiles FILE: the last file on the profiles' search path, for this command and
    what it starts."""
    if path:
        from runtime import profiles as profile_file

        os.environ[profile_file.ENV] = str(Path(path).expanduser().resolve())


# -- the engine and the images --------------------------------------------------------

@verb(help={"stop": "stop the Docker engine that `localab engine` started (and only that one)"})
def engine(c, stop=False):
    """Make sure a Docker engine answers; on a bare Debian host, install and start one."""
    from runtime.host import dockerd

    if stop:
        dockerd.stop_engine()
        return
    version = dockerd.ensure_engine()
    print(f"Docker engine {version['Version']} (API {version['ApiVersion']}) is answering")


@verb(help={"port": "the port to check is free (default: the runtime's default port)", "json_": JSON})
def doctor(c, port=None, json_=False):
    """Check this host for everything localab needs; one line per item, with the fix."""
    from runtime import doctor as checks
    from runtime import ports

    found = checks.run(ports.validate(port) if port is not None else None)
    if json_:
        _json([check.__dict__ for check in found])
    else:
        for check in found:
            print(check.line())
    if any(check.level == "fail" for check in found):
        raise Exit(code=1)


@verb(help={"mirror": "Debian mirror for debootstrap (default http://deb.debian.org/debian)",
            "suite": "bookworm (default; Python 3.11, the cpu/gpu images) or trixie (Python 3.13, Colab's)"})
def base(c, mirror="", suite="bookworm"):
    """Make a Debian base image locally (debootstrap + docker import): no registry needed; needs root."""
    from runtime.image import base as bases

    tag = bases.base_image(bases.validate_suite(suite))
    if mirror:
        bases.validate_mirror(mirror)  # bad input stops here, before the engine is asked anything
    engine_ = _engine()
    if engine_.image(tag):
        print(f"{tag} is already here")
        return
    print(f"made {bases.make_base(engine_, mirror=mirror or None, suite=suite)}")


@verb(help={
    "flavour": "an image of docker/flavours.toml: cpu (default), gpu, colab, colab-gpu, hub, plain (bench's baseline)",
    "base": "base image (default: the flavour's local Debian base, made when missing)",
    "verbose": "print every line the builder prints (default: BuildKit's live display, or one line per step)",
})
def build(c, flavour="cpu", base="", verbose=False):
    """Build the image localab:<flavour> from docker/ and the flavour's lock."""
    from runtime.image import build as image
    from runtime.image.lock import lock_name

    lock_name(flavour)  # an unknown flavour stops here, before the engine is asked anything
    image.build(_engine(), flavour, base=base or None, verbose=verbose)


@verb(help={"flavour": "lock only this row of docker/flavours.toml (default: all)",
            "upgrade": "resolve every pin afresh instead of keeping the locked versions",
            "colab_freeze": "a newer `pip freeze` of Colab's runtime (googlecolab/backend-info's pip-freeze.txt) "
                            "for a colab flavour; it replaces docker/colab's copy once it resolves"})
def lock(c, flavour="", upgrade=False, colab_freeze=""):
    """Resolve each flavour's requirements into docker/lock-<name>.txt with exact versions and hashes
    (pins already locked are kept unless --upgrade); a colab flavour's from Colab's own pip freeze."""
    from runtime.image import colab
    from runtime.image import lock as locks

    if colab_freeze:
        if not flavour:
            raise UsageError("colab-freeze: name the flavour it is for: --flavour colab or --flavour colab-gpu")
        colab.read_freeze(Path(colab_freeze))  # a file that is not a freeze stops here, before anything is written
    names = [locks.lock_name(flavour)] if flavour else locks.lock_names()
    for name in names:
        written = locks.write_lock(name, upgrade=upgrade, colab_freeze=Path(colab_freeze) if colab_freeze else None)
        tensorflow = f", TensorFlow {written.tensorflow_version}" if locks.flavour(name).tensorflow else ""
        print(f"{written.path.name}: {len(written.pins)} distributions{tensorflow}, sha256 {written.sha256[:12]}")


@verb(help={"image": "the image, e.g. localab:cpu", "diff": "another image: print what differs between the two",
            "json_": "print the raw JSON", "colab": "a colab image's parity with Colab's runtime: each of Colab's "
                                                    "packages present at Colab's version, at another, or missing, and why"})
def manifest(c, image, diff="", json_=False, colab=False):
    """Print what an image contains (flavour, Python, every distribution), or --diff two images."""
    from runtime.image import build as images

    engine_ = _engine()
    first = images.manifest(engine_, image)
    if colab:
        report = images.colab_parity(engine_, image, first)
        if json_:
            _json(report)
        else:
            from runtime.image.colab import render

            print(render(report))
        return
    if diff:
        lines = images.manifest_diff(first, images.manifest(engine_, diff))
        print("\n".join(lines) if lines else f"{image} and {diff} contain the same")
        return
    if json_:
        _json(first)
        return
    for key, value in first.items():
        if key != "distributions":
            print(f"{key}: {value}")
    print(f"distributions ({len(first['distributions'])}):")
    for name, version in first["distributions"].items():
        print(f"  {name}=={version}")


# -- a runtime --------------------------------------------------------------------------

@verb(help={
    "profile": "resource profile (see `localab profiles`; default: the profiles' default)",
    "gpu": "require a GPU: the gpu image and one GPU (needs the NVIDIA container runtime)",
    "port": "host port (default 8888, or the port this runtime had, or the next free one)",
    "drive": "host folder mounted at /content/drive/MyDrive (default: ./drive in a checkout, else ~/localab/drive)",
    "name": RUNTIME_NAME,
    "recreate": "replace a running runtime (scratch is wiped, the drive is kept)",
    "listen": "host address to publish on (default 127.0.0.1; anything else is reachable from the network)",
    "keymap": "jupyterlab (default) or colab: Colab's shortcuts (Ctrl+M then B, A, D, M, Y, L ...)",
    "profiles": PROFILES_FILE,
    "new_token": "give the runtime a new token (it is otherwise the same across up, down and reset)",
    "colab_frontend": "let Colab's own web UI use this runtime (Connect -> Connect to a local runtime); only "
                      "https://colab.research.google.com is allowed, and only on 127.0.0.1",
    "base": "base image if the runtime's image must be built (default: localab's own, else debian:RELEASE from a "
            "registry, else made with debootstrap)",
    "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",
    "flavour": "the image: cpu (localab's TensorFlow, default) or colab (Colab's own ~640 packages); with a GPU its "
               "-gpu image",
    "sudo": "let the notebook user sudo without a password (`!sudo apt-get install ...`); a privileged runtime",
})
def up(c, profile=None, gpu=False, port=None, drive=None, name="default", recreate=False, listen="127.0.0.1",
       keymap=None, profiles=None, new_token=False, colab_frontend=False, base=None, discard_scratch=False,
       flavour=None, sudo=False):
    """Start the runtime (building the image if needed) and print its URL as the last line."""
    use_profiles(profiles)
    from runtime.lifecycle import verbs

    request = verbs.UpRequest(name=name, profile=profile, gpu=gpu, port=port, drive=drive,
                              recreate=recreate or new_token, listen=listen, keymap=keymap, new_token=new_token,
                              colab_frontend=colab_frontend, base=base, discard_scratch=discard_scratch,
                              flavour=flavour, sudo=sudo)
    result = verbs.up(_engine(), request)
    if colab_frontend:
        print(f"in Colab: Connect -> Connect to a local runtime -> "
              f"{result.server.replace('127.0.0.1', 'localhost')}?token={result.token}")
    print(result.login_url)


@verb(help={"name": RUNTIME_NAME, "json_": "print JSON (state, url, container, profile, caps, drive, times)",
            "show_token": "include the token (the URL to open, and what an IDE asks for)"})
def status(c, name="default", json_=False, show_token=False):
    """Say whether the runtime is up, its URL, caps as applied, usage and time left."""
    from runtime import report
    from runtime.lifecycle.status import status as runtime_status

    result = runtime_status(_engine(), name)
    print(result.as_json(show_token=show_token) if json_ else "\n".join(report.status_lines(result, show_token=show_token)))


@verb(help={"name": RUNTIME_NAME, "follow": "keep printing new output until Ctrl+C"})
def logs(c, name="default", follow=False):
    """Print the runtime's output (the token is masked)."""
    from runtime.lifecycle import verbs

    verbs.logs(_engine(), name, follow=follow)


@verb(help={"name": RUNTIME_NAME, "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",})
def down(c, name="default", discard_scratch=False):
    """Stop and remove the runtime; the drive is kept, and what was left in /content is copied into it."""
    from runtime.lifecycle import verbs

    verbs.down(_engine(), name, discard_scratch=discard_scratch)


@verb(help={"name": RUNTIME_NAME, "yes": "do not ask for confirmation",
            "new_token": "give the fresh runtime a new token too", "discard_scratch": "do not copy the notebooks and text files left in /content to the drive's localab/rescued/",
            "clean_installs": "also remove what `!pip install` put in the drive (drive/localab/pip; kept otherwise)"})
def reset(c, name="default", yes=False, new_token=False, discard_scratch=False, clean_installs=False):
    """Colab's "disconnect and delete runtime": a fresh runtime, scratch wiped, drive kept."""
    from runtime.lifecycle import verbs

    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("yes: reset wipes /content; add --yes to confirm")
        answer = input(f"Delete runtime '{name}' and everything in its /content (the drive is kept)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Exit("localab: reset cancelled", code=1)
    result = verbs.reset(_engine(), name, new_token=new_token, discard_scratch=discard_scratch,
                         clean_installs=clean_installs)
    print(result.login_url)


@verb(name="profiles", help={"profiles": PROFILES_FILE, "json_": JSON})
def list_profiles(c, profiles=None, json_=False):
    """List the resource profiles and the file(s) each comes from."""
    from runtime import profiles as profile_file
    from runtime import report

    use_profiles(profiles)
    loaded = profile_file.load()
    if json_:
        _json({"default": loaded.default, "search_path": [str(path) for path in profile_file.search_path()],
               "profiles": {name: profile.__dict__ for name, profile in loaded.by_name.items()}})
        return
    from rich.console import Console
    from rich.table import Table

    header, rows = report.profile_rows(loaded)
    files = " + ".join(str(path) for path in profile_file.search_path())
    table = Table(*header, title=f"localab profiles ({files})")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


# -- secrets ----------------------------------------------------------------------------

@verb(positional=["action", "name"], help={
    "action": "set (the value is read from stdin, or a prompt) or rm",
    "name": "secret name (letters, digits, _)",
})
def secret(c, action=None, name=None):
    """`localab secret set NAME` / `localab secret rm NAME`: secrets for google.colab.userdata.get(NAME)."""
    import getpass

    from runtime import secretstore as store

    if action not in ("set", "rm"):
        raise UsageError(f"action: '{action}' is not a secret action; use `localab secret set NAME` or "
                         f"`localab secret rm NAME`")
    store.validate(name)
    if action == "rm":
        print(f"removed {name}" if store.remove(name) else f"no secret {name}")
        return
    value = getpass.getpass(f"value for {name}: ") if sys.stdin.isatty() else sys.stdin.read().rstrip("\n")
    path = store.set_secret(name, value)
    print(f"saved {name} ({path}, 0600); notebooks read it with google.colab.userdata.get('{name}')")


@verb(help={"json_": JSON})
def secrets(c, json_=False):
    """List the secrets' names (never their values)."""
    from runtime import secretstore as store

    if json_:
        _json(store.names())
        return
    print("\n".join(store.names()) or "no secrets; add one with `localab secret set NAME`")


# -- benchmarks -------------------------------------------------------------------------

@verb(help={
    "workload": bench_registry.help_text(),
    "scale": "smoke (seconds, what tests use), quick (minutes), full (the tutorial's 50,000 images x 10 epochs)",
    "profile": "resource profile for the containers (default: the profiles' default)",
    "gpu": "require a GPU (gpu image, one GPU)",
    "drive": "drive folder holding results, caches and checkpoints (default: the runtime's default drive)",
    "runs": "repeat each workload this many times, each in a fresh container",
    "resume": "continue a resnet50-cifar10 fit from its last checkpoint on the drive",
    "pipeline": "resnet50-cifar10 input pipeline: the tutorial's (baseline), tuned, or both (default; ratio "
                "measured in one run)",
    "compare_host": "also run the workload in a host venv with the same lock, and report container/host",
    "compare_plain": "also run the workload in a plain container (the same TensorFlow from PyPI, only --cpus and "
                     "--memory), and report localab/plain",
    "batch": "resnet50-cifar10: the fit's batch size (default: the tutorial's 32; smoke scale: 8)",
    "trace": "resnet50-cifar10: trace a few steps after warm-up with TensorFlow's profiler into the result "
             "folder (TensorBoard's Profile tab opens it) and show where the time went, op by op",
    "history": "list past results from the drive and compare the latest with the previous one",
    "profiles": PROFILES_FILE,
    "json_": "with --history: print JSON",
})
def bench(c, workload="resnet50-cifar10", scale="smoke", profile=None, gpu=False, drive=None, runs=None, resume=False,
          pipeline="both", compare_host=False, compare_plain=False, trace=False, batch=None, history=False,
          profiles=None, json_=False):
    """Run benchmark workloads in fresh containers under a profile's caps; results go to the drive."""
    use_profiles(profiles)
    from runtime import drive as drives
    from runtime.bench import report as bench_report
    from runtime.bench import runner as benches

    if history:
        folder = drives.validate_drive(drive, "default")
        if json_:
            _json(bench_report.history_entries(folder))
        else:
            for line in bench_report.history(folder):
                print(line)
        return
    request = benches.BenchRequest(workload=workload, scale=scale, profile=profile, gpu=gpu, drive=drive,
                                   runs=benches.parse_runs(runs), resume=resume, pipeline=pipeline,
                                   compare_host=compare_host, compare_plain=compare_plain, trace=trace,
                                   batch=benches.parse_batch(batch))
    benches.validate(request)  # before the engine is asked for anything
    folders = benches.bench(_engine(), request)
    bench_report.print_results(folders)


# -- the hub ----------------------------------------------------------------------------

@verb(name="up", help={
    "port": "hub port on 127.0.0.1 (default 8000, or the next free one)",
    "profile": "the spawn form's default profile, whose idle timeout the culler uses",
    "profiles": PROFILES_FILE,
})
def hub_up(c, port=None, profile=None, profiles=None):
    """Start JupyterHub + DockerSpawner on 127.0.0.1: each user gets their own runtime."""
    use_profiles(profiles)
    from runtime.hub import control

    print(control.up(_engine(), port=port, profile=profile))


@verb(name="status", help={"json_": JSON})
def hub_status(c, json_=False):
    """The hub's URL, its users and their servers."""
    from runtime.hub import control

    if json_:
        _json(control.status_data(_engine()))
    else:
        print("\n".join(control.status(_engine())))


@verb(name="down")
def hub_down(c):
    """Stop the hub and every runtime it started; drives and the hub's data are kept."""
    from runtime.hub import control

    control.down(_engine())


@verb(name="user", help={
    "name": "the user name (a new password is printed once; a reset ends their old logins)",
    "admin": "make the user an admin",
    "no_admin": "take admin away (ends their logins and tokens)",
    "remove": "remove the user (ends their logins and tokens; their drive volume is kept)",
})
def hub_user(c, name, admin=False, no_admin=False, remove=False):
    """Add a hub user or reset their password; --no-admin, --remove."""
    from runtime.hub import control

    if admin and no_admin:
        raise UsageError("admin: --admin and --no-admin contradict each other; give one")
    if remove:
        print(f"removed hub user '{name}'" if control.remove_user(name) else f"no hub user '{name}'")
    elif no_admin:
        control.set_admin(name, False)
        print(f"hub user '{name}' is no longer an admin; their logins and tokens are ended")
    else:
        existed = name in control.read_users()
        password = control.add_user(name, admin=True if admin else None)
        print(f"hub user '{name}'{' (admin)' if admin else ''}: password {password}  (shown once)")
        if not existed:
            return
    try:
        ended = control.revoke(_engine(), name)
    except LocalabError:  # no engine: no hub running, nothing issued since it stopped
        return
    if ended:
        print(f"ended {ended} API token(s) of '{name}'")


@verb(name="helm-values", help={
    "output": "write the values here instead of printing them",
    "repository": "the registry repository holding the runtime images (default localab)",
    "profiles": PROFILES_FILE,
})
def hub_helm_values(c, output=None, repository="localab", profiles=None):
    """Values for the Zero to JupyterHub Helm chart, from the same profiles."""
    use_profiles(profiles)
    from runtime import profiles as profile_file
    from runtime.hub import helm

    text = helm.render(profile_file.load(), repository)
    if output:
        Path(output).write_text(text)
        print(f"wrote {output}")
    else:
        print(text, end="")


# -- for developers ---------------------------------------------------------------------

@verb
def labextension(c):
    """Rebuild localab's JupyterLab extension (labextension/ -> runtime/guest/labextension); needs npm."""
    from runtime.image import labext

    labext.build()


@verb(help={"output": "where to write it (default: compose.yaml in the checkout, else here)"})
def compose(c, output=None):
    """Write compose.yaml from the packaged default profile (the same plan as `localab up`)."""
    from runtime import compose as compose_file

    path = compose_file.write(Path(output) if output else None)
    print(f"wrote {path} from the packaged profiles")


COLAB_GROUP = "LOCALAB_TEST_COLAB_GROUP"  # tests/conftest.py: the runtime fixture runs on the colab image too


@verb(help={
    "unit": "only the unit tests (no engine, no image, seconds)",
    "k": "only tests matching this pytest -k expression",
    "pytest_args": "more arguments for pytest, as one string",
    "colab": "only the colab group: every runtime test again on the colab image, and the colab image's own "
             "(about 25 minutes more; the whole suite runs the colab image's own tests)",
})
def test(c, unit=False, k="", pytest_args="", colab=False):
    """Run the test suite (in a checkout): unit, then integration (real engine and image) and browser tests."""
    import shlex

    from runtime.host import testenv

    if not unit:
        testenv.prepare()
    command = [sys.executable, "-m", "pytest"] + (["tests/unit"] if unit else [])
    command += ["-k", k] if k else []
    command += ["-m", "colab", "tests/integration", "tests/browser"] if colab else []
    command += shlex.split(pytest_args)
    env = {} if unit else {"LOCALAB_REQUIRE_ENGINE": "1"}
    if colab:
        env[COLAB_GROUP] = "1"
    c.run(shlex.join(command), env=env, pty=False, warn=False)


hub = Collection("hub", hub_up, hub_status, hub_down, hub_user, hub_helm_values)
ns = Collection(engine, doctor, base, build, lock, manifest, up, status, logs, down, reset, list_profiles, secret,
                secrets, bench, hub, compose, labextension, test)


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


if __name__ == "__main__":  # python -m runtime.cli: the localab command without its script
    main()
