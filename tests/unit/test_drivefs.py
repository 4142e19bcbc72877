"""Host-side reads and writes in the drive never follow links planted there by the
runtime, nor a folder swapped for a link while localab works in it."""

import contextlib
import os
import subprocess
import threading
from pathlib import Path

import pytest

from localab.host import drivefs, drivetree
from localab.host.errors import LocalabError


@pytest.fixture
def drive(tmp_path):
    (tmp_path / "drive").mkdir()
    outside = tmp_path / "host-secret"
    outside.write_text("host file")
    return tmp_path / "drive", outside


def test_a_write_over_a_planted_link_replaces_the_link_never_the_target(drive):
    folder, outside = drive
    (folder / "summary.json").symlink_to(outside)
    drivefs.write_json(folder / "summary.json", {"x": 1})
    assert not (folder / "summary.json").is_symlink() and drivefs.read_json(folder / "summary.json") == {"x": 1}
    assert outside.read_text() == "host file"


@pytest.mark.parametrize("operation", [
    lambda path: drivefs.read_text(path),
    lambda path: drivefs.append_bytes(path, b"more"),
    lambda path: drivefs.truncate(path).close(),
])
def test_reading_appending_and_truncating_through_a_planted_link_are_refused(drive, operation):
    folder, outside = drive
    (folder / "output.log").symlink_to(outside)
    with pytest.raises(LocalabError, match="symbolic link"):
        operation(folder / "output.log")
    assert outside.read_text() == "host file"


def test_a_linked_folder_anywhere_on_the_path_is_refused(drive):
    folder, outside = drive
    (folder / "localab").symlink_to(outside.parent)
    with pytest.raises(LocalabError, match="symbolic link"):
        drivefs.make_folder(folder, "localab/bench")
    with pytest.raises(LocalabError, match="symbolic link"):
        drivefs.write_text(folder / "localab" / "run.json", "{}")
    with pytest.raises(LocalabError, match="symbolic link"):
        drivefs.append_bytes(folder / "localab" / "host-secret", b"x")
    assert outside.read_text() == "host file" and not (outside.parent / "run.json").exists()


@pytest.mark.parametrize("operation", ["write_text", "append_bytes", "truncate"])
def test_a_folder_swapped_for_a_link_after_it_was_opened_changes_nothing(drive, monkeypatch, operation):
    """The swap happens inside drivefs, between its check of the folder and its write:
    code that opened the path again (and so followed the new link) would write outside."""
    folder, outside = drive
    (folder / "bench").mkdir()
    real = drivefs.opened_dir

    @contextlib.contextmanager
    def swapped_once_opened(path):
        with real(path) as fd:
            if path == folder / "bench" and not (folder / "bench-moved").exists():
                os.rename(folder / "bench", folder / "bench-moved")
                (folder / "bench").symlink_to(outside.parent)
            yield fd

    monkeypatch.setattr(drivefs, "opened_dir", swapped_once_opened)
    target = folder / "bench" / "run.json"
    if operation == "write_text":
        drivefs.write_text(target, "{}")
    elif operation == "append_bytes":
        drivefs.append_bytes(target, b"{}")
    else:
        drivefs.truncate(target).close()
    assert (folder / "bench-moved" / "run.json").exists() and not (outside.parent / "run.json").exists()


def test_publishing_over_planted_links_replaces_the_links_only(drive, tmp_path):
    folder, outside = drive
    private = tmp_path / "private"
    (private / "host").mkdir(parents=True)
    (private / "host" / "summary.json").write_text("{}")
    (private / "host-output.log").write_text("log")
    (folder / "host-output.log").symlink_to(outside)
    drivefs.publish(private, folder)
    assert (folder / "host" / "summary.json").read_text() == "{}" and (folder / "host-output.log").read_text() == "log"
    assert outside.read_text() == "host file"
    (folder / "host2").symlink_to(outside.parent)
    (private / "host2").mkdir()
    (private / "host2" / "x").write_text("x")
    with pytest.raises(LocalabError, match="symbolic link"):
        drivefs.publish(private, folder)
    assert not (outside.parent / "x").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_chown_changes_links_not_their_targets(drive):
    folder, outside = drive
    (folder / "sub").mkdir()
    (folder / "sub" / "data.txt").write_text("x")
    (folder / "sub" / "escape").symlink_to(outside)
    (folder / "sub" / "escape-dir").symlink_to(outside.parent)
    drivetree.chown_tree(folder, 1234, 1234)
    assert (folder / "sub" / "data.txt").stat().st_uid == 1234
    assert os.lstat(folder / "sub" / "escape").st_uid == 1234
    assert outside.stat().st_uid == 0 and outside.parent.stat().st_uid == 0, "what links point to keeps its owner"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_chown_refuses_a_folder_swapped_for_a_link_mid_walk(drive, tmp_path, monkeypatch):
    """The runtime swaps a folder for a link between localab's listing and its descent:
    stand-ins for /etc/passwd and sudoers must keep their owner."""
    folder, _ = drive
    etc = tmp_path / "etc"
    etc.mkdir()
    for name in ("passwd", "shadow", "sudoers"):
        (etc / name).write_text("root only")
    (folder / "results").mkdir()
    (folder / "results" / "run.json").write_text("{}")
    listed = drivetree.entries

    def listing_then_swap(fd):
        entries = listed(fd)
        if any(entry.name == "results" for entry in entries):
            os.rename(folder / "results", folder / "results-real")
            (folder / "results").symlink_to(etc)
        return entries

    monkeypatch.setattr(drivetree, "entries", listing_then_swap)
    drivetree.chown_tree(folder, 1234, 1234)
    assert all((etc / name).stat().st_uid == 0 for name in ("passwd", "shadow", "sudoers"))
    assert etc.stat().st_uid == 0


def in_time(call, seconds: float = 10):
    """call()'s result or exception, or a failure when it is still waiting after `seconds`."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 (handed back to the test)
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s (blocked on a FIFO?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.parametrize("operation", ["read_text", "append_bytes", "held", "is_held"])
def test_a_fifo_planted_in_the_drive_is_refused_at_once(drive, operation):
    folder, _ = drive
    fifo = folder / "summary.json"
    os.mkfifo(fifo)
    calls = {"read_text": lambda: drivefs.read_text(fifo), "append_bytes": lambda: drivefs.append_bytes(fifo, b"x"),
             "held": lambda: drivefs.held(fifo).__enter__(), "is_held": lambda: drivefs.is_held(fifo)}
    with pytest.raises(LocalabError, match="not a regular file"):
        in_time(calls[operation])


def test_bench_history_and_cleanup_pass_fifos_planted_in_the_bench_folder(drive):
    """`localab bench` cleans abandoned runs and lists the history before it starts."""
    from localab.host.bench import report, runner

    folder, _ = drive
    bench = folder / "localab" / "bench"
    (bench / ".partial-20260101T000000Z-matmul").mkdir(parents=True)
    os.mkfifo(bench / ".partial-20260101T000000Z-matmul" / runner.PARTIAL_LOCK)
    (bench / "20260101T000000Z-matmul").mkdir()
    os.mkfifo(bench / "20260101T000000Z-matmul" / "summary.json")
    said = []
    with pytest.raises(LocalabError, match="not a regular file"):
        in_time(lambda: runner.clean_abandoned(folder, said.append))
    assert in_time(lambda: report.history_entries(folder)) == []


def deep(top: Path, depth: int) -> Path:
    """A chain of `depth` nested folders below `top`, made through fds (a path that long
    is past PATH_MAX), with a file at the bottom; returns top."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    return top


def test_a_tree_deeper_than_pythons_recursion_limit_is_removed_and_chowned(drive):
    """Scratch and the drive can hold folders 1000 deep: no RecursionError, and no cost per
    level that grows with the depth."""
    import sys

    folder, _ = drive
    (folder / "deep").mkdir()
    tree = deep(folder / "deep", sys.getrecursionlimit() + 200)
    try:
        in_time(lambda: drivetree.chown_tree(tree, os.getuid(), os.getgid()), 60)
        assert in_time(lambda: drivetree.remove_tree(tree), 60) == []
        assert not os.path.lexists(tree)
    finally:  # pytest's own clean-up of old tmp folders recurses: never leave such a tree behind
        subprocess.run(["rm", "-rf", str(tree)], check=False, timeout=120)


def test_remove_tree_says_what_it_could_not_remove(drive, monkeypatch):
    folder, _ = drive
    (folder / "pip" / "site").mkdir(parents=True)
    (folder / "pip" / "site" / "root-owned.pth").write_text("import x\n")
    (folder / "pip" / "site" / "mine.py").write_text("")
    real = os.unlink

    def refusing(name, *args, **kwargs):  # as unlinking another user's file in a sticky folder is refused
        if name == "root-owned.pth":
            raise PermissionError(1, "Operation not permitted")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(drivefs.os, "unlink", refusing)
    left = drivetree.remove_tree(folder / "pip")
    assert left == [str(folder / "pip" / "site" / "root-owned.pth")], "the file, not the folders it kept"
    assert not (folder / "pip" / "site" / "mine.py").exists()
    assert (folder / "pip" / "site" / "root-owned.pth").exists()


def test_remove_tree_of_a_planted_link_removes_the_link_only(drive):
    folder, outside = drive
    (folder / "pip").symlink_to(outside.parent)
    assert drivetree.remove_tree(folder / "pip") == []
    assert not os.path.lexists(folder / "pip") and outside.read_text() == "host file"
