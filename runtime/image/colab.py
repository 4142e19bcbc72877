"""Colab's own package set as the input of a flavour's lock, and the parity it reaches.

Colab publishes `pip freeze` of its runtime (googlecolab/backend-info). A colab flavour
names a copy of it under docker/colab/. `localab lock` turns that freeze into pins PyPI
can serve for the image's Python and platform, resolves them with uv like any lock, and
writes docker/colab/parity-<flavour>.json: for each of Colab's distributions, the version
the image holds (Colab's, another, or none) and why it differs. The image carries that
file, so `localab manifest IMAGE --colab` can say what an image has against Colab's.
"""

import json
import os
import re
import ssl
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from runtime.errors import UsageError

_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:==(\S+)| @ (\S+))$")
# A wheel's file name: name-version(-build)?-python-abi-platform.whl
_WHEEL = re.compile(r"/([A-Za-z0-9_.]+)-([0-9][^-/]*)-(?:\d[^-/]*-)?[^-/]+-[^-/]+-[^-/]+\.whl(?:#.*)?$")
_OWN = {"google-colab": "Colab's own package, not published anywhere: localab's google.colab stand-in "
                        "takes its place"}
SIMPLE_INDEX = "https://pypi.org/simple"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pin:
    """One of Colab's distributions and what the lock asks PyPI for."""

    name: str  # normalised
    colab: str  # Colab's version, or the URL Colab installed it from
    version: str | None  # what the requirements pin; None: left out of the image
    reason: str = ""  # why `version` is not exactly Colab's, or why it is left out
    sdist_only: bool = False  # PyPI has only its source at that version: uv must build it
    fixed: bool = False  # set by the flavour's row (substitutes): a conflict moves the other pin
    wheel_only: bool = False  # its source cannot be built in the image: uv may take only its wheels

    @property
    def requirement(self) -> str | None:
        if self.version is None:
            return None
        return f"{self.name}=={self.version}" if self.version else self.name


def read_freeze(path: Path) -> list[Pin]:
    """The pins of a `pip freeze` file; anything else is refused with the line that is wrong."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"colab freeze: cannot read '{path}' ({exc}); name the pip-freeze.txt of "
                         f"googlecolab/backend-info") from exc
    pins: dict[str, Pin] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        found = _LINE.match(line)
        if not found:
            raise UsageError(f"colab freeze: {path}:{number}: '{line[:80]}' is not a line of `pip freeze` "
                             f"(name==version or name @ URL); name the pip-freeze.txt of googlecolab/backend-info")
        name, version, url = normalise(found.group(1)), found.group(2), found.group(3)
        pins[name] = _pin_from_freeze(name, version, url)
    if len(pins) < 2:
        raise UsageError(f"colab freeze: {path} pins {len(pins)} distributions; that is not a `pip freeze` "
                         f"of a runtime")
    return list(pins.values())


def _pin_from_freeze(name: str, version: str | None, url: str | None) -> Pin:
    if version:
        return Pin(name, version, version)
    if name in _OWN:
        return Pin(name, url, None, _OWN[name])
    wheel = _WHEEL.search(urllib.parse.unquote(url))
    if wheel:
        public = wheel.group(2).split("+")[0]
        host = urllib.parse.urlsplit(url).netloc
        return Pin(name, url, public, f"Colab installs {wheel.group(2)} from {host}, not PyPI; the lock asks PyPI for "
                                      f"{public}")
    return Pin(name, url, None, f"Colab installs it from {url.split('#')[0]}, not from a release on PyPI")


# -- what PyPI serves for the image's Python and platform ------------------------------------

def source_line(kept: Path, freeze: Path) -> str:
    """Where a freeze came from: the commit SOURCE.md beside the kept copy names, or,
    for a file given with --colab-freeze, its name and digest."""
    import hashlib

    if freeze.resolve() != kept.resolve():
        return f"{freeze.name}, sha256 {hashlib.sha256(freeze.read_bytes()).hexdigest()[:12]}"
    try:
        text = (kept.parent / "SOURCE.md").read_text()
    except OSError:
        text = ""
    found = re.search(r"googlecolab/backend-info.*?commit ([0-9a-f]{40}) \(([^,)]+)", " ".join(text.split()))
    return f"googlecolab/backend-info {found.group(1)[:12]} ({found.group(2)})" if found else \
        f"{freeze.name}, sha256 {hashlib.sha256(freeze.read_bytes()).hexdigest()[:12]}"


def adopt_freeze(new: Path, kept: Path) -> None:
    """Keep a newer freeze in place of the old one, and say so in SOURCE.md."""
    import hashlib
    from datetime import date

    data = new.read_bytes()
    kept.write_bytes(data)
    with (kept.parent / "SOURCE.md").open("a") as handle:
        handle.write(f"\n{kept.name} replaced on {date.today()} by `localab lock --colab-freeze {new}` "
                     f"(sha256 {hashlib.sha256(data).hexdigest()[:12]}).\n")


def supported_tags(python: str, glibc_minor: int = 40) -> frozenset:
    from packaging import tags

    version = tuple(int(part) for part in python.split("."))
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(glibc_minor, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
    interpreter = f"cp{version[0]}{version[1]}"
    return frozenset([*tags.cpython_tags(version, platforms=platforms),
                      *tags.compatible_tags(version, interpreter, platforms)])


@dataclass
class Releases:
    """One distribution's files on the index, by version."""

    wheels: set[str] = field(default_factory=set)  # versions with a wheel this image can install
    sources: set[str] = field(default_factory=set)  # versions with a source distribution
    any_file: set[str] = field(default_factory=set)
    source_urls: dict[str, str] = field(default_factory=dict)  # version -> its source distribution


def _ssl_context() -> ssl.SSLContext:
    bundle = next((os.environ[var] for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")
                   if os.environ.get(var)), None)
    return ssl.create_default_context(cafile=bundle)


def index_url() -> str:
    return (os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or SIMPLE_INDEX).rstrip("/")


def releases(name: str, supported: frozenset, context: ssl.SSLContext | None = None) -> Releases:
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    request = urllib.request.Request(f"{index_url()}/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    found = Releases()
    for attempt in range(4):  # a resolver or proxy that drops a few of hundreds of requests
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                files = json.load(response)["files"]
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return found
            if attempt == 3 or exc.code < 500:
                raise UsageError(f"colab lock: the index answered {exc.code} for {name}; is {index_url()} "
                                 f"reachable?") from exc
        except (OSError, ValueError) as exc:
            if attempt == 3:
                raise UsageError(f"colab lock: cannot read {name} from {index_url()} ({exc})") from exc
        time.sleep(1 + 2 * attempt)
    for entry in files:
        if entry.get("yanked"):
            continue
        filename = entry["filename"]
        try:
            if filename.endswith(".whl"):
                _, version, _, wheel_tags = parse_wheel_filename(filename)
                found.any_file.add(str(version))
                if wheel_tags & supported:
                    found.wheels.add(str(version))
            elif filename.endswith((".tar.gz", ".zip")):
                _, version = parse_sdist_filename(filename)
                found.any_file.add(str(version))
                found.sources.add(str(version))
                found.source_urls[str(version)] = entry["url"]
        except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
            continue
    return found


def nearest(wanted: str, candidates: set[str]) -> str | None:
    """The release closest below `wanted` (else the closest above), final releases only
    unless Colab's own pin is a pre-release."""
    from packaging.version import InvalidVersion, Version

    try:
        target = Version(wanted)
    except InvalidVersion:
        target = None
    parsed = []
    for candidate in candidates:
        try:
            version = Version(candidate)
        except InvalidVersion:
            continue
        if version.is_prerelease and not (target and target.is_prerelease):
            continue
        parsed.append(version)
    if not parsed:
        return None
    if target is None:
        return str(max(parsed))
    below = [v for v in parsed if v <= target]
    return str(max(below)) if below else str(min(parsed))


def fit_to_index(pins: list[Pin], python: str, say=print) -> None:
    """Move each pin to what the index serves for this Python and platform, recording why."""
    supported = supported_tags(python)
    context = _ssl_context()
    wanted = [pin for pin in pins if pin.version]
    say(f"checking {len(wanted)} of Colab's pins against {index_url()} for Python {python} on Linux x86-64")
    with ThreadPoolExecutor(8) as pool:
        found = dict(zip([p.name for p in wanted], pool.map(lambda p: releases(p.name, supported, context), wanted)))
    for pin in wanted:
        have = found[pin.name]
        if pin.version in have.wheels:
            continue
        unbuildable = pin.version in have.sources and cannot_build(have.source_urls[pin.version], context)
        if pin.version in have.sources and not unbuildable:
            pin.sdist_only = True  # pure Python: uv builds its wheel in the image without a compiler
            continue
        other = nearest(pin.version, have.wheels)
        if unbuildable:
            pin.wheel_only = True
            why = f"{pin.name} {pin.version} is on the index only as source that {unbuildable}"
        elif not have.any_file:
            why = f"{pin.name} is not on the index"
        elif pin.version in have.any_file:
            why = f"{pin.name} {pin.version} has no wheel for Python {python} on Linux x86-64"
        else:
            why = f"{pin.name} {pin.version} is not on the index"
        pin.reason = "; ".join(filter(None, [pin.reason, why]))
        if other:
            pin.reason += f": the nearest release with such a wheel, {other}"
        else:
            pin.reason += ": left out"
        pin.version = other


NATIVE_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".f90", "CMakeLists.txt", "meson.build", "binding.gyp")
# In a build script: what only a compiler can finish (cffi's API mode generates its C at build time).
NATIVE_MARKERS = (b"ext_modules", b"cffi_modules", b"Extension(", b"pybind11", b"scikit-build", b"maturin",
                  b"mesonpy", b"cmake")
# A build backend that downloads the real wheel from another index at build time (NVIDIA's RAPIDS
# placeholders on PyPI): an offline, hash-checked build cannot reach it.
STUB_MARKERS = (b"wheel_stub", b"wheel-stub")
BUILD_SCRIPTS = ("setup.py", "pyproject.toml", "setup.cfg")
NATIVE = "compiles native code (the image has no compiler or its libraries' headers)"
STUB = "is a stub whose build downloads the wheel from another index (wheel-stub), out of an offline build's reach"


def cannot_build(url: str, context: ssl.SSLContext | None = None) -> str | None:
    """Why the image could not build this source distribution (NATIVE or STUB), or None when
    it is plain Python. Read as the archive streams by."""
    import io
    import tarfile
    import zipfile

    def why(name: str, read) -> str | None:
        if name.endswith(NATIVE_SOURCES):
            return NATIVE
        parts = name.split("/")
        if len(parts) > 2 or parts[-1] not in BUILD_SCRIPTS:
            return None
        script = read()
        if any(marker in script for marker in STUB_MARKERS):
            return STUB
        return NATIVE if any(marker in script for marker in NATIVE_MARKERS) else None

    with urllib.request.urlopen(url, timeout=300, context=context) as response:
        if url.endswith(".zip"):
            archive = zipfile.ZipFile(io.BytesIO(response.read()))
            reasons = (why(name, lambda name=name: archive.read(name)) for name in archive.namelist())
            return next(filter(None, reasons), None)
        with tarfile.open(fileobj=response, mode="r|*") as archive:
            for member in archive:
                def read(member=member):
                    handle = archive.extractfile(member)
                    return handle.read() if handle else b""

                reason = member.isfile() and why(member.name, read)
                if reason:
                    return reason
    return None


def fall_back(pin: Pin, python: str, why: str) -> None:
    """A pin uv could not use as it stands: the nearest release with a wheel, else none."""
    have = releases(pin.name, supported_tags(python), _ssl_context())
    other = nearest(pin.version or pin.colab, have.wheels - {pin.version})
    pin.reason = "; ".join(filter(None, [pin.reason, why])) + (
        f": the nearest release with a wheel, {other}" if other else ": left out")
    pin.version, pin.sdist_only = other, False


# -- the parity ---------------------------------------------------------------------------------

def parity(pins: list[Pin], locked: dict[str, str], *, left_out: dict[str, str]) -> dict:
    """Each of Colab's distributions against the lock: same, other (why) or missing (why)."""
    rows = {}
    for pin in sorted(pins, key=lambda p: p.name):
        have = locked.get(pin.name)
        colab_version = pin.colab if "://" not in pin.colab else None
        if have is None:
            status, reason = "missing", left_out.get(pin.name) or pin.reason or "not in the resolved lock"
        elif have == colab_version:
            status, reason = "same", ""
        else:
            status = "other"
            reason = pin.reason or f"resolved to {have} with localab's own requirements"
        rows[pin.name] = {"colab": pin.colab, "image": have, "status": status, "reason": reason}
    return rows


def against_image(report: dict, distributions: dict[str, str]) -> dict:
    """The lock-time parity checked against what an image really holds: the statuses from
    its distributions, the reasons from the lock."""
    wanted = {name: {"colab": row["colab"], "version": None if "://" in row["colab"] else row["colab"]}
              for name, row in report["packages"].items()}
    rows = {}
    for name, row in report["packages"].items():
        have = distributions.get(name)
        status = "missing" if have is None else "same" if have == wanted[name]["version"] else "other"
        reason = "" if status == "same" else row["reason"] or (
            "not in the image" if have is None else f"the image holds {have}")
        rows[name] = {**row, "image": have, "status": status, "reason": reason}
    return {**report, "packages": rows}


def summary(rows: dict) -> dict[str, int]:
    counts = {"same": 0, "other": 0, "missing": 0}
    for row in rows.values():
        counts[row["status"]] += 1
    return counts


def render(report: dict, *, detail: bool = True) -> str:
    """The parity as Markdown-friendly text: the counts, then each difference with its reason."""
    rows, counts = report["packages"], summary(report["packages"])
    lines = [f"Colab parity of the '{report['flavour']}' image: {len(rows)} of Colab's distributions "
             f"(freeze {report['freeze']}, {report['source']}), Python {report['python']}",
             f"  at Colab's version: {counts['same']}",
             f"  at another version: {counts['other']}",
             f"  missing:            {counts['missing']}"]
    if detail:
        for status, title in (("other", "At another version"), ("missing", "Missing")):
            listed = [(name, row) for name, row in rows.items() if row["status"] == status]
            if listed:
                lines += ["", f"{title} ({len(listed)}):"]
            for name, row in listed:
                have = f" -> {row['image']}" if row["image"] else ""
                colab = row["colab"] if "://" not in row["colab"] else "URL"
                lines.append(f"  {name} {colab}{have}: {row['reason']}")
    return "\n".join(lines)
