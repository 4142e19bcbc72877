"""localab/host/secretstore.py: one 0600 file per secret in the state folder, names checked,
empty values refused, and nothing else read back as a secret."""

import os
import stat

import pytest

from localab.host import drive as drives
from localab.host import secretstore
from localab.host.errors import UsageError


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path))
    return tmp_path


def test_a_secret_is_one_private_file_holding_exactly_its_value(state):
    path = secretstore.set_secret("HF_TOKEN", "hf_abc\n123")
    assert path == state / "secrets" / "HF_TOKEN"
    assert path.read_text() == "hf_abc\n123"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    expected = drives.owner() if os.getuid() == 0 else (os.getuid(), os.getgid())
    assert (path.stat().st_uid, path.stat().st_gid) == expected, "the runtime's user can read it"
    assert sorted(os.listdir(path.parent)) == ["HF_TOKEN"], "no half-written file left beside it"


def test_setting_again_replaces_the_value(state):
    secretstore.set_secret("KEY", "first")
    secretstore.set_secret("KEY", "second")
    assert (state / "secrets" / "KEY").read_text() == "second"
    assert secretstore.names() == ["KEY"]


def test_names_lists_secrets_sorted_and_ignores_other_files(state):
    assert secretstore.names() == [], "no folder yet: no secrets"
    for name in ("b_key", "A_KEY", "_private"):
        secretstore.set_secret(name, "v")
    (state / "secrets" / "stray.tmp").write_text("x")
    (state / "secrets" / "9lives").write_text("x")
    assert secretstore.names() == ["A_KEY", "_private", "b_key"]


def test_remove_deletes_the_file_and_says_whether_there_was_one(state):
    secretstore.set_secret("GONE", "v")
    assert secretstore.remove("GONE") is True
    assert not (state / "secrets" / "GONE").exists() and secretstore.names() == []
    assert secretstore.remove("GONE") is False
    assert secretstore.remove("NEVER") is False


@pytest.mark.parametrize("name", ["", "1ABC", "with-dash", "with space", "../escape", "a/b", "é", "x" * 129])
def test_a_name_outside_the_rule_is_refused_before_anything_is_written(state, name):
    with pytest.raises(UsageError, match="is not a secret name; use letters, digits and '_'"):
        secretstore.set_secret(name, "value")
    with pytest.raises(UsageError, match="is not a secret name"):
        secretstore.remove(name)
    assert not (state / "secrets").exists()
    assert not (state / "escape").exists()


@pytest.mark.parametrize("name", ["A", "_", "a1", "HF_TOKEN", "x" * 128])
def test_names_inside_the_rule_are_taken(state, name):
    assert secretstore.validate(name) == name
    secretstore.set_secret(name, "v")
    assert secretstore.names() == [name]


def test_an_empty_value_is_refused_and_nothing_is_written(state):
    with pytest.raises(UsageError, match="the value for EMPTY is empty"):
        secretstore.set_secret("EMPTY", "")
    assert secretstore.names() == [] and not (state / "secrets" / "EMPTY").exists()


def test_the_mount_appears_once_a_secret_exists_and_is_read_only(state):
    assert secretstore.mounts() == ()
    secretstore.set_secret("KEY", "v")
    assert secretstore.mounts() == ((str(state / "secrets"), "/run/localab/secrets", True),)
