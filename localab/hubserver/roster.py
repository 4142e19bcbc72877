"""The users file's removals, resets and demotions, applied to the hub's database before
the hub serves. JupyterHub keeps honouring an API token whose owner's login went stale
(it can only force a fresh login on a cookie), so a change made while the hub was down
would leave the old tokens working: here every token made before the user's last change
is deleted, and a removed user's record goes with all of their tokens. With the hub up,
`localab hub.user` ends the tokens through the hub's API at once instead."""

import datetime
import json
import os

from jupyterhub import orm


def changed_at(entry: dict) -> datetime.datetime | None:
    """When the entry's epoch last moved, in the database's naive UTC."""
    since = entry.get("since")
    if not isinstance(since, (int, float)):
        return None
    return datetime.datetime.fromtimestamp(since, datetime.timezone.utc).replace(tzinfo=None)


def apply(database: str, users_file: str, log) -> None:
    if not (os.path.exists(database) and os.path.exists(users_file)):
        return  # the first start: nothing was issued yet
    with open(users_file) as handle:
        users = json.load(handle)
    session = orm.new_session_factory(f"sqlite:///{database}")()
    try:
        for name, entry in users.items():
            user = orm.User.find(session, name)
            cutoff = changed_at(entry)
            if user is None or cutoff is None:
                continue
            stale = [token for token in user.api_tokens if entry.get("removed") or token.created < cutoff]
            for token in stale:
                session.delete(token)
            if entry.get("removed"):
                session.delete(user)
                log.warning("hub user %s was removed while the hub was down: deleted with %d token(s)", name, len(stale))
            elif stale:
                log.warning("ended %d token(s) of %s made before their last reset or demotion", len(stale), name)
            if not entry.get("removed") and not entry.get("admin"):  # JupyterHub keeps the admin role it gave
                user.admin = False
                user.roles = [role for role in user.roles if role.name != "admin"]
        session.commit()
    finally:
        session.close()
