"""The base image: pulled when a registry has it, else made locally from Debian's
package mirror (debootstrap, then `docker import`), for hosts with no registry."""

import os
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

from localab.host import commands
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.machine.osinfo import is_debian_like, is_root

SUITE = "bookworm"  # Debian 12: python3 is 3.11, the runtime images' interpreter
SUITES = ("bookworm", "trixie")  # trixie: python3 is 3.13, Colab's
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Left out of the imported image: package caches and lists the Dockerfile refetches anyway.
PRUNE = ("var/cache/apt/archives", "var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man")


def base_image(suite: str = SUITE) -> str:
    return f"localab-base:{suite}"


BASE_IMAGE = base_image()


def validate_suite(suite: str) -> str:
    if suite not in SUITES:
        raise UsageError(f"suite: '{suite}' is not a Debian release localab makes a base from; use one of: "
                         f"{', '.join(SUITES)}")
    return suite


def validate_mirror(mirror: str) -> str:
    """A Debian mirror URL: http(s) with a host, or file: with a path (a local mirror);
    nothing a program could read as an option, no spaces or control characters."""
    parsed = urllib.parse.urlsplit(mirror)
    located = parsed.netloc if parsed.scheme in ("http", "https") else parsed.path.startswith("/") if \
        parsed.scheme == "file" else False
    if not located or any(c.isspace() for c in mirror) or not mirror.isprintable() or not mirror.isascii():
        raise UsageError(f"mirror: '{mirror}' is not a Debian mirror URL; use one like {DEFAULT_MIRROR}")
    return mirror


def debootstrap_command(target: Path, mirror: str, suite: str = SUITE) -> list[str]:
    return ["debootstrap", "--variant=minbase", "--include=python3-minimal", suite, str(target), mirror]


def verify_tree(root: Path) -> None:
    """A base must have a working apt-get and python3, or nothing is tagged."""
    for program in (["/usr/bin/apt-get", "--version"], ["/usr/bin/python3", "-c", "import sys"]):
        if not (root / program[0].lstrip("/")).is_file():
            raise LocalabError(f"the debootstrap tree has no {program[0]}; nothing was tagged")
        commands.run(["chroot", str(root), *program], quiet=True)


def resolve_base(engine: Engine, suite: str = SUITE, say=print) -> str:
    """The base for a build when none is named: localab's own if it was made already,
    else Debian's from a registry (no root needed), else made here from Debian's mirror
    (debootstrap: the one step that needs root)."""
    local, official = base_image(suite), f"debian:{validate_suite(suite)}"
    for ref in (local, official):
        if engine.image(ref):
            return ref
    say(f"pulling {official} as the base image")
    if engine.pull(official):
        return official
    say(f"no registry gives {official}; making {local} from Debian's package mirror instead")
    return make_base(engine, say=say, suite=suite)


def ensure_base(engine: Engine, ref: str, say=print) -> str:
    """Make sure `ref` exists locally; returns it."""
    if engine.image(ref):
        return ref
    suite = ref.partition(":")[2]
    if not (ref.startswith("localab-base:") and suite in SUITES):
        say(f"base image {ref} is not here; pulling it")
        if engine.pull(ref):
            return ref
        raise UsageError(
            f"base: '{ref}' is not here and cannot be pulled; pull it yourself, or leave --base "
            f"out to use {BASE_IMAGE}, which `localab base` makes without a registry"
        )
    make_base(engine, say=say, suite=suite)
    return ref


def make_base(engine: Engine, say=print, mirror: str | None = None, suite: str = SUITE) -> str:
    """debootstrap SUITE, checked, imported as localab-base:SUITE; returns the tag."""
    mirror = validate_mirror(mirror or os.environ.get("LOCALAB_DEBIAN_MIRROR", DEFAULT_MIRROR))
    tag = base_image(validate_suite(suite))
    if not is_root():
        raise LocalabError(
            f"no registry gives debian:{suite} and making {tag} needs root (debootstrap): run `sudo localab base"
            f"{'' if suite == SUITE else ' --suite ' + suite}` once, or pass an image you have with --base"
        )
    if not shutil.which("debootstrap"):
        if not is_debian_like():
            raise LocalabError("debootstrap is not installed; install it, or pass an existing image with --base")
        say("installing debootstrap")
        commands.apt_install("debootstrap")
    with tempfile.TemporaryDirectory(prefix="localab-base-") as tmp:
        root = Path(tmp) / "rootfs"
        say(f"debootstrap {suite} (minbase) from {mirror}: about half a minute")
        commands.run(debootstrap_command(root, mirror, suite), quiet=True)
        verify_tree(root)
        for relative in PRUNE:
            shutil.rmtree(root / relative, ignore_errors=True)
        (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
        (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
        say(f"importing it as {tag}")
        tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        try:
            engine.import_image(tar.stdout, tag)
        finally:
            tar.stdout.close()
            tar.wait(timeout=120)
    if not engine.image(tag):
        raise LocalabError(f"`docker import` did not produce {tag}; see the engine's log")
    return tag
