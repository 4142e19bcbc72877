"""The hub's users file: who may log in, their password hashes (never the passwords),
whether they are admins, and an epoch that a reset, demotion or removal moves so their
earlier logins end. Written only under the hub's lock, 0600."""

import json
import re
import secrets

from localab.host.errors import UsageError
from localab.host.hub.names import hub_lock, users_file
from localab.host.paths import write_private
from localab.hubserver.passwords import hash_password

ADMIN = "admin"
_USER = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def read_users() -> dict:
    return json.loads(users_file().read_text()) if users_file().is_file() else {}


def write_users(users: dict) -> None:
    write_private(users_file(), json.dumps(users, indent=2) + "\n")


def validate_user(name: str) -> str:
    if not _USER.fullmatch(name or ""):
        raise UsageError(f"user: '{name}' is not a hub user name; use lowercase letters, digits, '-' or '_' (at most 32)")
    return name


def add_user(name: str, *, admin: bool | None = None) -> str:
    """Create a hub user or reset one's password (which ends their logins and tokens);
    returns the new password (shown once, never stored). `admin`: None keeps it."""
    validate_user(name)
    with hub_lock():
        users = read_users()
        before = users.get(name, {})
        password = secrets.token_urlsafe(12)
        users[name] = {"hash": hash_password(password), "admin": before.get("admin", False) if admin is None else admin,
                       "epoch": before.get("epoch", 0) + 1}
        write_users(users)
    return password


def set_admin(name: str, admin: bool) -> None:
    """Promote or demote; a demotion ends the user's logins and tokens."""
    with hub_lock():
        users = read_users()
        if validate_user(name) not in users:
            raise UsageError(f"user: no hub user '{name}'; add one with `localab hub.user --name {name}`")
        users[name] = {**users[name], "admin": admin, "epoch": users[name].get("epoch", 0) + (0 if admin else 1)}
        write_users(users)


def remove_user(name: str) -> bool:
    """Remove a user: their logins and tokens end; their drive volume is kept."""
    with hub_lock():
        users = read_users()
        if users.pop(validate_user(name), None) is None:
            return False
        write_users(users)
    return True
