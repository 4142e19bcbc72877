"""google.colab.userdata (localab/guest/stand_in/google/colab/userdata.py): get(NAME) reads the
secret file `localab secret set` wrote, from LOCALAB_SECRETS_DIR (the mount in the image)."""

import pytest

from localab.guest import contract
from tests.utils.guest import guest_module


@pytest.fixture
def userdata(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path))
    return guest_module(monkeypatch, "google.colab.userdata")


def test_get_returns_the_secret_files_text(userdata, tmp_path):
    (tmp_path / "HF_TOKEN").write_text("hf_abc123")
    assert userdata.get("HF_TOKEN") == "hf_abc123"


def test_one_trailing_newline_is_dropped_and_nothing_else(userdata, tmp_path):
    (tmp_path / "KEY").write_text("  value with spaces \n")
    (tmp_path / "MULTI").write_text("line one\nline two\n\n")
    assert userdata.get("KEY") == "  value with spaces "
    assert userdata.get("MULTI") == "line one\nline two\n"


def test_a_missing_secret_raises_colabs_error_and_says_how_to_set_it(userdata):
    with pytest.raises(userdata.SecretNotFoundError) as missing:
        userdata.get("NOPE")
    assert str(missing.value) == "Secret NOPE does not exist. Set it on the host with `localab secret set NOPE`."


@pytest.mark.parametrize("name", ["../outside", "a/b", "", "1X", "with-dash"])
def test_a_name_outside_the_rule_reads_nothing(userdata, tmp_path, name):
    (tmp_path.parent / "outside").write_text("not a secret")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").write_text("nested")
    with pytest.raises(userdata.SecretNotFoundError):
        userdata.get(name)


def test_no_secrets_folder_at_all_is_not_found_too(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path / "absent"))
    userdata = guest_module(monkeypatch, "google.colab.userdata")
    with pytest.raises(userdata.SecretNotFoundError):
        userdata.get("KEY")
    (tmp_path / "absent").write_text("a file where the folder should be")
    with pytest.raises(userdata.SecretNotFoundError):
        userdata.get("KEY")


def test_the_folder_is_read_at_each_call(userdata, monkeypatch, tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "KEY").write_text("one")
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "KEY").write_text("two")
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path / "first"))
    assert userdata.get("KEY") == "one"
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path / "second"))
    assert userdata.get("KEY") == "two"


def test_without_the_variable_it_reads_the_mount(userdata, monkeypatch):
    monkeypatch.delenv("LOCALAB_SECRETS_DIR")
    assert userdata._folder() == contract.SECRETS_MOUNT


def test_a_secret_set_on_the_host_is_read_back_by_the_stand_in(userdata, monkeypatch, tmp_path):
    from localab.host import secretstore

    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    secretstore.set_secret("API_KEY", "from the host")
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(secretstore.folder()))
    assert userdata.get("API_KEY") == "from the host"
