"""One environment everywhere in the runtime (issue 28, item 2): a kernel, the JupyterLab
Terminal (a login shell over its websocket), `docker exec ... bash -l`, `localab exec`
and `localab shell` all see the image's Python first, pip installing into the drive, the
same thread settings, and no token. Each through its real path."""

import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
import zipfile

import websocket

from localab.host.drive import owner
from tests.utils.runtime import ROOT

PROBE = ("import json, os, sys; print('ENV=' + json.dumps({'python': sys.executable, 'cwd': os.getcwd(), "
         "'threads': os.environ.get('OMP_NUM_THREADS'), 'userbase': os.environ.get('PYTHONUSERBASE'), "
         "'uid': os.getuid(), 'tokens': sorted(k for k in os.environ if 'TOKEN' in k)}))")


def probed(text: str) -> dict:
    """The probe's line (a terminal puts escape sequences before it; the echo of the typed
    command has no `ENV={`)."""
    found = re.search(r"ENV=(\{.*\})", text)
    assert found, f"no probe output in:\n{text[-2000:]}"
    return json.loads(found.group(1))


def tiny_wheel(folder) -> str:
    """A real wheel, made here: `pip install` of it needs no network."""
    name = "localab_tiny-0.1-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("localab_tiny.py", "VALUE = 42\n")
        wheel.writestr("localab_tiny-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: localab-tiny\nVersion: 0.1\n")
        wheel.writestr("localab_tiny-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                           "Tag: py3-none-any\n")
        wheel.writestr("localab_tiny-0.1.dist-info/RECORD", "")
    (folder / name).write_bytes(buffer.getvalue())
    return name


def terminal(runtime, lines: list[str], until: str, timeout_s: float = 120) -> str:
    """Type `lines` into a new JupyterLab Terminal and read it until `until` appears."""
    client = runtime.client()
    code, made = client.request("POST", "/api/terminals")
    assert code == 200, made
    ws = websocket.create_connection(f"ws://127.0.0.1:{runtime.port}/terminals/websocket/{made['name']}",
                                     header=[f"Authorization: token {client.token}"], timeout=10)
    seen, deadline = "", time.monotonic() + timeout_s
    try:
        for line in lines:
            ws.send(json.dumps(["stdin", line + "\r"]))
        while until not in seen and time.monotonic() < deadline:
            try:
                message = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if message[0] == "stdout":
                seen += message[1]
    finally:
        ws.close()
    assert until in seen, f"the Terminal never printed {until!r}:\n{seen[-3000:]}"
    return seen


def test_kernel_terminal_docker_exec_and_localab_exec_share_one_environment(runtime, engine):
    runtime.up()
    kernel = probed(runtime.client().run(PROBE).stdout)
    assert kernel["python"].startswith("/opt/venv/bin/python") and kernel["userbase"], kernel
    assert kernel["tokens"] == [], "no token in a kernel's environment"

    wheel = tiny_wheel(runtime.drive)
    seen = terminal(runtime, ["cd /content", "python -c " + shlex.quote(PROBE),
                              f"pip install --no-index --no-deps /content/drive/MyDrive/{wheel} && echo PIP-$((40 + 2))"],
                    "PIP-42")  # the output, not the echo of the line typed
    assert probed(seen.replace("\r", "")) == kernel, "the Terminal's login shell differs from the kernel"
    installed = list((runtime.drive / "localab" / "pip").rglob("localab_tiny.py"))
    assert installed, "pip in the Terminal installs into the drive, as !pip does"
    assert runtime.client().run("import localab_tiny; print(localab_tiny.VALUE)").stdout.strip() == "42"

    exec_login = subprocess.run(["docker", "exec", "-w", "/content", runtime.container, "bash", "-lc",
                                 "python -c " + shlex.quote(PROBE)], capture_output=True, text=True, timeout=120)
    assert exec_login.returncode == 0, exec_login.stderr
    assert probed(exec_login.stdout) == kernel, "docker exec ... bash -l differs from the kernel"

    ours = runtime.invoke("exec", "--name", runtime.name, "--", "python", "-c", PROBE)
    assert ours.returncode == 0, ours.stderr
    assert probed(ours.stdout) == {**kernel, "uid": owner()[0]}
    failed = runtime.invoke("exec", "--name", runtime.name, "--", "python", "-c", "import sys; sys.exit(3)")
    assert failed.returncode == 3, failed.stdout + failed.stderr
    quoted = runtime.invoke("exec", "--name", runtime.name, "--", "printf", "%s|", "two words", "$HOME", "a;b")
    assert quoted.stdout == "two words|$HOME|a;b|", "arguments reach the command as they were given"
    nothing = runtime.invoke("exec", "--name", runtime.name)
    assert nothing.returncode == 2 and "no command; put it after --" in nothing.stderr


def test_localab_shell_opens_a_login_shell_in_content_as_the_notebook_user(runtime):
    runtime.up()
    command = shlex.join([sys.executable, "-m", "invoke", "shell", "--name", runtime.name])
    typed = "pwd; id -u; command -v python; exit\n"
    done = subprocess.run(["script", "-qec", command, "/dev/null"], input=typed, capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, **runtime.env, "TERM": "dumb"})
    out = done.stdout.replace("\r", "")
    assert done.returncode == 0, out + done.stderr
    assert "/content\n" in out and f"\n{owner()[0]}\n" in out and "/opt/venv/bin/python" in out, out


def test_exec_and_shell_need_a_running_runtime(runtime):
    for verb in (["exec", "--name", runtime.name, "--", "true"], ["shell", "--name", runtime.name]):
        result = runtime.invoke(*verb)
        assert result.returncode == 2 and f"runtime '{runtime.name}' is not running" in result.stderr, result.stderr
