"""The runtime locked down, each promise a test (issue: reliability and security)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import requests
import websocket

from tests.utils.runtime import ROOT, Runtime, cpu_profile, free_port, invoke, wait_for


def status_of(url: str, method: str = "GET") -> int:
    """The HTTP status a request gets; 0 when nothing answers (yet)."""
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:  # refused, or closed while the server starts
        return 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def forged_post(base: str, path: str) -> int:
    """A POST with a valid XSRF cookie and header but no token: only a missing token can
    refuse it, so the answer shows whether the server requires one."""
    session = requests.Session()
    session.get(f"{base}/login", timeout=10)
    xsrf = session.cookies.get("_xsrf")
    assert xsrf, "the login page sets an _xsrf cookie"
    return session.post(base + path, json={}, headers={"X-XSRFToken": xsrf}, timeout=10,
                        allow_redirects=False).status_code


def unauthenticated(base: str, ws_base: str, terminal: str) -> dict:
    """Every door tried without the token; the values are what each answered."""
    answers = {path: status_of(base + path) for path in ("/api/contents", "/api/kernels", "/api/terminals",
                                                          "/api/sessions", "/localab/status",
                                                          "/files/sample_data/README.md")}
    answers.update({f"POST {path}": forged_post(base, path) for path in ("/api/kernels", "/api/terminals",
                                                                          "/api/contents")})
    try:
        websocket.create_connection(f"{ws_base}/terminals/websocket/{terminal}", timeout=10).close()
        answers["terminal websocket"] = 101
    except websocket.WebSocketBadStatusException as refused:
        answers["terminal websocket"] = refused.status_code
    return answers


def test_nothing_answers_without_the_token(runtime):
    runtime.up()
    base = f"http://127.0.0.1:{runtime.port}"
    code, terminal = runtime.client().request("POST", "/api/terminals", {})
    assert code == 200, terminal
    answers = unauthenticated(base, f"ws://127.0.0.1:{runtime.port}", terminal["name"])
    # A page (not the API) sends a stranger to the login form instead.
    refused = {key: code for key, code in answers.items() if code != (302 if key.startswith("/files") else 403)}
    assert refused == {}, answers
    assert status_of(base + "/lab") == 302, "the page sends a stranger to the login form"
    kernel = runtime.client().start_kernel()
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"ws://127.0.0.1:{runtime.port}/api/kernels/{kernel}/channels", timeout=10)
    assert refused.value.status_code == 403


def test_the_same_probes_find_a_server_that_requires_no_token(engine, tf_image, tmp_path):
    """The test above proves something only if its probes notice an open server: here is one."""
    port = free_port()
    container = engine._client.containers.run(
        "localab:tf", ["--IdentityProvider.token=", "--ServerApp.password="], detach=True,
        ports={"8888/tcp": ("127.0.0.1", port)}, user="1000:100")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: status_of(base + "/api/status") == 200, timeout_s=120, what="the open server")
        terminal = requests.post(base + "/api/terminals", timeout=10)
        name = terminal.json()["name"] if terminal.status_code == 200 else "1"
        answers = unauthenticated(base, f"ws://127.0.0.1:{port}", name)
        assert answers["/api/contents"] == 200 and answers["terminal websocket"] == 101, answers
        forged = {key: code for key, code in answers.items() if key.startswith("POST")}
        assert forged == {"POST /api/kernels": 201, "POST /api/terminals": 200, "POST /api/contents": 201}, \
            "the forged POST (XSRF cookie and header, no token) is let in by a server that wants no token"
    finally:
        container.remove(force=True)


def test_processes_inside_hold_no_capabilities_and_cannot_gain_any(runtime, engine):
    runtime.up()
    inside = runtime.client().run(
        "import re\nstatus = open('/proc/self/status').read()\n"
        "print(*(re.search(rf'{key}:\\s+(\\w+)', status).group(1) for key in "
        "('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs')))\n"
        "import os, stat; print(os.getuid(), os.path.exists('/var/run/docker.sock'), os.path.exists('/run/docker.sock'),"
        " oct(os.stat('/etc/passwd').st_mode & 0o777), os.access('/etc/passwd', os.W_OK))")
    inh, prm, eff, bnd, amb, no_new, uid, sock1, sock2, passwd_mode, passwd_writable = inside.stdout.split()
    # CapEff is 0 for any process that is not root; the bounding and ambient sets are
    # what a setuid binary or a capability-aware exec could still reach.
    assert all(int(value, 16) == 0 for value in (inh, prm, eff, bnd, amb)), inside.stdout
    assert no_new == "1" and uid != "0" and sock1 == sock2 == "False"
    assert passwd_mode == "0o644" and passwd_writable == "False", "/etc/passwd belongs to root alone"
    whoami = runtime.client().run("import subprocess; print(subprocess.run(['whoami'], capture_output=True, "
                                  "text=True).stdout.strip())").stdout.strip()
    assert whoami.startswith("colab") or whoami == "colab", whoami
    sudo = runtime.client().run("import subprocess; done = subprocess.run(['sudo', '-n', 'id', '-u'], "
                                "capture_output=True, text=True); print(done.returncode, done.stdout.strip() or '-')")
    code, out = sudo.stdout.split()
    assert code != "0" and out == "-", "sudo is in the image for --sudo runtimes; this one cannot use it"


def test_no_host_path_but_the_drive_is_mounted(runtime, engine):
    runtime.up()
    mounts = engine.container(runtime.container)["Mounts"]
    assert sorted((m["Type"], m["Destination"], m["RW"]) for m in mounts) == [
        ("bind", "/content/drive/MyDrive", True), ("bind", "/run/localab/drive-readonly", False),
        ("bind", "/run/localab/token", False)]
    inside = runtime.client().run("print(open('/proc/self/mountinfo').read())").stdout
    fields = [line.split() for line in inside.splitlines() if line.strip()]
    # A bind mount of a host folder shows a root inside its filesystem other than "/".
    host_binds = [f[4] for f in fields if f[3] != "/" and not f[4].startswith(("/proc", "/dev", "/sys"))]
    allowed = {"/content/drive/MyDrive", "/run/localab/drive-readonly", "/run/localab/token", "/etc/resolv.conf",
               "/etc/hostname", "/etc/hosts"}
    assert set(host_binds) <= allowed, host_binds


def test_a_fork_bomb_is_stopped_by_the_pids_limit(engine, tf_image, tmp_path):
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


def test_the_token_is_a_private_file_and_nowhere_else(runtime, engine):
    url = runtime.up().stdout.strip().splitlines()[-1]
    token = url.split("token=")[1]
    token_file = runtime.state / "runtimes" / runtime.name / "token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.parent.stat().st_mode & 0o077 == 0
    inspected = engine.container(runtime.container)
    assert token not in json.dumps(inspected), "docker inspect shows no token"
    inside = runtime.client().run(
        "import os, subprocess\nprint(sorted(k for k in os.environ if 'TOKEN' in k))\n"
        "print(subprocess.run(['sh', '-c', 'env'], capture_output=True, text=True).stdout.count('TOKEN'))")
    names, in_shell = inside.stdout.split("\n")[:2]
    assert names == "[]" and in_shell == "0", inside.stdout
    assert token not in runtime.client().run("import os; print(dict(os.environ))").stdout


def test_a_token_written_into_the_log_is_masked_followed_or_not(runtime):
    url = runtime.up().stdout.strip().splitlines()[-1]
    token = url.split("token=")[1]
    follower = subprocess.Popen([sys.executable, "-m", "invoke", "logs", "--follow", "--name", runtime.name],
                                cwd=ROOT, env={**os.environ, **runtime.env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    try:
        # A cell writes the token into the container's own output, as a careless library might.
        wrote = runtime.client().run("open('/proc/1/fd/1', 'w').write('leaked ' + open('/run/localab/token').read()"
                                     " + '\\n')")
        assert wrote.status == "ok", wrote
        logs = runtime.invoke("logs", "--name", runtime.name)
        assert "leaked <token>" in logs.stdout and token not in logs.stdout + logs.stderr
        time.sleep(2)  # let the follower print what arrived
    finally:
        follower.terminate()
        followed, _ = follower.communicate(timeout=30)
    assert "leaked <token>" in followed and token not in followed


def test_listen_publishes_where_it_is_told_and_refuses_what_is_not_an_address(runtime):
    url = runtime.up("--listen", "127.0.0.2").stdout.strip().splitlines()[-1]
    assert url.startswith(f"http://127.0.0.2:{runtime.port}/lab?token=")
    assert status_of(f"http://127.0.0.2:{runtime.port}/api/status") == 403
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{runtime.port}/api/status", timeout=5)
    for bad in ("localhost", "", "1.2.3", "::g"):
        result = runtime.invoke("up", "--name", runtime.name + "x", "--listen", bad, "--flavour", "tf", "--drive", str(runtime.drive))
        assert result.returncode == 2 and result.stderr.startswith("localab: listen: "), (bad, result.stderr)


COLAB = "https://colab.research.google.com"


def origin_checks(runtime, origin: str) -> dict:
    """What a page at `origin` gets from a browser that has logged in (a session cookie,
    no token in the request): the CORS answers to a preflight and a credentialed contents
    request, and whether the kernel websocket lets it in. (A request that carries the
    token itself is answered from any origin: the token is the secret.)"""
    base = f"http://127.0.0.1:{runtime.port}"
    session = requests.Session()
    session.get(f"{base}/login?token={runtime.client().token}", timeout=10)
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)
    preflight = session.options(f"{base}/api/contents", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET"})
    contents = session.get(f"{base}/api/contents", timeout=10, headers={"Origin": origin})
    kernel = runtime.client().start_kernel()
    try:
        websocket.create_connection(f"ws://127.0.0.1:{runtime.port}/api/kernels/{kernel}/channels", timeout=10,
                                    cookie=cookies, origin=origin).close()
        socket_status = 101
    except websocket.WebSocketBadStatusException as refused:
        socket_status = refused.status_code
    return {"preflight_origin": preflight.headers.get("Access-Control-Allow-Origin"),
            "credentials": contents.headers.get("Access-Control-Allow-Credentials"),
            "contents": contents.status_code, "contents_origin": contents.headers.get("Access-Control-Allow-Origin"),
            "websocket": socket_status}


def test_colabs_page_may_connect_with_colab_frontend_and_no_other_origin(runtime):
    printed = runtime.up("--colab-frontend").stdout
    assert f"Connect to a local runtime -> http://localhost:{runtime.port}/?token=" in printed
    colab = origin_checks(runtime, COLAB)
    assert colab == {"preflight_origin": COLAB, "credentials": "true", "contents": 200, "contents_origin": COLAB,
                     "websocket": 101}, colab
    other = origin_checks(runtime, "https://evil.example")
    assert other["websocket"] == 403 and other["contents_origin"] in (None, COLAB), other


def test_without_colab_frontend_colabs_page_is_refused(runtime):
    runtime.up()
    colab = origin_checks(runtime, COLAB)
    assert colab["websocket"] == 403 and colab["contents_origin"] is None and colab["credentials"] is None, colab


def test_colab_frontend_with_a_network_address_is_refused(runtime, engine):
    result = runtime.up("--colab-frontend", "--listen", "0.0.0.0", check=False)
    assert result.returncode == 2 and "colab-frontend: refused with --listen 0.0.0.0" in result.stderr
    assert engine.container(runtime.container) is None, "nothing started"


def test_up_status_and_down_never_send_the_token_through_a_proxy(engine, tf_image, tmp_path):
    """Behind a corporate proxy without no_proxy: the host's requests to its own runtime
    (the readiness wait, status, the page's save before down) go straight to loopback."""
    import http.server
    import threading

    seen = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_error(502, "a proxy that cannot reach the host's loopback")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

        def log_message(self, *args):
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_port}"
    env = {name: url for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY")}
    owned = Runtime(tmp_path, env={**env, "no_proxy": "", "NO_PROXY": ""})
    try:
        owned.up()
        status = owned.invoke("status", "--name", owned.name)
        assert status.returncode == 0 and "running" in status.stdout, status.stdout + status.stderr
        down = owned.invoke("down", "--name", owned.name)
        assert down.returncode == 0, down.stdout + down.stderr
    finally:
        engine.remove(owned.container)
        proxy.shutdown()
        proxy.server_close()
    assert seen == [], f"the proxy was asked: {seen}"
