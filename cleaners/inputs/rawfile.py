"""Reading one raw file's bytes safely: regular files only, inside the raw folder, bounded in size, one whole version."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from cleaners.config import CleanerConfig
from cleaners.inputs import size_text

READ_ATTEMPTS = 3


class Unusable(Exception):
    """The raw file cannot be read at all; the message says why, in one sentence."""


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_raw_file(root: str | Path, relpath: str, config: CleanerConfig | None = None) -> bytes:
    """The bytes of one raw file, read safely; raise :class:`Unusable` with the reason otherwise.

    - A path that resolves outside ``root`` (through a symbolic link) is refused unless
      ``config.follow_outside_links``; a broken link is refused.
    - Only regular files are read: a named pipe, socket or device is refused without blocking.
    - Files over ``config.max_file_bytes`` are refused unread.
    - A file that changes while it is read is read again (up to :data:`READ_ATTEMPTS` times), so the
      bytes are never half of one version and half of another; one that keeps changing is refused.
    """
    config = config or CleanerConfig()
    path = os.path.join(os.fspath(root), relpath)
    real = os.path.realpath(path)
    if os.path.islink(path) and not os.path.exists(path):
        raise Unusable("broken symbolic link (its target does not exist)")
    if not config.follow_outside_links and not _inside(real, os.path.realpath(root)):
        raise Unusable("symbolic link to a file outside the raw folder (not followed)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except PermissionError:
        raise Unusable("cannot read the file: permission denied") from None
    except FileNotFoundError:
        raise Unusable("the file disappeared before it could be read") from None
    except OSError as exc:
        raise Unusable(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        for attempt in range(READ_ATTEMPTS):
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                link = " (reached through a symbolic link)" if os.path.islink(path) else ""
                raise Unusable(f"is {_kind(before.st_mode)}{link}, not a regular file")
            if before.st_size > config.max_file_bytes:
                raise Unusable(f"larger than the {size_text(config.max_file_bytes)} limit per file")
            try:
                data = _read_all(fd, config.max_file_bytes + 1)
            except OSError as exc:
                raise Unusable(f"cannot read the file: {exc.strerror or exc}") from None
            if len(data) > config.max_file_bytes:
                raise Unusable(f"larger than the {size_text(config.max_file_bytes)} limit per file")
            after = os.fstat(fd)
            if _same_version(before, after) and len(data) == after.st_size:
                return data
            time.sleep(0.05 * (attempt + 1))
        raise Unusable(f"the file kept changing while it was read ({READ_ATTEMPTS} attempts)")
    finally:
        os.close(fd)


def _same_version(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns, a.st_ino) == (b.st_size, b.st_mtime_ns, b.st_ctime_ns, b.st_ino)


def _read_all(fd: int, limit: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
