"""`localab up` and friends against the real engine and image (issue: the runtime)."""

import json
import os
import pwd
import socket
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from localab.host import profiles
from tests.utils.runtime import Runtime, cpu_profile, engine_snapshot, invoke


def http_status(url: str, headers=None, method="GET") -> int:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_up_status_down(runtime, engine):
    result = runtime.up()
    url = result.stdout.strip().splitlines()[-1]
    assert url.startswith(f"http://127.0.0.1:{runtime.port}/lab?token=")
    token = url.split("token=")[1]
    assert http_status(f"http://127.0.0.1:{runtime.port}/api/status", {"Authorization": f"token {token}"}) == 200

    status = runtime.status()
    assert status["state"] == "running" and status["url"] == url.split("?")[0] and status["profile"] == "cpu"
    assert status["token"] is None and token not in json.dumps(status), "the token only when asked"
    shown = json.loads(runtime.invoke("status", "--name", runtime.name, "--json", "--show-token").stdout)
    assert shown["login_url"] == url and shown["server"] == f"http://127.0.0.1:{runtime.port}/"
    assert status["container"] == runtime.container and status["drive"] == str(runtime.drive)
    assert status["expires_at"] > status["started_at"]
    cpu = profiles.load().get("cpu")
    caps = status["caps"]
    assert caps["memory_bytes"] == caps["memory_swap_bytes"] == cpu.memory_bytes
    assert caps["nano_cpus"] == int(cpu.cpus * 1e9)
    assert caps["shm_bytes"] == cpu.shm_bytes and caps["pids_limit"] == cpu.pids_limit and caps["gpus"] == 0
    assert status["memory_used_bytes"] > 0 and status["scratch_free_bytes"] > 0

    human = runtime.invoke("status", "--name", runtime.name)
    assert f"runtime '{runtime.name}': running" in human.stdout and "scratch" in human.stdout
    assert token not in human.stdout and "VS Code" in human.stdout

    reset = runtime.invoke("reset", "--name", runtime.name, "--yes")
    assert reset.returncode == 0 and reset.stdout.strip().splitlines()[-1] == url, "reset keeps the token"

    down = runtime.invoke("down", "--name", runtime.name)
    assert down.returncode == 0 and "drive is kept" in down.stdout
    assert engine.container(runtime.container) is None
    assert runtime.drive.is_dir()
    assert runtime.status()["state"] == "absent"
    again = runtime.up()
    assert again.stdout.strip().splitlines()[-1] == url, "up after down: the same URL, saved IDE connections work"
    rotated = runtime.up("--new-token").stdout.strip().splitlines()[-1]
    assert rotated != url and rotated.startswith(f"http://127.0.0.1:{runtime.port}/lab?token=")


def test_the_engine_applies_the_profiles_caps(runtime, engine):
    runtime.up()
    host = engine.container(runtime.container)["HostConfig"]
    cpu = profiles.load().get("cpu")
    assert host["Memory"] == host["MemorySwap"] == cpu.memory_bytes
    assert host["NanoCpus"] == int(cpu.cpus * 1e9) and host["ShmSize"] == cpu.shm_bytes
    assert host["PidsLimit"] == cpu.pids_limit
    assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
    assert host["PortBindings"]["8888/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(runtime.port)}]
    binds = [m for m in engine.container(runtime.container)["Mounts"]]
    token_file = runtime.state / "runtimes" / runtime.name / "token"
    # Root binds the drive folder it opened and checked (pinned in its state folder), not a path a link could replace.
    drive = runtime.state / "drive-views" / runtime.name / "folder" if os.geteuid() == 0 else runtime.drive
    assert sorted((m["Source"], m["Destination"], m["RW"]) for m in binds) == sorted([
        (str(drive), "/content/drive/MyDrive", True), (str(drive), "/run/localab/drive-readonly", False),
        (str(token_file), "/run/localab/token", False)])
    inside = runtime.client().run(
        "import os, pathlib\n"
        "print(os.getuid() != 0, os.environ['OMP_NUM_THREADS'], os.getcwd())\n"
        "print(pathlib.Path('/sys/fs/cgroup/memory/memory.limit_in_bytes').read_text().strip() "
        "if pathlib.Path('/sys/fs/cgroup/memory').is_dir() else pathlib.Path('/sys/fs/cgroup/memory.max').read_text().strip())\n"
        "print(os.environ['KERAS_HOME'], os.environ['PIP_CACHE_DIR'])\n"
        "print(sorted(os.listdir('/content/sample_data')))\n"
        "print(os.path.exists('/var/run/docker.sock'))\n"
        "print(any('libtcmalloc_minimal' in line for line in open('/proc/self/maps')))\n"
    )
    assert inside.status == "ok", inside.error
    lines = inside.stdout.splitlines()
    assert lines[0] == "True 2 /content"
    assert int(lines[1]) == cpu.memory_bytes // 4096 * 4096  # the kernel keeps whole pages
    assert lines[2] == "/content/drive/MyDrive/localab/cache/keras /content/drive/MyDrive/localab/cache/pip"
    assert "iris.csv" in lines[3] and "README.md" in lines[3]
    assert lines[4] == "False"
    assert lines[5] == "True", "the kernel runs on tcmalloc, preloaded by the entry process"


def test_a_second_up_reuses_the_runtime(runtime):
    first = runtime.up().stdout.strip().splitlines()[-1]
    again = runtime.up()
    assert again.stdout.strip().splitlines()[-1] == first
    assert "already up; reusing it" in again.stdout
    other = runtime.up("--recreate").stdout.strip().splitlines()[-1]
    assert other == first, "a recreated runtime keeps its token (saved IDE connections keep working)"


def test_switching_profile_while_up_points_at_recreate(runtime):
    runtime.up()
    result = runtime.invoke("up", "--name", runtime.name, "--profile", "free", "--flavour", "tf", "--drive", str(runtime.drive))
    assert result.returncode == 2 and "--recreate" in result.stderr and "Traceback" not in result.stderr


def test_requests_without_the_token_are_refused(runtime):
    runtime.up()
    base = f"http://127.0.0.1:{runtime.port}"
    assert http_status(f"{base}/api/contents") == 403
    assert http_status(f"{base}/api/kernels", method="POST") == 403
    assert http_status(f"{base}/api/contents", {"Authorization": "token wrong"}) == 403
    request = urllib.request.Request(f"{base}/lab")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=10)
    assert refused.value.code == 302, f"/lab without a token answers {refused.value.code}, not a redirect"
    location = refused.value.headers.get("Location")
    assert location, "the redirect names where to go"
    assert urllib.parse.urlsplit(location).path.endswith("/login"), location


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_reset_wipes_scratch_and_keeps_the_drive(runtime):
    runtime.up()
    wrote = runtime.client().run(
        "open('/content/scratch.txt', 'w').write('lost'); open('/content/drive/MyDrive/keep.txt', 'w').write('kept')")
    assert wrote.status == "ok", wrote.error
    refused = runtime.invoke("reset", "--name", runtime.name, input="")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    result = runtime.invoke("reset", "--name", runtime.name, "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith(f"http://127.0.0.1:{runtime.port}/lab?token=")
    after = runtime.client().run(
        "import os; print(os.path.exists('/content/scratch.txt'), open('/content/drive/MyDrive/keep.txt').read())")
    assert after.stdout.split() == ["False", "kept"]
    assert (runtime.drive / "keep.txt").read_text() == "kept"


def test_thread_pools_follow_the_cpu_quota_not_the_hosts_cores(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, description="one CPU", cpus=1))
    try:
        result = invoke("up", "--name", owned.name, "--port", str(owned.port), "--drive", str(owned.drive), "--flavour", "tf",
                        "--profile", "cpu", env=owned.env)
        assert result.returncode == 0, result.stderr
        inside = owned.client().run("import os; print(os.cpu_count(), os.environ['OMP_NUM_THREADS'], "
                                    "os.environ['TF_NUM_INTRAOP_THREADS'])")
        assert inside.stdout.split()[1:] == ["1", "1"]
    finally:
        engine.remove(owned.container)


@pytest.fixture
def host_user():
    """A real non-root host user in the docker group, made for this test."""
    name = "localabt" + os.urandom(3).hex()
    subprocess.run(["useradd", "--create-home", "--groups", "docker", name], check=True)
    home = Path(tempfile.mkdtemp(prefix="localab-user-"))
    os.chmod(home, 0o755)
    user = pwd.getpwnam(name)
    os.chown(home, user.pw_uid, user.pw_gid)
    yield user, home
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
    subprocess.run(["rm", "-rf", str(home)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a host user needs root")
def test_drive_files_belong_to_the_host_user_who_ran_up(engine, tf_image, host_user, tmp_path):
    user, home = host_user
    owned = Runtime(tmp_path)
    owned.state, owned.drive = home / "state", home / "drive"
    owned.env = {"LOCALAB_STATE_DIR": str(owned.state), "HOME": home.as_posix()}
    try:
        result = invoke("up", "--name", owned.name, "--port", str(owned.port), "--drive", str(owned.drive), "--flavour", "tf",
                        "--profile", "cpu", env=owned.env, user=user.pw_name)
        assert result.returncode == 0, result.stdout + result.stderr
        assert owned.drive.stat().st_uid == user.pw_uid
        inside = owned.client().run(
            "import os, getpass; open('/content/drive/MyDrive/from-inside.txt', 'w').write('x'); "
            "os.makedirs('/content/drive/MyDrive/sub/dir'); print(os.getuid(), getpass.getuser())")
        assert inside.status == "ok", inside.error
        uid, name = inside.stdout.split()
        assert int(uid) == user.pw_uid and name
        for path in (owned.drive / "from-inside.txt", owned.drive / "sub" / "dir"):
            assert (path.stat().st_uid, path.stat().st_gid) == (user.pw_uid, user.pw_gid), path
    finally:
        engine.remove(owned.container)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root alone runs the container as localab's system account")
def test_as_root_the_runtime_belongs_to_localabs_account_or_the_owner_given(runtime, tmp_path, engine):
    """Root with nobody behind it: not a guessed 1000:100 (a person on many hosts, who could
    read the token through /proc), not root itself; `--owner` names someone."""
    runtime.up()
    account = pwd.getpwnam("localab")
    inside = runtime.client().run("import os; open('/content/drive/MyDrive/r.txt', 'w').write('x'); print(os.getuid())")
    assert inside.stdout.strip() == str(account.pw_uid)
    assert (runtime.drive / "r.txt").stat().st_uid == account.pw_uid
    token = runtime.state / "runtimes" / runtime.name / "token"
    assert token.stat().st_uid == account.pw_uid and not token.stat().st_mode & 0o077, "no one else reads the token"
    other = Runtime(tmp_path / "other")
    try:
        given = other.up("--owner", "4242:4343")
        assert given.returncode == 0, given.stderr
        ran = other.client().run("import os; open('/content/drive/MyDrive/o.txt', 'w').write('x'); print(os.getuid())")
        assert ran.stdout.strip() == "4242" and (other.drive / "o.txt").stat().st_uid == 4242
        reset = other.invoke("reset", "--name", other.name, "--yes")
        assert reset.returncode == 0, reset.stderr
        assert other.client().run("import os; print(os.getuid())").stdout.strip() == "4242", "a reset keeps the owner"
        refused = other.up("--recreate", "--owner", "0:0", check=False)
        assert refused.returncode == 2 and "owner: '0:0'" in refused.stderr
    finally:
        engine.remove(other.container)


def busy_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    return holder


@pytest.mark.parametrize("args, message", [
    (["--profile", "tpu"], "profile: 'tpu' is not a profile; use one of: p100, free, high-ram, cpu"),
    (["--port", "0"], "port: '0' is not a TCP port; use a number from 1 to 65535"),
    (["--port", "70000"], "port: '70000' is not a TCP port; use a number from 1 to 65535"),
    (["--port", "BUSY"], "is already in use on 127.0.0.1"),
    (["--drive", "FILE"], "is a file, not a folder"),
    (["--gpu"], "gpu: --gpu asked for, but the engine has no NVIDIA container runtime"),
    (["--name", "Bad/Name"], "name: 'Bad/Name' is not a runtime name"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(engine, tf_image, tmp_path, args, message):
    state = tmp_path / "state"
    state.mkdir()
    holder = busy_port()
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    args = [str(holder.getsockname()[1]) if a == "BUSY" else str(afile) if a == "FILE" else a for a in args]
    if "--gpu" in args and "nvidia" in (engine.info().get("Runtimes") or {}):
        pytest.skip("this host has the NVIDIA runtime")
    before = engine_snapshot(engine, state)
    drive = tmp_path / "new-drive"
    full = ["up", *args] + ([] if "--drive" in args else ["--drive", str(drive)]) + ([] if "--name" in args else ["--name", "badinput"])
    try:
        result = invoke(*full, env={"LOCALAB_STATE_DIR": str(state)})
    finally:
        holder.close()
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert engine_snapshot(engine, state) == before
    assert not drive.exists()


def test_a_malformed_size_in_the_profiles_file(engine, tf_image, tmp_path):
    bad = cpu_profile(tmp_path, memory="16X")  # only this field of the packaged `cpu` profile
    state = tmp_path / "state"
    before = engine_snapshot(engine, state)
    result = invoke("up", "--profile", "cpu", "--flavour", "tf", "--name", "badsize", env={"LOCALAB_STATE_DIR": str(state), **bad})
    assert result.returncode == 2
    assert "profiles.cpu.memory: '16X' is not a size; use a number and a unit, e.g. 16G" in result.stderr
    assert engine_snapshot(engine, state) == before


def test_status_and_logs_of_a_runtime_that_is_not_there(tmp_path, engine):
    env = {"LOCALAB_STATE_DIR": str(tmp_path)}
    status = invoke("status", "--name", "nothere", "--json", env=env)
    assert status.returncode == 0 and json.loads(status.stdout)["state"] == "absent"
    logs = invoke("logs", "--name", "nothere", env=env)
    assert logs.returncode == 2 and "localab up" in logs.stderr


def test_logs_never_show_the_token(runtime):
    url = runtime.up().stdout.strip().splitlines()[-1]
    token = url.split("token=")[1]
    runtime.client().run("print('hello from a kernel')")
    logs = runtime.invoke("logs", "--name", runtime.name)
    assert logs.returncode == 0 and "Jupyter Server" in logs.stdout
    assert token not in logs.stdout + logs.stderr
