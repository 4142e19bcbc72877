"""Users and passwords for localab's hub: a JSON file the host keeps (0600), mounted
read-only; only PBKDF2 hashes are in it. `localab hub.up` creates the first admin and
prints its password once; `localab hub.user --name NAME` adds people.

Logins are hashed off the event loop; an unknown name costs the same as a known one;
repeated failures lock a name for a while. Each user has an `epoch` in the file: a
password reset, a demotion or a removal changes it, and `refresh_user` then ends every
login and API token made before (within `auth_refresh_age`)."""

import asyncio
import json
import os
import time

from jupyterhub.auth import Authenticator
from traitlets import Float, Integer, Unicode

from localab.hubserver import contract
from localab.hubserver.passwords import check, hash_password


class LocalabAuthenticator(Authenticator):
    users_file = Unicode(contract.USERS_FILE, config=True, help="the host's users file (read-only here)")
    max_failures = Integer(5, config=True, help="failed logins for one name before it is locked")
    failure_window_s = Float(900, config=True, help="failures older than this are forgotten")
    lockout_s = Float(300, config=True, help="how long a name stays locked after max_failures")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._failures: dict[str, list[float]] = {}
        self._dummy: str | None = None

    def users(self) -> dict:
        try:
            with open(self.users_file) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            self.log.error("cannot read %s: nobody can log in", self.users_file)
            return {}

    def locked(self, name: str, now: float) -> bool:
        recent = [t for t in self._failures.get(name, []) if now - t < max(self.failure_window_s, self.lockout_s)]
        self._failures[name] = recent
        in_window = [t for t in recent if now - t < self.failure_window_s]
        return len(in_window) >= self.max_failures and now - recent[-1] < self.lockout_s

    def dummy_hash(self) -> str:
        """A hash no password matches, at the same work factor: unknown names cost the same."""
        if self._dummy is None:
            self._dummy = hash_password(os.urandom(16).hex())
        return self._dummy

    async def authenticate(self, handler, data):
        name, password = str(data.get("username", "")), str(data.get("password", ""))
        now = time.monotonic()
        entry = self.users().get(name)
        stored = entry["hash"] if entry else await asyncio.to_thread(self.dummy_hash)
        matches = await asyncio.to_thread(check, password, stored)  # off the event loop
        if self.locked(name, now):
            self.log.warning("login for %s refused: locked after %d failures", name, self.max_failures)
            return None
        if entry and matches:
            self._failures.pop(name, None)
            return {"name": name, "admin": bool(entry.get("admin")), "auth_state": {"epoch": entry.get("epoch", 0)}}
        self._failures.setdefault(name, []).append(now)
        return None

    async def refresh_user(self, user, handler=None):
        """False ends a login (and its tokens) that the users file no longer supports."""
        entry = self.users().get(user.name)
        if entry is None:
            return False
        state = await user.get_auth_state() or {}
        if state.get("epoch") != entry.get("epoch", 0):
            return False
        return {"name": user.name, "admin": bool(entry.get("admin")), "auth_state": state}
