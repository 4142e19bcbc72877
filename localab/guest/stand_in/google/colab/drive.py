"""google.colab.drive: the drive is a host folder, bind-mounted at /content/drive/MyDrive
(and read-only at another path). `mount(path)` makes `path/MyDrive` that folder for any
path under /content, as Colab's tutorials use (/content/gdrive, /content/drive, ...);
messages and errors are Colab's own."""

import os

from localab.guest import contract

_mounted: dict[str, bool] = {}  # mountpoint -> readonly, for this kernel


def _paths():
    """(scratch root, the default mountpoint, the drive, its read-only view); tests move them."""
    content = os.environ.get("LOCALAB_CONTENT", str(contract.CONTENT))
    drive = os.environ.get("LOCALAB_DRIVE", str(contract.DRIVE))
    readonly = os.environ.get("LOCALAB_DRIVE_READONLY", str(contract.DRIVE_READONLY))
    return content, os.path.dirname(drive), drive, readonly


def _check(mountpoint: str, content: str, default: str) -> str:
    if " " in mountpoint:
        raise ValueError("Mountpoint must not contain a space.")
    if ".." in mountpoint.split("/"):
        raise ValueError("Mountpoint must not contain '..'.")
    target = os.path.normpath(os.path.join(content, os.path.expanduser(mountpoint)))
    if target != content and not target.startswith(content + "/"):
        raise ValueError(f"Mountpoint must be in {content}: localab's runtime keeps everything there.")
    if target == default:
        return target
    if os.path.islink(target):
        raise ValueError("Mountpoint must not be a symlink")
    if os.path.isdir(target) and os.listdir(target) and target not in _mounted:
        raise ValueError("Mountpoint must not already contain files")
    if not os.path.isdir(target) and os.path.exists(target):
        raise ValueError("Mountpoint must either be a directory or not exist")
    if not os.path.isdir(os.path.dirname(target)):
        raise ValueError("Mountpoint must be in a directory that exists")
    return target


def mount(mountpoint: str, force_remount: bool = False, timeout_ms: int = 120000, readonly: bool = False) -> None:
    """Mount your drive at `mountpoint`: `mountpoint/MyDrive` is the host folder, kept when
    the runtime goes. `readonly=True`: writes through that path are refused."""
    content, default, drive, readonly_view = _paths()
    mountpoint = str(mountpoint)
    target = _check(mountpoint, content, default)
    if not os.path.isdir(drive):
        raise RuntimeError(f"no drive is attached to this runtime ({drive} is missing): start it with "
                           f"`localab up`, or `localab up --drive PATH`")
    if target == default and readonly:
        raise ValueError(f"{default}/MyDrive is the drive itself, writable; for a read-only view, mount it "
                         f"elsewhere, e.g. drive.mount('/content/gdrive', readonly=True)")
    if target in _mounted and not force_remount:
        print(f'Drive already mounted at {mountpoint}; to attempt to forcibly remount, '
              f'call drive.mount("{mountpoint}", force_remount=True).')
        return
    if target != default:
        link = os.path.join(target, "MyDrive")
        os.makedirs(target, exist_ok=True)
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(readonly_view if readonly else drive, link)
    _mounted[target] = readonly
    print(f"Mounted at {mountpoint}")


def flush_and_unmount(timeout_ms: int = 24 * 60 * 60 * 1000) -> None:
    """Flush what was written, and take away the mountpoints this kernel made (the drive
    itself stays: it is a folder on the host)."""
    content, default, _, _ = _paths()
    if not _mounted:
        print("Drive not mounted, so nothing to flush and unmount.")
        return
    os.sync()
    for target in list(_mounted):
        if target != default:
            link = os.path.join(target, "MyDrive")
            if os.path.islink(link):
                os.unlink(link)
            if os.path.isdir(target) and not os.listdir(target):
                os.rmdir(target)
        del _mounted[target]
    print("All changes made in this colab session should now be visible in Drive.")
