"""Every host-side read and write in the drive, without following a link.

The drive is shared with code running in the runtime, which can make symlinks there and
swap a folder for a link at any moment. localab often runs as root, so every operation
here walks the path one component at a time from `/` with O_NOFOLLOW and works relative
to the directory it opened: a link at any step is refused, and a folder swapped for a
link after it was opened changes nothing. validate_drive refuses drive paths through a
link, so a legitimate path never has one. Whole trees (rm -r, chown -R) are drivetree's."""

import errno
import fcntl
import json
import os
import stat
from contextlib import contextmanager
from pathlib import Path

from localab.host.errors import LocalabError

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _refused(path, exc: OSError) -> LocalabError:
    return LocalabError(f"drive: {path} is a symbolic link or not a folder ({exc.strerror}); localab does not "
                        f"follow links inside the drive")


@contextmanager
def opened_dir(path: Path):
    """A file descriptor of the folder at `path`, reached without following any link."""
    path = Path(os.path.abspath(path))
    fd = os.open("/", DIR_FLAGS)
    try:
        for part in path.parts[1:]:
            try:
                child = os.open(part, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                raise
            except OSError as exc:
                raise _refused(path, exc) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _open_file(path: Path, flags: int, mode: int = 0o644) -> int:
    """A file descriptor of a regular file in the drive; the file itself is never a link,
    and anything else planted there (a FIFO, a device) is refused without waiting on it:
    O_NONBLOCK keeps the open of a FIFO from blocking until a writer comes."""
    with opened_dir(path.parent) as parent:
        try:
            fd = os.open(path.name, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise _refused(path, exc) from None
            if exc.errno == errno.ENXIO:  # a FIFO opened for writing with no reader
                raise LocalabError(f"drive: {path} is not a regular file; localab reads and writes only "
                                   f"regular files in the drive") from None
            raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LocalabError(f"drive: {path} is not a regular file; localab reads and writes only regular files "
                           f"in the drive")
    os.set_blocking(fd, True)
    return fd


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode())


def write_bytes(path: Path, data: bytes) -> None:
    """Replace a file's content atomically (a temporary file, then a rename, both in the
    folder already opened)."""
    with opened_dir(path.parent) as parent:
        tmp = f".{path.name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path.name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=parent)
            except OSError:
                pass
            raise


def append_bytes(path: Path, data: bytes) -> None:
    fd = _open_file(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "ab") as handle:
        handle.write(data)


@contextmanager
def appending(path: Path):
    """A binary file opened for appending, for a stream of writes (a container's log)."""
    fd = _open_file(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "ab") as handle:
        yield handle


def truncate(path: Path):
    """A binary file emptied and opened for writing (a subprocess's log)."""
    return os.fdopen(_open_file(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb")


def read_text(path: Path) -> str:
    with os.fdopen(_open_file(path, os.O_RDONLY)) as handle:
        return handle.read()


def tail(path: Path, lines: int = 15) -> list[str]:
    try:
        return read_text(path).splitlines()[-lines:]
    except FileNotFoundError:
        return []


def exists(path: Path) -> bool:
    """A regular file at `path`, reached without links."""
    try:
        with opened_dir(path.parent) as parent:
            return stat.S_ISREG(os.stat(path.name, dir_fd=parent, follow_symlinks=False).st_mode)
    except (FileNotFoundError, LocalabError):
        return False


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n")


def read_json(path: Path):
    return json.loads(read_text(path))


def publish(private: Path, target: Path) -> None:
    """Copy a private folder's files (made by the host, outside the drive) into a folder
    of the drive, sub-folders included, through the link-refusing writes above."""
    for path in sorted(private.rglob("*")):
        relative = path.relative_to(private)
        if path.is_dir() and not path.is_symlink():
            make_folder(target, str(relative))
        elif path.is_file() and not path.is_symlink():
            write_bytes(target / relative, path.read_bytes())


def unlink(path: Path) -> None:
    with opened_dir(path.parent) as parent:
        os.unlink(path.name, dir_fd=parent)


@contextmanager
def held(path: Path):
    """An exclusive lock on a lock file in the drive, held while the block runs."""
    fd = _open_file(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def is_held(path: Path) -> bool | None:
    """Whether some process holds the lock file; None when there is no such file."""
    try:
        fd = _open_file(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def children(folder: Path) -> list[str]:
    """Names in a folder of the drive, reached without links."""
    try:
        with opened_dir(folder) as fd:
            return sorted(os.listdir(fd))
    except FileNotFoundError:
        return []


def rename(source: Path, target: Path) -> None:
    """Rename within one folder of the drive."""
    if source.parent != target.parent:
        raise ValueError("drivefs.rename moves within one folder")
    with opened_dir(source.parent) as fd:
        os.rename(source.name, target.name, src_dir_fd=fd, dst_dir_fd=fd)


def make_folder(drive: Path, relative: str, owner: tuple[int, int] | None = None) -> Path:
    """mkdir -p below the drive, refusing a link at any step; each folder made here is
    given to `owner` (uid, gid), and only those. One walk down through directory fds: as
    cheap 900 levels deep as one."""
    target = drive
    with opened_dir(drive) as top:
        fd = os.dup(top)
        try:
            for part in Path(relative).parts:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    made = True
                except FileExistsError:
                    made = False
                try:
                    child = os.open(part, DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    raise _refused(target / part, exc) from None
                os.close(fd)
                fd = child
                target = target / part
                if made and owner is not None:
                    os.fchown(fd, *owner)
        finally:
            os.close(fd)
    return target
