"""The one run sequence: discover, plan, clean the batches, derive exact copies, publish.

:func:`run` is what ``presswash clean`` does (the Prefect flow in ``flows/clean.py``) and what
:func:`clean_directory` does; they differ only in how each step is executed, a :class:`Steps` object:
the base class calls every step in this process, one batch after another; the flow's steps are Prefect
tasks, its batches cleaned in parallel by worker processes. The sequence, its checks and its report
are written once, here.

Before anything is read: the settings are checked, the output folder's lock is taken (one run per
output folder, and per shared dedup index), shards left by killed runs are removed, and a dedup index
built with other dedup settings, or an output format that cannot be written here, stops the run.
"""

from __future__ import annotations

import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from cleaners.config import CleanerConfig, DedupConfig, Settings, check_settings, load_config
from cleaners.corpus.copies import split_copies, write_copies
from cleaners.corpus.discover import batches, check_paths, discover
from cleaners.corpus.plan import LedgerUpdate, Plan, plan_run
from cleaners.corpus.publish import publish, publish_unchanged
from cleaners.corpus.shards import clean_batch_to_shard
from cleaners.dedup.index import check_state
from cleaners.outputs import REGISTRY as WRITERS
from cleaners.outputs.atomic import STATE_DIR, default_state_path
from cleaners.outputs.report import RunReport
from cleaners.runtime.lock import run_locks
from cleaners.testing import hooks as testhooks


class Steps:
    """How a run's steps are executed. This base class runs each step in this process, the batches one
    after another; the Prefect flow's subclass runs each as a task, the batches in parallel."""

    def log(self, message: str) -> None:
        """A line for the run's log."""

    def started(self, files: int, batches: int, workers: int) -> None:
        """Cleaning starts: ``files`` raw files in ``batches`` batches."""

    def stage(self, message: str) -> None:
        """The run moved on to a stage after cleaning."""

    def workers(self, settings: Settings, batches: int) -> int:
        """How many worker processes clean the batches (0: none, they are cleaned where the step runs)."""
        return 0

    @contextmanager
    def cleaning(self, workers: int) -> Iterator[None]:
        """Held while the batches and the exact copies are cleaned (the flow's worker processes)."""
        yield

    def discover(self, raw_dir: str) -> list[str]:
        return discover(raw_dir)

    def plan(self, raw_dir: str, out_dir: str, files: list[str], config: CleanerConfig, state_path: str | None,
             full: bool) -> tuple[Plan, dict[str, str], str]:
        return plan_run(raw_dir, out_dir, files, config, state_path, full)

    def unchanged(self, out_dir: str, report: dict[str, Any], settings: dict[str, Any], formats: list[str]) -> dict[str, Any] | None:
        return publish_unchanged(out_dir, report, settings=settings, formats=formats)

    def clean(self, raw_dir: str, groups: list[list[str]], shards: list[str], config: CleanerConfig, dedup: DedupConfig,
              originals: set[str]) -> list[dict[str, Any]]:
        """Clean each batch into its shard; return the batch summaries, in batch order."""
        return [asdict(clean_batch_to_shard(raw_dir, group, shard, config, dedup, [p for p in group if p in originals]))
                for group, shard in zip(groups, shards)]

    def copies(self, raw_dir: str, copies: dict[str, str], hashes: dict[str, str], summaries: list[dict[str, Any]], work: str,
               config: CleanerConfig, dedup: DedupConfig) -> tuple[list[str], int]:
        return clean_copies(raw_dir, copies, hashes, summaries, work, config, dedup)

    def publish(self, shards: list[str], out_dir: str, files: list[str], dedup: DedupConfig, state_path: str | None,
                report: RunReport, options: dict[str, Any]) -> RunReport:
        return publish(shards, out_dir, files, dedup, state_path, report=report, **options)


def run(settings: Settings, steps: Steps | None = None) -> dict[str, Any]:
    """Clean the new and changed files of ``settings.paths.raw`` into ``settings.paths.out`` (documents,
    duplicates, rejected, report, manifest); unchanged files are only hashed. Returns the run report
    (what ``report.json`` holds). Raises :class:`~cleaners.corpus.discover.UsageError`,
    :class:`~cleaners.config.ConfigError`, :class:`~cleaners.dedup.index.ConfigMismatch` or
    :class:`~cleaners.runtime.lock.OutputLocked` before reading anything when the run cannot work."""
    steps = steps or Steps()
    started = time.perf_counter()
    check_settings(settings)
    raw, out = check_paths(settings.paths.raw, settings.paths.out)
    config, dedup, state, formats = settings.cleaner_config(), settings.dedup, settings.state_path(), list(settings.output.formats)
    for name in formats:
        WRITERS[name].check()
    with run_locks(out, state):
        discard_stale_work(out)  # shards left by a run that was killed
        check_state(state or default_state_path(out), dedup)
        recorded = {"cleaning": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(config).items()}, "dedup": dedup.to_json(), "formats": formats}
        files = steps.discover(str(raw))
        plan, hashes, key = steps.plan(str(raw), str(out), files, config, state, settings.run.full)
        pruned = plan.deleted if settings.run.prune else []
        incremental = {**plan.counts(), "pruned": len(pruned)}
        steps.log(f"{len(files)} raw files: " + ", ".join(f"{v} {k}" for k, v in incremental.items()))
        if not plan.to_read and not pruned:
            done = steps.unchanged(str(out), {"incremental": incremental, "exact_copies": 0,
                                              "timings_seconds": {"total": round(time.perf_counter() - started, 3)}}, recorded, formats)
            if done is not None:
                steps.log("nothing new, changed or deleted: the outputs stay as they are")
                return done
            plan, pruned = Plan(new=sorted(files)), []  # the earlier outputs are incomplete: read everything
        to_read = plan.to_read
        to_clean, copies = split_copies(to_read, hashes)
        originals = set(copies.values())
        groups = batches(to_clean, settings.run.batch_size)
        workers = steps.workers(settings, len(groups))
        steps.log(f"{len(to_read)} raw files to read in {len(groups)} batches" + (f", {workers} worker processes" if workers else ""))
        if copies:
            steps.log(f"{len(copies)} of them are byte-for-byte copies of another file: cleaned once")
        steps.started(len(to_clean), len(groups), workers)
        work = work_dir(out, uuid.uuid4().hex[:12])
        discovered = time.perf_counter()
        try:
            with steps.cleaning(workers):
                summaries = steps.clean(str(raw), groups, [str(work / f"shard-{i:06d}.jsonl") for i in range(len(groups))], config, dedup, originals)
                extra_shards, copied = steps.copies(str(raw), copies, {p: hashes[p] for p in (*copies, *originals)}, summaries,
                                                    str(work), config, dedup) if copies else ([], 0)
            testhooks.pause("cleaned")
            cleaned = time.perf_counter()
            steps.stage("deduplicating and writing the outputs")
            report = RunReport(files)
            report.started = started
            report.timings.update(discover=discovered - started, clean=cleaned - discovered, clean_cpu=sum(s["seconds"] for s in summaries),
                                  clean_work=sum(s["work_seconds"] for s in summaries))
            report.extra.update(batch_size=settings.run.batch_size, workers=workers, incremental=incremental, exact_copies=copied)
            options = {
                "replaced": set(to_read) | set(pruned),
                "ledger": LedgerUpdate({p: hashes[p] for p in to_read}, key, pruned),
                "formats": formats,
                "settings": recorded,
                "extra_shards": extra_shards,
            }
            report = steps.publish([s["shard"] for s in summaries], str(out), files, dedup, state, report, options)
            testhooks.pause("published")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    steps.log(report.summary())
    return report.to_json()


def clean_directory(raw_dir: str | Path | None = None, out_dir: str | Path | None = None, settings: Settings | None = None,
                    **changes: Any) -> dict[str, Any]:
    """Clean a raw folder in this process, without Prefect: the library path of ``presswash clean``,
    incremental like it. ``settings``: the run's settings (default: those of the ``presswash.toml`` of the
    current folder, as ``presswash clean`` reads it, else the built-in defaults); ``raw_dir``,
    ``out_dir`` and ``changes`` (any setting by name, as in
    :meth:`Settings.replace`: ``prune=True``, ``rules=["my-rules.toml"]``...) override it.
    Returns the run report (what ``report.json`` holds).

        report = clean_directory("raw", "clean-notebook", prune=True)
    """
    settings = settings or load_config().settings()
    if raw_dir is not None:
        changes["raw"] = raw_dir
    if out_dir is not None:
        changes["out"] = out_dir
    return run(settings.replace(**changes))


def clean_copies(
    raw_dir: str, copies: dict[str, str], hashes: dict[str, str], summaries: list[dict[str, Any]], work: str | Path,
    config: CleanerConfig, dedup: DedupConfig, clean_batch=None,
) -> tuple[list[str], int]:
    """The exact copies' shards (see :mod:`cleaners.corpus.copies`): their lines derived from their
    originals' lines, and the copies that could not be derived cleaned by ``clean_batch`` (the
    signature of :func:`~cleaners.corpus.shards.clean_batch_to_shard`; by default that function).
    Returns the extra shards and how many copies were derived."""
    if not copies:
        return [], 0
    ranges = {}
    for summary in summaries:
        ranges.update((path, (summary["shard"], start, end)) for path, (start, end) in summary["ranges"].items())
    shard = str(Path(work) / "copies.jsonl")
    copied, left = write_copies(ranges, copies, hashes, shard, dedup)
    extra = [shard]
    if left:
        extra.append(str(Path(work) / "copies-cleaned.jsonl"))
        (clean_batch or clean_batch_to_shard)(raw_dir, left, extra[-1], config, dedup)
    return extra, copied


def discard_stale_work(out_dir: str | Path) -> None:
    """Remove the shards that killed runs left behind; call it only while holding the run lock."""
    shutil.rmtree(Path(out_dir) / STATE_DIR / "work", ignore_errors=True)


def work_dir(out_dir: str | Path, run_id: str) -> Path:
    path = Path(out_dir) / STATE_DIR / "work" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path
