"""The runtime locked down, each promise a test (issue: reliability and security)."""

import urllib.error
import urllib.request

import pytest
import websocket

from tests.utils.runtime import Runtime, cpu_profile, invoke


def status_of(url: str, method: str = "GET") -> int:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_nothing_answers_without_the_token(runtime):
    runtime.up()
    base = f"http://127.0.0.1:{runtime.port}"
    for path, method in (("/api/contents", "GET"), ("/api/kernels", "GET"), ("/api/kernels", "POST"),
                         ("/api/terminals", "GET"), ("/api/terminals", "POST"), ("/api/sessions", "GET"),
                         ("/localab/status", "GET"), ("/files/sample_data/README.md", "GET")):
        assert status_of(base + path, method) in (302, 403), (path, method)
    assert status_of(base + "/lab") == 302, "the page sends a stranger to the login form"
    kernel = runtime.client().start_kernel()
    for path in (f"/api/kernels/{kernel}/channels", "/terminals/websocket/1"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(f"ws://127.0.0.1:{runtime.port}{path}", timeout=10)
        assert refused.value.status_code in (403, 404), path


def test_processes_inside_hold_no_capabilities_and_cannot_gain_any(runtime, engine):
    runtime.up()
    inside = runtime.client().run(
        "import re\nstatus = open('/proc/self/status').read()\n"
        "print(re.search(r'CapEff:\\s+(\\w+)', status).group(1), re.search(r'NoNewPrivs:\\s+(\\d)', status).group(1))\n"
        "import os; print(os.getuid(), os.path.exists('/var/run/docker.sock'), os.path.exists('/run/docker.sock'))")
    caps, no_new, uid, sock1, sock2 = inside.stdout.split()
    assert int(caps, 16) == 0 and no_new == "1" and uid != "0" and sock1 == sock2 == "False"


def test_no_host_path_but_the_drive_is_mounted(runtime, engine):
    runtime.up()
    mounts = engine.container(runtime.container)["Mounts"]
    assert [(m["Type"], m["Destination"]) for m in mounts] == [("bind", "/content/drive/MyDrive")]
    inside = runtime.client().run("print(open('/proc/self/mountinfo').read())").stdout
    fields = [line.split() for line in inside.splitlines() if line.strip()]
    # A bind mount of a host folder shows a root inside its filesystem other than "/".
    host_binds = [f[4] for f in fields if f[3] != "/" and not f[4].startswith(("/proc", "/dev", "/sys"))]
    allowed = {"/content/drive/MyDrive", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"}
    assert set(host_binds) <= allowed, host_binds


def test_a_fork_bomb_is_stopped_by_the_pids_limit(engine, cpu_image, tmp_path):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, pids=256))
    try:
        owned.url()
        bomb = owned.client().run(
            "import os, time\nchildren = []\ntry:\n    while True:\n        pid = os.fork()\n"
            "        if pid == 0:\n            time.sleep(60)\n            os._exit(0)\n        children.append(pid)\n"
            "except OSError as error:\n    print('stopped after', len(children), 'forks:', error.strerror)\n"
            "finally:\n    for pid in children:\n        os.kill(pid, 9)\n        os.waitpid(pid, 0)\n", timeout_s=120)
        assert bomb.status == "ok", bomb
        forks = int(bomb.stdout.split()[2])
        assert forks < 256 and "Resource temporarily unavailable" in bomb.stdout
        assert owned.client().run("print('alive')").stdout.strip() == "alive"
    finally:
        engine.remove(owned.container)


def test_a_symlink_made_inside_the_drive_reaches_nothing_on_the_host(runtime, tmp_path):
    host_file = tmp_path / "host-only.txt"
    host_file.write_text("host secret")
    runtime.up()
    inside = runtime.client().run(
        "import os\nos.symlink('" + str(host_file) + "', '/content/drive/MyDrive/escape')\n"
        "os.symlink('/etc/hostname', '/content/drive/MyDrive/hostname')\n"
        "print(os.path.exists('/content/drive/MyDrive/escape'), open('/content/drive/MyDrive/hostname').read().strip())")
    assert inside.stdout.split() == ["False", "localab"], "links resolve inside the container, never on the host"
    # localab's own host-side writes (bench results) refuse links planted in the drive.
    (runtime.drive / "localab").mkdir(exist_ok=True)
    (runtime.drive / "localab" / "bench").symlink_to(tmp_path)
    result = invoke("bench", "--workload", "storage", "--profile", "cpu", "--drive", str(runtime.drive))
    assert result.returncode == 1 and "is a symbolic link" in result.stderr
    assert host_file.read_text() == "host secret" and not list(tmp_path.glob("*-storage"))


def test_the_token_file_is_private_and_never_in_logs(runtime):
    url = runtime.up().stdout.strip().splitlines()[-1]
    token_file = runtime.state / "runtimes" / runtime.name / "token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.parent.stat().st_mode & 0o077 == 0
    logs = runtime.invoke("logs", "--name", runtime.name)
    assert url.split("token=")[1] not in logs.stdout + logs.stderr
