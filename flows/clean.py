"""The cleaning flow: the run sequence of :mod:`cleaners.corpus.run`, each step a Prefect task.

Tasks wrap the library (``cleaners``) over *batches* of files: Prefect's per-task overhead is
milliseconds, so one task per document would not scale. Batch tasks run concurrently on Prefect's
thread runner and hand the CPU work to a pool of worker processes (threads alone would share one core);
they pass paths in and small summaries out, never document bodies. Dedup and the final write run in
one task, in source order, so the result does not depend on which batch finished first.

The flow takes one parameter, the run's typed :class:`~cleaners.config.Settings` (Prefect shows it as
a form); without it, it reads ``presswash.toml`` (or ``[tool.presswash]`` in ``pyproject.toml``) of
the folder it runs in, as the CLI does, so a deployment and ``presswash clean`` clean alike.
"""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from the
# signature, and a deployment run resolves string annotations in a namespace without these imports.

import os
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners.config import CleanerConfig, DedupConfig, Settings, load_config
from cleaners.corpus.discover import discover
from cleaners.corpus.plan import Plan, plan_run
from cleaners.corpus.publish import publish, publish_unchanged
from cleaners.corpus.run import Steps, clean_copies, run
from cleaners.corpus.shards import clean_batch_to_shard
from cleaners.outputs.report import RunReport
from cleaners.runtime.workers import WorkerPool
from flows.artifacts import publish_artifacts
from flows.progress import current_reporter


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


_POOL: WorkerPool | None = None


def _clean_batch(raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig, dedup: DedupConfig, ranges_for: list[str] = ()) -> dict[str, Any]:
    pool = _POOL
    if pool is None:  # no worker processes here (a Dask worker): clean in this process
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
    shards: list[str], out_dir: str, files: list[str], dedup: DedupConfig, state_path: str | None, report: RunReport, options: dict[str, Any]
) -> dict[str, Any]:
    """Decide duplicates in one place, in source order, and publish the outputs atomically."""
    return {"report": publish(shards, out_dir, files, dedup, state_path, report=report, **options)}


@task(name="record-unchanged-run", cache_policy=NO_CACHE)
def unchanged_task(out_dir: str, report: dict[str, Any], settings: dict[str, Any], formats: list[str]) -> dict[str, Any] | None:
    """Nothing new, changed or pruned: leave the outputs as they are, record the run."""
    return publish_unchanged(out_dir, report, settings=settings, formats=formats)


def _task_runner_workers() -> int | None:
    """How many workers this flow run's task runner has, when it can say: a Dask task runner's cluster
    (started here if it has not been: the first batch would start it). None for the others."""
    from prefect.context import FlowRunContext

    runner = getattr(FlowRunContext.get(), "task_runner", None)
    if runner is None or not hasattr(type(runner), "client"):
        return None
    try:
        return len(runner.client.nthreads()) or None
    except Exception:  # the first batch meets the same trouble and reports it
        return None


def default_workers(n_batches: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_batches))


class PrefectSteps(Steps):
    """The run's steps as Prefect tasks; progress to the CLI's reporter or to the flow run's log."""

    def __init__(self, logger):
        self.logger = logger
        self.progress = current_reporter(logger.info)  # the CLI's bar or lines; periodic log lines otherwise

    def log(self, message: str) -> None:
        self.logger.info(message)

    def started(self, files: int, batches: int, workers: int) -> None:
        if not workers:  # the batches go to the task runner's workers (Dask): count those
            workers = _task_runner_workers() or 0
            if workers:
                self.logger.info("the batches run on %d workers of the task runner", workers)
        self.progress.start(files, batches, workers)

    def stage(self, message: str) -> None:
        self.progress.stage(message)

    def workers(self, settings: Settings, batches: int) -> int:
        if settings.run.task_runner == "dask":
            return 0  # the batches run on the Dask cluster's workers
        return settings.workers() or default_workers(batches)

    @contextmanager
    def cleaning(self, workers: int) -> Iterator[None]:
        """Worker processes for the batch tasks, always (even one): the per-document time budget needs a
        process whose main thread does the cleaning, and a worker that dies or hangs must not take the
        run with it (see ``cleaners.runtime.workers``). None when the batches run elsewhere (Dask)."""
        global _POOL
        if workers <= 0:
            yield
            return
        pool = WorkerPool(workers)
        _POOL = pool
        try:
            yield
        finally:
            _POOL = None
            pool.close()

    def discover(self, raw_dir):
        return discover_task(raw_dir)

    def plan(self, raw_dir, out_dir, files, config, state_path, full):
        return plan_task(raw_dir, out_dir, files, config, state_path, full)

    def unchanged(self, out_dir, report, settings, formats):
        return unchanged_task(out_dir, report, settings, formats)

    def clean(self, raw_dir, groups, shards, config, dedup, originals):
        futures = [clean_batch_task.submit(raw_dir, group, shard, config, dedup, [p for p in group if p in originals])
                   for group, shard in zip(groups, shards)]
        for future in as_completed(futures):
            self.progress.advance(future.result())
        return [future.result() for future in futures]

    def copies(self, raw_dir, copies, hashes, summaries, work, config, dedup):
        return copies_task(raw_dir, copies, hashes, summaries, work, config, dedup)

    def publish(self, shards, out_dir, files, dedup, state_path, report, options):
        return dedup_and_write_task(shards, out_dir, files, dedup, state_path, report, options)["report"]


@flow(name="presswash-clean", task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2), log_prints=False)
def clean_corpus(settings: Settings | None = None) -> dict[str, Any]:
    """Clean the new and changed files of ``settings.paths.raw`` into ``settings.paths.out`` (documents,
    duplicates, rejected, report, manifest); unchanged files are only hashed. ``settings``: every
    setting of the run (default: the ``presswash.toml`` of the current folder, else the defaults).
    Returns the run report (as in ``report.json``)."""
    settings = settings or load_config().settings()
    report = run(settings, PrefectSteps(get_run_logger()))
    publish_artifacts(report, Path(settings.paths.out))
    return report
