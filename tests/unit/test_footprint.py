"""What a first build costs, said before it starts, and refused when the engine's disk is too
small; its progress through the lock; a full disk as one line."""

import shutil
from unittest.mock import MagicMock

import pytest

from localab.cli import health
from localab.host.engine import Engine
from localab.host.errors import BuildFailed
from localab.host.image import builders, footprint, lock

# BuildKit's plain progress of the install step, as uv's client logs it there (trimmed).
INSTALL = """\
#11 [ 7/12] RUN --mount=type=cache,target=/var/cache/localab-uv,uid=1000,gid=100,sharing=locked umask 0002
#11 3.215 Using Python 3.11.2 environment at: /opt/venv
#11 3.290 DEBUG No cache entry for: https://pypi.org/simple/six/
#11 3.291 DEBUG Sending fresh GET request for: https://pypi.org/simple/six/
#11 3.402 Resolved 4 packages in 112ms
#11 3.410 DEBUG No cache entry for: https://files.pythonhosted.org/packages/d9/5a/e7c3/six-1.16.0-py2.py3-none-any.whl
#11 3.411 DEBUG Sending fresh HEAD request for: https://files.pythonhosted.org/packages/d9/5a/e7c3/six-1.16.0-py2.py3-none-any.whl
#11 3.520 DEBUG Sending fresh GET request for: https://files.pythonhosted.org/packages/d9/5a/e7c3/six-1.16.0-py2.py3-none-any.whl
#11 3.521 DEBUG Sending fresh GET request for: https://files.pythonhosted.org/packages/08/aa/cc01/packaging-24.1-py3-none-any.whl
#11 3.522 DEBUG Sending fresh GET request for: https://files.pythonhosted.org/packages/11/22/3344/absl_py-2.1.0.tar.gz
#11 3.900 DEBUG Sending fresh GET request for: https://files.pythonhosted.org/packages/aa/bb/cc/numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl
#11 9.100 Prepared 4 packages in 5.69s
#11 9.800 Installed 4 packages in 700ms
#11 DONE 10.2s
"""


def test_a_first_build_says_what_it_costs_and_fits():
    lines = []
    disk = footprint.EngineDisk("/var/lib/docker", 80 * footprint.GB)
    footprint.first_build("localab:colab", footprint.Footprint(13.2, 30, 5.7, 12), disk, force=False, say=lines.append)
    assert "a 13.2 GB image that takes about 30 GB of disk with its build cache, 5.7 GB downloaded, about 12 min" \
        in lines[0] and "Ctrl-C" in lines[0]
    assert lines[1] == "80.0 GB free under /var/lib/docker, 32.0 GB needed"


def test_a_disk_too_small_is_refused_with_the_numbers_and_force_goes_on(tmp_path):
    engine = MagicMock(spec=Engine)
    engine.info.return_value = {"DockerRootDir": str(tmp_path)}
    disk = footprint.engine_disk(engine)
    assert disk.free_bytes == shutil.disk_usage(tmp_path).free
    too_big = footprint.Footprint(1.0, disk.free_bytes / footprint.GB, 0.5, 3)  # needs its margin more than is free
    with pytest.raises(footprint.DiskTooSmall) as refused:
        footprint.first_build("localab:tf", too_big, disk, force=False, say=lambda line: None)
    message = str(refused.value)
    assert message.startswith("localab:tf needs about") and f"under {tmp_path}" in message
    assert f"{footprint.gb(disk.free_bytes)} is free" in message and "--force" in message
    lines = []
    footprint.first_build("localab:tf", too_big, disk, force=True, say=lines.append)
    assert lines[-1].startswith("--force: localab:tf needs about") and lines[-1].endswith("building anyway")


def test_an_engine_whose_disk_is_not_here_is_not_checked():
    engine = MagicMock(spec=Engine)
    engine.info.return_value = {"DockerRootDir": "/no/such/engine/root"}
    disk = footprint.engine_disk(engine)
    assert disk.free_bytes is None
    lines = []
    footprint.first_build("localab:tf", footprint.Footprint(2, 8, 0.6, 3), disk, force=False, say=lines.append)
    assert "not on this machine" in lines[-1]


def test_every_runtime_flavour_says_what_its_first_build_costs():
    rows = {name: row for name, row in lock.flavours().items() if row.is_runtime}
    assert set(rows) == {"tf", "tf-gpu", "colab", "colab-gpu", "plain"}
    for name, row in rows.items():
        assert row.footprint, f"{name}: no footprint in docker/flavours.toml"
        assert row.footprint.disk_gb >= row.footprint.image_gb > 0 and row.footprint.download_gb > 0


def test_progress_counts_the_locks_downloads_and_keeps_uvs_log_out_of_a_failure():
    lines = []
    downloads = builders.Downloads(4, lines.append, written=lambda: 1_500_000_000)
    progress = builders.BuildkitProgress(lines.append, downloads=downloads)
    for line in INSTALL.splitlines():
        progress.feed(line)
    assert lines == [
        "[ 7/12] RUN --mount=type=cache,target=/var/cache/localab-uv,uid=1000,gid=100,sharing=locked umask 0002: "
        "running",
        "    Resolved 4 packages in 112ms",
        "    downloaded 1 of 4 distributions, 1.5 GB written so far",
        "    downloaded 2 of 4 distributions, 1.5 GB written so far",
        "    downloaded 3 of 4 distributions, 1.5 GB written so far",
        "    downloaded 4 of 4 distributions, 1.5 GB written so far",
        "    Prepared 4 packages in 5.69s",
        "    Installed 4 packages in 700ms",
        "[ 7/12] RUN --mount=type=cache,target=/var/cache/localab-uv,uid=1000,gid=100,sharing=locked umask 0002: "
        "10.2 s",
    ]
    tail = progress.steps["11"].tail
    assert tail and not any("DEBUG" in line for line in tail)


def test_the_classic_builder_counts_the_same_downloads():
    lines = []
    progress = builders.Progress(lines.append, builders.Downloads(40, lines.append))
    for line in INSTALL.splitlines()[1:-1]:
        progress.feed({"stream": line.split(" ", 2)[2] + "\n"})
    assert "    downloaded 4 of 40 distributions" in lines and not any("DEBUG" in line for line in lines)


@pytest.mark.parametrize("output", [
    "ERROR: failed to copy files: copy file range failed: no space left on device",
    "error: Failed to write to the distribution cache: No space left on device (os error 28)",
])
def test_a_full_disk_mid_build_is_one_line_naming_the_disk(output):
    assert footprint.disk_full(str(BuildFailed(f"build failed at [ 7/12] RUN ...: exit code: 1\n  last output:\n"
                                                f"    {output}")))
    error = footprint.disk_full_error("localab:colab", footprint.EngineDisk("/var/lib/docker", 10 ** 8))
    assert "\n" not in str(error) and "/var/lib/docker" in str(error) and "0.1 GB free now" in str(error)
    assert "localab:colab was not changed" in str(error) and "docker builder prune" in str(error)
    assert not footprint.disk_full("build failed at [ 7/12]: Hash mismatch for `six`")


def test_doctor_sets_free_disk_against_each_first_build():
    need = {name: row.footprint.need_bytes for name, row in lock.flavours().items() if row.footprint}
    roomy = footprint.EngineDisk("/var/lib/docker", max(need.values()) + 1)
    check = health.disk_check(roomy, {})
    assert check.level == "ok" and f"colab needs {footprint.gb(need['colab'])}" in check.detail
    only_tf = footprint.EngineDisk("/var/lib/docker", need["tf"] + 1)
    check = health.disk_check(only_tf, {})
    assert check.level == "fail" and "for colab, colab-gpu, tf-gpu;" in check.fix and "--flavour tf" in check.fix
    check = health.disk_check(only_tf, {"colab": True})
    assert check.level == "warn" and "built: colab;" in check.detail and "for colab-gpu, tf-gpu;" in check.fix
    check = health.disk_check(footprint.EngineDisk("/var/lib/docker", 10 ** 9), {})
    assert check.level == "fail" and "--flavour tf" not in check.fix
