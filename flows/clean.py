"""The cleaning flow: discover raw files, clean them in batches, deduplicate, publish.

Tasks wrap the library (``cleaners``) over *batches* of files: Prefect's per-task overhead is
milliseconds, so one task per document would not scale. Batch tasks run concurrently on Prefect's
thread runner and hand the CPU work to a pool of worker processes (threads alone would share one core);
they pass paths in and small summaries out, never document bodies. Dedup and the final write run in
one task, in source order, so the result does not depend on which batch finished first.
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners import CleanerConfig
from cleaners.config import DEFAULT_DOCUMENT_SECONDS, DedupConfig
from cleaners.corpus.copies import split_copies
from cleaners.corpus.discover import batches, check_paths, discover
from cleaners.corpus.plan import LedgerUpdate, Plan, plan_run
from cleaners.corpus.publish import publish, publish_unchanged
from cleaners.corpus.run import clean_copies, discard_stale_work, work_dir
from cleaners.corpus.shards import clean_batch_to_shard
from cleaners.outputs.report import RunReport
from cleaners.runtime.lock import run_locks
from cleaners.runtime.workers import WorkerPool
from cleaners.testing import hooks as testhooks
from flows.artifacts import publish_artifacts
from flows.progress import current_reporter

DEFAULT_BATCH_SIZE = 200  # measured at 10k documents (benchmarks/results/throughput.md)


def _transient(task, task_run, state) -> bool:
    """Retry a batch only for errors that can pass (I/O, a worker process that could not start). A worker
    that dies or hangs on a file is handled inside the pool (the file is retried, then rejected)."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, (OSError, TimeoutError))


@task(name="discover-raw-files", cache_policy=NO_CACHE)
def discover_task(raw_dir: str) -> list[str]:
    return discover(raw_dir)


@task(name="plan-incremental-run", cache_policy=NO_CACHE)
def plan_task(raw_dir: str, out_dir: str, files: list[str], config: CleanerConfig, state_path: str | None, full: bool) -> tuple[Plan, dict[str, str], str]:
    """Hash every raw file and compare with the ledger: what is new, changed, unchanged, deleted."""
    return plan_run(raw_dir, out_dir, files, config, state_path, full)


def _clean_batch(raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig, dedup: DedupConfig, ranges_for: list[str] = ()) -> dict[str, Any]:
    pool = _POOL
    if pool is None:  # called outside the flow: clean in this process
        summary = clean_batch_to_shard(raw_dir, paths, shard_path, config, dedup, ranges_for)
    else:
        summary = pool.run_batch(raw_dir, paths, shard_path, config, dedup, ranges_for)
    return asdict(summary)


@task(name="clean-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def clean_batch_task(
    raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig, dedup: DedupConfig, ranges_for: list[str] | None = None
) -> dict[str, Any]:
    """Clean a batch of files into a shard; the summary says where the lines of ``ranges_for`` are."""
    return _clean_batch(raw_dir, paths, shard_path, config, dedup, ranges_for or ())


@task(name="derive-exact-copies", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def copies_task(
    raw_dir: str, copies: dict[str, str], hashes: dict[str, str], summaries: list[dict[str, Any]], work: str, config: CleanerConfig, dedup: DedupConfig
) -> tuple[list[str], int]:
    """Raw files byte for byte equal to another were not cleaned again: derive their lines from their
    originals' (see ``cleaners.corpus.copies``); clean the few that cannot be derived."""
    return clean_copies(raw_dir, copies, hashes, summaries, work, config, dedup, _clean_batch)


@task(name="dedup-and-write", cache_policy=NO_CACHE)
def dedup_and_write_task(
    shards: list[str], out_dir: str, files: list[str], dedup: DedupConfig, state_path: str | None, report: RunReport, publish_options: dict[str, Any]
) -> dict[str, Any]:
    """Decide duplicates in one place, in source order, and publish the outputs atomically."""
    return {"report": publish(shards, out_dir, files, dedup, state_path, report=report, **publish_options)}


@task(name="record-unchanged-run", cache_policy=NO_CACHE)
def unchanged_task(out_dir: str, report: dict[str, Any], settings: dict[str, Any], formats: list[str]) -> dict[str, Any] | None:
    """Nothing new, changed or pruned: leave the outputs as they are, record the run."""
    return publish_unchanged(out_dir, report, settings=settings, formats=formats)


_POOL: WorkerPool | None = None


@contextmanager
def _worker_pool(workers: int):
    """Worker processes for the batch tasks, always (even one): the per-document time budget needs a
    process whose main thread does the cleaning, and a worker that dies or hangs must not take the run
    with it (see ``cleaners.runtime.workers``). ``workers == 0``: none here; the task runner runs batches
    elsewhere (a Dask worker cleans its batch in its own process)."""
    global _POOL
    if workers <= 0:
        yield None
        return
    pool = WorkerPool(workers)
    _POOL = pool
    try:
        yield pool
    finally:
        _POOL = None
        pool.close()


def _one_run_at_a_time(fn):
    """Hold the output folder's lock (``cleaners.runtime.lock``), and a shared dedup index's, for the whole run;
    a second run on the same output (or index) raises ``OutputLocked`` with a clear message. Paths are checked first: the lock lives in
    OUT, which must never be inside RAW."""

    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        _, out = check_paths(bound.arguments["raw_dir"], bound.arguments["out_dir"])
        with run_locks(out, bound.arguments.get("state_path")):
            discard_stale_work(out)  # shards left by a run that was killed
            return fn(*args, **kwargs)

    return wrapper


def default_workers(n_batches: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_batches))


FORMATS = ("jsonl", "parquet")


@flow(name="presswash-clean", task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2), log_prints=False)
@_one_run_at_a_time
def clean_corpus(
    raw_dir: str = "raw",
    out_dir: str = "clean",
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    rules_files: list[str] | None = None,
    state_path: str | None = None,
    dedup: dict[str, Any] | None = None,
    document_seconds: float | None = DEFAULT_DOCUMENT_SECONDS,
    follow_outside_links: bool = False,
    full: bool = False,
    prune: bool = False,
    formats: list[str] | None = None,
    local_workers: bool = True,
) -> dict[str, Any]:
    """Clean the new and changed files of ``raw_dir`` into ``out_dir`` (documents, duplicates,
    rejected, report, manifest); unchanged files are only hashed.

    ``state_path``: the dedup index and file ledger (default ``out_dir/.presswash/state.sqlite``);
    ``dedup``: dedup settings (see ``cleaners.config.DedupConfig``); ``document_seconds``: the time budget
    per document (None: no budget); ``follow_outside_links``: read symbolic links that point outside
    ``raw_dir``; ``full``: read every file, changed or not; ``prune``: drop the records of raw files
    that are gone; ``formats``: ``jsonl`` (always) and ``parquet``; ``local_workers``: clean in this
    machine's worker processes (False when the task runner sends batches elsewhere, e.g. Dask).
    Returns the run report (as in ``report.json``).
    """
    logger = get_run_logger()
    started = time.perf_counter()
    raw, out = check_paths(raw_dir, out_dir)
    formats = list(formats or ["jsonl"])
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown output format {unknown[0]!r} (known: {', '.join(FORMATS)})")
    config = CleanerConfig(
        rules_files=tuple(rules_files or ()), document_seconds=document_seconds, follow_outside_links=follow_outside_links
    )
    dedup_config = DedupConfig.from_mapping(dedup)
    settings = {"cleaning": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(config).items()}, "dedup": dedup_config.to_json(), "formats": formats}
    files = discover_task(str(raw))
    plan, hashes, key = plan_task(str(raw), str(out), files, config, state_path, full)
    pruned = plan.deleted if prune else []
    incremental = {**plan.counts(), "pruned": len(pruned)}
    logger.info("%d raw files: %s", len(files), ", ".join(f"{v} {k}" for k, v in incremental.items()))
    progress = current_reporter(logger.info)  # the CLI's bar or lines; periodic log lines otherwise
    if not plan.to_read and not pruned:
        done = unchanged_task(str(out), {"incremental": incremental, "exact_copies": 0, "timings_seconds": {"total": round(time.perf_counter() - started, 3)}},
                              settings, formats)
        if done is not None:
            logger.info("nothing new, changed or deleted: the outputs stay as they are")
            publish_artifacts(done, out)
            return done
        plan, pruned = Plan(new=sorted(files)), []  # the earlier outputs are incomplete: read everything
    to_read = plan.to_read
    to_clean, copies = split_copies(to_read, hashes)
    originals = set(copies.values())
    groups = batches(to_clean, max(1, batch_size))
    n_workers = workers if workers is not None else default_workers(len(groups))
    logger.info("%d raw files to read in %d batches, %d worker processes", len(to_read), len(groups), n_workers if local_workers else 0)
    if copies:
        logger.info("%d of them are byte-for-byte copies of another file: cleaned once", len(copies))
    progress.start(len(to_clean), len(groups), n_workers)
    run_dir = work_dir(out, uuid.uuid4().hex[:12])
    discovered = time.perf_counter()
    try:
        with _worker_pool(n_workers if local_workers else 0):
            futures = [
                clean_batch_task.submit(str(raw), group, str(run_dir / f"shard-{i:06d}.jsonl"), config, dedup_config,
                                        [p for p in group if p in originals])
                for i, group in enumerate(groups)
            ]
            for future in as_completed(futures):
                progress.advance(future.result())
            summaries = [future.result() for future in futures]
            extra_shards, copied = copies_task(
                str(raw), copies, {p: hashes[p] for p in (*copies, *originals)}, summaries, str(run_dir), config, dedup_config
            ) if copies else ([], 0)
        testhooks.pause("cleaned")
        cleaned = time.perf_counter()
        progress.stage("deduplicating and writing the outputs")
        report = RunReport(files)
        report.started = started
        report.timings.update(discover=discovered - started, clean=cleaned - discovered, clean_cpu=sum(s["seconds"] for s in summaries),
                              clean_work=sum(s["work_seconds"] for s in summaries))
        report.extra.update(batch_size=batch_size, workers=n_workers, incremental=incremental, exact_copies=copied)
        shards = [s["shard"] for s in summaries]
        options = {
            "replaced": set(to_read) | set(pruned),
            "ledger": LedgerUpdate({p: hashes[p] for p in to_read}, key, pruned),
            "formats": formats,
            "settings": settings,
            "extra_shards": extra_shards,
        }
        report = dedup_and_write_task(shards, str(out), files, dedup_config, state_path, report, options)["report"]
        testhooks.pause("published")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    logger.info(report.summary())
    result = report.to_json()
    publish_artifacts(result, out)
    return result
