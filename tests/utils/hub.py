"""A hub a test starts through `localab hub.*`, and a person's way in: its own login page,
then a token from its REST API."""

import json
import re
import subprocess
import time
import uuid
from pathlib import Path

import requests

from localab.host.bench.kernels import JupyterClient
from tests.utils.runtime import free_port, invoke

NAME = f"localab-hubtest-{uuid.uuid4().hex[:6]}"


class Hub:
    def __init__(self, tmp_path, env=None, port=None, describe=None):
        # what a failed or slow spawn's message adds: by default the hub container's last lines
        self.describe = describe or (lambda: subprocess.run(["docker", "logs", "--tail", "40", self.env["LOCALAB_HUB_NAME"]],
                                                            capture_output=True, text=True, timeout=60).stderr)
        self.port = port or free_port()
        self.env = {"LOCALAB_STATE_DIR": str(tmp_path / "state"), "LOCALAB_HUB_NAME": NAME, **(env or {})}
        self.url = f"http://127.0.0.1:{self.port}"

    def invoke(self, *args, **kwargs):
        return invoke(f"hub.{args[0]}", *args[1:], env=self.env, timeout=1800, **kwargs)

    def up(self, profile="cpu", *extra):
        result = self.invoke("up", "--port", str(self.port), "--profile", profile, *extra)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        return result.stdout

    def user(self, name: str) -> str:
        result = self.invoke("user", "--name", name)
        assert result.returncode == 0, result.stderr
        return re.search(r"password (\S+)", result.stdout).group(1)

    def login(self, name: str, password: str) -> str:
        """Log in through the hub's own form, then ask its REST API for a token."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=30)
        xsrf = session.cookies.get("_xsrf")
        answer = session.post(f"{self.url}/hub/login", data={"username": name, "password": password, "_xsrf": xsrf},
                              allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text[:500]
        session.get(f"{self.url}/hub/home", timeout=30)  # the hub issues a fresh _xsrf cookie once logged in
        xsrf = [c.value for c in session.cookies if c.name == "_xsrf"][-1]
        token = session.post(f"{self.url}/hub/api/users/{name}/tokens", headers={"X-XSRFToken": xsrf},
                             json={"note": "localab test"}, timeout=30)
        assert token.status_code in (200, 201), token.text
        return token.json()["token"]

    def api_token(self) -> str:
        return (Path(self.env["LOCALAB_STATE_DIR"]) / "hub" / "keys" / "api-token").read_text().strip()

    def api(self, method, path, token, **kwargs):
        return requests.request(method, f"{self.url}/hub/api{path}", headers={"Authorization": f"token {token}"},
                                timeout=30, **kwargs)

    def start(self, name: str, token: str, profile="cpu", timeout_s: float = 300) -> JupyterClient:
        """Ask for NAME's server and follow the hub's own progress events until it is ready; a
        failed spawn is the hub's message at once, a slow one names the last step it reached."""
        answer = self.api("POST", f"/users/{name}/server", token, json={"profile": profile})
        assert answer.status_code in (201, 202), answer.text
        events = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for event in self.progress(name, token, until=deadline):
                events.append(event.get("message", ""))
                if event.get("ready"):
                    return JupyterClient(f"{self.url}/user/{name}", token)
                if event.get("failed"):
                    raise AssertionError(f"{name}'s spawn failed: {events}\n{self.describe()}")
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {name}'s server; "
                             f"the hub's progress said: {events}\n{self.describe()}")

    def progress(self, name: str, token: str, until: float):
        """The hub's spawn progress events for NAME's server (an event stream), up to `until`."""
        with requests.get(f"{self.url}/hub/api/users/{name}/server/progress", stream=True, timeout=(10, 30),
                          headers={"Authorization": f"token {token}"}) as answer:
            if answer.status_code != 200:
                return
            for line in answer.iter_lines(decode_unicode=True):
                if line.startswith("data:"):
                    yield json.loads(line[len("data:"):])
                if time.monotonic() > until:
                    return
