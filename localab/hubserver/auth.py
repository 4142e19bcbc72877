"""Users and passwords for localab's hub: a JSON file the host keeps (0600), mounted
read-only; only PBKDF2 hashes are in it. `localab hub.up` creates the first admin and
prints its password once; `localab hub.user --name NAME` adds people.

Logins are hashed off the event loop; an unknown name costs the same as a known one.
Failures are counted per name and client address, and per address: repeated failures
lock that name from that address (so nobody elsewhere can lock a person out), and an
address that keeps failing, or tries too fast, is refused for a while. Both are checked
before any hashing, so a refused attempt costs nothing. Each user has an `epoch` in the file: a
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
    max_failures = Integer(5, config=True, help="failed logins for one name from one address before it is locked")
    max_address_failures = Integer(20, config=True, help="failed logins from one address, any names, before it is locked")
    max_attempts_per_minute = Integer(30, config=True, help="logins one address may try in a minute, before hashing")
    failure_window_s = Float(900, config=True, help="failures older than this are forgotten")
    lockout_s = Float(300, config=True, help="how long a name (from an address) or an address stays locked")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._failures: dict[object, list[float]] = {}  # (name, address) and address -> failure times
        self._attempts: dict[str, list[float]] = {}  # address -> attempt times in the last minute
        self._dummy: str | None = None

    def users(self) -> dict:
        """Who may log in now (a removed user's entry stays in the file, to keep their epoch)."""
        try:
            with open(self.users_file) as handle:
                return {name: entry for name, entry in json.load(handle).items() if not entry.get("removed")}
        except (OSError, ValueError):
            self.log.error("cannot read %s: nobody can log in", self.users_file)
            return {}

    def locked(self, key, now: float, limit: int | None = None) -> bool:
        """`key` (a (name, address) pair, or an address) failed `limit` times within the
        window, the last one less than lockout_s ago."""
        recent = [t for t in self._failures.get(key, []) if now - t < max(self.failure_window_s, self.lockout_s)]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        in_window = [t for t in recent if now - t < self.failure_window_s]
        return len(in_window) >= (limit or self.max_failures) and now - recent[-1] < self.lockout_s

    def too_fast(self, address: str, now: float) -> bool:
        recent = [t for t in self._attempts.get(address, []) if now - t < 60] + [now]
        self._attempts[address] = recent
        return len(recent) > self.max_attempts_per_minute

    @staticmethod
    def address_of(handler) -> str:
        request = getattr(handler, "request", None)
        return getattr(request, "remote_ip", None) or "unknown"

    def dummy_hash(self) -> str:
        """A hash no password matches, at the same work factor: unknown names cost the same."""
        if self._dummy is None:
            self._dummy = hash_password(os.urandom(16).hex())
        return self._dummy

    async def authenticate(self, handler, data):
        name, password = str(data.get("username", "")), str(data.get("password", ""))
        address, now = self.address_of(handler), time.monotonic()
        if self.too_fast(address, now):
            self.log.warning("login from %s refused: more than %d tries a minute", address, self.max_attempts_per_minute)
            return None
        if self.locked(address, now, self.max_address_failures):
            self.log.warning("login from %s refused: locked after %d failures", address, self.max_address_failures)
            return None
        if self.locked((name, address), now):
            self.log.warning("login for %s from %s refused: locked after %d failures", name, address, self.max_failures)
            return None
        entry = self.users().get(name)
        stored = entry["hash"] if entry else await asyncio.to_thread(self.dummy_hash)
        matches = await asyncio.to_thread(check, password, stored)  # off the event loop
        if entry and matches:
            self._failures.pop((name, address), None)
            return {"name": name, "admin": bool(entry.get("admin")), "auth_state": {"epoch": entry.get("epoch", 0)}}
        for key in ((name, address), address):
            self._failures.setdefault(key, []).append(now)
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
