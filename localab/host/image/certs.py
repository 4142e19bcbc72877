"""The host's CA bundle and proxy settings, for builds and runtimes behind a
TLS-intercepting (corporate) proxy."""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from localab.host.errors import UsageError

CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s.+?-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True)
class CaBundle:
    path: Path
    source: str  # where it was named, e.g. "SSL_CERT_FILE" or "pip config global.cert"
    certificates: tuple[bytes, ...]


def pip_configured_cert() -> str | None:
    """pip's own `cert` setting (pip.conf), as `pip config list` reports it."""
    try:
        listing = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return cert_from_listing(listing)


def cert_from_listing(listing: str) -> str | None:
    found = re.search(r"^[\w:.-]*\.cert='([^']+)'", listing, re.M)
    return found.group(1) if found else None


def find_ca_bundle(environ=os.environ, pip_cert=pip_configured_cert) -> CaBundle | None:
    """The first CA bundle the environment names, or None when none is named."""
    named = [(var, environ.get(var)) for var in CA_VARIABLES]
    source, value = next(((var, val) for var, val in named if val), (None, None))
    if value is None:
        value = pip_cert()
        source = "pip config cert"
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise UsageError(
            f"{source}: '{value}' does not exist; point it at your proxy's CA bundle (a PEM file) or unset it"
        )
    certificates = tuple(_PEM.findall(path.read_bytes()))
    if not certificates:
        raise UsageError(f"{source}: '{value}' holds no PEM certificate; name a PEM CA bundle or unset it")
    return CaBundle(path, source, certificates)


def proxy_settings(environ=os.environ) -> dict[str, str]:
    """Proxy variables to pass to builds (Docker's predefined build arguments) and runtimes."""
    return {name: environ[name] for name in PROXY_VARIABLES if environ.get(name)}
