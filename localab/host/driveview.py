"""A sudo runtime's drive: a bindfs view of the host folder, mounted before the container
starts and bound in its place. Through the view, root in the container is the drive's
owner: what it creates belongs to the owner, its chown is ignored, its chmod changes
execute bits only (no set-uid or set-gid bit reaches the host), extended attributes
(file capabilities) are refused, and the container lacks CAP_MKNOD, so no device node
is made either. A plain bind would leave whatever root wrote, setuid-root programs
included, in a folder on the host that other users can reach.

Docker 20.10 has no id-mapped mounts, and a user namespace is the whole engine's
setting (userns-remap), not one container's; a FUSE view is the one per-runtime way."""

import os
import shutil
import subprocess
from pathlib import Path

from localab.host.errors import LocalabError, UsageError
from localab.host.paths import private_dir, state_dir

FUSE_CONF = Path("/etc/fuse.conf")
MOUNT_TIMEOUT_S = 30


def mountpoint(name: str) -> Path:
    return state_dir() / "drive-views" / name


def options(owner: tuple[int, int]) -> list[str]:
    uid, gid = owner
    return [
        "-o", "allow_other,nosuid,nodev",  # the engine and the container's users reach it; nothing set-id runs from it
        # Single-threaded: bindfs's --multithreaded races its own --create-for-user and chown policy.
        f"--force-user={uid}", f"--force-group={gid}",  # shown as the owner's, as through a plain bind
        f"--create-for-user={uid}", f"--create-for-group={gid}",  # written as the owner's on the host
        "--chown-ignore", "--chgrp-ignore",
        "--chmod-ignore", "--chmod-allow-x",  # chmod moves execute bits only: never a set-id bit
        "--xattr-none",  # no security.capability, no ACL
    ]


def _check_can_mount() -> None:
    if not shutil.which("bindfs"):
        raise UsageError("sudo: a --sudo runtime sees its drive through bindfs, which is not installed here; "
                         "install it (sudo apt-get install bindfs) or start the runtime without --sudo")
    if os.getuid() != 0:
        allowed = FUSE_CONF.exists() and any(line.strip() == "user_allow_other"
                                             for line in FUSE_CONF.read_text().splitlines())
        if not allowed:
            raise UsageError(f"sudo: the Docker engine must reach the drive's bindfs view, which needs "
                             f"user_allow_other in {FUSE_CONF}; add that line as root (echo user_allow_other | "
                             f"sudo tee -a {FUSE_CONF}), or start the runtime without --sudo")


def is_mounted(name: str) -> bool:
    return os.path.ismount(mountpoint(name))


def mount(drive: Path, name: str, owner: tuple[int, int]) -> Path:
    """Mount the view of `drive` for runtime `name` (a stale one first unmounted) and
    return the folder to bind into the container."""
    _check_can_mount()
    unmount(name)
    target = private_dir(mountpoint(name))
    if any(target.iterdir()):
        raise LocalabError(f"{target} should be an empty mount point and is not; move what is in it, then run "
                           f"the command again")
    result = _bindfs([*options(owner), "-o", "big_writes", str(drive), str(target)])
    if result.returncode != 0 and "big_writes" in result.stderr:  # FUSE 3 always writes big, and refuses the word
        result = _bindfs([*options(owner), str(drive), str(target)])
    if result.returncode != 0 or not os.path.ismount(target):
        raise LocalabError(f"bindfs could not mount the drive {drive} for the sudo runtime (exit {result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()[-500:]}; does this host have /dev/fuse?")
    return target


def _bindfs(arguments: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["bindfs", *arguments], capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise LocalabError(f"bindfs did not mount the drive within {MOUNT_TIMEOUT_S} s") from None


def unmount(name: str) -> None:
    """Unmount the view (bindfs then ends) and remove its mount point; nothing when none."""
    target = mountpoint(name)
    if os.path.ismount(target):
        tool = ["umount"] if os.getuid() == 0 else ["fusermount", "-u"]
        result = subprocess.run([*tool, str(target)], capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S)
        if result.returncode != 0 and os.path.ismount(target):
            subprocess.run([*tool, "-l" if os.getuid() == 0 else "-z", str(target)], capture_output=True, timeout=MOUNT_TIMEOUT_S)
        if os.path.ismount(target):
            raise LocalabError(f"could not unmount the sudo runtime's drive view at {target}: "
                               f"{result.stderr.strip()}; unmount it by hand (umount {target})")
    try:
        os.rmdir(target)
    except OSError:
        pass  # gone already, or not empty: left for a person to look at (`mount` refuses it)
