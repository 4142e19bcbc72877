"""Drives on an NFS export (`localab hub.up --swarm --drive-nfs SERVER:/EXPORT`): each
user's drive is a folder of the export that whichever node runs their server mounts through
the engine's local volume driver, so servers can go to any worker. The hub mounts the whole
export to make a user's folder, owned by the runtime's user, before their first server."""

import os
import stat

MOUNT = "/srv/localab/drives"  # the whole export, inside the hub's container


def parse(value: str) -> dict:
    """SERVER:/EXPORT -> {"server": ..., "export": ...}; ValueError saying what is wrong."""
    server, sep, export = value.partition(":/")
    if not sep or not server or "/" in server or any(c.isspace() for c in value):
        raise ValueError(f"'{value}' is not SERVER:/EXPORT (e.g. nfs.lab:/srv/drives)")
    return {"server": server, "export": "/" + export.strip("/")}


def driver_options(nfs: dict, folder: str = "") -> dict:
    """The local volume driver's options that mount the export, or one folder of it."""
    device = nfs["export"].rstrip("/") + (f"/{folder}" if folder else "")
    return {"type": "nfs", "o": f"addr={nfs['server']},rw,nfsvers=4", "device": f":{device}"}


def volume_options(nfs: dict, folder: str, labels: dict) -> dict:
    """A service mount's VolumeOptions: the volume each node makes for the mount."""
    return {"Labels": labels, "DriverConfig": {"Name": "local", "Options": driver_options(nfs, folder)}}


def make_folder(name: str, uid: int, gid: int, root: str | None = None) -> bool:
    """The user's folder in the export, made and given to the runtime's user; True when made
    now. A folder already there is left as it is (never chowned); a link there is refused."""
    root = root or MOUNT
    if name in ("", ".", "..") or "/" in name:
        raise ValueError(f"'{name}' cannot name a drive folder")
    parent = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            os.mkdir(name, 0o700, dir_fd=parent)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(name, dir_fd=parent).st_mode):
                raise ValueError(f"{root}/{name} is not a folder (a link?): the drive is not mounted from it") from None
            return False
        os.chown(name, uid, gid, dir_fd=parent, follow_symlinks=False)
        return True
    finally:
        os.close(parent)
