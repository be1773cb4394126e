"""A batch of raw files cleaned into a shard: one JSON line per outcome, in source order; and the shards
read back, in source order, for publishing.

A document's line starts with what deciding duplicates needs of it (``{"dedup": {"id", "candidate",
"grp", "fingerprint"}, "document": {...}}``), computed here, where the cleaning runs in parallel, so
the one place that decides only compares: it reads that first object of each line
(:func:`read_dedup_records`) and never parses the documents; writing the outputs reads them whole
(:func:`read_shards`). A rejection's line is ``{"rejected": {...}}``.
"""

from __future__ import annotations

import heapq
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from cleaners.config import CleanerConfig, DedupConfig
from cleaners.dedup.fingerprint import Fingerprint, fingerprint
from cleaners.dedup.index import IndexedRecord, group_key
from cleaners.dedup.policy import Candidate
from cleaners.dedup.repeated import line_group
from cleaners.outputs.atomic import dumps, read_jsonl
from cleaners.pipeline import Cleaner
from cleaners.record import Document, Rejection
from cleaners.testing import hooks as testhooks

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
    # time spent in the per-file work itself (reading, cleaning, fingerprinting, writing the shard
    # lines), summed over the batch's files; ``seconds`` minus this is the batch's overhead
    work_seconds: float = 0.0
    # where the lines of the files asked for (originals of exact copies) are: path -> [start, end)
    ranges: dict[str, list[int]] = field(default_factory=dict)


def shard_line(outcome: Document | Rejection, dedup: DedupConfig, fp: Fingerprint | None = None) -> dict[str, Any]:
    """An outcome's shard line; a document's fingerprint is computed unless given (an exact copy's)."""
    if isinstance(outcome, Rejection):
        return {"rejected": outcome.to_json()}
    record = indexed(outcome, fp or fingerprint(outcome.text, dedup))
    facts = {"id": record.id, "candidate": asdict(record.candidate), "grp": record.grp, "fingerprint": record.fp.to_json()}
    return {"dedup": facts, "document": outcome.to_json()}


def indexed(doc: Document, fp: Fingerprint) -> IndexedRecord:
    """A document as the dedup index sees it: its id, the survivor policy's facts, its site group."""
    return IndexedRecord(doc.id, Candidate.of(doc, fp), group_key(line_group(doc.metadata)), fp)


def clean_files(
    raw_dir: str | Path,
    paths: list[str],
    handle: BinaryIO,
    config: CleanerConfig | None = None,
    dedup: DedupConfig | None = None,
    start: int = 0,
    progress: Callable[..., None] | None = None,
) -> tuple[int, int, float]:
    """Clean ``paths[start:]`` into ``handle`` (binary, a shard), one block of lines per file.

    A file's outcomes are written and flushed together once the file is done, so a process that dies
    mid-file leaves only whole files in the shard. ``progress`` (used by :mod:`cleaners.runtime.workers`) is
    called with ``("file", i)`` when file ``i`` starts, ``("tick", i)`` after each of its outcomes and
    ``("done", i, offset, documents, rejected, seconds)`` once its block is flushed and ends at
    ``offset`` (``seconds``: the time the file took). Returns the numbers of documents and rejections
    written and the seconds spent on the files.
    """
    cleaner = _cleaner(config or CleanerConfig())
    dedup = dedup or DedupConfig()
    documents = rejected = 0
    work = 0.0
    for index in range(start, len(paths)):
        relpath = paths[index]
        if progress:
            progress("file", index)
        file_started = time.perf_counter()
        lost = testhooks.fault(relpath) == "drop"
        lines: list[str] = []
        file_documents = file_rejected = 0
        for outcome in cleaner.process_file(raw_dir, relpath):
            if isinstance(outcome, Document):
                file_documents += 1
            else:
                file_rejected += 1
            lines.append(dumps(shard_line(outcome, dedup)))
            if progress:
                progress("tick", index)
        if lost:
            lines = []
        if lines:
            handle.write(("\n".join(lines) + "\n").encode("utf-8"))
        handle.flush()
        documents += file_documents
        rejected += file_rejected
        seconds = time.perf_counter() - file_started
        work += seconds
        if progress:
            progress("done", index, handle.tell(), file_documents, file_rejected, seconds)
        testhooks.pause("cleaning")
    return documents, rejected, work


def clean_batch_to_shard(
    raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig | None = None, dedup: DedupConfig | None = None,
    ranges_for: Iterable[str] = (),
) -> ShardSummary:
    """Clean ``paths`` (relative to ``raw_dir``) in this process and write every outcome, in order, to
    ``shard_path``; the summary says where the lines of the files in ``ranges_for`` are.
    :class:`cleaners.runtime.workers.WorkerPool` runs the same work in worker processes that may die or hang
    without losing a file."""
    started = time.perf_counter()
    tmp = f"{shard_path}.tmp"
    ranges = FileRanges(paths, ranges_for)
    with open(tmp, "wb") as handle:
        documents, rejected, work = clean_files(raw_dir, paths, handle, config, dedup, progress=ranges.progress if ranges.wanted else None)
    os.replace(tmp, shard_path)
    return ShardSummary(shard_path, len(paths), documents, rejected, time.perf_counter() - started, work, ranges.found)


class FileRanges:
    """Follows a batch's ``done`` progress messages: where each wanted file's lines are in the shard."""

    def __init__(self, paths: list[str], wanted: Iterable[str], offset: int = 0):
        self.paths = paths
        self.wanted = set(wanted)
        self.offset = offset
        self.found: dict[str, list[int]] = {}

    def progress(self, kind: str, index: int, *rest) -> None:
        if kind == "done":
            self.done(index, rest[0])

    def done(self, index: int, end: int) -> None:
        if self.paths[index] in self.wanted:
            self.found[self.paths[index]] = [self.offset, end]
        self.offset = end


def read_shards(shards: Iterable[str | Path]) -> Iterator[tuple[Document, Fingerprint] | Rejection]:
    """Every outcome of the shards, in their order: documents with their fingerprints, rejections."""
    for shard in shards:
        for line in read_jsonl(shard):
            if "document" in line:
                yield Document.from_json(line["document"]), Fingerprint.from_json(line["dedup"]["fingerprint"])
            else:
                yield Rejection.from_json(line["rejected"])


_FACTS = '{"dedup":'
_DECODER = json.JSONDecoder()


def read_dedup_records(shards: Iterable[str | Path]) -> Iterator[IndexedRecord]:
    """Each document of the shards as the dedup index sees it, in their order: only the first object
    of each line is parsed, never the document."""
    for shard in shards:
        with open(shard, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(_FACTS):
                    facts, _ = _DECODER.raw_decode(line, len(_FACTS))
                    yield IndexedRecord(facts["id"], Candidate(**facts["candidate"]), facts["grp"], Fingerprint.from_json(facts["fingerprint"]))


def _order(source: dict[str, Any]) -> tuple[str, int]:
    record = source.get("record")
    return (source["path"], -1 if record is None else record)


def _item_order(item) -> tuple[str, int]:
    if isinstance(item, Rejection):
        return _order(item.source)
    if isinstance(item, IndexedRecord):
        return item.candidate.order
    doc = item[0] if isinstance(item, tuple) else item
    return _order(doc.metadata["source"])


def _merged(read: Callable[[Iterable[str]], Iterator], shards: list[str], extra_shards: Iterable[str] = ()) -> Iterator:
    """This run's items in source order: the batch shards (consecutive slices of the sorted files,
    read one after the other) merged with the extra shards, each in source order itself (the exact
    copies, the copies cleaned after all)."""
    extra = [read([shard]) for shard in extra_shards]
    return heapq.merge(read(shards), *extra, key=_item_order) if extra else read(shards)


def this_run(shards: list[str], extra_shards: Iterable[str] = ()) -> Iterator[tuple[Document, Fingerprint] | Rejection]:
    """This run's outcomes in source order (see :func:`read_shards`)."""
    return _merged(read_shards, shards, extra_shards)


def this_run_records(shards: list[str], extra_shards: Iterable[str] = ()) -> Iterator[IndexedRecord]:
    """This run's documents as the dedup index sees them, in source order (see :func:`read_dedup_records`)."""
    return _merged(read_dedup_records, shards, extra_shards)
