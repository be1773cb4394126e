"""One run at a time per output folder: an OS file lock under ``OUT/.presswash/``, held for the whole run.

The lock is ``fcntl.flock`` on ``OUT/.presswash/lock``: the operating system releases it when the
holding process ends, however it ends (SIGKILL included), so a crashed run never leaves a stale lock.
The file also records who holds it, for the message the second run prints.

Re-entrant within one process (the command takes the lock before starting Prefect, the flow takes it
again), and the descriptor is close-on-exec, so spawned workers and servers never inherit it.

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> with run_lock(out):
...     with run_lock(out):  # the same process may take it again
...         pass
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from cleaners.outputs.atomic import STATE_DIR

LOCK_NAME = "lock"


class OutputLocked(RuntimeError):
    """Another run holds the output folder; the message says which and what to do."""


_held: dict[str, list[int]] = {}  # real path of the lock file -> [descriptor, depth]
_guard = threading.Lock()


def lock_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / STATE_DIR / LOCK_NAME


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def run_lock(out_dir: str | Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's lock for the block; wait up to ``wait`` seconds for another run to
    finish, then raise :class:`OutputLocked`."""
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(path, wait, f"is writing to {str(out_dir)!r}; wait for it to finish, or choose another output folder"):
        yield


@contextmanager
def state_lock(state_path: str | Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock of a dedup index shared between output folders (``--state``): ``STATE.lock``
    beside it. Two runs on different output folders must not both rewrite the same index."""
    path = Path(f"{state_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(path, wait, f"is using the dedup index {str(state_path)!r}; wait for it to finish"):
        yield


@contextmanager
def _file_lock(path: Path, wait: float, doing: str) -> Iterator[None]:
    key = os.path.realpath(path)
    with _guard:
        if key in _held:
            _held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key][1] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    who = _holder(path)
                    raise OutputLocked(f"another presswash run{f' ({who})' if who else ''} {doing}") from None
                time.sleep(0.2)
        started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        with _guard:
            _held[key] = [fd, 1]
        try:
            yield
        finally:
            with _guard:
                del _held[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def run_locks(out_dir: str | Path, state_path: str | Path | None = None, wait: float = 0.0) -> Iterator[None]:
    """The output folder's lock, and the shared dedup index's when it lives outside the folder."""
    with run_lock(out_dir, wait):
        outside = state_path is not None and not Path(state_path).absolute().is_relative_to(Path(out_dir).absolute())
        if outside:
            with state_lock(state_path, wait):
                yield
        else:
            yield
