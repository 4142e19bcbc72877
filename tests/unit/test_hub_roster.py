"""The hub's users file over removals, resets and demotions, and its changes applied to a
real JupyterHub database (JupyterHub's own ORM on SQLite) as the hub does before serving."""

import json
import logging
import time

from jupyterhub import orm

from localab.host.hub import users
from localab.host.hub.names import is_drive_of, users_file
from localab.hubserver import contract, roster


def test_a_removed_name_keeps_its_epoch_and_a_newcomer_starts_past_it(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path))
    users.add_user("dave", admin=True)
    users.add_user("dave")  # a reset
    assert users.read_users()["dave"]["epoch"] == 2 and users.read_users()["dave"]["admin"] is True
    assert users.remove_user("dave") and not users.remove_user("dave"), "removed once"
    left = users.read_users()["dave"]
    assert left["removed"] is True and left["epoch"] == 3 and "hash" not in left
    assert "dave" not in users.active_users()
    users.add_user("dave")
    again = users.read_users()["dave"]
    assert again["epoch"] == 4, "the old person's logins (epoch 2 or 3) are never valid again"
    assert again["admin"] is False, "a newcomer does not inherit the removed person's admin"
    assert contract.drive_volume("hub-drive-dave", again) == "hub-drive-dave.4", "nor their drive"
    users.add_user("dave")  # the newcomer's reset keeps their drive
    assert contract.drive_volume("hub-drive-dave", users.read_users()["dave"]) == "hub-drive-dave.4"
    assert is_drive_of("localab-drive-dave.4", "dave") and is_drive_of("localab-drive-dave", "dave")
    assert not is_drive_of("localab-drive-dave-x", "dave") and not is_drive_of("localab-drive-davey", "dave")


def test_a_demotion_moves_the_epoch_and_says_when(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path))
    users.add_user("erin", admin=True)
    before = time.time()
    users.set_admin("erin", False)
    entry = users.read_users()["erin"]
    assert entry["epoch"] == 2 and entry["admin"] is False and entry["since"] >= before
    users.set_admin("erin", True)
    assert users.read_users()["erin"]["epoch"] == 2, "a promotion ends nothing"


def database(path, names):
    session = orm.new_session_factory(f"sqlite:///{path}")()
    session.add(orm.OAuthClient(identifier="jupyterhub"))  # JupyterHub makes its own client at start
    made = {}
    for name in names:
        user = orm.User(name=name, admin=True)
        session.add(user)
        user.roles.append(orm.Role.find(session, "admin") or orm.Role(name="admin"))
        session.commit()
        made[name] = user.new_api_token(note="before")
    return session, made


def test_the_hub_database_loses_what_changed_while_the_hub_was_down(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    db = tmp_path / "jupyterhub.sqlite"
    session, tokens = database(db, ("dave", "erin", "fay", "oauth-user"))
    session.close()
    time.sleep(0.01)
    for name in ("dave", "erin", "fay"):
        users.add_user(name, admin=True)
    users.remove_user("dave")
    users.set_admin("erin", False)
    after = users.read_users()
    users.add_user("fay")  # fay reset her password: her old token ends, her new login's will not
    roster.apply(str(db), str(users_file()), logging.getLogger("test"))
    session = orm.new_session_factory(f"sqlite:///{db}")()
    assert orm.User.find(session, "dave") is None, "a removed user's record is gone"
    assert orm.APIToken.find(session, tokens["dave"]) is None, "and every token of theirs"
    erin = orm.User.find(session, "erin")
    assert erin.admin is False and "admin" not in [role.name for role in erin.roles]
    assert orm.APIToken.find(session, tokens["erin"]) is None
    assert orm.APIToken.find(session, tokens["fay"]) is None
    fresh = orm.User.find(session, "fay").new_api_token(note="after")
    oauth = orm.User.find(session, "oauth-user")
    assert oauth.admin is True and orm.APIToken.find(session, tokens["oauth-user"]), "a name not in the file is untouched"
    session.close()
    roster.apply(str(db), str(users_file()), logging.getLogger("test"))  # the next start
    session = orm.new_session_factory(f"sqlite:///{db}")()
    assert orm.APIToken.find(session, fresh), "a token made after the change survives later starts"
    assert json.loads(users_file().read_text())["erin"] == after["erin"]
