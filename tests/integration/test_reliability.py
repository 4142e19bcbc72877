"""Faults survived with nothing lost (issue: reliability). See docs/reliability.md."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from localab.host.drive import give_to_drive_owner
from tests.utils.runtime import ROOT, Runtime, cpu_profile, invoke


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def seed_drive(drive: Path) -> dict[str, str]:
    (drive / "project").mkdir(parents=True)
    for number in range(5):
        (drive / "project" / f"data-{number}.bin").write_bytes(os.urandom(4096 * (number + 1)))
    (drive / "notes.md").write_text("# kept across everything\n")
    give_to_drive_owner(drive)  # the user's own files (localab changes the owner only of folders it makes)
    return checksums(drive)


def test_a_kernel_past_the_memory_cap_dies_alone(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, memory="1G", shm="64M"))
    before = seed_drive(owned.drive)
    try:
        owned.url()
        client = owned.client()
        kernel = client.start_kernel()
        result = client.execute(kernel, "import numpy as np\nx = np.ones(2 * 1024**3 // 8)\nx.sum()", timeout_s=180)
        assert result.status == "died", result
        assert client.request("GET", "/api/status")[0] == 200, "Jupyter Server keeps serving"
        assert client.run("print(6 * 7)").stdout.strip() == "42", "a new kernel works"
        status = json.loads(invoke("status", "--name", owned.name, "--json", env=owned.env).stdout)
        assert status["state"] == "running" and status["oom_kills"] >= 1
        human = invoke("status", "--name", owned.name, env=owned.env).stdout
        assert "killed for exceeding the RAM cap (OOM)" in human
        assert checksums(owned.drive) == before
    finally:
        engine.remove(owned.container)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs drive needs root")
def test_a_full_drive_fails_the_writing_cell_only(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path)
    owned.drive.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=1777", "tmpfs", str(owned.drive)], check=True)
    try:
        before = seed_drive(owned.drive)
        owned.url()
        client = owned.client()
        kernel = client.start_kernel()
        full = client.execute(kernel, "open('/content/drive/MyDrive/big.bin', 'wb').write(b'x' * 16 * 2**20)")
        assert full.status == "error" and "No space left on device" in full.error
        after = client.execute(kernel, "import os; os.remove('/content/drive/MyDrive/big.bin'); print('still here')")
        assert after.stdout.strip() == "still here"
        assert json.loads(invoke("status", "--name", owned.name, "--json", env=owned.env).stdout)["state"] == "running"
        current = checksums(owned.drive)
        assert {k: v for k, v in current.items() if k in before} == before
    finally:
        engine.remove(owned.container)
        subprocess.run(["umount", str(owned.drive)], check=False)


def test_two_ups_at_once_make_one_runtime(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path)
    command = [sys.executable, "-m", "invoke", "up", "--name", owned.name, "--drive", str(owned.drive), "--profile", "cpu",
               "--flavour", "tf"]
    env = {**os.environ, **owned.env}
    try:
        both = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        outputs = [process.communicate(timeout=300) for process in both]
        assert [p.returncode for p in both] == [0, 0], outputs
        urls = {out.strip().splitlines()[-1] for out, _ in outputs}
        assert len(urls) == 1, "both print the one runtime's URL"
        assert any("already up; reusing it" in out for out, _ in outputs)
        mine = [c for c in engine.containers(f"io.localab.runtime={owned.name}")]
        assert len(mine) == 1 and mine[0]["State"] == "running"
    finally:
        engine.remove(owned.container)


def test_two_named_runtimes_side_by_side_with_their_own_drives(engine, tf_image, tmp_path):
    first, second = Runtime(tmp_path / "a"), Runtime(tmp_path / "b")
    try:
        urls = []
        for owned in (first, second):
            result = invoke("up", "--name", owned.name, "--drive", str(owned.drive), "--profile", "cpu", "--flavour", "tf",
                            env=owned.env)
            assert result.returncode == 0, result.stderr
            urls.append(result.stdout.strip().splitlines()[-1])
        ports = {re.search(r":(\d+)/lab", url).group(1) for url in urls}
        assert len(ports) == 2, urls
        for owned, url in zip((first, second), urls):
            owned.port = int(re.search(r":(\d+)/lab", url).group(1))
            assert owned.client().run(f"open('/content/drive/MyDrive/who.txt', 'w').write('{owned.name}')").status == "ok"
        assert (first.drive / "who.txt").read_text() == first.name
        assert (second.drive / "who.txt").read_text() == second.name
    finally:
        engine.remove(first.container)
        engine.remove(second.container)


def test_a_runtime_stopped_from_outside_says_so_and_up_brings_it_back(engine, tf_image, tmp_path):
    """What an engine restart does to a runtime (its containers are stopped), without
    restarting the shared engine under the rest of the test session."""
    owned = Runtime(tmp_path)
    before = seed_drive(owned.drive)
    try:
        owned.url()
        engine.stop(owned.container, timeout=30)
        status = json.loads(invoke("status", "--name", owned.name, "--json", env=owned.env).stdout)
        assert status["state"] == "stopped" and "engine restarted" in status["reason"]
        url = owned.url()
        assert url.startswith(f"http://127.0.0.1:{owned.port}/lab?token=")
        assert owned.client().run("print(open('/content/drive/MyDrive/notes.md').read())").stdout.startswith("# kept")
        assert checksums(owned.drive) == before
    finally:
        engine.remove(owned.container)
