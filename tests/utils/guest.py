"""Importing the image's google.colab stand-in on the host: runtime/guest on sys.path
for one test, and no google.* module left behind for the next."""

import importlib
import sys

from tests.utils.runtime import ROOT

GUEST = ROOT / "runtime" / "guest"


def _google_modules() -> set[str]:
    return {name for name in sys.modules if name == "google" or name.startswith("google.")}


def guest_module(monkeypatch, name: str):
    """Import NAME (e.g. "google.colab.files") fresh from runtime/guest/; monkeypatch
    takes it and sys.path back out when the test ends."""
    before = _google_modules()
    monkeypatch.syspath_prepend(str(GUEST))
    importlib.invalidate_caches()
    module = importlib.import_module(name)
    for new in _google_modules() - before:
        monkeypatch.setitem(sys.modules, new, sys.modules[new])  # undone: deleted again
    assert str(GUEST) in str(module.__file__), f"{name} came from {module.__file__}, not runtime/guest"
    return module
