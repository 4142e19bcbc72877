"""Image flavours and their lock files: what `localab lock` writes and `localab build` trusts.

A lock file is uv's hashed output behind a two-line header. The header records the
sha256 of the body, so an edit made after `localab lock` (a changed pin or hash) is
caught before a build starts; pip's --require-hashes catches a tampered download.
"""

import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.image.footprint import Footprint
from localab.host.paths import DOCKER_DIR
from localab.host.refs import current_name, gpu_flavour

# Each Debian release's python3 (the image's interpreter) and the newest manylinux tag uv
# knows that its glibc runs (bookworm 2.36; trixie's 2.41 is past uv's list).
PYTHONS = {"bookworm": ("3.11", "x86_64-manylinux_2_36"), "trixie": ("3.13", "x86_64-manylinux_2_40")}
_HEADER = "# localab lock for the '{flavour}' image, written by `localab lock`: do not edit by hand.\n"
_DIGEST = re.compile(r"^# body-sha256: ([0-9a-f]{64})\n", re.M)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)")
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
    footprint: Footprint | None = None  # what a first build costs (footprint.py)

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
    hashes: dict[str, frozenset] = field(default_factory=dict)  # normalised name -> its files' sha256

    @property
    def tensorflow_version(self) -> str:
        for name in ("tensorflow", "tensorflow-cpu"):
            if name in self.pins:
                return self.pins[name]
        raise UsageError(f"{self.path}: pins no tensorflow distribution; run `localab lock`")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def flavours(path: Path = DOCKER_DIR / "flavours.toml") -> dict[str, Flavour]:
    """docker/flavours.toml, read once: the images as data."""
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
                      substitutes_reason=spec.get("substitutes_reason", ""),
                      footprint=Footprint(**spec["footprint"]) if "footprint" in spec else None)
        for name, spec in data["flavours"].items()
    }


def flavour(name: str) -> Flavour:
    name = current_name(name)
    known = flavours()
    if name not in known:
        raise UsageError(
            f"flavour: '{name}' is not an image flavour; use one of: {', '.join(sorted(known))}"
        )
    return known[name]


def runtime_flavour(name: str, field: str = "flavour") -> str:
    """A flavour a user may name for a runtime: a runtime row with a GPU sibling (colab, tf);
    the GPU image follows from --gpu or the profile."""
    name = current_name(name)
    known = flavours()
    families = sorted(n for n, row in known.items() if row.is_runtime and gpu_flavour(n) in known)
    if name not in families:
        hint = "; the GPU image follows from --gpu or the profile's gpu" if name in known else ""
        raise UsageError(f"{field}: '{name}' is not a runtime image; use one of: {', '.join(families)}{hint}")
    return name


def lock_path(flavour_name: str) -> Path:
    return DOCKER_DIR / f"lock-{current_name(flavour_name)}.txt"


def lock_names() -> list[str]:
    return sorted(flavours())


def lock_name(name: str) -> str:
    """A lock's (and its image's) name: a row of the flavours table, checked."""
    return flavour(name).name


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
    hashes: dict[str, frozenset] = {}
    # A requirement is a pin line plus its backslash-continued --hash lines.
    for entry in re.split(r"\n(?=[^\s#])", body):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        pin = PIN.match(entry)
        if not pin:
            raise UsageError(f"{path}: '{entry.splitlines()[0]}' is not an exact pin (name==version); {fix}")
        if not _HASH.search(entry):
            raise UsageError(f"{path}: {pin.group(1)}=={pin.group(3)} has no sha256 hash; {fix}")
        pins[normalise(pin.group(1))] = pin.group(3)
        hashes[normalise(pin.group(1))] = frozenset(_HASH.findall(entry))
    if not pins:
        raise UsageError(f"{path}: pins nothing; {fix}")
    return Lock(flavour_name, path, hashlib.sha256(text.encode()).hexdigest(), pins, hashes)


def read_lock(flavour_name: str) -> Lock:
    path = lock_path(flavour_name)
    if not path.is_file():
        raise UsageError(f"{path}: missing; run `localab lock` to write it")
    return parse(path.read_text(), flavour_name=flavour_name, path=path)
