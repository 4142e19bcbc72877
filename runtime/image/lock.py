"""Image flavours and their lock files: what `localab lock` writes and `localab build` trusts.

A lock file is uv's hashed output behind a two-line header. The header records the
sha256 of the body, so an edit made after `localab lock` (a changed pin or hash) is
caught before a build starts; pip's --require-hashes catches a tampered download.
"""

import hashlib
import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import UsageError
from runtime.paths import DOCKER_DIR
from runtime.plan import gpu_flavour

# Each Debian release's python3 (the image's interpreter) and the newest manylinux tag uv
# knows that its glibc runs (bookworm 2.36; trixie's 2.41 is past uv's list).
PYTHONS = {"bookworm": ("3.11", "x86_64-manylinux_2_36"), "trixie": ("3.13", "x86_64-manylinux_2_40")}
_IRI = ("jsonschema's optional IRI format check: it builds a grammar at import and alone added 1.1 s to every "
        "Jupyter Server start (jsonschema skips the check when it is missing)")
NOT_INSTALLED = {
    "rfc3987-syntax": _IRI,
    "lark": _IRI,
    "libclang": "Python bindings that TensorFlow's own build tooling uses; nothing imports them when "
                "TensorFlow runs (64 MB per image)",
}
_HEADER = "# localab lock for the '{flavour}' image, written by `localab lock`: do not edit by hand.\n"
_DIGEST = re.compile(r"^# body-sha256: ([0-9a-f]{64})\n", re.M)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})\b")


@dataclass(frozen=True)
class Flavour:
    """One row of docker/flavours.toml."""

    name: str
    description: str
    dockerfile: str  # under docker/
    requirements: tuple[str, ...]  # under docker/, what the lock is resolved from
    context: tuple[tuple[str, str], ...]  # (path in the checkout, where it goes in the build context)
    tensorflow: str = ""  # the distribution, e.g. "tensorflow-cpu"; "" for an image without TensorFlow
    tensorflow_version: str = ""
    title: str = ""
    suite: str = "bookworm"  # the Debian release of its base: its python3 is the image's Python
    freeze: str = ""  # under docker/: a `pip freeze` of Colab's runtime, the lock's main input
    apt: tuple[str, ...] = ()  # Debian packages added to the image's system layer
    substitutes: tuple[tuple[str, str], ...] = ()  # (name, version) in place of the freeze's, for one reason:
    substitutes_reason: str = ""

    @property
    def python(self) -> str:
        return PYTHONS[self.suite][0]

    @property
    def platform(self) -> str:
        return PYTHONS[self.suite][1]

    @property
    def is_runtime(self) -> bool:
        """A runtime image (`localab up` starts it), as opposed to the hub's."""
        return bool(self.tensorflow)

    @property
    def requirement(self) -> str:
        """The TensorFlow pin added to the requirements; "" for an image without it."""
        return f"{self.tensorflow}=={self.tensorflow_version}\n" if self.tensorflow and not self.freeze else ""


@dataclass(frozen=True)
class Lock:
    flavour: str
    path: Path
    sha256: str  # of the whole file: what the image's label records
    pins: dict[str, str]  # normalised distribution name -> exact version

    @property
    def tensorflow_version(self) -> str:
        for name in ("tensorflow", "tensorflow-cpu"):
            if name in self.pins:
                return self.pins[name]
        raise UsageError(f"{self.path}: pins no tensorflow distribution; run `localab lock`")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def flavours(path: Path = DOCKER_DIR / "flavours.toml") -> dict[str, Flavour]:
    data = tomllib.loads(path.read_text())
    version = data["tensorflow_version"]
    return {
        name: Flavour(name=name, description=spec.get("description", ""), dockerfile=spec["dockerfile"],
                      requirements=tuple(spec["requirements"]), context=tuple(spec["context"].items()),
                      tensorflow=spec.get("tensorflow", ""),
                      tensorflow_version=version if spec.get("tensorflow") and not spec.get("freeze") else "",
                      title=spec.get("title") or f"localab {name} runtime", suite=spec.get("suite", "bookworm"),
                      freeze=spec.get("freeze", ""), apt=tuple(spec.get("apt", ())),
                      substitutes=tuple(spec.get("substitutes", {}).items()),
                      substitutes_reason=spec.get("substitutes_reason", ""))
        for name, spec in data["flavours"].items()
    }


def flavour(name: str) -> Flavour:
    known = flavours()
    if name not in known:
        raise UsageError(
            f"flavour: '{name}' is not an image flavour; use one of: {', '.join(sorted(known))}"
        )
    return known[name]


def runtime_flavour(name: str, field: str = "flavour") -> str:
    """A flavour a user may name for a runtime: a runtime row with a GPU sibling (cpu, colab);
    the GPU image follows from --gpu or the profile."""
    known = flavours()
    families = sorted(n for n, row in known.items() if row.is_runtime and gpu_flavour(n) in known)
    if name not in families:
        hint = "; the GPU image follows from --gpu or the profile's gpu" if name in known else ""
        raise UsageError(f"{field}: '{name}' is not a runtime image; use one of: {', '.join(families)}{hint}")
    return name


def lock_path(flavour_name: str) -> Path:
    return DOCKER_DIR / f"lock-{flavour_name}.txt"


def _uv() -> str:
    """The uv binary installed with localab (the `uv` distribution ships it)."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return "uv"


def lock_names() -> list[str]:
    return sorted(flavours())


def lock_name(name: str) -> str:
    """A lock's (and its image's) name: a row of the flavours table, checked."""
    return flavour(name).name


def compile_command(inputs: list[str], output: Path, row: Flavour, no_build: tuple[str, ...] = ()) -> list[str]:
    """uv's resolve; `no_build`: distributions whose source the image cannot build (wheels only)."""
    return [
        _uv(), "pip", "compile", *inputs,
        "--generate-hashes", "--no-header", "--quiet",
        "--python-version", row.python,
        "--python-platform", row.platform,
        "--output-file", str(output),
        *[arg for name in NOT_INSTALLED for arg in ("--no-emit-package", name)],
        *[arg for name in sorted(no_build) for arg in ("--only-binary", name)],
    ]


def _compile(row: Flavour, inputs: list[str], extra: str, target: Path, *, upgrade: bool, capture: bool,
             no_build: tuple[str, ...] = ()) -> str:
    """uv's hashed output for these inputs (extra: requirements given on stdin)."""
    body_file = target.with_suffix(".body.tmp")
    preferred = None if upgrade else locked_body(target)
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


def write_lock(flavour_name: str, *, upgrade: bool = False, colab_freeze: Path | None = None, say=print) -> Lock:
    """Resolve a flavour's requirements (its files under docker/, plus its TensorFlow pin,
    or Colab's freeze) into a hashed lock. The pins already locked are kept where they
    still satisfy the inputs (uv prefers what its output file holds), so a changed input
    moves only what it must; `upgrade` resolves everything anew. Nothing is written
    unless uv succeeds. `colab_freeze`: a newer `pip freeze` of Colab's runtime, which
    replaces the flavour's copy once it has been resolved."""
    row = flavour(flavour_name)
    target = lock_path(flavour_name)
    if colab_freeze and not row.freeze:
        raise UsageError(f"colab-freeze: the '{flavour_name}' flavour is not built from Colab's freeze; "
                         f"use one of: {', '.join(n for n, r in flavours().items() if r.freeze)}")
    if row.freeze:
        from runtime.image import colablock

        body, report = colablock.colab_lock(row, colab_freeze or DOCKER_DIR / row.freeze, target, upgrade=upgrade,
                                            say=say)
        if colab_freeze:
            from runtime.image import colab

            colab.adopt_freeze(colab_freeze, DOCKER_DIR / row.freeze)
        parity_path(row.name).write_text(json.dumps(report, indent=1) + "\n")
    else:
        inputs = [*row.requirements, *(["-"] if row.requirement else [])]
        try:
            body = _compile(row, inputs, row.requirement, target, upgrade=upgrade, capture=False)
        except subprocess.CalledProcessError as exc:
            raise UsageError(f"uv could not resolve the '{flavour_name}' lock (exit {exc.returncode}); "
                             f"see above") from exc
    target.write_text(render(flavour_name, body))
    return read_lock(flavour_name)


def parity_path(flavour_name: str) -> Path:
    return DOCKER_DIR / "colab" / f"parity-{flavour_name}.json"


def locked_body(path: Path) -> str | None:
    """The pins of an intact lock file; None when it is missing or was edited by hand
    (then `localab lock` resolves afresh, which is how a tampered lock is repaired)."""
    text = path.read_text() if path.is_file() else ""
    found = _DIGEST.search(text)
    if not found or hashlib.sha256(text[found.end():].encode()).hexdigest() != found.group(1):
        return None
    return text[found.end():]


def render(flavour_name: str, body: str) -> str:
    digest = hashlib.sha256(body.encode()).hexdigest()
    return _HEADER.format(flavour=flavour_name) + f"# body-sha256: {digest}\n" + body


def parse(text: str, *, flavour_name: str, path: Path) -> Lock:
    """Validate a lock file's text; every problem names the file and what to do."""
    fix = "run `localab lock` to write it again, or restore it with `git checkout`"
    found = _DIGEST.search(text)
    if not text.startswith("# localab lock") or not found:
        raise UsageError(f"{path}: not a localab lock file (no body-sha256 header); {fix}")
    body = text[found.end():]
    actual = hashlib.sha256(body.encode()).hexdigest()
    if actual != found.group(1):
        raise UsageError(
            f"{path}: edited after `localab lock` (body sha256 {actual[:12]}…, header says "
            f"{found.group(1)[:12]}…); {fix}"
        )
    pins: dict[str, str] = {}
    # A requirement is a pin line plus its backslash-continued --hash lines.
    for entry in re.split(r"\n(?=[^\s#])", body):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        pin = _PIN.match(entry)
        if not pin:
            raise UsageError(f"{path}: '{entry.splitlines()[0]}' is not an exact pin (name==version); {fix}")
        if not _HASH.search(entry):
            raise UsageError(f"{path}: {pin.group(1)}=={pin.group(3)} has no sha256 hash; {fix}")
        pins[_normalise(pin.group(1))] = pin.group(3)
    if not pins:
        raise UsageError(f"{path}: pins nothing; {fix}")
    return Lock(flavour_name, path, hashlib.sha256(text.encode()).hexdigest(), pins)


def read_lock(flavour_name: str) -> Lock:
    path = lock_path(flavour_name)
    if not path.is_file():
        raise UsageError(f"{path}: missing; run `localab lock` to write it")
    return parse(path.read_text(), flavour_name=flavour_name, path=path)
