"""Nothing written is lost: what a user left in /content is in the drive after every way a
runtime can end (issue: notebooks kept in the drive, nothing written lost)."""

import json

import pytest

from tests.utils.runtime import Runtime, cpu_profile, wait_for

LEAVE = """
import json, os
os.makedirs('/content/project', exist_ok=True)
open('/content/project/train.py', 'w').write('print(42)\\n')
open('/content/notes.md', 'w').write('# findings\\n')
json.dump({'cells': [], 'nbformat': 4, 'nbformat_minor': 5}, open('/content/scratch.ipynb', 'w'))
open('/content/weights.bin', 'wb').write(bytes(range(256)) * 64)
open('/content/sample_data/README.md', 'a').write('changed')
"""
KEPT = ["notes.md", "project/train.py", "scratch.ipynb"]


def rescued(drive) -> list[list[str]]:
    root = drive / "localab" / "rescued"
    return [sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
            for folder in sorted(root.iterdir())] if root.is_dir() else []


def leave_files(runtime):
    result = runtime.client().run(LEAVE)
    assert result.status == "ok", result.error


def test_down_copies_what_was_left_in_scratch_into_the_drive(runtime):
    runtime.up()
    leave_files(runtime)
    down = runtime.invoke("down", "--name", runtime.name)
    assert down.returncode == 0, down.stderr
    assert "rescued 3 file(s) you left in /content to" in down.stdout and "weights.bin" in down.stdout
    assert rescued(runtime.drive) == [KEPT]
    [folder] = (runtime.drive / "localab" / "rescued").iterdir()
    assert json.loads((folder / "scratch.ipynb").read_text())["nbformat"] == 4


def test_reset_rescues_and_discard_scratch_does_not(runtime):
    runtime.up()
    leave_files(runtime)
    assert runtime.invoke("reset", "--name", runtime.name, "--yes").returncode == 0
    assert rescued(runtime.drive) == [KEPT]
    leave_files(runtime)
    result = runtime.invoke("reset", "--name", runtime.name, "--yes", "--discard-scratch")
    assert result.returncode == 0 and "--discard-scratch" in result.stdout
    assert rescued(runtime.drive) == [KEPT], "nothing more was copied"


@pytest.mark.parametrize("how", ["kill the entry process", "docker stop"])
def test_a_runtime_ended_from_outside_is_rescued_when_it_is_replaced(runtime, engine, how):
    runtime.up()
    leave_files(runtime)
    if how == "docker stop":
        engine.stop(runtime.container, timeout=30)
    else:
        engine.kill(runtime.container)  # SIGKILL: no shutdown of its own at all
    assert engine.container(runtime.container)["State"]["Running"] is False
    again = runtime.up()
    assert "rescued 3 file(s)" in again.stdout
    assert rescued(runtime.drive) == [KEPT]


def test_an_expired_runtime_is_rescued_by_the_next_command(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, lifetime="45s", idle="0"))
    try:
        owned.url()
        leave_files(owned)
        wait_for(lambda: owned.status()["state"] == "expired", timeout_s=120, what="the lifetime's end")
        down = owned.invoke("down", "--name", owned.name)
        assert down.returncode == 0 and "rescued 3 file(s)" in down.stdout
        assert rescued(owned.drive) == [KEPT]
    finally:
        engine.remove(owned.container)


def test_runtime_unassign_from_a_notebook_ends_the_runtime_and_the_next_up_rescues(runtime, engine):
    """google.colab.runtime.unassign(), as Colab's "Disconnect and delete runtime" from code:
    the runtime stops, status says why, and what was left in /content is rescued."""
    runtime.up()
    leave_files(runtime)
    ended = runtime.client().run("from google.colab import runtime\nruntime.unassign()")
    assert ended.status == "ok", ended.error
    assert "this runtime stops" in ended.stdout
    wait_for(lambda: not engine.container(runtime.container)["State"]["Running"], timeout_s=60,
             what="the runtime to stop after unassign()")
    assert runtime.status()["state"] == "unassigned"
    again = runtime.up()
    assert "rescued 3 file(s)" in again.stdout
    assert rescued(runtime.drive) == [KEPT]
