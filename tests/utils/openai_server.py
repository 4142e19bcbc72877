"""A small OpenAI-compatible model server for google.colab.ai's tests: /v1/models and
/v1/chat/completions (whole and streamed) as llama.cpp's server and Ollama answer them, a
404 for an unknown model, and a model "silent" that never answers. Standard library only:
the kernel test runs this module's source inside a runtime."""

import json
import time
from http.server import BaseHTTPRequestHandler

MODELS = ["tiny-llama", "qwen-0.5b"]


class OpenAICompatible(BaseHTTPRequestHandler):
    """/v1/models and /v1/chat/completions as llama.cpp's server and Ollama answer them."""

    seen: list = []

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": name, "object": "model"} for name in MODELS]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.path, self.headers.get("Authorization"), body))
        model = body["model"]
        if model == "silent":
            time.sleep(5)  # longer than the test's LOCALAB_AI_TIMEOUT
            return
        if model not in MODELS:
            self._send(404, {"error": {"message": f"model '{model}' not found", "type": "invalid_request_error"}})
            return
        words = ["Paris", " is", " the", " capital."]
        if not body.get("stream"):
            self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(words)}}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in words:
            chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
