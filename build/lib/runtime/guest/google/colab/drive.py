"""google.colab.drive: the drive is a host folder already mounted at /content/drive/MyDrive."""

import os

from localab_guest import contract

DRIVE_ROOT = str(contract.DRIVE_ROOT)
_state = {"mounted": False}


def _root() -> str:
    return os.environ.get("LOCALAB_DRIVE_ROOT", DRIVE_ROOT)


def mount(mountpoint: str, force_remount: bool = False, timeout_ms: int = 120000, readonly: bool = False) -> None:
    """Make the drive available at `mountpoint`, which must be /content/drive, as in the
    Colab tutorials. Idempotent; `force_remount=True` mounts again."""
    root = _root()
    target = os.path.normpath(os.path.expanduser(str(mountpoint)))
    if target != root:
        raise ValueError(
            f"localab's drive lives at {root} (MyDrive is a folder on the host, kept when the runtime goes); "
            f"call drive.mount('{root}') instead of drive.mount('{mountpoint}')"
        )
    if not os.path.isdir(os.path.join(root, "MyDrive")):
        raise RuntimeError(
            f"no drive is attached to this runtime ({root}/MyDrive is missing): start it with `localab up`, "
            f"which mounts ./drive, or `localab up --drive PATH`"
        )
    if _state["mounted"] and not force_remount:
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
              f"call drive.mount(\"{mountpoint}\", force_remount=True).")
        return
    _state["mounted"] = True
    print(f"Mounted at {mountpoint}")


def flush_and_unmount(timeout_ms: int = 24 * 60 * 60 * 1000) -> None:
    """Flush pending writes. The drive itself stays: it is a folder on the host."""
    os.sync()
    _state["mounted"] = False
    print(f"Drive flushed. It stays available at {_root()}/MyDrive: it is a folder on the host and "
          f"outlives this runtime.")
