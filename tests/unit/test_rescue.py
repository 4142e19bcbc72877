"""What is rescued from /content before a runtime's container goes (localab/host/lifecycle/rescue.py)."""

import json
import os

import pytest

from localab.host.lifecycle import rescue
from tests.utils.fake_engine import fake_engine

NOTEBOOK = json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5}).encode()
FILES = {
    "/content/analysis.ipynb": ("file", NOTEBOOK),
    "/content/notes.txt": ("file", "café\n".encode()),
    "/content/project": ("folder", None),
    "/content/project/train.py": ("file", b"print('hi')\n"),
    "/content/model.h5": ("file", b"\x89HDF\r\n\x1a\n\x00\x00binary"),
    "/content/big.csv": ("too big", None),
    "/content/escape": ("link", None),
}
CHANGES = [(path, "added") for path in FILES] + [
    ("/content/sample_data/README.md", "changed"), ("/content/drive/MyDrive/x", "added"),
    ("/content/.ipynb_checkpoints/analysis-checkpoint.ipynb", "added"), ("/content/project/__pycache__/a.pyc", "added"),
    ("/content/gone.txt", "deleted"), ("/tmp/elsewhere.txt", "added"), ("/home/colab/.bashrc", "changed")]


def engine_with_scratch():
    engine = fake_engine()
    engine.changes.return_value = CHANGES
    engine.container_file.side_effect = lambda name, path, limit: FILES[path]
    return engine


def test_only_what_the_user_left_in_scratch_is_a_candidate():
    assert rescue.candidates(CHANGES) == sorted(FILES)


@pytest.mark.parametrize("path, data, kept", [
    ("a.ipynb", NOTEBOOK, True), ("a.txt", "naïve ünïcode".encode(), True), ("a.bin", b"\x00\x01", False),
    ("a.png", b"\x89PNG\r\n\x1a\n\x00", False), ("a.csv", ("x" * 8191 + "é").encode(), True),
])
def test_notebooks_and_text_are_kept_binaries_are_not(path, data, kept):
    assert rescue.worth_keeping(path, data) is kept


def test_rescue_copies_into_the_drive_keeping_paths_and_lists_what_it_left(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    said = []
    result = rescue.rescue(engine_with_scratch(), "localab-x", drive, say=said.append)
    assert result.folder.parent == drive / "localab" / "rescued"
    assert sorted(str(p.relative_to(result.folder)) for p in result.folder.rglob("*") if p.is_file()) == [
        "analysis.ipynb", "notes.txt", "project/train.py"]
    assert (result.folder / "notes.txt").read_text() == "café\n"
    assert result.left == ["/content/big.csv", "/content/model.h5"]
    assert said == [f"rescued 3 file(s) you left in /content to {result.folder}"]


def test_a_link_planted_in_the_drive_does_not_redirect_the_rescue(tmp_path):
    drive = tmp_path / "drive"
    (drive / "localab").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (drive / "localab" / "rescued").symlink_to(outside)
    with pytest.raises(Exception, match="symbolic link"):
        rescue.rescue(engine_with_scratch(), "localab-x", drive, say=lambda _: None)
    assert os.listdir(outside) == []


def test_nothing_left_nothing_made(tmp_path):
    engine = fake_engine()
    result = rescue.rescue(engine, "localab-x", tmp_path, say=pytest.fail)
    assert result.folder is None and not (tmp_path / "localab").exists()


def test_a_file_left_deeper_than_pythons_recursion_limit_is_rescued(tmp_path):
    """down and reset rescue scratch first: a folder 1100 deep in /content must neither
    raise RecursionError (which kept the container) nor cost a walk from / per level."""
    import subprocess
    import sys
    import threading

    depth = sys.getrecursionlimit() + 100
    path = "/content/" + "/".join(["d"] * depth) + "/deep.txt"
    engine = fake_engine()
    engine.changes.return_value = [(path, "added")]
    engine.container_file.side_effect = lambda name, p, limit: ("file", b"deep\n")
    drive = tmp_path / "drive"
    drive.mkdir()
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(done=rescue.rescue(engine, "c", drive, say=lambda _: None)),
                              daemon=True)
    worker.start()
    worker.join(60)
    try:
        assert not worker.is_alive(), "still rescuing after 60 s"
        assert outcome["done"].files == [path]
        assert outcome["done"].folder is not None
    finally:  # pytest's own clean-up of old tmp folders recurses: never leave such a tree behind
        subprocess.run(["rm", "-rf", str(drive)], check=False, timeout=120)
