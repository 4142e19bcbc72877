from unittest.mock import MagicMock

import pytest

from runtime.engine import Engine
from runtime.errors import LocalabError, UsageError
from runtime.image import base


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
        "debootstrap", "--variant=minbase", "bookworm", str(tmp_path), "http://deb.debian.org/debian"]
