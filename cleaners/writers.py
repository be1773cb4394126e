"""Writing outputs so that a crash never leaves half a file, and the output set changes as a whole.

:class:`OutputSet` writes every output file of a run into a staging folder under
``OUT/.presswash/``; :meth:`OutputSet.commit` flushes them to disk, writes a commit marker listing them,
renames each over its final name, then removes the marker. A run that dies before the marker leaves
the previous outputs untouched (its staging folder is discarded by the next run); a run that dies
after the marker is rolled forward by the next run, so the outputs always end up as one whole run.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from . import testhooks

STATE_DIR = ".presswash"
_MARKER = "COMMIT"


def dumps(obj: Any) -> str:
    """One JSON line, UTF-8 friendly; falls back to ASCII escapes for strings UTF-8 cannot hold
    (lone surrogates from undecodable file names), so every line stays valid JSON."""
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return line


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write one JSON file next to its final name, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False)
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from undecodable file names
        text = json.dumps(obj, ensure_ascii=True, indent=2, sort_keys=False)
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class OutputSet:
    """The output files of one run, replaced together. Use as a context manager::

        with OutputSet(out_dir) as outputs:
            with outputs.open("documents.jsonl") as f: ...
            outputs.commit()

    Leaving the block without ``commit()`` discards the staged files.
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.state_dir = self.out_dir / STATE_DIR
        self.staging = self.state_dir / "staging"
        self._names: list[str] = []
        self.committed = False

    def __enter__(self) -> "OutputSet":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        recover(self.out_dir)
        self.staging.mkdir()
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)

    def path(self, name: str) -> Path:
        if name not in self._names:
            self._names.append(name)
        return self.staging / name

    def open(self, name: str) -> IO[str]:
        return open(self.path(name), "w", encoding="utf-8", newline="\n")

    def commit(self) -> None:
        for name in self._names:
            with open(self.staging / name, "rb+") as handle:
                os.fsync(handle.fileno())
        testhooks.pause("staged")
        marker = self.staging / _MARKER
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write("\n".join(self._names) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(self.staging)
        testhooks.pause("marked")
        _roll_forward(self.out_dir, self.staging, committing=True)
        self.committed = True


def recover(out_dir: str | Path) -> str | None:
    """Finish or discard what a crashed run left in ``out_dir``; say which, or None if nothing."""
    staging = Path(out_dir) / STATE_DIR / "staging"
    if not staging.exists():
        return None
    if (staging / _MARKER).exists():
        _roll_forward(Path(out_dir), staging)
        return "finished publishing the outputs of an interrupted run"
    shutil.rmtree(staging, ignore_errors=True)
    return "discarded the partial outputs of an interrupted run"


def _roll_forward(out_dir: Path, staging: Path, committing: bool = False) -> None:
    names = (staging / _MARKER).read_text(encoding="utf-8").split()
    for i, name in enumerate(names):
        staged = staging / name
        if staged.exists():  # already moved if an earlier roll-forward was interrupted
            os.replace(staged, out_dir / name)
            if i == 0 and committing:
                testhooks.pause("renamed-one")
    _fsync_dir(out_dir)
    (staging / _MARKER).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def write_jsonl(handle: IO[str], objects: Iterable[Any]) -> int:
    count = 0
    for obj in objects:
        handle.write(dumps(obj))
        handle.write("\n")
        count += 1
    return count


def read_jsonl(path: str | Path) -> Iterator[Any]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
