"""Installs that survive a reset: `!pip install X` in a runtime lands in the drive.

The entry process points Python's user site at drive/localab/pip/<flavour>-<lock>/ (the
image's lock in the name, so binaries built for another image never mix) and sets
PIP_USER, so pip installs there and counts the image's packages as installed. After
`localab reset` or `down`/`up` the folder is still there and on sys.path.

The user site comes before the image's site-packages, so an upgrade the user asks for
takes effect, except for the image's core: those always come from the image, so a user's
`pip install numpy==1.26` cannot break the kernel, JupyterLab or TensorFlow.
`localab reset --clean-installs` removes the folder.
"""

import importlib.abc
import importlib.machinery
import json
import os
import site
import sys
from pathlib import Path

from . import contract

# Imported by the kernel, the server or TensorFlow itself: a user's copy of one of these
# (or of something they import at startup) is what breaks a runtime.
CORE = frozenset({
    "numpy", "tensorflow", "keras", "tf_keras", "ml_dtypes", "jupyterlab", "jupyter_server", "jupyter_client",
    "jupyter_core", "ipykernel", "IPython", "traitlets", "tornado", "zmq", "comm", "debugpy", "matplotlib_inline",
    "prompt_toolkit", "jedi", "parso", "pygments", "localab_guest", "nbformat", "psutil",
})


def folder(manifest: Path = Path(contract.MANIFEST), drive: Path = Path(contract.DRIVE)) -> Path | None:
    """This image's folder in the drive, or None outside a localab image."""
    try:
        facts = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    return drive / contract.USER_PACKAGES / f"{facts.get('flavour', 'image')}-{facts.get('lock_sha256', '')[:12]}"


def environment(env: dict, target: Path | None) -> None:
    """Point pip and the user site at `target` when the drive can hold it."""
    if target is None or env.get("PYTHONUSERBASE") or env.get("PYTHONNOUSERSITE"):
        return
    try:
        target.mkdir(parents=True, exist_ok=True)
        user_site = target / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        user_site.mkdir(parents=True, exist_ok=True)  # on sys.path from the start: installs import at once
    except OSError as exc:
        print(f"localab: pip installs stay in scratch: cannot create {target} ({exc.strerror})", flush=True)
        return
    env.update({"PYTHONUSERBASE": str(target), "PIP_USER": "1", "PATH": f"{target / 'bin'}:{env.get('PATH', '')}"})


class ImageFirst(importlib.abc.MetaPathFinder):
    """Finds the core's top-level packages on every path but the user site."""

    def __init__(self, user_base: str):
        self.user_base = user_base.rstrip("/") + "/"

    def find_spec(self, fullname, path, target=None):
        if path is not None or fullname not in CORE:
            return None
        image_paths = [entry for entry in sys.path if not (entry + "/").startswith(self.user_base)]
        return importlib.machinery.PathFinder.find_spec(fullname, image_paths)


def install(environ=os.environ) -> bool:
    base = environ.get("PYTHONUSERBASE", "")
    if not base.startswith(str(contract.DRIVE)) or not site.ENABLE_USER_SITE:
        return False
    sys.meta_path.insert(0, ImageFirst(base))
    return True


install()
