"""Whole trees in the drive: rm -r and chown -R that never follow a link, however deep.

Both walk down through directory fds opened without following links (drivefs's rule),
in a loop with a stack rather than by recursion: a tree 1000 levels deep in scratch or
the drive is as fine as a flat one."""

import errno
import os
from pathlib import Path

from localab.host import drivefs
from localab.host.drivefs import DIR_FLAGS


def entries(fd: int) -> list[os.DirEntry]:
    with os.scandir(fd) as listing:
        return list(listing)


def remove_tree(path: Path) -> list[str]:
    """rm -r of a folder in the drive, reached without links and never following one,
    however deep (a loop over directory fds, not recursion). Returns what it could not
    remove (a root-owned file a sudo runtime left, say), as paths; [] when all is gone."""
    left: list[str] = []
    try:
        with drivefs.opened_dir(path.parent) as parent:
            top = os.open(path.name, DIR_FLAGS, dir_fd=parent)
            _empty(top, path, left)
            try:
                os.rmdir(path.name, dir_fd=parent)
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno != errno.ENOTEMPTY:  # not empty: what stayed inside is listed already
                    left.append(str(path))
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        drivefs.unlink(path)  # a link (or a file) where the folder was: removed itself, never followed
    return left


def _empty(top: int, path: Path, left: list[str]) -> None:
    """Remove everything below the folder open as `top` (closed here); depth-first with an
    explicit stack of (fd, path, names left to visit)."""
    stack = [(top, path, entries(top))]
    while stack:
        fd, where, left_to_visit = stack[-1]
        if not left_to_visit:
            os.close(fd)
            stack.pop()
            if stack:
                parent_fd = stack[-1][0]
                try:
                    os.rmdir(where.name, dir_fd=parent_fd)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.ENOTEMPTY:
                        left.append(str(where))
            continue
        entry = left_to_visit.pop()
        if entry.is_dir(follow_symlinks=False):
            try:
                child = os.open(entry.name, DIR_FLAGS, dir_fd=fd)
            except OSError:  # swapped for a link since the listing: the link goes, its target stays
                _unlink_entry(fd, where / entry.name, left)
                continue
            stack.append((child, where / entry.name, entries(child)))
        else:
            _unlink_entry(fd, where / entry.name, left)


def _unlink_entry(fd: int, path: Path, left: list[str]) -> None:
    try:
        os.unlink(path.name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except OSError:
        left.append(str(path))


def chown_tree(path: Path, uid: int, gid: int) -> None:
    """chown -R that changes links themselves, never what they point to, and descends
    only into folders it opens without following a link (a swap mid-walk is refused)."""
    with drivefs.opened_dir(path) as top:
        os.fchown(top, uid, gid)
        _chown_below(top, uid, gid)


def _chown_below(top: int, uid: int, gid: int) -> None:
    """Below the open folder `top`, however deep: a loop with a stack of open folders."""
    stack = [(None, entries(top), top)]
    while stack:
        owned, left_to_visit, fd = stack[-1]
        if not left_to_visit:
            if owned is not None:
                os.close(owned)
            stack.pop()
            continue
        entry = left_to_visit.pop()
        if entry.is_dir(follow_symlinks=False):
            try:
                child = os.open(entry.name, DIR_FLAGS, dir_fd=fd)
            except OSError:  # swapped for a link (or removed) since the listing: not ours to follow
                _chown_entry(fd, entry.name, uid, gid)
                continue
            os.fchown(child, uid, gid)
            stack.append((child, entries(child), child))
        else:
            _chown_entry(fd, entry.name, uid, gid)


def _chown_entry(fd: int, name: str, uid: int, gid: int) -> None:
    try:
        os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        pass
