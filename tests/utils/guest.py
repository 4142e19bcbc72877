"""Importing the image's google.colab stand-in on the host: localab/guest/stand_in on sys.path
for one test, and no google.* module left behind for the next."""

import importlib
import sys

from localab.host.paths import STAND_IN_DIR as GUEST


def _google_modules() -> set[str]:
    return {name for name in sys.modules if name == "google" or name.startswith("google.")}


def guest_module(monkeypatch, name: str):
    """Import NAME (e.g. "google.colab.files") fresh from localab/guest/stand_in/; monkeypatch
    takes it and sys.path back out when the test ends."""
    before = _google_modules()
    monkeypatch.syspath_prepend(str(GUEST))
    importlib.invalidate_caches()
    module = importlib.import_module(name)
    for new in _google_modules() - before:
        monkeypatch.setitem(sys.modules, new, sys.modules[new])  # undone: deleted again
    assert str(GUEST) in str(module.__file__), f"{name} came from {module.__file__}, not localab/guest/stand_in"
    return module
