"""The builders: BuildKit's plain progress read into one line per step, and the
Dockerfile the classic builder gets."""

import pytest

from runtime.errors import BuildFailed
from runtime.image import builders
from runtime.paths import DOCKER_DIR

# BuildKit's plain progress as Docker 20.10 prints it (trimmed).
PLAIN = """\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 4.71kB done
#1 DONE 0.0s
#5 [ 1/17] FROM docker.io/library/localab-base:bookworm
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
    assert lines == ["[ 1/17] FROM docker.io/library/localab-base:bookworm: 0.0 s",
                     "[ 2/17] RUN apt-get update  && apt-get install -y python3: cached"]
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


@pytest.mark.parametrize("value, expected", [("classic", False), ("", None)])
def test_the_builder_can_be_chosen(monkeypatch, value, expected):
    found = builders.use_buildkit({builders.ENV: value})
    assert found is expected if expected is not None else isinstance(found, bool)


def test_an_unknown_builder_is_refused():
    with pytest.raises(BuildFailed, match="'kaniko' is not a builder; use buildkit or classic"):
        builders.use_buildkit({builders.ENV: "kaniko"})
