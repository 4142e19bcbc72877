"""Installs that survive a reset: `!pip install X` in a runtime lands in the drive.

The entry process points Python's user site at drive/localab/pip/<flavour>-<lock>/ (the
image's lock in the name, so binaries built for another image never mix) and sets
PIP_USER, so pip installs there and counts the image's packages as installed. After
`localab reset` or `down`/`up` the folder is still there and on sys.path.

The image's site-packages come before the user site on sys.path (Debian's Python puts
them there), and pip refuses to put into the user site a distribution the venv already
has ("Will not install to the user site because it will lack sys.path precedence"), so
what a notebook installs adds to the image and never replaces its packages: a user's
`pip install --ignore-installed numpy==2.2.6` cannot break the kernel, JupyterLab or
TensorFlow. `localab reset --clean-installs` removes the folder.
"""

import json
import sys
from pathlib import Path

from . import contract


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
