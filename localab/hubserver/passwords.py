"""Password hashes for the hub's users file: written by the host (`localab hub.user`),
checked by the hub's authenticator. Standard library only, so both sides import it."""

import hashlib
import hmac
import os

ROUNDS = 600_000  # PBKDF2-HMAC-SHA256, OWASP's figure for 2023 and later


def hash_password(password: str, salt: bytes | None = None, rounds: int = ROUNDS) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest}"


def check(password: str, stored: str) -> bool:
    """Does `password` match `stored`? Hashes written with fewer rounds still check."""
    try:
        scheme, rounds, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(candidate, digest)
