"""The lock of a Colab flavour (`localab lock --flavour colab`): Colab's freeze fitted to
what the index serves, resolved by uv with each pin it stops at moved (nearest release, or
left out) and the reason kept for the parity report."""

import contextlib
import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.image import colab, pypi, uvcompile
from localab.host.image.lock import PIN, Flavour, normalise, parse, render
from localab.host.image.uvcompile import NOT_INSTALLED
from localab.host.paths import DOCKER_DIR

_FAILED_BUILD = re.compile(r"Failed to build `([A-Za-z0-9._-]+)==")
_UNUSABLE = re.compile(r"([A-Za-z0-9._-]+)(?:[=<>!]=|[<>])\S+ has no usable wheels|there is no version of ([A-Za-z0-9._-]+)==")
_REQUIRED = re.compile(r"you require ([A-Za-z0-9._-]+)==")
_DEPENDS = re.compile(r"depends on ([A-Za-z0-9._-]+)")
_DEPENDANT = re.compile(r"([A-Za-z0-9._-]+)==\S+ depends on")


def colab_lock(row: Flavour, freeze: Path, target: Path, *, upgrade: bool, say) -> tuple[str, dict]:
    """The lock body and parity of a Colab flavour. uv builds some of Colab's sources to read
    their metadata (pyspark's is 300 MB): tens of GB over the retries, kept out of the user's
    own uv cache."""
    with tempfile.TemporaryDirectory(prefix="localab-lock-uv-") as cache, _environment(UV_CACHE_DIR=cache):
        return _fit(row, freeze, target, upgrade=upgrade, say=say)


def _fit(row: Flavour, freeze: Path, target: Path, *, upgrade: bool, say) -> tuple[str, dict]:
    """Colab's freeze, fitted to what the index serves, plus localab's own requirements;
    each pin uv cannot use is moved (nearest release, or out) with its reason, then the
    parity is written beside the freeze."""
    pins = colab.read_freeze(freeze)
    by_name = {pin.name: pin for pin in pins}
    for name, version in row.substitutes:
        pin = by_name.get(name)
        if pin is None:
            raise UsageError(f"flavours.toml: flavours.{row.name}.substitutes names {name}, which {row.freeze} "
                             f"does not pin; remove it or use the freeze's name for it")
        pin.version, pin.reason, pin.fixed = version, f"{row.substitutes_reason}: {version}", True
    colab.fit_to_index(pins, row.python, say=say)
    for attempt in range(40):
        extra = "".join(f"{pin.requirement}\n" for pin in pins if pin.requirement)
        try:
            body = uvcompile.compile_lock(row, [*row.requirements, "-"], extra, target, upgrade=upgrade, capture=True,
                            no_build=tuple(pin.name for pin in pins if pin.wheel_only))
        except subprocess.CalledProcessError as exc:
            message = exc.stderr or ""
            name, why = _culprit(message, by_name)
            if name is None:
                tail = "\n".join(message.strip().splitlines()[-12:])
                raise UsageError(f"uv could not resolve the '{row.name}' lock (exit {exc.returncode}):\n{tail}") \
                    from exc
            pin = by_name[name]
            say(f"  {name} {pin.version}: {why}")
            if why.startswith("conflicts"):
                pin.reason = "; ".join(filter(None, [pin.reason, why]))
                pin.version = ""  # any version that fits the rest
            elif pin.version == "":  # already free to take any version: none that uv can use fits
                pin.reason = "; ".join(filter(None, [pin.reason, "no release uv can use here fits the rest"])) \
                    + ": left out"
                pin.version = None
            else:
                colab.fall_back(pin, row.python, why)
            continue
        # A dependency that is not one of Colab's pins may exist only as source the image cannot
        # build (rpy2's rpy2-rinterface needs R; RAPIDS' libcugraph-cu12 is a wheel-stub): the pin
        # that pulls it in is moved instead.
        culprits = _unbuildable_dependencies(body, by_name, row.python)
        if not culprits:
            break
        for name, why in culprits.items():
            pin = by_name[name]
            say(f"  {name} {pin.version}: {why}")
            pin.reason = "; ".join(filter(None, [pin.reason, why])) + ": left out"
            pin.version = None
    else:
        raise UsageError(f"uv could not resolve the '{row.name}' lock after 40 adjustments; see above")
    locked = parse(render(row.name, body), flavour_name=row.name, path=target).pins
    rows = colab.parity(pins, locked, left_out=NOT_INSTALLED)
    report = {"flavour": row.name, "freeze": row.freeze, "freeze_sha256": hashlib.sha256(freeze.read_bytes()).hexdigest(),
              "source": colab.source_line(DOCKER_DIR / row.freeze, freeze), "python": row.python, "platform": row.platform,
              "packages": rows}
    say(colab.render(report, detail=False))
    return body, report


def _unbuildable_dependencies(body: str, pins: dict, python: str) -> dict[str, str]:
    """Colab's pins whose locked dependencies come only as source the image cannot build,
    each with the reason."""
    locked = parse(render("colab", body), flavour_name="colab", path=Path("lock")).pins
    others = {name: version for name, version in locked.items() if name not in pins}
    supported, context = pypi.supported_tags(python), pypi.ssl_context()
    culprits = {}
    for name, version in others.items():
        have = pypi.releases(name, supported, context)
        if version in have.wheels or version not in have.source_urls:
            continue
        unbuildable = pypi.cannot_build(have.source_urls[version], context)
        for parent in via(body).get(name, ()) if unbuildable else ():
            if parent in pins and pins[parent].version is not None:
                culprits[parent] = f"needs {name} {version}, which is on the index only as source that {unbuildable}"
    return culprits


def via(body: str) -> dict[str, list[str]]:
    """Who requires each locked distribution, from uv's `# via` comments."""
    found: dict[str, list[str]] = {}
    current = None
    for line in body.splitlines():
        pin = PIN.match(line)
        if pin:
            current = normalise(pin.group(1))
            found[current] = []
            continue
        comment = line.strip()
        if current and comment.startswith("#"):
            names = comment.lstrip("#").strip().removeprefix("via").strip()
            found[current] += [normalise(n) for n in names.split() if n and not n.startswith("-") and n != "-"]
    return found


def _culprit(message: str, pins: dict) -> tuple[str | None, str]:
    """Which of Colab's pins uv stopped at, and why, from uv's own message. In a conflict
    the pin of a dependency moves before the pin of what depends on it (Colab's freeze
    can hold a dependency upgraded past what its dependant declares); when two pins need
    different versions of a third, the one already moved from Colab's (a PyPI build in
    place of Colab's own, e.g. torch's CUDA 13 wheel for Colab's CUDA 12 one) moves on."""
    first = " ".join(message.split())
    built = _FAILED_BUILD.search(message)
    if built and normalise(built.group(1)) in pins:
        return normalise(built.group(1)), "its source does not build here"
    unusable = _UNUSABLE.search(first)
    if unusable:
        name = normalise(unusable.group(1) or unusable.group(2))
        if name in pins:
            return name, "uv cannot use that version here"
    movable = lambda name: name in pins and pins[name].version and not pins[name].fixed  # noqa: E731
    required = [name for name in map(normalise, _REQUIRED.findall(first)) if movable(name)]
    depended = {normalise(name) for name in _DEPENDS.findall(first)}
    dependants = [name for name in map(normalise, _DEPENDANT.findall(first)) if movable(name)]
    chosen = next((name for name in required if name in depended), None)
    if chosen is None:  # two of Colab's pins need different versions of a third: move the one already moved
        chosen = next((name for name in dependants if pins[name].reason), required[-1] if required else None)
    if chosen is None:
        return None, ""
    sentence = re.search(r"Because (.+?) we can conclude", first)
    return chosen, "conflicts with the rest (" + (sentence.group(1).rstrip(", ") if sentence else "uv") + ")"


@contextlib.contextmanager
def _environment(**values: str):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
