"""The hub's login: localab's password authenticator, and an OAuth one loaded as
docs/hub.md shows, each with its own allow list. Runs the real jupyterhub_config.py and
the real oauthenticator."""

import asyncio
import json
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from localab.host import profiles
from localab.host.hub import names, users
from localab.host.hub import settings as hubsettings
from localab.host.paths import HUB_DIR, ROOT
from localab.hubserver import contract as hub
from tests.utils.fake_engine import INFO


def run(coroutine):
    """asyncio.run on a thread of its own: Playwright's session (browser tests earlier in
    the same run) keeps an event loop running in the main thread."""
    results = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(coroutine)))
    thread.start()
    thread.join(timeout=120)
    return results[0]


def hub_config(monkeypatch, tmp_path, *, admins=("admin",)) -> Config:
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    for name in admins:
        users.add_user(name, admin=True)
    settings = hubsettings.settings(profiles.load(profiles.PROFILES_FILE), None, INFO)
    monkeypatch.setenv(hub.ENV_SETTINGS, json.dumps(settings))
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "api-token").write_text("a" * 64)
    (keys / "crypt-key").write_text("b" * 64)
    monkeypatch.setenv(hub.ENV_KEYS, str(keys))
    config = Config()
    path = HUB_DIR / "jupyterhub_config.py"
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config, "__file__": str(path),
                                                        "load_subconfig": pytest.fail})
    return config


def docs_oauth_block() -> str:
    text = (ROOT / "docs" / "hub.md").read_text()
    section = text[text.index("### OAuth instead of passwords"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def model(name: str, groups: list[str]) -> dict:
    return {"name": name, "admin": None, "groups": groups, "auth_state": {"oauth_user": {"groups": groups}}}


def test_an_oauth_login_as_the_docs_show_admits_only_the_group(monkeypatch, tmp_path):
    pytest.importorskip("oauthenticator")
    from oauthenticator.generic import GenericOAuthenticator

    config = hub_config(monkeypatch, tmp_path)
    exec(docs_oauth_block(), {"c": config})
    assert config.JupyterHub.authenticator_class == "oauthenticator.generic.GenericOAuthenticator"
    authenticator = GenericOAuthenticator(config=config)
    assert authenticator.allow_all is False and "admin" not in authenticator.admin_users

    async def allowed(name, groups):
        auth_model = await authenticator.update_auth_model(model(name, groups))
        return await authenticator.check_allowed(name, auth_model)

    assert run(allowed("ada", ["ml-lab"])) is True
    assert run(allowed("eve", ["other"])) is False, "a user outside allowed_groups must be refused"
    assert run(allowed("admin", [])) is False, "localab's admin name gives nothing to an OAuth user"


def test_localabs_own_authenticator_admits_the_users_file(monkeypatch, tmp_path):
    config = hub_config(monkeypatch, tmp_path)
    password = users.add_user("ada")
    authenticator = config.JupyterHub.authenticator_class(config=config)
    authenticator.users_file = str(names.users_file())
    assert authenticator.allow_all is True and authenticator.admin_users == {"admin"}
    assert run(authenticator.authenticate(None, {"username": "ada", "password": password}))["name"] == "ada"
    assert run(authenticator.authenticate(None, {"username": "ada", "password": "wrong"})) is None
    assert run(authenticator.authenticate(None, {"username": "nobody", "password": password})) is None


def test_the_example_block_is_there():
    assert "manage_groups = True" in docs_oauth_block()
    assert Path(HUB_DIR / "jupyterhub_config.py").is_file()


class User:
    def __init__(self, name, state):
        self.name, self.state = name, state

    async def get_auth_state(self):
        return self.state


def localab_authenticator(monkeypatch, tmp_path):
    config = hub_config(monkeypatch, tmp_path)
    authenticator = config.JupyterHub.authenticator_class(config=config)
    authenticator.users_file = str(names.users_file())
    return authenticator


def test_a_reset_a_demotion_or_a_removal_ends_earlier_logins(monkeypatch, tmp_path):
    authenticator = localab_authenticator(monkeypatch, tmp_path)
    password = users.add_user("ada", admin=True)
    login = run(authenticator.authenticate(None, {"username": "ada", "password": password}))
    user = User("ada", login["auth_state"])
    assert run(authenticator.refresh_user(user))["admin"] is True
    users.set_admin("ada", False)
    assert run(authenticator.refresh_user(user)) is False, "a demotion ends the admin's login"
    login = run(authenticator.authenticate(None, {"username": "ada", "password": password}))
    user = User("ada", login["auth_state"])
    assert login["admin"] is False and run(authenticator.refresh_user(user))["admin"] is False
    users.add_user("ada")
    assert run(authenticator.refresh_user(user)) is False, "a password reset ends old logins"
    fresh = users.add_user("ada")
    user = User("ada", run(authenticator.authenticate(None, {"username": "ada", "password": fresh}))["auth_state"])
    assert users.remove_user("ada") is True
    assert run(authenticator.refresh_user(user)) is False, "a removed user's login ends"


def from_address(address: str):
    """What JupyterHub hands authenticate(): a handler whose request has the client's address."""
    return SimpleNamespace(request=SimpleNamespace(remote_ip=address))


def recorded_hashing(monkeypatch) -> list:
    from localab.hubserver import auth as localab_auth

    hashed_on = []
    real_check = localab_auth.check

    def recording_check(candidate, stored):
        try:
            asyncio.get_running_loop()
            on_the_loop = True  # an event loop runs in this thread: hashing would block it
        except RuntimeError:
            on_the_loop = False
        hashed_on.append((on_the_loop, stored))
        return real_check(candidate, stored)

    monkeypatch.setattr(localab_auth, "check", recording_check)
    return hashed_on


def test_repeated_failures_lock_the_name_from_that_address_before_any_hashing(monkeypatch, tmp_path):
    authenticator = localab_authenticator(monkeypatch, tmp_path)
    password = users.add_user("ada")
    hashed_on = recorded_hashing(monkeypatch)
    authenticator.max_failures = 3
    attacker, ada = from_address("192.0.2.66"), from_address("192.0.2.10")
    for _ in range(3):
        assert run(authenticator.authenticate(attacker, {"username": "ada", "password": "wrong"})) is None
    hashed = len(hashed_on)
    assert run(authenticator.authenticate(attacker, {"username": "ada", "password": password})) is None, \
        "the right password is refused from that address while the name is locked there"
    assert len(hashed_on) == hashed, "a locked attempt is refused before hashing: it costs nothing"
    assert run(authenticator.authenticate(ada, {"username": "ada", "password": password}))["name"] == "ada", \
        "someone else's failures do not lock ada out from her own address"
    before_unknown = len(hashed_on)
    assert run(authenticator.authenticate(ada, {"username": "nobody", "password": "x"})) is None
    assert hashed_on and not any(on_loop for on_loop, _ in hashed_on), "hashing runs off the event loop's thread"
    assert len(hashed_on) == before_unknown + 1, "an unknown name costs a hash, as a known one does"
    ada_hash = json.loads(names.users_file().read_text())["ada"]["hash"]
    assert hashed_on[-1][1] != ada_hash and hashed_on[-1][1].startswith("pbkdf2_sha256$600000$"), \
        "an unknown name is hashed like a real one"
    authenticator.lockout_s = 0
    assert run(authenticator.authenticate(attacker, {"username": "ada", "password": password}))["name"] == "ada"


def test_an_address_that_keeps_failing_or_tries_too_fast_is_refused_before_hashing(monkeypatch, tmp_path):
    authenticator = localab_authenticator(monkeypatch, tmp_path)
    password = users.add_user("ada")
    hashed_on = recorded_hashing(monkeypatch)
    authenticator.max_address_failures = 4
    sprayer = from_address("192.0.2.66")
    for number in range(4):  # a different unknown name each time: no one name is locked
        assert run(authenticator.authenticate(sprayer, {"username": f"guess{number}", "password": "x"})) is None
    hashed = len(hashed_on)
    for name in ("guess9", "ada"):
        assert run(authenticator.authenticate(sprayer, {"username": name, "password": password})) is None
    assert len(hashed_on) == hashed, "the address is locked: no hash is spent on it"
    assert run(authenticator.authenticate(from_address("192.0.2.10"), {"username": "ada", "password": password}))
    authenticator.max_attempts_per_minute = 2
    fast = from_address("192.0.2.77")
    for _ in range(2):
        run(authenticator.authenticate(fast, {"username": "ada", "password": "wrong"}))
    hashed = len(hashed_on)
    assert run(authenticator.authenticate(fast, {"username": "ada", "password": password})) is None
    assert len(hashed_on) == hashed, "past the rate, refused before hashing"
