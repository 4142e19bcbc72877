"""The drive's policy on the host: which folder may be a drive, and who owns what
localab creates in it. The bytes go through drivefs, which never follows a link."""

import grp
import os
import pwd
import shlex
from pathlib import Path

from localab.guest import contract
from localab.host import commands, drivefs, drivetree
from localab.host.errors import UsageError
from localab.host.paths import CHECKOUT, state_dir

IMAGE_USER = (contract.IMAGE_UID, contract.IMAGE_GID)


def default_drive(name: str) -> Path:
    """./drive in a checkout (as the tutorial's project folder); ~/localab/drive installed."""
    folder = CHECKOUT if CHECKOUT else Path.home() / "localab"
    return folder / ("drive" if name == "default" else f"drive-{name}")


ENV_OWNER = "LOCALAB_OWNER"  # "UID:GID", set by `up --owner` (or by hand)
SYSTEM_ACCOUNT = "localab"


def host_user() -> tuple[int, int] | None:
    """Whose files the drive holds: the invoking user (under sudo too); None for root."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0 and os.environ.get("SUDO_UID", "").isdigit():
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ.get("SUDO_GID", "0") or 0)
    return None if uid == 0 else (uid, gid)


def parse_owner(value: str) -> tuple[int, int]:
    uid, _, gid = value.partition(":")
    if not (uid.isdigit() and gid.isdigit()) or int(uid) == 0:
        raise UsageError(f"owner: '{value}' is not UID:GID of a user other than root (e.g. 1001:1001); the runtime "
                         f"runs as that user and the drive's new files belong to it")
    return int(uid), int(gid)


def system_account() -> tuple[int, int]:
    """localab's own system account (no login, no home), made on first use: what a runtime
    runs as when root starts it with nobody behind it. Never a uid that may be a person's
    (1000:100 is one on many hosts, who could then read the token through /proc), and never
    root itself (inside, uid 0 owns the image's files, /etc/passwd among them)."""
    try:
        entry = pwd.getpwnam(SYSTEM_ACCOUNT)
    except KeyError:
        commands.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                      "--shell", "/usr/sbin/nologin", "--comment", "localab runtimes", SYSTEM_ACCOUNT], quiet=True)
        entry = pwd.getpwnam(SYSTEM_ACCOUNT)
    return entry.pw_uid, entry.pw_gid


def owner() -> tuple[int, int]:
    """uid, gid the runtime runs as and the drive's new files belong to: `--owner`, else the
    invoking user (under sudo too), else, for root alone, localab's system account."""
    if os.environ.get(ENV_OWNER):
        chosen = parse_owner(os.environ[ENV_OWNER])
        if os.getuid() != 0 and chosen != (os.getuid(), os.getgid()):
            raise UsageError(f"owner: only root may hand a runtime to another user ({chosen[0]}:{chosen[1]}); "
                             f"leave --owner out to run it as yourself")
        return chosen
    return host_user() or system_account()


def container_user() -> str:
    uid, gid = owner()
    return f"{uid}:{gid}"


def give_to_drive_owner(path: Path) -> None:
    """Files localab writes into the drive as root belong to whoever the container runs as."""
    if os.getuid() == 0:
        drivetree.chown_tree(path, *owner())


def make_drive_folder(drive: Path, relative: str) -> Path:
    """mkdir -p inside the drive, each new folder owned like the drive's own files."""
    return drivefs.make_folder(drive, relative, owner=owner() if os.getuid() == 0 else None)


# Trees a drive may never be in (the host's own system), and folders a drive may not be
# itself or a parent of. Root runs localab in many installs: a drive there would hand
# the runtime's user a piece of the system.
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin",
                "/sys", "/usr", "/var/lib", "/var/run", "/var/log", "/var/spool", "/var/cache", "/root/.ssh")
NOT_ITSELF = ("/", "/home", "/root", "/tmp", "/var", "/opt", "/srv", "/mnt", "/media", "/var/tmp")


def _inside(path: Path, tree: str) -> bool:
    return path == Path(tree) or Path(tree) in path.parents


def validate_drive(value: str | None, name: str) -> Path:
    """The drive folder, refused when it would be dangerous for root to hand it to the
    runtime: a system folder, $HOME or the state folder (or a parent of either), a path
    through a symbolic link, or a folder in a world-writable directory of someone else."""
    shown = value or str(default_drive(name))
    path = Path(os.path.abspath(Path(value).expanduser())) if value else default_drive(name)
    for parent in [*reversed(path.parents), path]:
        if parent.is_symlink():
            raise UsageError(f"drive: '{shown}' goes through the symbolic link {parent}; name the real folder "
                             f"({parent.resolve()}{path.as_posix()[len(parent.as_posix()):]}) instead")
    if ":" in str(path) or "," in str(path):
        raise UsageError(f"drive: '{shown}' has a ':' or ',' in it, which the engine's mount syntax cannot carry; "
                         f"name a folder without them")
    system = next((tree for tree in SYSTEM_TREES if _inside(path, tree)), None)
    if system or str(path) in NOT_ITSELF:
        raise UsageError(f"drive: '{shown}' is a system folder{f' (under {system})' if system else ''}; name a "
                         f"folder of your own, e.g. ~/localab-drive")
    for protected, what in ((Path.home(), "your home folder"), (state_dir(), "localab's state folder")):
        if path == protected or path in protected.parents:
            raise UsageError(f"drive: '{shown}' is {what} or a folder above it; name a folder inside it instead, "
                             f"e.g. ~/localab-drive")
    if path.exists() and not path.is_dir():
        raise UsageError(f"drive: '{shown}' is a file, not a folder; name a folder (it is created if missing)")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"drive: '{shown}' is not writable by you; name a folder you can write to")
    exposed = _swappable_parent(path)
    if exposed:
        raise UsageError(f"drive: '{shown}' is in {exposed}, which other users may write, so one of them could swap "
                         f"the drive for a link between localab's check and the mount; name a folder in a "
                         f"directory of your own")
    return path


def _swappable_parent(path: Path) -> Path | None:
    """The first existing folder above `path` in which someone else could rename or replace
    the next step of the path: writable by others (or a group with other members), unless
    its sticky bit protects a next step that belongs to the invoking user or root."""
    me = os.getuid()
    for parent in path.parents:
        if not parent.exists():
            continue
        found = os.stat(parent)
        others = found.st_mode & 0o002 or (found.st_mode & 0o020 and not _only_mine(found.st_gid))
        if not others:
            continue
        step = parent / path.parts[len(parent.parts)]
        if found.st_mode & 0o1000 and os.path.lexists(step) and os.lstat(step).st_uid in (me, 0):
            continue  # sticky: only the step's owner (or root) may rename it
        return parent
    return None


def _only_mine(gid: int) -> bool:
    """A group of which the invoking user (or root) is the only member."""
    if gid == 0:
        return True
    try:
        group = grp.getgrgid(gid)
    except KeyError:
        return False
    members = set(group.gr_mem) | {entry.pw_name for entry in pwd.getpwall() if entry.pw_gid == gid}
    mine = {pwd.getpwuid(os.getuid()).pw_name} if os.getuid() != 0 else {"root"}
    return members <= mine


def prepare_drive(path: Path) -> None:
    """Create the drive. localab changes the owner only of a folder it has just made
    itself; an existing folder the runtime's user cannot write is refused with the
    command that would fix it."""
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    uid, gid = owner()
    if os.getuid() == 0:
        if created:
            os.chown(path, uid, gid, follow_symlinks=False)
            return
        stat = os.stat(path, follow_symlinks=False)
        writable = stat.st_uid == uid or (stat.st_gid in (gid, contract.IMAGE_GID) and stat.st_mode & 0o020) \
            or stat.st_mode & 0o002
        if not writable:
            raise UsageError(f"drive: '{path}' belongs to uid {stat.st_uid} and the runtime writes as uid {uid}; "
                             f"localab changes the owner only of folders it creates. If the folder is yours to give, "
                             f"run: chown {uid}:{gid} {shlex.quote(str(path))}")
