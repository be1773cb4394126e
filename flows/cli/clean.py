"""``presswash clean``: every check before Prefect starts, then the flow run, its progress and summary."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cleaners.config import Config, ConfigError, Settings, state_value
from cleaners.corpus.discover import UsageError, check_paths
from cleaners.dedup.index import ConfigMismatch, check_state
from cleaners.outputs import REGISTRY as WRITERS
from cleaners.outputs.atomic import (
    DOCUMENTS,
    DUPLICATES,
    REJECTED,
    REPORT,
    REPORT_HTML,
    default_state_path,
)
from cleaners.runtime.lock import OutputLocked, run_locks
from cleaners.text.boilerplate import RulesError
from flows.cli.options import (
    add_config_options,
    add_settings,
    check_dask_address,
    check_rules,
    fail,
    resolve_config,
    wrap,
)
from flows.cli.startup import (
    HeldSignals,
    PrefectLogging,
    Terminated,
    interruption,
    prefect_api_url,
)
from flows.cli.startup import check_dask_address as probe_dask_scheduler
from flows.progress import (
    LOG_INTERVAL_SECONDS,
    BarReporter,
    LogReporter,
    Reporter,
    reporting,
)

EXAMPLES = """\
examples:
  presswash clean                          clean ./raw into ./clean
  presswash clean scraped/ --out corpus/
  presswash clean raw --rules my-rules.toml --batch-size 200 --workers 2
  presswash clean new-batch/ --out corpus/ --state shared/state.sqlite
  presswash clean --progress log           plain progress lines even on a terminal
  presswash clean --prune                  also drop the records of raw files that are gone
  presswash clean --full --format parquet  read every file again; also write documents.parquet

Incremental: only new and changed raw files are read; unchanged ones are hashed and skipped.

Progress goes to stderr: a bar on a terminal, a line every 10 s otherwise (CI, pipes).
Defaults come from presswash.toml (see presswash config); flags override them.
"""

# What stops a run before Prefect starts: one sentence, exit 2.
USAGE_ERRORS = (ConfigError, UsageError, RulesError, ConfigMismatch, RuntimeError)
EXIT_LOCKED = 75  # another run holds the output folder: try again later
INTERRUPTED = "interrupted; the previous outputs are unchanged"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "clean",
        help="clean a folder of raw files into documents.jsonl and a report",
        description=wrap("Clean every file in RAW_DIR (format detected by content) and write OUT_DIR/"
        f"{DOCUMENTS}, {DUPLICATES}, {REJECTED}, {REPORT} and {REPORT_HTML} (charts and tables to open in a "
        "browser). Runs as a Prefect flow; with no Prefect server configured (PREFECT_API_URL unset) "
        "Prefect starts a temporary local one. RAW_DIR is only read. OUT_DIR is cumulative: a run replaces "
        "the records of the raw files it reads, keeps the others, and finds duplicates against everything "
        "in it (the dedup index: --state). Outputs are replaced atomically at the end of the run."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_settings(parser)
    parser.add_argument("--json", action="store_true", help="print the run report as JSON instead of the summary")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors (no progress, no summary)")
    verbosity.add_argument("--verbose", "-v", action="store_true", help="show Prefect's flow and task logs, and a progress line per batch")
    add_config_options(parser)
    parser.set_defaults(run=run)


def prepare(args: argparse.Namespace) -> tuple[Config, Settings]:
    """The configuration and the run's settings, every check done before Prefect starts (paths,
    rules, the dedup index's settings, the output formats, the Dask runner and its scheduler); raises
    the usage errors. Reads Prefect's settings (the API URL may come from a Prefect profile): called
    inside :class:`~flows.cli.startup.PrefectLogging`."""
    config = resolve_config(args)
    check_dask_address(config)
    raw, out = check_paths(config["paths.raw"], config["paths.out"])
    settings = config.settings().replace(raw=str(raw), out=str(out), rules=check_rules(config), state=state_value(config))
    check_state(settings.state_path() or default_state_path(out), settings.dedup)
    for name in settings.output.formats:
        WRITERS[name].check()
    if settings.run.task_runner == "dask":
        if not prefect_api_url():
            raise UsageError("--task-runner dask needs a running Prefect server: set PREFECT_API_URL (README: Scheduled runs)")
        # found, not imported: importing it imports Prefect's flow engine, needlessly early
        if importlib.util.find_spec("prefect_dask") is None:
            raise UsageError("--task-runner dask needs prefect-dask: pip install 'presswash[dask]'")
        if settings.run.dask_address:
            probe_dask_scheduler(settings.run.dask_address)
    return config, settings


def _task_runner(settings: Settings):
    if settings.run.task_runner != "dask":
        return None
    from prefect_dask import DaskTaskRunner

    if settings.run.dask_address:
        return DaskTaskRunner(address=settings.run.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers() or os.cpu_count() or 2, "threads_per_worker": 1, "processes": True})


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def run(args: argparse.Namespace) -> int:
    with PrefectLogging(args.verbose) as logs:  # before anything imports Prefect, which reads them once
        if threading.current_thread() is not threading.main_thread():
            return _run(args, logs)
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return _run(args, logs)
        except Terminated:
            return fail("terminated; the previous outputs are unchanged", 143)
        finally:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace, logs: PrefectLogging) -> int:
    try:
        with HeldSignals():  # with the Dask runner, prepare reads Prefect's settings (the API URL): Prefect imports
            config, settings = prepare(args)
    except USAGE_ERRORS as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail(INTERRUPTED, 130)
    except Exception as exc:  # a second Ctrl-C inside Prefect's settings, disguised by pydantic
        cause = interruption(exc)
        if cause is None:
            raise
        if isinstance(cause, Terminated):
            raise Terminated() from None
        return fail(INTERRUPTED, 130)
    out = Path(settings.paths.out)

    started = time.perf_counter()
    link: dict[str, str] = {}
    try:
        with run_locks(out, settings.state_path()), reporting(_reporter(args, config)) as progress:  # the lock first: a second run stops at once
            with HeldSignals() as held:  # Prefect imports and starts: Ctrl-C waits until it is done
                from flows.prestart import prestart, workers_needed

                # workers and Prefect's temporary server start side by side, while the flow engine imports
                # (the workers first; then Prefect's settings say whether a server is configured)
                server_ready = prestart(workers_needed(settings))
                progress.waiting("connecting to the Prefect server" if prefect_api_url() else "starting Prefect's local server")
                from flows.clean import clean_corpus

                logs.apply()
                server_ready(held.check)
                options: dict[str, Any] = {"on_running": [_announce_url(progress, link)]}
                runner = _task_runner(settings)  # imports prefect-dask and Dask
                if runner is not None:
                    options["task_runner"] = runner
            report = clean_corpus.with_options(**options)(settings)
    except OutputLocked as exc:
        return fail(str(exc), EXIT_LOCKED)
    except KeyboardInterrupt:
        return fail(INTERRUPTED, 130)
    except Exception as exc:  # the flow failed: say so in one sentence, no traceback
        cause = interruption(exc)
        if isinstance(cause, Terminated):
            raise Terminated() from None
        if cause is not None:
            return fail(INTERRUPTED, 130)
        hint = "" if args.verbose else " (--verbose shows Prefect's log)"
        return fail(f"the cleaning run failed: {type(exc).__name__}: {exc}; the previous outputs are unchanged{hint}", 1)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif not args.quiet:
        print(_summary(report, out, time.perf_counter() - started, link.get("url")))
    return 0


def _announce_url(progress: Reporter, link: dict[str, str]):
    """A hook for the flow's Running state: the flow run's page in the Prefect UI, shown at once (stderr)
    and in the summary. Only with a Prefect API URL set (a standing server, or Prefect Cloud): Prefect's
    temporary local server serves no UI and stops with the command, so a link to it would be dead."""

    def hook(flow, flow_run, state) -> None:
        from prefect.utilities.urls import url_for

        url = url_for(flow_run) if prefect_api_url() else None
        if url:
            link["url"] = url
            progress.link(f"flow run {flow_run.name!r}: {url}")

    return hook


def _reporter(args: argparse.Namespace, config: Config) -> Reporter:
    mode = config["run.progress"]
    if args.quiet or mode == "off":
        return Reporter()
    if mode == "bar":  # asked for: drawn even where stderr does not look like a terminal
        return BarReporter(sys.stderr, force_terminal=True)
    if mode == "auto" and sys.stderr.isatty() and os.environ.get("TERM") != "dumb" and not args.verbose:
        return BarReporter(sys.stderr)

    def emit(line: str) -> None:
        print(f"presswash: {line}", file=sys.stderr, flush=True)

    return LogReporter(emit, interval=0.0 if args.verbose else LOG_INTERVAL_SECONDS)


def _summary(report: dict, out: Path, seconds: float, url: str | None = None) -> str:
    lines = [
        f"presswash: {report['files_seen']} files, {report['records']} records -> "
        f"{report['documents']} documents, {report['duplicates']} duplicates, {report['rejected']} rejected "
        f"({seconds:.1f} s)"
    ]
    incremental = report.get("incremental")
    if incremental:
        read = incremental["new"] + incremental["changed"]
        parts = [f"{read} read ({incremental['new']} new, {incremental['changed']} changed)", f"{incremental['unchanged']} unchanged (skipped)"]
        if incremental["deleted"]:
            parts.append(f"{incremental['deleted']} deleted ({incremental['pruned']} pruned)" if incremental["pruned"] else f"{incremental['deleted']} deleted (kept; --prune drops them)")
        lines.append("  this run: " + ", ".join(parts) + ("" if read or incremental["pruned"] else "; the outputs are unchanged"))
    if report["formats"]:
        lines.append(f"  {'format':<16} {'files':>7} {'documents':>10} {'duplicates':>11} {'rejected':>9}")
    for fmt, counts in report["formats"].items():
        lines.append(
            f"  {fmt:<16} {counts['files']:>7} {counts['documents']:>10} {counts['duplicates']:>11} {counts['rejected']:>9}"
        )
    balance = report["balance"]
    earlier = f" (+{balance['files_from_earlier_runs']} from earlier runs)" if balance["files_from_earlier_runs"] else ""
    lines.append(
        f"  balance: {balance['files_seen']} files seen, {balance['files_seen_in_outputs']} in the outputs{earlier}; "
        f"{balance['records']} records = {balance['documents']} + {balance['duplicates']} + {balance['rejected']}: "
        f"{'holds' if balance['holds'] else 'DOES NOT HOLD'}"
    )
    if report["rejected"]:
        lines.append(f"  rejected files and records, with reasons: {out / REJECTED}")
    lines.append(f"  output: {out / DOCUMENTS}")
    lines.append(f"  report: {out / REPORT_HTML} (open it in a browser)")
    if url:
        lines.append(f"  flow run: {url}")
    return "\n".join(lines)
