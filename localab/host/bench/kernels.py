"""A small client for a runtime's Jupyter Server, over its published loopback port:
REST for kernels and contents, the kernel websocket for executing code. Tests, the
startup and load benchmarks use it, exactly as the browser would reach the server."""

import json
import time
import uuid
from dataclasses import dataclass, field

from localab.host.http import request_json


@dataclass
class Execution:
    status: str = ""  # ok | error | timeout | died
    stdout: str = ""
    stderr: str = ""
    results: list[str] = field(default_factory=list)  # text/plain of execute_result and display_data
    data: list[dict] = field(default_factory=list)  # every mime bundle shown
    error: str = ""  # "Ename: evalue"

    @property
    def text(self) -> str:
        return self.stdout + self.stderr + "".join(self.results)


class JupyterClient:
    def __init__(self, base_url: str, token: str, *, timeout_s: float = 30):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s

    def request(self, method: str, path: str, body=None, *, token: bool = True) -> tuple[int, object]:
        headers = {"Authorization": f"token {self.token}"} if token else {}
        return request_json(self.base_url + path, method=method, body=body, headers=headers, timeout_s=self.timeout_s)

    def start_kernel(self, name: str = "python3") -> str:
        status, body = self.request("POST", "/api/kernels", {"name": name})
        if status != 201:
            raise RuntimeError(f"could not start a kernel: HTTP {status} {body}")
        return body["id"]

    def shutdown_kernel(self, kernel_id: str) -> None:
        self.request("DELETE", f"/api/kernels/{kernel_id}")

    def execute(self, kernel_id: str, code: str, *, timeout_s: float = 120) -> Execution:
        import websocket  # websocket-client

        ws_url = self.base_url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
        # The token travels in a header: JupyterHub's servers refuse it in the URL.
        connection = websocket.create_connection(ws_url, timeout=min(timeout_s, 30),
                                                 header=[f"Authorization: token {self.token}"])
        msg_id = uuid.uuid4().hex
        session = uuid.uuid4().hex
        connection.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "localab", "session": session, "msg_type": "execute_request",
                       "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        result = Execution()
        deadline = time.monotonic() + timeout_s
        replied = idle = False
        try:
            while not (replied and idle):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    result.status = "timeout"
                    return result
                connection.settimeout(remaining)
                try:
                    message = json.loads(connection.recv())
                except websocket.WebSocketTimeoutException:
                    continue
                if (message["header"]["msg_type"] == "status"
                        and message["content"]["execution_state"] in ("restarting", "dead")):
                    result.status = "died"  # the kernel process is gone (killed, e.g. for memory)
                    return result
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["header"]["msg_type"], message["content"]
                if kind == "stream":
                    if content["name"] == "stdout":
                        result.stdout += content["text"]
                    else:
                        result.stderr += content["text"]
                elif kind in ("execute_result", "display_data", "update_display_data"):
                    result.data.append(content["data"])
                    if "text/plain" in content["data"]:
                        result.results.append(content["data"]["text/plain"])
                elif kind == "error":
                    result.error = f"{content['ename']}: {content['evalue']}"
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
                    result.status = content["status"]
        finally:
            connection.close()
        return result

    def run(self, code: str, *, timeout_s: float = 120) -> Execution:
        """Execute code in a fresh kernel, then shut it down."""
        kernel = self.start_kernel()
        try:
            return self.execute(kernel, code, timeout_s=timeout_s)
        finally:
            self.shutdown_kernel(kernel)
