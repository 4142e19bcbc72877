"""Colab's own package set as the input of a flavour's lock, and the parity it reaches.

Colab publishes `pip freeze` of its runtime (googlecolab/backend-info). A colab flavour
names a copy of it under docker/colab/. `localab lock` turns that freeze into pins PyPI
can serve for the image's Python and platform, resolves them with uv like any lock, and
writes docker/colab/parity-<flavour>.json: for each of Colab's distributions, the version
the image holds (Colab's, another, or none) and why it differs. The image carries that
file, so `localab manifest IMAGE --colab` can say what an image has against Colab's.
"""

import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.image import pypi

_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:==(\S+)| @ (\S+))$")
# A wheel's file name: name-version(-build)?-python-abi-platform.whl
_WHEEL = re.compile(r"/([A-Za-z0-9_.]+)-([0-9][^-/]*)-(?:\d[^-/]*-)?[^-/]+-[^-/]+-[^-/]+\.whl(?:#.*)?$")
_OWN = {"google-colab": "Colab's own package, not published anywhere: localab's google.colab stand-in "
                        "takes its place"}


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


def fit_to_index(pins: list[Pin], python: str, say=print) -> None:
    """Move each pin to what the index serves for this Python and platform, recording why."""
    supported = pypi.supported_tags(python)
    context = pypi.ssl_context()
    wanted = [pin for pin in pins if pin.version]
    say(f"checking {len(wanted)} of Colab's pins against {pypi.index_url()} for Python {python} on Linux x86-64")
    with ThreadPoolExecutor(8) as pool:
        answers = pool.map(lambda pin: pypi.releases(pin.name, supported, context), wanted)
        found = dict(zip([pin.name for pin in wanted], answers))
    for pin in wanted:
        have = found[pin.name]
        if pin.version in have.wheels:
            continue
        unbuildable = pin.version in have.sources and pypi.cannot_build(have.source_urls[pin.version], context)
        if pin.version in have.sources and not unbuildable:
            pin.sdist_only = True  # pure Python: uv builds its wheel in the image without a compiler
            continue
        other = pypi.nearest(pin.version, have.wheels)
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


def fall_back(pin: Pin, python: str, why: str) -> None:
    """A pin uv could not use as it stands: the nearest release with a wheel, else none."""
    have = pypi.releases(pin.name, pypi.supported_tags(python), pypi.ssl_context())
    other = pypi.nearest(pin.version or pin.colab, have.wheels - {pin.version})
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
