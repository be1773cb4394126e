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
from typing import IO, Any, Iterator

from cleaners.testing import hooks as testhooks

# the output folder's files
DOCUMENTS = "documents.jsonl"
DUPLICATES = "duplicates.jsonl"
REJECTED = "rejected.jsonl"
REPORT = "report.json"
REPORT_HTML = "report.html"
STATE_DIR = ".presswash"  # presswash's own files inside OUT: staging, work shards, the state index, the lock
STATE = "state.sqlite"
_MARKER = "COMMIT"


def default_state_path(out_dir: str | Path) -> Path:
    """Where the dedup index and file ledger live when no ``--state`` is given."""
    return Path(out_dir) / STATE_DIR / STATE


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
            state = outputs.stage_copy(out_dir / ".presswash" / "state.sqlite")  # edit a copy
            outputs.commit()

    Leaving the block without ``commit()`` discards the staged files.
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir).absolute()
        self.state_dir = self.out_dir / STATE_DIR
        self.staging = self.state_dir / "staging"
        self._targets: dict[Path, Path] = {}  # staged file -> final path
        self._removals: list[Path] = []  # outputs of earlier runs that this run no longer writes
        self.committed = False
        self.recovered: str | None = None

    def __enter__(self) -> "OutputSet":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.recovered = recover(self.out_dir)
        self.staging.mkdir()
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.committed:
            for staged in self._targets:
                if not staged.is_relative_to(self.staging):
                    staged.unlink(missing_ok=True)
            shutil.rmtree(self.staging, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where to write the new version of ``OUT/name``."""
        staged = self.staging / name
        self._targets[staged] = self.out_dir / name
        return staged

    def open(self, name: str) -> IO[str]:
        """A text file to write ``OUT/name`` with. The only characters UTF-8 cannot hold are lone
        surrogates (a raw file name that is not UTF-8, decoded by the OS with surrogate escapes); they are
        written as ``\\udcXX``, the very JSON escape of that character, because JSON writers
        (``json.dump(..., ensure_ascii=False)``, as ``report.json`` is written) only ever put them inside
        strings: a JSON file written here stays valid JSON meaning the same, as the JSONL lines do
        (:func:`dumps`)."""
        return open(self.path(name), "w", encoding="utf-8", errors="backslashreplace", newline="\n")

    def stage_copy(self, target: str | Path) -> Path:
        """A copy of ``target`` (empty if it does not exist yet) to modify; it replaces ``target`` at commit.

        Inside the output folder the copy lives in the staging folder; elsewhere (a ``--state`` path),
        beside the target, so the final rename never crosses file systems.
        """
        target = Path(target).absolute()
        if target.is_relative_to(self.out_dir):
            staged = self.staging / ("state-" + target.name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = target.with_name(f".{target.name}.staged")
            staged.unlink(missing_ok=True)
        if target.exists():
            shutil.copyfile(target, staged)
        self._targets[staged] = target
        return staged

    def remove(self, name: str) -> None:
        """Delete ``OUT/name`` at commit, with the rest (an output this run does not write any more)."""
        if (self.out_dir / name).exists():
            self._removals.append(self.out_dir / name)

    def commit(self) -> None:
        for staged in self._targets:
            with open(staged, "rb+") as handle:
                os.fsync(handle.fileno())
        testhooks.pause("staged")
        marker = self.staging / _MARKER
        with open(marker, "w", encoding="utf-8") as handle:
            # paths inside the output folder are relative to it, so a crashed folder can be moved or
            # copied and still be recovered where it is (and never writes into the original)
            pairs = [[_relative(staged, self.out_dir), _relative(target, self.out_dir)] for staged, target in self._targets.items()]
            pairs += [[None, _relative(target, self.out_dir)] for target in self._removals]  # None: delete it
            json.dump(pairs, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(self.staging)
        testhooks.pause("marked")
        _roll_forward(self.staging, committing=True)
        self.committed = True


def recover(out_dir: str | Path) -> str | None:
    """Finish or discard what a crashed run left in ``out_dir``; say which, or None if nothing."""
    staging = Path(out_dir) / STATE_DIR / "staging"
    if not staging.exists():
        return None
    if (staging / _MARKER).exists():
        _roll_forward(staging)
        return "finished publishing the outputs of an interrupted run"
    shutil.rmtree(staging, ignore_errors=True)
    return "discarded the partial outputs of an interrupted run"


def _relative(path: Path, out_dir: Path) -> str:
    return str(path.relative_to(out_dir)) if path.is_relative_to(out_dir) else str(path)


def _roll_forward(staging: Path, committing: bool = False) -> None:
    out_dir = staging.absolute().parent.parent  # OUT/.presswash/staging
    pairs = json.loads((staging / _MARKER).read_text(encoding="utf-8"))
    parents = set()
    for i, (staged, target) in enumerate(pairs):
        target = os.path.join(out_dir, target)  # absolute paths stay as they are
        if staged is None:
            if os.path.exists(target):
                os.unlink(target)
            parents.add(os.path.dirname(target))
            continue
        staged = os.path.join(out_dir, staged)
        if os.path.exists(staged):  # already moved if an earlier roll-forward was interrupted
            os.replace(staged, target)
            if i == 0 and committing:
                testhooks.pause("renamed-one")  # test-only: a crash between two renames
        parents.add(os.path.dirname(target))
    for parent in parents:
        _fsync_dir(Path(parent))
    (staging / _MARKER).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def read_jsonl(path: str | Path) -> Iterator[Any]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
