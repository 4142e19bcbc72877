"""uv's `pip compile`: a flavour's requirements resolved into hashed pins for the image's
Python and platform, preferring what its lock already pins."""

import os
import subprocess
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.image import lock
from localab.host.paths import DOCKER_DIR

_IRI = ("jsonschema's optional IRI format check: it builds a grammar at import and alone added 1.1 s to every "
        "Jupyter Server start (jsonschema skips the check when it is missing)")
NOT_INSTALLED = {
    "rfc3987-syntax": _IRI,
    "lark": _IRI,
    "libclang": "Python bindings that TensorFlow's own build tooling uses; nothing imports them when "
                "TensorFlow runs (64 MB per image)",
}


def uv_binary() -> str:
    """The uv binary installed with localab (the `uv` distribution ships it)."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return "uv"



def compile_command(inputs: list[str], output: Path, row: lock.Flavour, no_build: tuple[str, ...] = ()) -> list[str]:
    """uv's resolve; `no_build`: distributions whose source the image cannot build (wheels only)."""
    return [
        uv_binary(), "pip", "compile", *inputs,
        "--generate-hashes", "--no-header", "--quiet",
        "--python-version", row.python,
        "--python-platform", row.platform,
        "--output-file", str(output),
        *[arg for name in NOT_INSTALLED for arg in ("--no-emit-package", name)],
        *[arg for name in sorted(no_build) for arg in ("--only-binary", name)],
    ]


def compile_lock(row: lock.Flavour, inputs: list[str], extra: str, target: Path, *, upgrade: bool, capture: bool,
             no_build: tuple[str, ...] = ()) -> str:
    """uv's hashed output for these inputs (extra: requirements given on stdin)."""
    body_file = target.with_suffix(".body.tmp")
    preferred = None if upgrade else lock.locked_body(target)
    if preferred:
        body_file.write_text(preferred)
    try:
        subprocess.run(compile_command(inputs, body_file.resolve(), row, no_build), input=extra, text=True, cwd=DOCKER_DIR,
                       check=True, capture_output=capture, env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"})
        return body_file.read_text()
    except FileNotFoundError as exc:
        raise UsageError("`uv` is not installed; `localab lock` needs it: pip install 'localab[lock]'") from exc
    finally:
        body_file.unlink(missing_ok=True)


