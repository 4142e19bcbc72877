"""The builders: BuildKit's plain progress read into one line per step, and the
Dockerfile the classic builder gets."""

import sys
from pathlib import Path

import pytest

from localab.host.errors import BuildFailed
from localab.host.image import builders
from localab.host.paths import DOCKER_DIR

# BuildKit's plain progress as Docker 20.10 prints it (trimmed).
PLAIN = """\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 4.71kB done
#1 DONE 0.0s
#5 [stage-0  1/17] FROM docker.io/library/localab-base:bookworm
#5 sha256:f3b5d4d4094ef9ef4ab491e3cb4a780aeaeb35b68353f197ea9807e12436a8e7
#5 DONE 0.0s
#5 DONE 0.0s
#6 [ 2/17] RUN apt-get update  && apt-get install -y python3
#6 CACHED
#9 [ 9/17] RUN --mount=type=cache,target=/home/colab/.cache/uv umask 0002 && uv pip install
#9 0.512 Resolved 158 packages
#9 31.07 error: Hash mismatch for `absl-py==2.1.0`
#9 ERROR: executor failed running [/bin/bash -o pipefail -c umask 0002]: exit code: 1
"""


def test_each_finished_step_is_one_line_and_a_failure_names_its_step_and_output():
    lines = []
    progress = builders.BuildkitProgress(lines.append)
    for line in PLAIN.splitlines():
        progress.feed(line)
    assert lines == ["[stage-0  1/17] FROM docker.io/library/localab-base:bookworm: 0.0 s",
                     "[ 2/17] RUN apt-get update  && apt-get install -y python3: cached",
                     "[ 9/17] RUN --mount=type=cache,target=/home/colab/.cache/uv umask 0002 && uv pip install: running"]
    error = progress.failure()
    assert isinstance(error, BuildFailed)
    assert str(error).startswith("build failed at [ 9/17] RUN --mount=type=cache")
    assert "exit code: 1" in str(error) and "    31.07 error: Hash mismatch" not in str(error)
    assert "    error: Hash mismatch for `absl-py==2.1.0`" in str(error)


def test_verbose_prints_every_line_as_it_comes():
    lines = []
    progress = builders.BuildkitProgress(lines.append, verbose=True)
    for line in PLAIN.splitlines():
        progress.feed(line)
    assert lines == PLAIN.splitlines()


def test_a_failure_before_any_step_shows_the_last_lines():
    progress = builders.BuildkitProgress(lambda line: None)
    progress.feed("error: failed to solve: localab-base:nope: not found")
    assert "before any step ran" in str(progress.failure()) and "not found" in str(progress.failure())


def test_the_classic_builder_gets_the_dockerfile_without_mount_flags():
    text = (DOCKER_DIR / "Dockerfile").read_text()
    assert "RUN --mount=type=cache" in text, "the runtime images cache uv's downloads under BuildKit"
    classic = builders.classic_dockerfile(text)
    assert "--mount" not in classic and "RUN umask 0002" in classic.replace("\\\n    ", "")


def fake_cli(folder, version: str, buildx: bool):
    folder.mkdir()
    cli = folder / "docker"
    cli.write_text(f"#!/bin/sh\n[ \"$1\" = buildx ] && exit {0 if buildx else 1}\necho 'Docker version {version}, build x'\n")
    cli.chmod(0o755)
    return str(cli)


def test_the_first_cli_that_can_buildkit_is_taken(tmp_path):
    new = fake_cli(tmp_path / "new", "28.2.2", buildx=False)  # Docker 23+ without buildx: the legacy builder only
    old = fake_cli(tmp_path / "old", "20.10.24+dfsg1", buildx=False)
    plugin = fake_cli(tmp_path / "plugin", "28.2.2", buildx=True)
    path = lambda *clis: {"PATH": ":".join(str(Path(cli).parent) for cli in clis)}  # noqa: E731
    assert builders.buildkit_cli(path(new, old)) == old
    assert builders.buildkit_cli(path(plugin, old)) == plugin
    assert builders.buildkit_cli(path(new)) is None, "the classic builder then"
    assert builders.buildkit_cli({**path(old), builders.ENV: "classic"}) is None
    with pytest.raises(BuildFailed, match="needs a docker CLI that builds with BuildKit"):
        builders.buildkit_cli({**path(new), builders.ENV: "buildkit"})


def test_an_unknown_builder_is_refused():
    with pytest.raises(BuildFailed, match="'kaniko' is not a builder; use buildkit or classic"):
        builders.buildkit_cli({builders.ENV: "kaniko"})


def script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_the_builder_tags_nothing_and_returns_the_id_of_what_it_built(tmp_path):
    """localab moves the tags itself once the build ended well: an engine that finishes an
    interrupted build's export later must find no name to move (it once re-tagged
    localab:tf 20 s after `localab build` had said the tag was as it was)."""
    cli = script(tmp_path / "docker", f'echo "$@" > {tmp_path}/args; cat > /dev/null\n'
                                      'while [ $# -gt 0 ]; do [ "$1" = --iidfile ] && echo sha256:new > "$2"; shift; done\n')
    assert builders.buildkit(cli, b"context", buildargs={"A": "1"}, labels={}, say=lambda line: None) == "sha256:new"
    args = (tmp_path / "args").read_text().split()
    assert "--iidfile" in args and not {"--tag", "-t"} & set(args), args


def test_an_interrupt_of_localab_alone_cancels_the_clis_build_at_once(tmp_path):
    """A `kill -INT` of localab (a supervisor, a test), not the terminal's Ctrl-C, reaches the
    CLI too: it cancels the build in the engine on SIGINT, and is not left to build on."""
    import time

    # in Python, which (like the Go CLI's signal.Notify) takes SIGINT even where it was ignored
    # on entry, as in a job started in the background; sh's trap cannot
    cli = tmp_path / "docker"
    cli.write_text(f"#!{sys.executable}\n"
                   "import signal, sys, time\n"
                   f"signal.signal(signal.SIGINT, lambda *a: (open('{tmp_path}/said', 'w').write('cancelled'), "
                   "sys.exit(130)))\n"
                   "sys.stdin.buffer.read(); print('#1 [1/2] FROM base'); print('#1 DONE 0.0s', flush=True)\n"
                   "while True: time.sleep(0.1)\n")
    cli.chmod(0o755)

    def interrupted(line):
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        builders.buildkit(str(cli), b"context", buildargs={}, labels={}, say=interrupted)
    assert (tmp_path / "said").read_text().strip() == "cancelled"
    assert time.monotonic() - started < 10
