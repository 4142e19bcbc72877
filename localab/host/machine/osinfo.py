"""Facts about the host operating system."""

import os
from pathlib import Path


def os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip('"') for k, _, v in (line.partition("=") for line in lines) if k}


def is_debian_like(release: dict[str, str] | None = None) -> bool:
    release = os_release() if release is None else release
    family = {release.get("ID", "")} | set(release.get("ID_LIKE", "").split())
    return bool(family & {"debian", "ubuntu"})


def is_root() -> bool:
    return os.geteuid() == 0
