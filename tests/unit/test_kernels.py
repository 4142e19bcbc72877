"""localab/host/bench/kernels.py: JupyterClient.request against a tiny HTTP server on 127.0.0.1:
the status, the JSON both ways, and the token header only when asked."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from localab.host.bench.kernels import JupyterClient


class Handler(BaseHTTPRequestHandler):
    """Records each request; answers what the path asks for."""

    def log_message(self, *args):  # quiet
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                 "body": body})
        routes = {
            "/api/status": (200, "application/json", json.dumps({"started": "now", "kernels": 1}).encode()),
            "/api/kernels": (201, "application/json", json.dumps({"id": "k-1", "name": "python3"}).encode()),
            "/api/empty": (204, None, b""),
            "/api/missing": (404, "application/json", json.dumps({"message": "No such kernel"}).encode()),
            "/api/broken": (500, "text/html", b"<html>Internal error</html>"),
        }
        status, kind, payload = routes.get(self.path.split("?")[0], (418, "text/plain", b"teapot"))
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.fixture
def client(server, monkeypatch):
    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):  # straight to 127.0.0.1
        monkeypatch.delenv(proxy, raising=False)
    return JupyterClient(f"http://127.0.0.1:{server.server_address[1]}/", "s3cret", timeout_s=5)


def test_a_get_returns_the_status_and_the_parsed_json_with_the_token_header(server, client):
    assert client.request("GET", "/api/status") == (200, {"started": "now", "kernels": 1})
    [seen] = server.seen
    assert seen["method"] == "GET" and seen["path"] == "/api/status", "the base URL's trailing / is not doubled"
    assert seen["headers"]["Authorization"] == "token s3cret"
    assert seen["body"] == b""


def test_a_body_travels_as_json(server, client):
    status, body = client.request("POST", "/api/kernels", {"name": "python3", "n": [1, 2]})
    assert (status, body) == (201, {"id": "k-1", "name": "python3"})
    [seen] = server.seen
    assert seen["method"] == "POST" and json.loads(seen["body"]) == {"name": "python3", "n": [1, 2]}
    assert seen["headers"]["Content-Type"] == "application/json"


def test_without_the_token_no_authorization_header_is_sent(server, client):
    client.request("GET", "/api/status", token=False)
    assert "Authorization" not in server.seen[0]["headers"]


def test_an_empty_answer_is_none(client):
    assert client.request("DELETE", "/api/empty") == (204, None)


def test_an_http_error_returns_its_status_and_json_body_instead_of_raising(client):
    assert client.request("GET", "/api/missing") == (404, {"message": "No such kernel"})


def test_an_http_error_that_is_not_json_returns_its_text(client):
    assert client.request("GET", "/api/broken") == (500, "<html>Internal error</html>")


def test_start_kernel_returns_the_new_kernels_id_and_refuses_other_answers(server, client):
    assert client.start_kernel() == "k-1"
    assert json.loads(server.seen[0]["body"]) == {"name": "python3"}
    client.base_url += "/api/broken-prefix"
    with pytest.raises(RuntimeError, match="could not start a kernel: HTTP 418"):
        client.start_kernel()


def test_shutdown_kernel_deletes_it_with_the_token(server, client):
    client.shutdown_kernel("k-1")
    [seen] = server.seen
    assert (seen["method"], seen["path"], seen["headers"]["Authorization"]) == ("DELETE", "/api/kernels/k-1",
                                                                                "token s3cret")
