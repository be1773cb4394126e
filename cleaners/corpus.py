"""Corpus-level steps: find raw files, plan what to read, clean a batch of them into a shard, and
publish the shards as the deduplicated outputs. Each step streams; nothing holds the corpus in memory.

The Prefect flow in ``flows/`` runs these steps as tasks (batches in parallel, retries, logging);
:func:`clean_directory` runs the same steps in a plain loop, for notebooks and tests::

    from cleaners.corpus import clean_directory
    report = clean_directory("raw", "clean")

The output folder is cumulative: it holds the current state of every raw file ever cleaned into it.
A run reads only the new and changed files (:func:`plan_run`, the file ledger), replaces their
records and keeps the others, so a later run over new files adds to the corpus and is deduplicated
against it. Dedup decisions and the ledger live in a SQLite index (``OUT/.presswash/state.sqlite``
by default) that is swapped in together with the outputs and ``manifest.json``.
"""

from __future__ import annotations

import heapq
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from . import __version__, testhooks
from .copies import split_copies, write_copies
from .dedup import Candidate, DedupConfig, Fingerprint, fingerprint
from .dedupindex import DedupIndex, Decision, IndexedRecord, check_state, group_key
from .filestate import FileLedger, LedgerUpdate, Plan, cleaning_key, hash_files, read_ledger
from .htmlreport import write_html_report
from .lock import run_locks
from .manifest import MANIFEST, HashingWriter, build_manifest, file_description, utc_now
from .metadata import text_counts
from .parquet import DOCUMENTS_PARQUET, ParquetDocuments
from .pipeline import Cleaner, CleanerConfig
from .record import Document, Rejection
from .repeated import line_group, remove_repeated_lines
from .report import RunReport
from .writers import STATE_DIR, OutputSet, dumps, read_jsonl, write_json_atomic

DOCUMENTS = "documents.jsonl"
DUPLICATES = "duplicates.jsonl"
REJECTED = "rejected.jsonl"
REPORT = "report.json"
REPORT_HTML = "report.html"
STATE = "state.sqlite"


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


def default_state_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / STATE_DIR / STATE


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
    # time spent in the per-file work itself (reading, cleaning, fingerprinting, writing the shard
    # lines), summed over the batch's files; ``seconds`` minus this is the batch's overhead
    work_seconds: float = 0.0
    # where the lines of the files asked for (originals of exact copies) are: path -> [start, end)
    ranges: dict[str, list[int]] = field(default_factory=dict)


def shard_line(outcome: Document | Rejection, dedup: DedupConfig) -> dict[str, Any]:
    """A shard holds each outcome in order; documents carry their dedup fingerprint, computed here,
    where the cleaning runs in parallel, so the one place that decides only compares."""
    if isinstance(outcome, Document):
        return {"document": outcome.to_json(), "fingerprint": fingerprint(outcome.text, dedup).to_json()}
    return {"rejected": outcome.to_json()}


def clean_files(
    raw_dir: str | Path,
    paths: list[str],
    handle: BinaryIO,
    config: CleanerConfig | None = None,
    dedup: DedupConfig | None = None,
    start: int = 0,
    progress: Callable[..., None] | None = None,
) -> tuple[int, int]:
    """Clean ``paths[start:]`` into ``handle`` (binary, a shard), one block of lines per file.

    A file's outcomes are written and flushed together once the file is done, so a process that dies
    mid-file leaves only whole files in the shard. ``progress`` (used by :mod:`cleaners.workers`) is
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
    :class:`cleaners.workers.WorkerPool` runs the same work in worker processes that may die or hang
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
    for shard in shards:
        for line in read_jsonl(shard):
            if "document" in line:
                yield Document.from_json(line["document"]), Fingerprint.from_json(line["fingerprint"])
            else:
                yield Rejection.from_json(line["rejected"])


def _this_run(shards: list[str], extra_shards: Iterable[str] = ()) -> Iterator[tuple[Document, Fingerprint] | Rejection]:
    """This run's outcomes in source order: the batch shards (consecutive slices of the sorted files,
    read one after the other) merged with the extra shards, each in source order itself (the exact
    copies, the copies cleaned after all)."""
    extra = [read_shards([shard]) for shard in extra_shards]
    return heapq.merge(read_shards(shards), *extra, key=_item_order) if extra else read_shards(shards)


# -- publishing: decide, then write ---------------------------------------------------------

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


def _indexed(doc: Document, fp: Fingerprint) -> IndexedRecord:
    return IndexedRecord(doc.id, Candidate.of(doc, fp), group_key(line_group(doc.metadata)), fp)


class _Previous:
    """The outputs of earlier runs, read back in source order, minus the files processed again."""

    def __init__(self, out_dir: Path, replaced: set[str]):
        self.out_dir = out_dir
        self.replaced = replaced

    def _lines(self, name: str) -> Iterator[dict[str, Any]]:
        path = self.out_dir / name
        if path.exists():
            for line in read_jsonl(path):
                source = line["source"] if "source" in line else line["metadata"]["source"]
                if source["path"] not in self.replaced:
                    yield line

    def documents(self) -> Iterator[Document]:
        """Previously kept and previously dropped documents, each stream in source order."""
        kept = (Document.from_json(line) for line in self._lines(DOCUMENTS))
        dropped = (Document(line["id"], line["text"], line["metadata"]) for line in self._lines(DUPLICATES))
        return heapq.merge(kept, dropped, key=_item_order)

    def rejections(self) -> Iterator[Rejection]:
        return (Rejection.from_json(line) for line in self._lines(REJECTED))


def _previous_report(out_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((out_dir / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def publish(
    shards: list[str],
    out_dir: str | Path,
    files: list[str],
    dedup: DedupConfig | None = None,
    state_path: str | Path | None = None,
    run_id: str | None = None,
    report: RunReport | None = None,
    *,
    replaced: set[str] | None = None,
    ledger: LedgerUpdate | None = None,
    parquet: bool = False,
    settings: dict[str, Any] | None = None,
    extra_shards: list[str] = (),
) -> RunReport:
    """Decide duplicates for this run's shards against the state index, and publish the outputs.

    ``files``: the raw files the outputs must account for (all files seen this run). ``replaced``: the
    files whose earlier records are dropped (the files read this run, and the ones pruned; default
    ``files``). ``ledger``: what to record in the incremental-run ledger. ``parquet``: also write
    ``documents.parquet``. ``settings``: recorded in ``manifest.json``. ``extra_shards``: shards of this
    run besides the batch shards, each in source order (see :func:`_this_run`).

    Phase 1 inserts, in source order, this run's documents plus any earlier record whose decision
    depended on a record being replaced; phase 2 streams the final outputs: this run's outcomes merged
    with the earlier outputs of the files not read this time.
    """
    out = Path(out_dir)
    dedup = dedup or DedupConfig()
    run_id = run_id or uuid.uuid4().hex[:12]
    started_at = utc_now()
    replaced = set(files) if replaced is None else replaced
    report = report or RunReport(files)
    previous = _Previous(out, replaced)
    in_sync = _previous_report(out).get("state_run")
    with OutputSet(out) as outputs:
        index = DedupIndex(outputs.stage_copy(Path(state_path) if state_path else default_state_path(out)), dedup)
        try:
            in_sync = in_sync is not None and in_sync == index.get_meta("run")
            orphans = index.remove_paths(replaced)
            started = time.perf_counter()
            _decide(index, shards, orphans, None if in_sync else previous, extra_shards)
            report.timings["dedup_decide"] = time.perf_counter() - started
            started = time.perf_counter()
            described = _write(index, outputs, shards, previous, report, parquet, extra_shards)
            report.timings["write"] = time.perf_counter() - started
            report.extra["dedup_index"] = index.counts()
            report.extra["state_run"] = run_id
            index.set_meta("run", run_id)
            if ledger is not None:
                FileLedger(index.db).update(ledger.hashes, ledger.cleaning_key, ledger.forget)
        finally:
            index.close()
        report.check()  # raises AccountingError: the staged outputs are discarded, the previous ones stay
        report.timings["total"] = time.perf_counter() - report.started
        with outputs.open(REPORT) as handle:
            json.dump(report.to_json(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        # report.html describes exactly the outputs it is published with: rendered from the staged files.
        write_html_report(outputs.path(REPORT_HTML), report.to_json(), *(outputs.path(n) for n in (DOCUMENTS, DUPLICATES, REJECTED)))
        if not parquet:
            outputs.remove(DOCUMENTS_PARQUET)  # a stale Parquet file from an earlier run would disagree
        manifest = build_manifest(run_id, started_at, __version__, settings or {"dedup": dedup.to_json()}, report.to_json(), described)
        write_json_atomic(outputs.path(MANIFEST), manifest)
        outputs.commit()
    return report


def publish_unchanged(
    out_dir: str | Path, report_json: dict[str, Any], run_id: str | None = None, settings: dict[str, Any] | None = None, parquet: bool = False
) -> dict[str, Any] | None:
    """A run that found nothing new, changed or to prune: the outputs stay as they are (byte for byte);
    only ``report.json`` and ``manifest.json`` say that this run happened. Returns the new report, or
    None when the earlier outputs cannot stand as this run's (incomplete, or another set of formats):
    then run the full publish."""
    out = Path(out_dir)
    previous = _previous_report(out)
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not previous or not all((out / name).exists() for name in manifest.get("outputs", {})):
        return None
    if (DOCUMENTS_PARQUET in manifest.get("outputs", {})) != parquet:
        return None
    run_id = run_id or uuid.uuid4().hex[:12]
    report = {**previous, **{k: v for k, v in report_json.items() if k in ("incremental", "timings_seconds", "batch_size", "workers", "exact_copies")}}
    with OutputSet(out) as outputs:
        with outputs.open(REPORT) as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        started = manifest.get("finished") or utc_now()
        new = build_manifest(run_id, started, __version__, settings or manifest.get("settings", {}), report, manifest["outputs"], changed=False)
        write_json_atomic(outputs.path(MANIFEST), new)
        outputs.commit()
    return report


def _decide(index: DedupIndex, shards: list[str], orphans: list[IndexedRecord], previous: _Previous | None, extra_shards: Iterable[str] = ()) -> None:
    this_run = (_indexed(*item) for item in _this_run(shards, extra_shards) if not isinstance(item, Rejection))
    streams: list[Iterable] = [this_run, orphans]
    if previous is not None:  # the index does not match the outputs (lost, or from another run): fill it in
        streams.append(
            _indexed(doc, fingerprint(doc.text, index.config)) for doc in previous.documents() if index.decision(doc.id) is None
        )
    for record in heapq.merge(*streams, key=_item_order):
        index.insert(record)
    index.commit()


def _write(index: DedupIndex, outputs: OutputSet, shards: list[str], previous: _Previous, report: RunReport, parquet: bool = False,
           extra_shards: Iterable[str] = ()) -> dict[str, Any]:
    """Stream the final outputs; return each file's size, record count and SHA-256 (for the manifest)."""
    repeated = index.repeated_lines()
    with_duplicates = index.survivors_with_duplicates()
    # this run's documents come with their fingerprints, earlier ones without
    stream = heapq.merge(_this_run(shards, extra_shards), previous.documents(), previous.rejections(), key=_item_order)
    table = ParquetDocuments(outputs.path(DOCUMENTS_PARQUET)) if parquet else None
    with HashingWriter(outputs.open(DOCUMENTS)) as docs, HashingWriter(outputs.open(DUPLICATES)) as dups, HashingWriter(outputs.open(REJECTED)) as rejs:
        for item in stream:
            if isinstance(item, Rejection):
                report.add_rejection(item)
                rejs.write(dumps(item.to_json()) + "\n")
                continue
            fp = None
            if isinstance(item, tuple):
                item, fp = item
            decision = index.decision(item.id)
            if decision is None:
                raise RuntimeError(f"record {item.id} ({item.metadata['source']['path']}) has no dedup decision")
            if decision.status == "kept":
                doc = _finish_kept(item, index, repeated, with_duplicates, fp)
                report.add_document(doc)
                record = doc.to_json()
                docs.write(dumps(record) + "\n")
                if table is not None:
                    table.write(record)
            else:
                line = duplicate_line(item, decision)
                report.add_duplicate(line)
                dups.write(dumps(line) + "\n")
    described = {DOCUMENTS: docs.describe(), DUPLICATES: dups.describe(), REJECTED: rejs.describe()}
    if table is not None:
        table.close()
        described[DOCUMENTS_PARQUET] = {**file_description(outputs.path(DOCUMENTS_PARQUET)), "records": docs.lines}
    return described


def _finish_kept(doc: Document, index: DedupIndex, repeated: set, with_duplicates: set[str], fp: Fingerprint | None = None) -> Document:
    meta = dict(doc.metadata)
    grp = group_key(line_group(meta))
    if fp is not None and not any((grp, key) in repeated for key in fp.lines.tolist()):
        text, removed = doc.text, []  # its fingerprint lists its short paragraphs' keys: none is a learned line
    else:
        text, removed = remove_repeated_lines(doc.text, grp, repeated)
    if removed:
        meta["removed"] = list(meta.get("removed") or []) + removed
        meta["counts"] = text_counts(text)
    meta["dedup"] = {"cluster": doc.id, "duplicates": index.cluster(doc.id)} if doc.id in with_duplicates else None
    return Document(doc.id, text, meta)


def duplicate_line(doc: Document, decision: Decision) -> dict[str, Any]:
    """The line written to ``duplicates.jsonl``: the decision, and the whole dropped record, so that
    nothing is lost and a later run can bring it back if its survivor goes away."""
    line: dict[str, Any] = {"id": doc.id, "duplicate_of": decision.duplicate_of}
    if decision.matched and decision.matched != decision.duplicate_of:
        line["matched"] = decision.matched
    meta = dict(doc.metadata, dedup=None)
    line.update(method=decision.method, similarity=decision.similarity, source=meta["source"], text=doc.text, metadata=meta)
    return line


# -- the whole job without Prefect ------------------------------------------------------------

def plan_run(raw_dir: str | Path, out_dir: str | Path, files: list[str], config: CleanerConfig, state_path: str | Path | None = None, full: bool = False) -> tuple[Plan, dict[str, str], str]:
    """Which raw files this run must read: hash them all and compare with the ledger of the state
    index. Everything is read when ``full`` is set, when there is no ledger yet, or when the ledger and
    the outputs do not belong to the same run (outputs deleted or replaced by hand).
    Returns the plan, the hashes and the cleaning key to record."""
    key = cleaning_key(__version__, {k: v for k, v in vars(config).items() if k != "rules_files"}, config.rules_files)
    hashes = hash_files(raw_dir, files)
    ledger = None if full else read_ledger(Path(state_path) if state_path else default_state_path(out_dir))
    try:
        if ledger is None or not ledger.in_sync_with(_previous_report(Path(out_dir)).get("state_run")):
            return Plan(new=sorted(files)), hashes, key
        return ledger.plan(hashes, key), hashes, key
    finally:
        if ledger is not None:
            ledger.db.close()


def clean_directory(
    raw_dir: str | Path,
    out_dir: str | Path,
    config: CleanerConfig | None = None,
    dedup: DedupConfig | None = None,
    state_path: str | Path | None = None,
    *,
    full: bool = False,
    prune: bool = False,
    parquet: bool = False,
) -> RunReport | dict[str, Any]:
    """Clean the raw folder in one process, without Prefect: the library path of ``presswash clean``,
    incremental like it (only new and changed files are read; ``full`` reads everything, ``prune``
    drops the records of deleted raw files). Returns the RunReport, or the report dict of a run that
    found nothing to do."""
    raw, out = check_paths(raw_dir, out_dir)
    config = config or CleanerConfig()
    dedup = dedup or DedupConfig()
    with run_locks(out, state_path):
        check_state(Path(state_path) if state_path else default_state_path(out), dedup)
        files = discover(raw)
        plan, hashes, key = plan_run(raw, out, files, config, state_path, full)
        pruned = plan.deleted if prune else []
        incremental = {**plan.counts(), "pruned": len(pruned)}
        if not plan.to_read and not pruned:
            unchanged = publish_unchanged(out, {"incremental": incremental, "exact_copies": 0}, parquet=parquet)
            if unchanged is not None:
                return unchanged
            plan, pruned = Plan(new=sorted(files)), []
        work = Path(tempfile.mkdtemp(prefix="presswash-"))
        try:
            to_clean, copies = split_copies(plan.to_read, hashes)
            shard = str(work / "shard-000000.jsonl")
            summary = clean_batch_to_shard(str(raw), to_clean, shard, config, dedup, ranges_for=set(copies.values()))
            extra, copied = clean_copies(str(raw), copies, hashes, [summary], work, config, dedup, clean_batch_to_shard)
            report = RunReport(files)
            report.extra["incremental"] = incremental
            report.extra["exact_copies"] = copied
            return publish(
                [shard], out, files, dedup, state_path, report=report,
                replaced=set(plan.to_read) | set(pruned),
                ledger=LedgerUpdate({p: hashes[p] for p in plan.to_read}, key, pruned),
                parquet=parquet,
                extra_shards=extra,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)


def clean_copies(
    raw_dir: str, copies: dict[str, str], hashes: dict[str, str], summaries: list[ShardSummary | dict[str, Any]], work: str | Path,
    config: CleanerConfig, dedup: DedupConfig, clean_batch: Callable[..., ShardSummary | dict[str, Any]],
) -> tuple[list[str], int]:
    """The exact copies' shards (see :mod:`cleaners.copies`): their lines derived from their originals'
    lines, and the copies that could not be derived cleaned by ``clean_batch`` (the same signature as
    :func:`clean_batch_to_shard`). Returns the extra shards and how many copies were derived."""
    if not copies:
        return [], 0
    ranges = {}
    for summary in summaries:
        summary = summary if isinstance(summary, dict) else vars(summary)
        ranges.update((path, (summary["shard"], start, end)) for path, (start, end) in summary["ranges"].items())
    shard = str(Path(work) / "copies.jsonl")
    copied, left = write_copies(ranges, copies, hashes, shard)
    extra = [shard]
    if left:
        extra.append(str(Path(work) / "copies-cleaned.jsonl"))
        clean_batch(raw_dir, left, extra[-1], config, dedup)
    return extra, copied


def discard_stale_work(out_dir: str | Path) -> None:
    """Remove the shards that killed runs left behind; call it only while holding the run lock."""
    shutil.rmtree(Path(out_dir) / STATE_DIR / "work", ignore_errors=True)


def work_dir(out_dir: str | Path, run_id: str) -> Path:
    path = Path(out_dir) / STATE_DIR / "work" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path
