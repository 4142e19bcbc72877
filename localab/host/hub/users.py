"""The hub's users file: who may log in, their password hashes (never the passwords),
whether they are admins, and an epoch that a reset, demotion or removal moves (with the
time it moved, `since`) so their earlier logins and tokens end. A removed user stays as
{"removed": true, "epoch": N, "since": T}: the hub deletes them from its database at its
next start, and a newcomer given the name starts past their epoch, never inside the old
person's logins. Written only under the hub's lock, 0600."""

import json
import re
import secrets
import time

from localab.host.errors import UsageError
from localab.host.hub.names import api_token_file, crypt_key_file, hub_lock, users_file
from localab.host.paths import write_private
from localab.hubserver.passwords import hash_password

ADMIN = "admin"
_USER = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def read_users() -> dict:
    """Every entry, removed users' included."""
    return json.loads(users_file().read_text()) if users_file().is_file() else {}


def active_users() -> dict:
    return {name: entry for name, entry in read_users().items() if not entry.get("removed")}


def _moved(entry: dict) -> dict:
    """The entry's epoch moved on, now."""
    return {**entry, "epoch": entry.get("epoch", 0) + 1, "since": time.time()}


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
        keep_admin = before.get("admin", False) and not before.get("removed")
        password = secrets.token_urlsafe(12)
        entry = _moved({"hash": hash_password(password), "admin": keep_admin if admin is None else admin,
                        "epoch": before.get("epoch", 0)})
        if before.get("removed"):  # a newcomer under a removed name: a drive of their own, never the old one
            entry["drive_generation"] = entry["epoch"]
        elif "drive_generation" in before:
            entry["drive_generation"] = before["drive_generation"]
        users[name] = entry
        write_users(users)
    return password


def set_admin(name: str, admin: bool) -> None:
    """Promote or demote; a demotion ends the user's logins and tokens."""
    with hub_lock():
        users = read_users()
        if validate_user(name) not in active_users():
            raise UsageError(f"user: no hub user '{name}'; add one with `localab hub.user --name {name}`")
        users[name] = {**users[name], "admin": admin} if admin else _moved({**users[name], "admin": False})
        write_users(users)


def remove_user(name: str) -> bool:
    """Remove a user: their logins and tokens end; their drive volume is kept."""
    with hub_lock():
        users = read_users()
        entry = users.get(validate_user(name))
        if entry is None or entry.get("removed"):
            return False
        users[name] = _moved({"removed": True, "epoch": entry.get("epoch", 0)})
        write_users(users)
    return True


def first_run_files() -> str | None:
    """The admin (on the first run: its password, to say once) and the keys, made if missing;
    called under the hub's lock."""
    password = None
    if not users_file().is_file():
        password = secrets.token_urlsafe(12)
        write_users({ADMIN: {"hash": hash_password(password), "admin": True, "epoch": 1}})
    for key in (api_token_file(), crypt_key_file()):
        if not key.is_file():
            write_private(key, secrets.token_hex(32) + "\n")
    return password


def say_first_admin(password: str | None, say) -> None:
    if password:
        say(f"first run: created the hub's admin user '{ADMIN}' with password {password}  (shown once; "
            f"`localab hub.user --name {ADMIN}` makes a new one)")
