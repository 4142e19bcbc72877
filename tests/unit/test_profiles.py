from pathlib import Path

import pytest

from localab.host import profiles
from localab.host.errors import UsageError

GOOD = """
default = "small"
[profiles.small]
description = "test"
memory = "2G"
cpus = 1
shm = "64M"
scratch = "10G"
pids = 256
gpu = ""
gpu_memory = "0"
lifetime = "1h"
idle = "10m"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    return path


def test_the_default_profile_is_the_seed_machine():
    loaded = profiles.load()
    seed = loaded.get(None)
    assert seed.name == loaded.default == "p100"
    assert seed.memory_bytes == 16 << 30
    assert seed.scratch_bytes == 300 << 30
    assert seed.gpu_memory_bytes == 16 << 30 and "P100" in seed.gpu
    assert seed.lifetime_s == 12 * 3600


def test_todays_colab_tiers_and_a_cpu_profile_are_there():
    loaded = profiles.load()
    free = loaded.get("free")
    assert free.cpus == 2 and "T4" in free.gpu and free.idle_s == 90 * 60
    assert abs(free.memory_bytes - 12.7 * (1 << 30)) < 1 << 20
    assert loaded.get("high-ram").memory_bytes > free.memory_bytes
    assert not loaded.get("cpu").has_gpu


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(UsageError) as error:
        profiles.load().get("tpu")
    assert "'tpu'" in str(error.value) and "p100, free, high-ram, cpu" in str(error.value)


def test_a_good_file_parses(tmp_path):
    loaded = profiles.load(write(tmp_path, GOOD))
    assert loaded.get(None).memory_bytes == 2 << 30


@pytest.mark.parametrize("old, new, expected", [
    ('memory = "2G"', 'memory = "16X"', "profiles.small.memory: '16X' is not a size"),
    ("cpus = 1", "cpus = -1", "profiles.small.cpus: '-1' is not a CPU count"),
    ("pids = 256", "pids = 10", "profiles.small.pids"),
    ('lifetime = "1h"', 'lifetime = "forever"', "profiles.small.lifetime: 'forever' is not a duration"),
    ('default = "small"', 'default = "big"', "default = 'big' names no profile"),
    ('idle = "10m"', 'idle = "10m"\ncolour = "red"', "unknown field(s) colour"),
    ('gpu = ""', 'gpu = "T4"\n', "gpu_memory: a profile with a GPU needs its memory"),
    ('memory = "2G"', 'memory = "2G', "not valid TOML"),
    ('shm = "64M"\n', "", "profiles.small.shm is missing"),
])
def test_a_bad_file_names_the_field_and_the_value(tmp_path, old, new, expected):
    with pytest.raises(UsageError) as error:
        profiles.load(write(tmp_path, GOOD.replace(old, new)))
    assert expected in str(error.value)
    assert str(tmp_path) in str(error.value)


def test_the_search_path_lays_the_user_file_and_then_the_named_file_over_the_packaged_one(tmp_path, monkeypatch):
    config = tmp_path / "config"
    (config / "localab").mkdir(parents=True)
    (config / "localab" / "profiles.toml").write_text(
        'default = "cpu"\n[profiles.cpu]\nkeymap = "colab"\n' + GOOD.replace('default = "small"\n', ""))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    loaded = profiles.load()
    assert loaded.default == "cpu" and loaded.get("cpu").keymap == "colab"
    assert loaded.get("cpu").memory_bytes == profiles.load(profiles.PROFILES_FILE).get("cpu").memory_bytes
    assert loaded.get("cpu").source == f"{profiles.PROFILES_FILE} + {config / 'localab' / 'profiles.toml'}"
    assert loaded.get("small").memory_bytes == 2 << 30 and loaded.get("p100").source == str(profiles.PROFILES_FILE)
    named = write(tmp_path, '[profiles.small]\nmemory = "3G"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(named))
    assert profiles.load().get("small").memory_bytes == 3 << 30


def test_a_new_profile_in_a_user_file_must_set_every_field(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_PROFILES", str(write(tmp_path, '[profiles.mine]\nmemory = "3G"\n')))
    with pytest.raises(UsageError, match="profiles.mine.cpus is missing"):
        profiles.load()


def test_a_named_profiles_file_that_is_missing_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_PROFILES", str(tmp_path / "nope.toml"))
    with pytest.raises(UsageError, match="is not a file"):
        profiles.load()


@pytest.mark.parametrize("old, new, expected", [
    ('scratch = "10G"', 'scratch = "0"', "scratch: '0' would not cap anything"),
    ('shm = "64M"', 'shm = "3G"', "shm: '3G' is more than the profile's memory"),
    ('lifetime = "1h"', 'lifetime = "²"', "lifetime: '²' is not a duration"),
    ('memory = "2G"', 'memory = "99999999T"', "more than 1 PiB"),
])
def test_profile_values_that_would_mean_something_else_are_refused(tmp_path, old, new, expected):
    with pytest.raises(UsageError, match=expected):
        profiles.load(write(tmp_path, GOOD.replace(old, new)))


def test_the_local_profile_is_sized_by_the_host():
    local = profiles.load().get("local")
    assert local.cpus is None and local.memory_share == 0.9 and local.gpu == "host" and local.host_relative
    assert local.lifetime_s == 0 and local.idle_s == 0 and local.scratch_bytes is None
    assert local.row()["CPUs"] == "all" and local.row()["RAM"] == "90% of the host's"
    assert not profiles.load().get("p100").host_relative


@pytest.mark.parametrize("old, new, expected", [
    ('memory = "2G"', 'memory = "150%"', "is not a share of the host's RAM"),
    ('memory = "2G"', 'memory = "²%"', "is not a share of the host's RAM"),
    ("cpus = 1", 'cpus = "all"', "is not a CPU count"),
])
def test_host_relative_values_are_checked(tmp_path, old, new, expected):
    with pytest.raises(UsageError, match=expected):
        profiles.load(write(tmp_path, GOOD.replace(old, new)))
