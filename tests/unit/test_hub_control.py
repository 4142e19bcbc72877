import json

import pytest

from localab import __version__
from localab.host import caps, profiles
from localab.host.errors import UsageError
from localab.host.hub import names, users
from localab.host.hub import settings as hubsettings

INFO = {"NCPU": 2, "Runtimes": {"runc": {}}, "Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path))


def hub_auth():
    from localab.hubserver import auth

    return auth


def test_users_get_a_password_shown_once_and_only_its_hash_is_kept():
    password = users.add_user("ada", admin=True)
    stored = json.loads(names.users_file().read_text())
    assert password not in names.users_file().read_text()
    assert stored["ada"]["admin"] is True and stored["ada"]["hash"].startswith("pbkdf2_sha256$")
    assert hub_auth().check(password, stored["ada"]["hash"])
    assert not hub_auth().check(password + "x", stored["ada"]["hash"])
    assert names.hub_dir().stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("name", ["", "Ada", "a b", "x" * 40, "../etc", "ada\n"])
def test_bad_user_names(name):
    with pytest.raises(UsageError, match="is not a hub user name"):
        users.add_user(name)


def test_the_hub_gets_the_same_caps_as_invoke_up_for_every_profile():
    loaded = profiles.load()
    config = hubsettings.settings(loaded, "cpu", INFO)
    assert config["default_profile"] == "cpu" and set(config["profiles"]) == set(loaded.by_name)
    for name, offered in config["profiles"].items():
        planned, _ = caps.plan_caps(loaded.get(name), use_gpu=False, host_cpus=2, scratch_possible=False)
        assert offered["host_config"] == {**caps.run_options(planned), **caps.SECURITY, "group_add": ["100"]}
        assert offered["image"] == f"localab:{__version__}-colab", "no GPU runtime on this host; an immutable tag"
        assert offered["environment"]["LOCALAB_LIFETIME_S"] == str(loaded.get(name).lifetime_s)
    # high-ram lives 24 h: no hub-wide max age may end it at the default profile's 12 h
    assert config["culler"] == {"timeout_s": 5400, "every_s": 60, "max_age_s": 0}
    assert config["profiles"]["high-ram"]["environment"]["LOCALAB_LIFETIME_S"] == str(24 * 3600)
    json.dumps(config)  # it travels as JSON in the hub's environment


def test_a_gpu_host_offers_the_gpu_image_with_one_gpu():
    config = hubsettings.settings(profiles.load(), None, {**INFO, "Runtimes": {"nvidia": {}}})
    p100 = config["profiles"]["p100"]
    assert p100["image"] == f"localab:{__version__}-colab-gpu" and p100["host_config"]["device_requests"][0]["Count"] == 1
    assert config["profiles"]["cpu"]["image"] == f"localab:{__version__}-colab"


def test_the_flavours_a_hub_needs_are_those_its_profiles_plan():
    from localab.host import profiles
    from tests.utils.fake_engine import INFO

    mine = profiles.load(profiles.PROFILES_FILE)
    gpu_host = {**INFO, "Runtimes": {"runc": {}, "nvidia": {}}}
    assert hubsettings.flavours_needed(hubsettings.settings(mine, None, INFO)) == {"colab"}
    assert hubsettings.flavours_needed(hubsettings.settings(mine, None, gpu_host)) == {"colab", "colab-gpu"}
