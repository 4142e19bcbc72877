"""The one small HTTP helper of the host package: JSON over urllib, and a bounded poll
for a starting container's endpoint. Only the host's own published ports are asked, and
never through a proxy: http_proxy names one for the outside world, which would not reach
this host's loopback (and would see the runtime's token)."""

import json
import time
import urllib.error
import urllib.request

from localab.host.engine import Engine
from localab.host.errors import LocalabError

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy, whatever the environment says


def request_json(url: str, *, method: str = "GET", body=None, headers: dict | None = None,
                 timeout_s: float = 30) -> tuple[int, object]:
    """(status, parsed JSON or text); an HTTP error is a status, not an exception."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with _DIRECT.open(request, timeout=timeout_s) as response:
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _parse(exc.read())


def _parse(raw: bytes):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def answers(url: str, headers: dict | None = None, *, timeout_s: float = 2) -> bool:
    try:
        with _DIRECT.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout_s) as response:
            return response.status == 200
    except OSError:  # URLError and HTTPError included
        return False


def wait_answering(engine: Engine, container: str, url: str, *, headers: dict | None = None, timeout_s: float,
                   interval_s: float, what: str, clean=lambda tail: tail) -> float | None:
    """Poll a starting container's endpoint until it answers 200: seconds waited, or None
    at the deadline. A container that stops meanwhile raises with its last output."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if answers(url, headers):
            return time.monotonic() - started
        found = engine.container(container)
        if found is None or not found["State"].get("Running"):
            tail = b"".join(engine.logs(container, tail=20)).decode(errors="replace") if found else ""
            raise LocalabError(f"{what} stopped while starting; its last output:\n{clean(tail)}")
        time.sleep(interval_s)
    return None
