"""The whole job in one process, without Prefect: :func:`clean_directory`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Any, Callable

from cleaners.config import CleanerConfig, DedupConfig
from cleaners.corpus.copies import split_copies, write_copies
from cleaners.corpus.discover import check_paths, discover
from cleaners.corpus.plan import LedgerUpdate, Plan, plan_run
from cleaners.corpus.publish import publish, publish_unchanged
from cleaners.corpus.shards import ShardSummary, clean_batch_to_shard
from cleaners.dedup.index import check_state
from cleaners.outputs.atomic import STATE_DIR, default_state_path
from cleaners.outputs.report import RunReport
from cleaners.runtime.lock import run_locks


def clean_directory(
    raw_dir: str | Path,
    out_dir: str | Path,
    config: CleanerConfig | None = None,
    dedup: DedupConfig | None = None,
    state_path: str | Path | None = None,
    *,
    full: bool = False,
    prune: bool = False,
    formats: Iterable[str] = ("jsonl",),
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
            unchanged = publish_unchanged(out, {"incremental": incremental, "exact_copies": 0}, formats=formats)
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
                formats=formats,
                extra_shards=extra,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)


def clean_copies(
    raw_dir: str, copies: dict[str, str], hashes: dict[str, str], summaries: list[ShardSummary | dict[str, Any]], work: str | Path,
    config: CleanerConfig, dedup: DedupConfig, clean_batch: Callable[..., ShardSummary | dict[str, Any]],
) -> tuple[list[str], int]:
    """The exact copies' shards (see :mod:`cleaners.corpus.copies`): their lines derived from their originals'
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
