"""What a first build costs, said before it starts: the image's size on the engine's disk,
what it downloads, how long it took here, and whether the disk holds it.

The sizes are measured facts kept in each flavour's row of docker/flavours.toml; the
image tests compare them with the image they build and the download with the lock's
files on the index (download_bytes), so they stay true when a lock moves.
"""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from localab.host.errors import LocalabError

GB = 10 ** 9
MARGIN_BYTES = 2 * GB  # room left over: a full disk fails other programs too
DISK_FULL = ("no space left on device", "enospc", "disk quota exceeded")


class DiskTooSmall(LocalabError):
    """The engine's disk cannot hold the image: nothing was started."""


@dataclass(frozen=True)
class Footprint:
    image_gb: float  # the built image, as `docker images` shows it
    disk_gb: float  # the engine's free space a first build took: the image, its layers' build copies, uv's cache
    download_gb: float  # the lock's files, as the index serves them (download_bytes)
    build_minutes: int  # a first build on a 2-core machine, base image included

    @property
    def need_bytes(self) -> int:
        return int(self.disk_gb * GB) + MARGIN_BYTES


@dataclass(frozen=True)
class EngineDisk:
    path: str  # the engine's data root (DockerRootDir)
    free_bytes: int | None  # None: the engine's disk is not this machine's (a remote or rootless engine)


def engine_disk(engine) -> EngineDisk:
    root = engine.info().get("DockerRootDir") or "/var/lib/docker"
    if not os.path.isdir(root):
        return EngineDisk(root, None)
    return EngineDisk(root, shutil.disk_usage(root).free)


def gb(count: int | float) -> str:
    return f"{count / GB:.1f} GB"


def first_build(ref: str, footprint: Footprint, disk: EngineDisk, *, force: bool, say) -> None:
    """Say what building `ref` for the first time costs; refuse (DiskTooSmall) when the
    engine's disk cannot hold it, unless `force`."""
    say(f"{ref} is built once, here: a {footprint.image_gb:.1f} GB image that takes about {footprint.disk_gb:.0f} GB "
        f"of disk with its build cache, {footprint.download_gb:.1f} GB downloaded, about {footprint.build_minutes} min "
        f"on 2 cores. Ctrl-C stops it cleanly; a rerun goes on from there")
    if disk.free_bytes is None:
        say(f"the engine keeps images in {disk.path}, which is not on this machine: its free space is not checked")
        return
    need = footprint.need_bytes
    if disk.free_bytes >= need:
        say(f"{gb(disk.free_bytes)} free under {disk.path}, {gb(need)} needed")
        return
    message = (f"{ref} needs about {gb(need)} free under {disk.path} (the image and its build cache "
               f"{footprint.disk_gb:.0f} GB, {gb(MARGIN_BYTES)} to spare); {gb(disk.free_bytes)} is free. "
               f"Free space there (`docker image prune`, `docker builder prune` remove unused images and "
               f"build cache) or pass --force to try anyway")
    if not force:
        raise DiskTooSmall(message)
    say(f"--force: {message[0].lower()}{message[1:].split('. Free space')[0]}; building anyway")


def disk_full(text: str) -> bool:
    """A builder's failure that is a full disk (its message, or the step's last lines)."""
    lowered = text.lower()
    return any(mark in lowered for mark in DISK_FULL)


def disk_full_error(ref: str, disk: EngineDisk) -> LocalabError:
    free = f" ({gb(disk.free_bytes)} free now)" if disk.free_bytes is not None else ""
    return DiskTooSmall(f"the disk under {disk.path} filled up while building {ref}{free}; {ref} was not changed. "
                        f"Free space there (`docker builder prune` removes build cache, `docker image prune` unused "
                        f"images) and run it again: what was downloaded is kept")


def download_bytes(row, locked, *, workers: int = 16) -> int:
    """What installing a flavour's lock (lock.Flavour, lock.Lock) downloads: per pin, the
    largest of its hashed wheels that the image's Python installs (else its source
    distribution), by the index's sizes."""
    from localab.host.image import pypi

    supported = pypi.supported_tags(row.python, int(row.platform.rsplit("_", 1)[1]))
    context = pypi.ssl_context()

    def one(name: str) -> int:
        files = [entry for entry in pypi.files(name, context)
                 if entry.get("hashes", {}).get("sha256") in locked.hashes[name]]
        wheels = [entry["size"] for entry in files if pypi.installable(entry["filename"], locked.pins[name], supported)]
        return max(wheels or [entry.get("size", 0) for entry in files] or [0])

    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(one, sorted(locked.pins)))
