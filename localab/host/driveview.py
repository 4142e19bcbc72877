"""What a runtime binds at its drive, mounted before its container starts.

Run as root, localab binds the drive it checked, not a path: the folder is opened one
component at a time without following a link, checked, and that open folder is bound at
a mount point in localab's private state folder, which is what the engine mounts. A
drive swapped for a link to /etc between `up`'s checks and the container's start is
refused instead of mounted. (A plain user's drive is bound by path; `validate_drive`
refuses one whose parents someone else may write.)

A sudo runtime sees that folder through bindfs: root in the container is the drive's
owner there. What it creates belongs to the owner, its chown is ignored, its chmod moves
execute bits only (no set-uid or set-gid bit reaches the host), extended attributes (file
capabilities) are refused, and the container lacks CAP_MKNOD, so no device node is made
either. A plain bind would leave whatever root wrote, setuid-root programs included, in
a folder on the host that other users can reach. Docker 20.10 has no id-mapped mounts,
and a user namespace is the whole engine's setting (userns-remap), not one container's;
a FUSE view is the one per-runtime way."""

import os
import shutil
import subprocess
from pathlib import Path

from localab.host import drivefs
from localab.host.errors import LocalabError, UsageError
from localab.host.paths import private_dir, state_dir

FUSE_CONF = Path("/etc/fuse.conf")
MOUNT_TIMEOUT_S = 30


def views(name: str) -> Path:
    return state_dir() / "drive-views" / name


def folder_point(name: str) -> Path:
    return views(name) / "folder"  # the checked folder, bound (root only)


def sudo_point(name: str) -> Path:
    return views(name) / "sudo"  # the bindfs view of a sudo runtime


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


def _check_can_view() -> None:
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


def is_mounted(point: Path) -> bool:
    """Something is mounted at `point` (a bind within one filesystem too, which
    os.path.ismount cannot see)."""
    wanted = os.path.abspath(point)
    with open("/proc/self/mountinfo") as mounts:
        return any(line.split()[4].encode().decode("unicode_escape") == wanted for line in mounts)


def _empty_point(path: Path) -> Path:
    target = private_dir(path)
    if any(target.iterdir()):
        raise LocalabError(f"{target} should be an empty mount point and is not; move what is in it, then run "
                           f"the command again")
    return target


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise LocalabError(f"`{argv[0]}` did not mount the drive within {MOUNT_TIMEOUT_S} s") from None


def pin(drive: Path, name: str, owner: tuple[int, int]) -> Path:
    """Bind the folder at `drive`, reached without a link and owned by the runtime's user
    or root, at a mount point only root can reach; returns the mount point."""
    target = _empty_point(folder_point(name))
    with drivefs.opened_dir(drive) as fd:
        found = os.fstat(fd)
        if found.st_uid not in (owner[0], 0):
            raise LocalabError(f"drive: {drive} now belongs to uid {found.st_uid}, not to the runtime's user "
                               f"({owner[0]}); it changed after it was checked, so it is not mounted")
        result = _run(["mount", "--bind", f"/proc/{os.getpid()}/fd/{fd}", str(target)])
        bound = os.stat(target)
        if result.returncode != 0 or (bound.st_dev, bound.st_ino) != (found.st_dev, found.st_ino):
            raise LocalabError(f"could not bind the drive {drive} for the runtime: {result.stderr.strip()[-300:]}")
    return target


def view(source: Path, name: str, owner: tuple[int, int]) -> Path:
    """Mount the sudo runtime's bindfs view of `source`; returns its mount point."""
    _check_can_view()
    target = _empty_point(sudo_point(name))
    arguments = [*options(owner), str(source), str(target)]
    result = _run(["bindfs", *arguments[:-2], "-o", "big_writes", *arguments[-2:]])
    if result.returncode != 0 and "big_writes" in result.stderr:  # FUSE 3 always writes big, and refuses the word
        result = _run(["bindfs", *arguments])
    if result.returncode != 0 or not is_mounted(target):
        raise LocalabError(f"bindfs could not mount the drive {source} for the sudo runtime (exit {result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()[-500:]}; does this host have /dev/fuse?")
    return target


def mount(drive: Path, name: str, owner: tuple[int, int], *, sudo: bool) -> Path:
    """What runtime `name` binds at its drive: the pinned folder (root), the drive's path
    (a plain user), and for a sudo runtime the bindfs view of either. Stale mounts of an
    earlier runtime of the name are unmounted first; on failure nothing stays mounted."""
    unmount(name)
    try:
        source = pin(drive, name, owner) if os.getuid() == 0 else drive
        return view(source, name, owner) if sudo else source
    except BaseException:
        unmount(name)
        raise


def unmount(name: str) -> None:
    """Unmount what `mount` made for runtime `name` (bindfs then ends) and remove the
    mount points; nothing when there is none."""
    for point in (sudo_point(name), folder_point(name)):
        if is_mounted(point):
            tool = ["umount"] if os.getuid() == 0 else ["fusermount", "-u"]
            result = subprocess.run([*tool, str(point)], capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S)
            if result.returncode != 0 and is_mounted(point):
                subprocess.run([*tool, "-l" if os.getuid() == 0 else "-z", str(point)], capture_output=True,
                               timeout=MOUNT_TIMEOUT_S)
            if is_mounted(point):
                raise LocalabError(f"could not unmount the runtime's drive at {point}: {result.stderr.strip()}; "
                                   f"unmount it by hand (umount {point})")
    for folder in (sudo_point(name), folder_point(name), views(name)):
        try:
            os.rmdir(folder)
        except OSError:
            pass  # gone already, or not empty: left for a person to look at (`mount` refuses it)
