"""The base image: pulled when a registry has it, else made locally from Debian's
package mirror (debootstrap, then `docker import`), for hosts with no registry."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from runtime import commands
from runtime.engine import Engine
from runtime.errors import LocalabError, UsageError
from runtime.host.osinfo import is_debian_like, is_root

BASE_IMAGE = "localab-base:bookworm"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Left out of the imported image: package caches and lists the Dockerfile refetches anyway.
PRUNE = ("var/cache/apt/archives", "var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man")


def debootstrap_command(target: Path, mirror: str) -> list[str]:
    return ["debootstrap", "--variant=minbase", SUITE, str(target), mirror]


def ensure_base(engine: Engine, ref: str, say=print) -> str:
    """Make sure `ref` exists locally; returns it."""
    if engine.image(ref):
        return ref
    if ref != BASE_IMAGE:
        say(f"base image {ref} is not here; pulling it")
        if engine.pull(ref):
            return ref
        raise UsageError(
            f"base: '{ref}' is not here and cannot be pulled; pull it yourself, or leave --base "
            f"out to use {BASE_IMAGE}, which `invoke base` makes without a registry"
        )
    make_base(engine, say=say)
    return ref


def make_base(engine: Engine, say=print, mirror: str | None = None) -> None:
    mirror = mirror or os.environ.get("LOCALAB_DEBIAN_MIRROR", DEFAULT_MIRROR)
    if not is_root():
        raise LocalabError(
            f"making {BASE_IMAGE} needs root (debootstrap); run `sudo invoke base`, or pull a "
            f"Debian bookworm image and pass it with --base"
        )
    if not shutil.which("debootstrap"):
        if not is_debian_like():
            raise LocalabError("debootstrap is not installed; install it, or pass an existing image with --base")
        say("installing debootstrap")
        commands.apt_install("debootstrap")
    with tempfile.TemporaryDirectory(prefix="localab-base-") as tmp:
        root = Path(tmp) / "rootfs"
        say(f"debootstrap {SUITE} (minbase) from {mirror}: about half a minute")
        commands.run(debootstrap_command(root, mirror), quiet=True)
        for relative in PRUNE:
            shutil.rmtree(root / relative, ignore_errors=True)
        (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
        (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
        say(f"importing it as {BASE_IMAGE}")
        tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        try:
            engine.import_image(tar.stdout, BASE_IMAGE)
        finally:
            tar.stdout.close()
            tar.wait(timeout=120)
    if not engine.image(BASE_IMAGE):
        raise LocalabError(f"`docker import` did not produce {BASE_IMAGE}; see the engine's log")
