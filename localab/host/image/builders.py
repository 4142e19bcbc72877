"""The two ways an image gets built.

BuildKit, through a docker CLI that has it (the buildx plugin, or a CLI from before
Docker 23, which takes DOCKER_BUILDKIT=1): cache mounts (uv's download cache survives between
builds, so a one-package lock change downloads one package), and a live progress display
on a terminal. The engine API's classic builder where there is no such CLI (a newer CLI
without buildx, or a remote engine reached through the SDK alone): the Dockerfile's `RUN --mount=...` flags are
stripped, and the same steps run without the cache.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from localab.host.errors import BuildFailed

ENV = "LOCALAB_BUILDER"  # buildkit | classic: choose instead of the default (BuildKit when the CLI is here)
_MOUNT = re.compile(r"--mount=\S+\s+")


def docker_clis(path: str | None = None) -> list[str]:
    """Every `docker` on PATH, in PATH's order."""
    found = []
    for folder in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        candidate = shutil.which("docker", path=folder) if folder else None
        if candidate and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def can_buildkit(cli: str) -> bool:
    """A CLI that builds with BuildKit: one with the buildx plugin, or one from before
    Docker 23, whose `docker build` takes DOCKER_BUILDKIT=1 itself."""
    try:
        if subprocess.run([cli, "buildx", "version"], capture_output=True, timeout=30).returncode == 0:
            return True
        version = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    major = re.search(r"version (\d+)\.", version)
    return bool(major) and int(major.group(1)) < 23


def buildkit_cli(environ=os.environ) -> str | None:
    """The docker CLI to build with BuildKit, or None for the classic builder."""
    chosen = environ.get(ENV, "")
    if chosen not in ("", "buildkit", "classic"):
        raise BuildFailed(f"{ENV}: '{chosen}' is not a builder; use buildkit or classic")
    if chosen == "classic":
        return None
    cli = next((cli for cli in docker_clis(environ.get("PATH", "")) if can_buildkit(cli)), None)
    if chosen == "buildkit" and cli is None:
        raise BuildFailed(f"{ENV}=buildkit needs a docker CLI that builds with BuildKit (the buildx plugin, or a CLI "
                          f"before Docker 23) on PATH; install one or leave {ENV} unset")
    return cli


def classic_dockerfile(text: str) -> str:
    """The Dockerfile the classic builder understands: BuildKit's mount flags removed."""
    return _MOUNT.sub("", text)


class Downloads:
    """Progress through the lock's install step, which is most of a first build: uv's
    request log (the Dockerfile turns on its client's debug lines) names each file it
    downloads; every tenth of the lock, one line with the count and the bytes the build has
    written so far. uv's own summaries (Prepared, Installed) pass through."""

    FETCH = re.compile(r"Sending fresh GET request for: \S*/([^/\s]+\.(?:whl|tar\.gz|zip))$")
    SUMMARY = re.compile(r"^(?:Resolved|Prepared|Installed|Uninstalled|Audited) \d+ packages? in |^Bytecode compiled ")

    def __init__(self, total: int, say, written=None):
        self.total, self.say, self.written = total, say, written
        self.count = 0
        self.every = max(1, total // 10)

    def feed(self, text: str) -> bool:
        """Read one line of a step's output; True when it was uv's (counted, passed on, or its debug log)."""
        if self.FETCH.search(text):
            self.count += 1
            if self.count % self.every == 0 or self.count == self.total:
                size = self.written() if self.written else None
                so_far = f", {size / 1e9:.1f} GB written so far" if size is not None else ""
                self.say(f"    downloaded {self.count} of {self.total} distributions{so_far}")
            return True
        if self.SUMMARY.match(text):
            self.say(f"    {text}")
            return True
        return "DEBUG " in text


class Progress:
    """Turns the classic builder's messages into lines for the user and keeps the tail for errors."""

    def __init__(self, say, downloads: Downloads | None = None):
        self.say, self.downloads = say, downloads
        self.step = ""
        self.tail: list[str] = []
        self.image_id = ""  # the engine's aux message at the end

    def feed(self, message: dict) -> None:
        if (message.get("aux") or {}).get("ID"):
            self.image_id = message["aux"]["ID"]
        if "error" in message:
            detail = message.get("errorDetail", {}).get("message") or message["error"]
            last = "\n".join("    " + line for line in self.tail[-15:])
            raise BuildFailed(f"build failed at {self.step or 'the start'}: {detail.strip()}\n  last output:\n{last}")
        for line in message.get("stream", "").splitlines():
            line = line.rstrip()
            if not line:
                continue
            if line.startswith("Step "):
                self.step = line
                self.tail = []
                self.say(line)
            elif self.downloads and self.downloads.feed(line):
                if "DEBUG " not in line:
                    self.tail.append(line)
            else:
                self.tail.append(line)
                self.say("    " + line)


@dataclass
class Step:
    label: str  # "[ 3/17] RUN apt-get ..."
    cached: bool = False
    started: bool = False  # it printed something
    seconds: float | None = None
    tail: list[str] = field(default_factory=list)


class BuildkitProgress:
    """Reads BuildKit's plain progress: one line per finished step (cached, or its time),
    every line with `verbose`, and the failing step's last lines when it fails."""

    HEADER = re.compile(r"^#(\d+) (\[\s*(?:[\w.-]+\s+)?\d+/\d+\] .*)$")
    EVENT = re.compile(r"^#(\d+) (CACHED|DONE [\d.]+s|ERROR: .*)$")
    OUTPUT = re.compile(r"^#(\d+) [\d.]+ (.*)$")

    def __init__(self, say, verbose: bool = False, downloads: Downloads | None = None):
        self.say, self.verbose, self.downloads = say, verbose, downloads
        self.steps: dict[str, Step] = {}
        self.failed: tuple[Step, str] | None = None
        self.last: list[str] = []

    def feed(self, line: str) -> None:
        if self.verbose:
            self.say(line)
        self.last = (self.last + [line])[-15:]
        if header := self.HEADER.match(line):
            number, label = header.groups()
            if number not in self.steps:
                self.steps[number] = Step(label)
            return
        if output := self.OUTPUT.match(line):
            step = self.steps.get(output.group(1))
            if step:
                text = output.group(2)
                if not step.tail and not step.started and not self.verbose:
                    self.say(f"{step.label[:150]}: running")  # its first output: a step that takes a while
                step.started = True
                if self.downloads and not self.verbose and self.downloads.feed(text) and "DEBUG " in text:
                    return  # uv's request log: counted, not kept for a failure's tail
                step.tail = (step.tail + [text])[-15:]
            return
        event = self.EVENT.match(line)
        step = self.steps.get(event.group(1)) if event else None
        if step is None:
            return
        what = event.group(2)
        if step.cached or step.seconds is not None:
            return  # BuildKit repeats a few events (FROM resolves twice)
        if what == "CACHED":
            step.cached = True
        elif what.startswith("DONE"):
            step.seconds = float(what[5:-1])
        else:
            self.failed = (step, what[len("ERROR: "):])
            return
        if not self.verbose:
            self.say(f"{step.label[:150]}: {'cached' if step.cached else f'{step.seconds:.1f} s'}")

    def failure(self) -> BuildFailed:
        if self.failed:
            step, error = self.failed
            tail = "\n".join("    " + line for line in step.tail)
            return BuildFailed(f"build failed at {step.label[:300]}: {error}\n  last output:\n{tail}")
        tail = "\n".join("    " + line for line in self.last)
        return BuildFailed(f"build failed before any step ran:\n{tail}")


def buildkit(cli: str, context: bytes, *, buildargs: dict, labels: dict, say, verbose: bool = False,
             tty: bool = False, downloads: Downloads | None = None) -> str:
    """`docker build` with BuildKit from an in-memory tar context: the new image's id, which
    nothing names yet (build.build tags it once the build has ended well: an engine that
    finishes an interrupted build's export after the interrupt leaves only an untagged
    image); raises BuildFailed."""
    with tempfile.TemporaryDirectory(prefix="localab-build-") as folder:
        iidfile = Path(folder) / "image-id"
        command = [cli, "build", "--progress", "auto" if tty and not verbose else "plain", "--iidfile", str(iidfile)]
        for key, value in buildargs.items():
            command += ["--build-arg", f"{key}={value}"]
        for key, value in labels.items():
            command += ["--label", f"{key}={value}"]
        command.append("-")
        _buildkit_run(command, context, say=say, verbose=verbose, tty=tty, downloads=downloads)
        image_id = iidfile.read_text().strip() if iidfile.is_file() else ""
    if not image_id:
        raise BuildFailed("the builder ended without naming the image it built; see the output above")
    return image_id


def _buildkit_run(command: list[str], context: bytes, *, say, verbose: bool, tty: bool,
                  downloads: Downloads | None) -> None:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    if tty and not verbose:  # BuildKit draws its own live display; a failure stays on the screen
        if subprocess.run(command, input=context, env=env, check=False).returncode:
            raise BuildFailed("build failed: BuildKit's display above shows the step and its output "
                              "(`localab build --verbose` prints every line)")
        return
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env)

    def send():  # in a thread: the context is megabytes while the progress streams back
        try:
            process.stdin.write(context)
        except BrokenPipeError:
            pass
        finally:
            process.stdin.close()

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    progress = BuildkitProgress(say, verbose, downloads)
    try:
        for raw in process.stdout:
            progress.feed(raw.decode(errors="replace").rstrip("\n"))
    except KeyboardInterrupt:
        _stop(process)
        raise
    sender.join(timeout=60)
    if process.wait():
        raise progress.failure()


def _stop(process: subprocess.Popen) -> None:
    """End the CLI's build: it cancels the build in the engine on SIGINT, which a terminal's
    Ctrl-C sends it too (one process group) but a `kill -INT` of localab alone does not."""
    try:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
