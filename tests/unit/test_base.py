from pathlib import Path
from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.image import base


def test_base_is_made_only_when_missing_and_pulled_when_another_is_named(monkeypatch):
    engine = MagicMock(spec=Engine)
    engine.image.return_value = {"Id": "x"}
    assert base.ensure_base(engine, base.BASE_IMAGE) == base.BASE_IMAGE
    engine.image.return_value = None
    engine.pull.return_value = False
    with pytest.raises(UsageError, match="cannot be pulled"):
        base.ensure_base(engine, "debian:bookworm-slim", say=lambda _: None)


def test_making_the_base_needs_root(monkeypatch):
    monkeypatch.setattr(base, "is_root", lambda: False)
    with pytest.raises(LocalabError, match="needs root"):
        base.make_base(MagicMock(spec=Engine))


def test_the_base_is_debootstrap_minbase_bookworm(tmp_path):
    assert base.debootstrap_command(tmp_path, base.DEFAULT_MIRROR) == [
        "debootstrap", "--variant=minbase", "--include=python3-minimal", "bookworm", str(tmp_path),
        "http://deb.debian.org/debian"]


@pytest.mark.parametrize("mirror", ["http://x; touch /tmp/pwned #", "--help", "ftp://deb.debian.org/debian",
                                    "http://", "http://deb.debian.org/debian\n", "file:relative", "http://mirror/ debian"])
def test_a_mirror_that_is_not_a_mirror_url_is_refused_before_anything_runs(mirror, monkeypatch):
    ran = []
    monkeypatch.setattr(base.commands, "run", lambda argv, **_: ran.append(argv))
    monkeypatch.setattr(base, "is_root", lambda: True)
    with pytest.raises(UsageError, match="is not a Debian mirror URL"):
        base.make_base(MagicMock(spec=Engine), mirror=mirror)
    assert ran == []


def test_a_tree_without_a_working_apt_get_and_python3_is_never_tagged(tmp_path, monkeypatch):
    engine = MagicMock(spec=Engine)
    monkeypatch.setattr(base, "is_root", lambda: True)
    monkeypatch.setattr(base.shutil, "which", lambda name: "/usr/sbin/debootstrap")
    ran = []

    def debootstrap_that_leaves_an_empty_tree(argv, **_):
        ran.append(argv)
        if argv[0] == "debootstrap":
            Path(argv[-2]).mkdir(parents=True)

    monkeypatch.setattr(base.commands, "run", debootstrap_that_leaves_an_empty_tree)
    with pytest.raises(LocalabError, match="no /usr/bin/apt-get; nothing was tagged"):
        base.make_base(engine, say=lambda _: None)
    engine.import_image.assert_not_called()
    assert ran[0][:3] == ["debootstrap", "--variant=minbase", "--include=python3-minimal"]


@pytest.mark.parametrize("mirror", ["http://deb.debian.org/debian", "https://mirror.example/debian/",
                                    "file:///srv/debian-mirror"])
def test_real_mirror_urls_are_accepted(mirror):
    assert base.validate_mirror(mirror) == mirror


def test_a_trixie_base_for_colabs_python(tmp_path):
    assert base.debootstrap_command(tmp_path, base.DEFAULT_MIRROR, "trixie")[3] == "trixie"
    assert base.base_image("trixie") == "localab-base:trixie"
    with pytest.raises(UsageError, match="not a Debian release"):
        base.validate_suite("sid; rm -rf /")


def fake_engine(present=(), pullable=()):
    engine = MagicMock(spec=Engine)
    have = set(present)
    engine.image.side_effect = lambda ref: {"Id": ref} if ref in have else None
    engine.pull.side_effect = lambda ref: ref in pullable and not have.add(ref)
    return engine


@pytest.mark.parametrize("present, pullable, chosen", [
    (["localab-base:bookworm", "debian:bookworm"], [], "localab-base:bookworm"),
    (["debian:bookworm"], [], "debian:bookworm"),
    ([], ["debian:bookworm"], "debian:bookworm"),
])
def test_a_base_comes_from_here_then_a_registry_and_root_only_without_one(present, pullable, chosen, monkeypatch):
    monkeypatch.setattr(base, "make_base", pytest.fail)
    assert base.resolve_base(fake_engine(present, pullable), "bookworm", say=lambda _: None) == chosen


def test_without_a_registry_only_making_the_base_needs_root_and_says_how(monkeypatch):
    monkeypatch.setattr(base, "is_root", lambda: False)
    engine = fake_engine()
    with pytest.raises(LocalabError) as error:
        base.resolve_base(engine, "trixie", say=lambda _: None)
    assert "no registry gives debian:trixie" in str(error.value)
    assert "sudo localab base --suite trixie" in str(error.value) and "--base" in str(error.value)
    engine.pull.assert_called_once_with("debian:trixie")
