"""What a benchmark result records about the machine and the software."""

import os
import platform
import subprocess
from pathlib import Path

from localab import __version__
from localab.guest import contract
from localab.host.paths import ROOT


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def gpus() -> list[str]:
    fields = ("name", "memory.total", "driver_version")
    return [f"{gpu['name']}, {gpu['memory.total']} MiB, {gpu['driver_version']}" for gpu in contract.nvidia_smi(fields, timeout_s=20)]


def git_commit() -> dict:
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None, "dirty": None}


def host() -> dict:
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "memory_bytes": memory_bytes(), "gpus": gpus(),
            "kernel": platform.release(), "python": platform.python_version()}


def software() -> dict:
    return {"localab_version": __version__, **git_commit()}
