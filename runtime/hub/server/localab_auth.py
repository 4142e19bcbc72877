"""Users and passwords for localab's hub: a JSON file the host keeps (0600), mounted
read-only; only PBKDF2 hashes are in it. `invoke hub up` creates the first admin and
prints its password once; `invoke hub user NAME` adds people."""

import hashlib
import hmac
import json

from jupyterhub.auth import Authenticator
from traitlets import Unicode


def check(password: str, stored: str) -> bool:
    scheme, rounds, salt, digest = stored.split("$")
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds)).hex()
    return hmac.compare_digest(candidate, digest)


class LocalabAuthenticator(Authenticator):
    users_file = Unicode("/srv/localab/users/users.json", config=True, help="the host's users file (read-only here)")

    def users(self) -> dict:
        try:
            with open(self.users_file) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            self.log.error("cannot read %s: nobody can log in", self.users_file)
            return {}

    async def authenticate(self, handler, data):
        name, password = data.get("username", ""), data.get("password", "")
        entry = self.users().get(name)
        if entry and check(password, entry["hash"]):
            return {"name": name, "admin": bool(entry.get("admin"))}
        return None
