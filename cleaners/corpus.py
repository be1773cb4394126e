"""Corpus-level steps: find raw files, clean a batch of them into a shard, and collect the shards
into the deduplicated outputs. Each step streams; nothing holds the corpus in memory.

The Prefect flow in ``flows/`` runs these steps as tasks (batches in parallel, retries, logging);
:func:`clean_directory` runs the same steps in a plain loop, for notebooks and tests::

    from cleaners.corpus import clean_directory
    report = clean_directory("raw", "clean")
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from . import testhooks
from .dedup import ExactDedup, duplicate_record
from .lock import run_lock
from .pipeline import Cleaner, CleanerConfig, Outcome
from .record import Document, Rejection
from .report import RunReport
from .writers import STATE_DIR, OutputSet, dumps, read_jsonl, write_json_atomic

DOCUMENTS = "documents.jsonl"
DUPLICATES = "duplicates.jsonl"
REJECTED = "rejected.jsonl"
REPORT = "report.json"


class UsageError(ValueError):
    """Arguments that cannot work (a missing raw folder, an output inside the raw folder...)."""


def check_paths(raw_dir: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """Validate the raw and output folders; raise :class:`UsageError` with one clear sentence."""
    raw, out = Path(raw_dir), Path(out_dir)
    if not raw.exists():
        raise UsageError(f"raw folder {str(raw)!r} does not exist")
    if not raw.is_dir():
        raise UsageError(f"raw folder {str(raw)!r} is not a folder")
    raw_real, out_real = raw.resolve(), out.resolve()
    if out_real == raw_real or raw_real in out_real.parents:
        raise UsageError(f"output folder {str(out)!r} is inside the raw folder {str(raw)!r}; raw/ is never written to, choose another --out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path {str(out)!r} exists and is not a folder")
    if not os.access(raw, os.R_OK | os.X_OK):
        raise UsageError(f"raw folder {str(raw)!r} is not readable")
    probe = out if out.exists() else next((p for p in out_real.parents if p.exists()), None)
    if probe is None or not _can_create_files_in(probe):
        raise UsageError(f"output folder {str(out)!r} is not writable")
    return raw, out


def _can_create_files_in(folder: Path) -> bool:
    """Try it (``os.access`` says yes to root everywhere, even on read-only file systems); the probe
    file is anonymous or removed at once."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def discover(raw_dir: str | Path) -> list[str]:
    """Relative POSIX paths of the raw files, sorted. Hidden files and folders (``.name``) are skipped;
    symbolic links are listed (and judged when read), never followed into folders. A link to a folder
    and a folder that cannot be listed are listed too, so that they are reported, not silently lost."""
    root = Path(raw_dir)
    found: list[str] = []

    def unlisted(error: OSError) -> None:
        if error.filename is not None and Path(error.filename) != root:
            found.append(Path(error.filename).relative_to(root).as_posix())

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        for name in dirnames:
            if not name.startswith(".") and os.path.islink(os.path.join(dirpath, name)):
                found.append((rel_dir / name).as_posix())
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith("."):
                found.append((rel_dir / name).as_posix())
    return sorted(found)


def batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- cleaning a batch into a shard ------------------------------------------------------------

_CLEANERS: dict[CleanerConfig, Cleaner] = {}


def _cleaner(config: CleanerConfig) -> Cleaner:
    """One Cleaner per configuration per process (rules are compiled once)."""
    cleaner = _CLEANERS.get(config)
    if cleaner is None:
        cleaner = _CLEANERS[config] = Cleaner(config)
    return cleaner


@dataclass
class ShardSummary:
    shard: str
    files: int
    documents: int
    rejected: int
    seconds: float


def clean_files(
    raw_dir: str | Path,
    paths: list[str],
    handle: BinaryIO,
    config: CleanerConfig | None = None,
    start: int = 0,
    progress: Callable[..., None] | None = None,
) -> tuple[int, int]:
    """Clean ``paths[start:]`` into ``handle`` (binary, a shard), one block of lines per file.

    A file's outcomes are written and flushed together once the file is done, so a process that dies
    mid-file leaves only whole files in the shard. ``progress`` (used by :mod:`cleaners.workers`) is
    called with ``("file", i)`` when file ``i`` starts, ``("tick", i)`` after each of its outcomes and
    ``("done", i, offset, documents, rejected)`` once its block is flushed and ends at ``offset``.
    Returns the numbers of documents and rejections written.
    """
    cleaner = _cleaner(config or CleanerConfig())
    documents = rejected = 0
    for index in range(start, len(paths)):
        relpath = paths[index]
        if progress:
            progress("file", index)
        lost = testhooks.fault(relpath) == "drop"
        lines: list[str] = []
        file_documents = file_rejected = 0
        for outcome in cleaner.process_file(raw_dir, relpath):
            if isinstance(outcome, Document):
                file_documents += 1
                lines.append(dumps({"document": outcome.to_json()}))
            else:
                file_rejected += 1
                lines.append(dumps({"rejected": outcome.to_json()}))
            if progress:
                progress("tick", index)
        if lost:
            lines = []
        if lines:
            handle.write(("\n".join(lines) + "\n").encode("utf-8"))
        handle.flush()
        documents += file_documents
        rejected += file_rejected
        if progress:
            progress("done", index, handle.tell(), file_documents, file_rejected)
        testhooks.pause("cleaning")
    return documents, rejected


def clean_batch_to_shard(raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig | None = None) -> ShardSummary:
    """Clean ``paths`` (relative to ``raw_dir``) in this process and write every outcome, in order, to
    ``shard_path``. :class:`cleaners.workers.WorkerPool` runs the same work in worker processes that
    may die or hang without losing a file."""
    started = time.perf_counter()
    tmp = f"{shard_path}.tmp"
    with open(tmp, "wb") as handle:
        documents, rejected = clean_files(raw_dir, paths, handle, config)
    os.replace(tmp, shard_path)
    return ShardSummary(shard_path, len(paths), documents, rejected, time.perf_counter() - started)


def read_shard(shard_path: str | Path) -> Iterator[Outcome]:
    for line in read_jsonl(shard_path):
        if "document" in line:
            yield Document.from_json(line["document"])
        else:
            yield Rejection.from_json(line["rejected"])


# -- collecting shards into the outputs --------------------------------------------------------

def write_corpus(outcomes: Iterable[Outcome], out_dir: str | Path, files: list[str], report: RunReport | None = None) -> RunReport:
    """Deduplicate ``outcomes`` (in source order) and publish the outputs of one run, atomically."""
    report = report or RunReport(files)
    dedup = ExactDedup()
    with OutputSet(out_dir) as outputs:
        with outputs.open(DOCUMENTS) as docs, outputs.open(DUPLICATES) as dups, outputs.open(REJECTED) as rejs:
            for outcome in outcomes:
                if isinstance(outcome, Rejection):
                    report.add_rejection(outcome)
                    rejs.write(dumps(outcome.to_json()) + "\n")
                    continue
                verdict = dedup.check(outcome)
                if verdict is None:
                    report.add_document(outcome)
                    docs.write(dumps(outcome.to_json()) + "\n")
                else:
                    record = duplicate_record(outcome, verdict)
                    report.add_duplicate(record)
                    dups.write(dumps(record) + "\n")
        report.check()  # raises AccountingError: the staged outputs are discarded, the previous ones stay
        with outputs.open(REPORT) as handle:  # published with the outputs it describes
            handle.write(json.dumps(report.to_json(), ensure_ascii=True, indent=2) + "\n")
        outputs.commit()
    return report


def write_report(out_dir: str | Path, report: RunReport, extra: dict[str, Any] | None = None) -> None:
    write_json_atomic(Path(out_dir) / REPORT, {**report.to_json(), **(extra or {})})


def clean_directory(raw_dir: str | Path, out_dir: str | Path, config: CleanerConfig | None = None) -> RunReport:
    """Clean every raw file in one process, without Prefect: the library path of ``presswash clean``."""
    raw, out = check_paths(raw_dir, out_dir)
    with run_lock(out):
        files = discover(raw)
        cleaner = _cleaner(config or CleanerConfig())
        outcomes = (outcome for relpath in files for outcome in cleaner.process_file(raw, relpath))
        report = write_corpus(outcomes, out, files)
        write_report(out, report)
    return report


def discard_stale_work(out_dir: str | Path) -> None:
    """Remove the shards that killed runs left behind; call it only while holding the run lock."""
    shutil.rmtree(Path(out_dir) / STATE_DIR / "work", ignore_errors=True)


def work_dir(out_dir: str | Path, run_id: str) -> Path:
    path = Path(out_dir) / STATE_DIR / "work" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path
