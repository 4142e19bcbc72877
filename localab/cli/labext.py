"""Rebuilding localab's JupyterLab extension from labextension/ (developers only: the
built files in localab/guest/labextension are committed, so users need no Node.js)."""

import shutil
import subprocess
import sys

from localab.host.errors import LocalabError
from localab.host.image import lock
from localab.host.paths import ROOT, state_dir

SOURCE = ROOT / "labextension"


def build(say=print) -> None:
    if not shutil.which("npm"):
        raise LocalabError("rebuilding the extension needs Node.js and npm (Debian: apt-get install nodejs npm)")
    version = lock.read_lock("tf").pins["jupyterlab"]
    venv = state_dir() / f"labbuild-{version}"
    if not (venv / "bin" / "jupyter-builder").exists():
        say(f"making a build venv with jupyterlab {version} in {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"jupyterlab=={version}"], check=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SOURCE, check=True)
    subprocess.run([str(venv / "bin" / "jupyter-builder"), "build", "."], cwd=SOURCE, check=True)
    say("built localab/guest/labextension; `localab build` puts it into the image")
