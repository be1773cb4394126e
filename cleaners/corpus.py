"""Corpus-level steps: find raw files, clean a batch of them into a shard, and collect the shards
into the deduplicated outputs. Each step streams; nothing holds the corpus in memory.

The Prefect flow in ``flows/`` runs these steps as tasks (batches in parallel, retries, logging);
:func:`clean_directory` runs the same steps in a plain loop, for notebooks and tests::

    from cleaners.corpus import clean_directory
    report = clean_directory("raw", "clean")
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .dedup import ExactDedup, duplicate_record
from .htmlreport import write_html_report
from .pipeline import Cleaner, CleanerConfig, Outcome
from .record import Document, Rejection
from .report import RunReport
from .writers import STATE_DIR, OutputSet, dumps, read_jsonl, write_json_atomic

DOCUMENTS = "documents.jsonl"
DUPLICATES = "duplicates.jsonl"
REJECTED = "rejected.jsonl"
REPORT = "report.json"
REPORT_HTML = "report.html"


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
    probe = out if out.exists() else next((p for p in out_real.parents if p.exists()), None)
    if probe is None or not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"output folder {str(out)!r} is not writable")
    return raw, out


def discover(raw_dir: str | Path) -> list[str]:
    """Relative POSIX paths of the raw files, sorted. Hidden files and folders (``.name``) are skipped;
    symbolic links are listed (and judged when read), never followed into folders."""
    root = Path(raw_dir)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(root)
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


def clean_batch_to_shard(raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig | None = None) -> ShardSummary:
    """Clean ``paths`` (relative to ``raw_dir``) and write every outcome, in order, to ``shard_path``."""
    started = time.perf_counter()
    cleaner = _cleaner(config or CleanerConfig())
    documents = rejected = 0
    tmp = f"{shard_path}.tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        for relpath in paths:
            for outcome in cleaner.process_file(raw_dir, relpath):
                if isinstance(outcome, Document):
                    documents += 1
                    handle.write(dumps({"document": outcome.to_json()}))
                else:
                    rejected += 1
                    handle.write(dumps({"rejected": outcome.to_json()}))
                handle.write("\n")
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
        missing = report.unaccounted()
        if missing:
            raise RuntimeError(f"accounting check failed: {len(missing)} raw files appear in no output (first: {missing[0]}); outputs left unchanged")
        # report.html describes exactly the JSONL files it is published with: rendered from the staged files.
        write_html_report(outputs.path(REPORT_HTML), report.to_json(), *(outputs.path(n) for n in (DOCUMENTS, DUPLICATES, REJECTED)))
        outputs.commit()
    return report


def write_report(out_dir: str | Path, report: RunReport, extra: dict[str, Any] | None = None) -> None:
    write_json_atomic(Path(out_dir) / REPORT, {**report.to_json(), **(extra or {})})


def clean_directory(raw_dir: str | Path, out_dir: str | Path, config: CleanerConfig | None = None) -> RunReport:
    """Clean every raw file in one process, without Prefect: the library path of ``presswash clean``."""
    raw, out = check_paths(raw_dir, out_dir)
    files = discover(raw)
    cleaner = _cleaner(config or CleanerConfig())
    outcomes = (outcome for relpath in files for outcome in cleaner.process_file(raw, relpath))
    report = write_corpus(outcomes, out, files)
    write_report(out, report)
    return report


def work_dir(out_dir: str | Path, run_id: str) -> Path:
    path = Path(out_dir) / STATE_DIR / "work" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path
