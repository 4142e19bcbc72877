"""Running host programs: argument lists only (never a shell), failures as LocalabError.

The host package runs four kinds of program (apt-get, debootstrap, tar, docker's own
daemon); they all go through `run`, so no user input is ever pasted into a shell line
and every failure says which command failed and how."""

import os
import shlex
import subprocess

from localab.host.errors import LocalabError


def run(argv: list[str], *, env: dict | None = None, quiet: bool = False, timeout_s: float | None = None) -> None:
    """Run a program to its end; `quiet` keeps its output unless it fails."""
    merged = {**os.environ, **(env or {})}
    try:
        result = subprocess.run(argv, env=merged, timeout=timeout_s, text=True, stdin=subprocess.DEVNULL,
                                capture_output=quiet)
    except FileNotFoundError as exc:
        raise LocalabError(f"`{argv[0]}` is not installed: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise LocalabError(f"`{shlex.join(argv)}` did not finish within {timeout_s:.0f} s") from None
    if result.returncode != 0:
        tail = "\n".join(((result.stdout or "") + (result.stderr or "")).splitlines()[-15:]) if quiet else ""
        raise LocalabError(f"`{shlex.join(argv)}` failed (exit {result.returncode})" + (f":\n{tail}" if tail else ""))


def apt_install(*packages: str) -> None:
    """Debian's packages, as root on a Debian-like host."""
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *packages], env=env)
