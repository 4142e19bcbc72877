"""Host ports for the runtime: validated, checked free, published on loopback."""

import ipaddress
import socket

from localab.guest import contract
from localab.host.errors import UsageError

DEFAULT_PORT = contract.PORT  # the host port people expect for Jupyter is the one inside
SEARCH_SPAN = 100
LOOPBACK = "127.0.0.1"


def validate(port, field: str = "port") -> int:
    try:
        number = int(port)
    except (TypeError, ValueError):
        number = -1
    if str(port).strip() != str(number) or not 1 <= number <= 65535:
        raise UsageError(f"{field}: '{port}' is not a TCP port; use a number from 1 to 65535")
    return number


def validate_listen(address) -> str:
    """A host address to publish on: an IP address literal (a name could resolve anywhere)."""
    try:
        return str(ipaddress.ip_address(str(address).strip())) if str(address) == str(address).strip() else _bad(address)
    except ValueError:
        return _bad(address)


def _bad(address) -> str:
    hint = "; for this machine only, use 127.0.0.1" if str(address).strip().lower() == "localhost" else ""
    raise UsageError(f"listen: '{address}' is not an IP address; use 127.0.0.1 (the default), ::1, "
                     f"or an address of this host{hint}")


def is_free(port: int, address: str = LOOPBACK) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Connections that just closed linger in TIME_WAIT; only a listener makes a port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def choose(requested, *, default: int = DEFAULT_PORT, address: str = LOOPBACK, say=print, is_free=is_free) -> int:
    """An explicit port must be free; otherwise the default, or the next free one (said)."""
    if requested is not None:
        port = validate(requested)
        if not is_free(port, address):
            raise UsageError(f"port: {port} is already in use on {address}; pick another with --port, or leave it out")
        return port
    for port in range(default, default + SEARCH_SPAN):
        if is_free(port, address):
            if port != default:
                say(f"port {default} is busy; using {port}")
            return port
    raise UsageError(f"port: {default}-{default + SEARCH_SPAN - 1} are all in use; pick one with --port")


def reachable(address: str) -> str:
    """Where this host reaches a port published on `address` (all interfaces -> loopback)."""
    return {"0.0.0.0": LOOPBACK, "::": "::1", "": LOOPBACK}.get(address, address)


def url_host(address: str) -> str:
    """An address as a URL's host: IPv6 in brackets."""
    return f"[{address}]" if ":" in address else address
