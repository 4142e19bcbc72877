"""What a Python package index serves: the releases of a distribution with a wheel for the
image's Python and platform, the nearest of them to a wanted version, and whether a source
distribution could be built in the image (plain Python) or not (native code, a wheel stub).
The colab lock asks these questions of every one of Colab's pins."""

import json
import os
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from localab.host.errors import UsageError

SIMPLE_INDEX = "https://pypi.org/simple"


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


def ssl_context() -> ssl.SSLContext:
    bundle = next((os.environ[var] for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")
                   if os.environ.get(var)), None)
    return ssl.create_default_context(cafile=bundle)


def index_url() -> str:
    return (os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or SIMPLE_INDEX).rstrip("/")


def files(name: str, context: ssl.SSLContext | None = None) -> list[dict]:
    """A distribution's files on the index (PEP 691's JSON: filename, hashes, size, url,
    yanked); [] when the index has no such project."""
    request = urllib.request.Request(f"{index_url()}/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    for attempt in range(4):  # a resolver or proxy that drops a few of hundreds of requests
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                return json.load(response)["files"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            if attempt == 3 or exc.code < 500:
                raise UsageError(f"the index answered {exc.code} for {name}; is {index_url()} reachable?") from exc
        except (OSError, ValueError) as exc:
            if attempt == 3:
                raise UsageError(f"cannot read {name} from {index_url()} ({exc})") from exc
        time.sleep(1 + 2 * attempt)
    return []


def installable(filename: str, version: str, supported: frozenset) -> bool:
    """A wheel of exactly `version` that an interpreter with the `supported` tags installs."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename
    from packaging.version import InvalidVersion, Version

    if not filename.endswith(".whl"):
        return False
    try:
        _, found, _, wheel_tags = parse_wheel_filename(filename)
        return found == Version(version) and bool(wheel_tags & supported)
    except (InvalidWheelFilename, InvalidVersion, ValueError):
        return False


def releases(name: str, supported: frozenset, context: ssl.SSLContext | None = None) -> Releases:
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    found = Releases()
    for entry in files(name, context):
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
