"""Rebuilding localab's JupyterLab extension from labextension/ (developers only: the
built files in runtime/guest/labextension are committed, so users need no Node.js)."""

import shutil
import subprocess
import sys

from runtime.errors import LocalabError
from runtime.image import lock
from runtime.paths import ROOT, state_dir

SOURCE = ROOT / "labextension"


def build(say=print) -> None:
    if not shutil.which("npm"):
        raise LocalabError("rebuilding the extension needs Node.js and npm (Debian: apt-get install nodejs npm)")
    version = lock.read_lock("cpu").pins["jupyterlab"]
    venv = state_dir() / f"labbuild-{version}"
    if not (venv / "bin" / "jupyter-builder").exists():
        say(f"making a build venv with jupyterlab {version} in {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"jupyterlab=={version}"], check=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SOURCE, check=True)
    subprocess.run([str(venv / "bin" / "jupyter-builder"), "build", "."], cwd=SOURCE, check=True)
    say("built runtime/guest/labextension; `localab build` puts it into the image")
