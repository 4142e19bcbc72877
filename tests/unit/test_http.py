"""The host's HTTP helper asks its own runtimes directly: a proxy named in the environment
(for the outside world, as behind a corporate proxy without no_proxy) never sees a request,
nor the token in it."""

import http.server
import threading

import pytest

from localab.host import http as host_http


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    """A runtime stand-in and a recording proxy, both on 127.0.0.1."""
    started = []
    for _ in range(2):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def test_no_request_to_the_runtime_goes_through_a_proxy(servers, monkeypatch):
    runtime, proxy = servers
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.server_port}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{runtime.server_port}/api/status"
    assert host_http.request_json(url, headers={"Authorization": "token secret"}) == (200, {"ok": True})
    assert host_http.answers(url, {"Authorization": "token secret"})
    assert proxy.seen == [], "the proxy saw the request (and the token)"
    assert runtime.seen == [("/api/status", "token secret")] * 2


def test_the_proxy_check_sees_a_proxied_request(servers, monkeypatch):
    """The test above proves nothing unless urllib, left to itself, would use that proxy."""
    import urllib.request

    runtime, proxy = servers
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with urllib.request.build_opener().open(f"http://127.0.0.1:{runtime.server_port}/x", timeout=10):
        pass
    assert proxy.seen and proxy.seen[0][0].endswith("/x")
