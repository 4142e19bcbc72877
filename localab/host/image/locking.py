"""`localab lock`: writing a flavour's lock, through uv for the plain flavours and through
colablock for those built from Colab's freeze."""

import json
import subprocess
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.image import colab, colablock, lock, uvcompile
from localab.host.paths import DOCKER_DIR


def write_lock(flavour_name: str, *, upgrade: bool = False, colab_freeze: Path | None = None, say=print) -> lock.Lock:
    """Resolve a flavour's requirements (its files under docker/, plus its TensorFlow pin,
    or Colab's freeze) into a hashed lock. The pins already locked are kept where they
    still satisfy the inputs (uv prefers what its output file holds), so a changed input
    moves only what it must; `upgrade` resolves everything anew. Nothing is written
    unless uv succeeds. `colab_freeze`: a newer `pip freeze` of Colab's runtime, which
    replaces the flavour's copy once it has been resolved."""
    row = lock.flavour(flavour_name)
    target = lock.lock_path(flavour_name)
    if colab_freeze and not row.freeze:
        raise UsageError(f"colab-freeze: the '{flavour_name}' flavour is not built from Colab's freeze; "
                         f"use one of: {', '.join(n for n, r in lock.flavours().items() if r.freeze)}")
    if row.freeze:
        body, report = colablock.colab_lock(row, colab_freeze or DOCKER_DIR / row.freeze, target, upgrade=upgrade,
                                            say=say)
        if colab_freeze:
            colab.adopt_freeze(colab_freeze, DOCKER_DIR / row.freeze)
        lock.parity_path(row.name).write_text(json.dumps(report, indent=1) + "\n")
    else:
        inputs = [*row.requirements, *(["-"] if row.requirement else [])]
        try:
            body = uvcompile.compile_lock(row, inputs, row.requirement, target, upgrade=upgrade, capture=False)
        except subprocess.CalledProcessError as exc:
            raise UsageError(f"uv could not resolve the '{flavour_name}' lock (exit {exc.returncode}); "
                             f"see above") from exc
    target.write_text(lock.render(flavour_name, body))
    return lock.read_lock(flavour_name)
