"""google.colab.files (localab/guest/stand_in/google/colab/files.py): upload() and download()
with /content stood in by a temporary folder and the browser by a fake `display` that
does what the page's script does (PUT the files, then the manifest, into staging)."""

import json
import re

import pytest

from tests.utils.guest import guest_module


@pytest.fixture
def files(monkeypatch, tmp_path):
    module = guest_module(monkeypatch, "google.colab.files")
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setattr(module, "ROOT", content)
    work = content / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return module


class Browser:
    """Records what the cell displays; on the upload script, stages `chosen` and writes
    `manifest` (None: the user never answers)."""

    def __init__(self, files, chosen=None, manifest=None):
        self.root = files.ROOT
        self.chosen = chosen or {}
        self.manifest = manifest
        self.shown = []

    def display(self, obj):
        self.shown.append(obj)
        script = getattr(obj, "data", "") or ""
        found = re.search(r"staging = (\"[^\"]+\")", script)
        if found and self.manifest is not None:
            staging = self.root / json.loads(found.group(1))
            for name, data in self.chosen.items():
                (staging / name).write_bytes(data)
            (staging / "manifest.json").write_text(json.dumps(self.manifest))


def uploads(files):
    return list((files.ROOT / ".localab-uploads").iterdir())


def test_upload_saves_the_chosen_files_in_the_working_directory_and_returns_their_bytes(files, monkeypatch, capsys):
    browser = Browser(files, {"a.txt": b"alpha", "data.bin": b"\x00\x01"}, {"files": ["a.txt", "data.bin"]})
    monkeypatch.setattr(files._display, "display", browser.display)
    assert files.upload() == {"a.txt": b"alpha", "data.bin": b"\x00\x01"}
    work = files.ROOT / "work"
    assert (work / "a.txt").read_bytes() == b"alpha" and (work / "data.bin").read_bytes() == b"\x00\x01"
    assert capsys.readouterr().out.splitlines() == ["Saving a.txt to a.txt", "Saving data.bin to data.bin"]
    assert uploads(files) == [], "the staging folder is gone"
    html, script = browser.shown
    assert 'type="file"' in html.data and str(work) in html.data
    assert "__ID__" not in script.data and "__STAGING__" not in script.data and "__FREE__" not in script.data


def test_an_existing_file_is_kept_and_the_upload_saved_beside_it_as_colab_does(files, monkeypatch):
    work = files.ROOT / "work"
    (work / "a.txt").write_bytes(b"old")
    (work / "a (1).txt").write_bytes(b"older")
    browser = Browser(files, {"a.txt": b"new"}, {"files": ["a.txt"]})
    monkeypatch.setattr(files._display, "display", browser.display)
    assert files.upload() == {"a (2).txt": b"new"}
    assert (work / "a.txt").read_bytes() == b"old" and (work / "a (1).txt").read_bytes() == b"older"


def test_upload_into_a_target_dir(files, monkeypatch, tmp_path):
    target = tmp_path / "content" / "elsewhere"
    target.mkdir()
    monkeypatch.setattr(files._display, "display", Browser(files, {"x.csv": b"1,2"}, {"files": ["x.csv"]}).display)
    assert files.upload(str(target)) == {"x.csv": b"1,2"}
    assert (target / "x.csv").read_bytes() == b"1,2" and not (files.ROOT / "work" / "x.csv").exists()


def test_a_cancelled_upload_returns_nothing(files, monkeypatch, capsys):
    monkeypatch.setattr(files._display, "display", Browser(files, manifest={"cancelled": True}).display)
    assert files.upload() == {}
    assert "Upload cancelled." in capsys.readouterr().out
    assert uploads(files) == [] and list((files.ROOT / "work").iterdir()) == []


def test_an_error_from_the_page_is_raised_in_the_cell(files, monkeypatch):
    message = "Upload refused: the files chosen hold 10 bytes, but /content has only 5 bytes free."
    monkeypatch.setattr(files._display, "display", Browser(files, manifest={"error": message}).display)
    with pytest.raises(OSError, match="Upload refused"):
        files.upload()
    assert uploads(files) == []


def test_no_answer_times_out_and_cleans_up(files, monkeypatch):
    monkeypatch.setattr(files, "WAIT_S", 0)
    monkeypatch.setattr(files._display, "display", Browser(files).display)
    with pytest.raises(TimeoutError, match="no files were chosen"):
        files.upload()
    assert uploads(files) == []


def test_download_hands_the_browser_the_files_path_under_content(files, monkeypatch):
    (files.ROOT / "work" / "model weights.h5").write_bytes(b"w")
    shown = []
    monkeypatch.setattr(files._display, "display", shown.append)
    files.download("model weights.h5")
    [script] = shown
    assert '"work/model weights.h5"' in script.data and "link.download = \"model weights.h5\"" in script.data
    assert "__PATH__" not in script.data and "__NAME__" not in script.data


def test_download_of_a_missing_file_says_so(files, monkeypatch):
    monkeypatch.setattr(files._display, "display", lambda obj: pytest.fail("nothing is shown"))
    with pytest.raises(FileNotFoundError, match="Cannot find file: nope.txt"):
        files.download("nope.txt")
    with pytest.raises(FileNotFoundError):
        files.download(str(files.ROOT / "work"))  # a folder is not a file


def test_download_refuses_a_file_outside_content(files, monkeypatch, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("host")
    (files.ROOT / "work" / "escape").symlink_to(outside)
    monkeypatch.setattr(files._display, "display", lambda obj: pytest.fail("nothing is shown"))
    for name in (str(outside), "escape", "../../outside.txt"):
        with pytest.raises(ValueError, match="only files under .* can be downloaded"):
            files.download(name)
