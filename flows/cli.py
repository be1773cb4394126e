"""The ``presswash`` command line.

``clean`` runs the Prefect flow; ``inspect``, ``rules`` and ``config`` use the ``cleaners`` library
directly and never import Prefect, so they answer at once.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import signal
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cleaners import __version__
from cleaners.config import (
    Config,
    ConfigError,
    dedup_config,
    effective_rules,
    load_config,
    state_value,
)
from cleaners.corpus.discover import UsageError, check_paths
from cleaners.outputs.atomic import DOCUMENTS, DUPLICATES, REJECTED, REPORT, REPORT_HTML
from cleaners.dedup.index import ConfigMismatch, check_state
from cleaners.outputs.atomic import default_state_path
from cleaners.runtime.lock import OutputLocked, run_locks
from cleaners.text.boilerplate import RulesError, RuleSet
from flows.progress import (
    LOG_INTERVAL_SECONDS,
    BarReporter,
    LogReporter,
    Reporter,
    reporting,
)

EXAMPLES = """\
examples:
  presswash clean                          clean ./raw into ./clean (report: clean/report.html)
  presswash clean scraped/ --out corpus/ --rules my-rules.toml
  presswash inspect raw/004_4f58f105b3a0a879.txt
                                           why each line of one file was removed or kept
  presswash rules                          the boilerplate rules, with what each matched last run
  presswash config                         the effective settings and where each came from
  presswash serve --interval 3600          clean every hour, as a Prefect deployment
"""

SERVE_EXAMPLES = """\
examples:
  presswash serve --interval 3600          clean ./raw into ./clean every hour
  presswash serve scraped/ --out corpus/ --cron "*/15 * * * *" --name scraper-corpus
  prefect deployment run 'presswash-clean/presswash-scheduled'
                                           (elsewhere) trigger a run now

Needs a Prefect server that outlives the command: start one (prefect server start) and set
PREFECT_API_URL, e.g. http://127.0.0.1:4200/api. Each run is incremental, like presswash clean.
"""

CLEAN_EXAMPLES = """\
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

INSPECT_EXAMPLES = """\
examples:
  presswash inspect raw/004_4f58f105b3a0a879.txt
  presswash inspect page.html --rules my-rules.toml      with your own rules too
  presswash inspect posts.json --record 3                one record of a multi-post file
  presswash inspect raw/001_90ec0177be3c75fe.txt --json | jq '.records[0].paragraphs'

In the text view, each paragraph of the normalized text is on its own line:
  "  " kept   "- [rule]" removed by that rule   "~ " kept, with small repairs (listed under it)
  [-text-]{rule}  a span cut out of a kept paragraph by an inline rule
"""

RULES_EXAMPLES = """\
examples:
  presswash rules                          bundled rules, with samples from ./clean/report.json
  presswash rules --out corpus/            samples from another output folder
  presswash rules --rules my-rules.toml    include (and check) your own rules file
  presswash rules --json

A rules file is TOML with one [[rule]] table per rule (name, pattern, and optionally scope,
where, max_chars, description, case_sensitive); see README.md, "Your own rules".
"""

CONFIG_EXAMPLES = """\
examples:
  presswash config                         effective settings, each with its origin
  presswash config --workers 4 --out corpus/
                                           what `presswash clean` with these flags would use
  presswash config --json
  presswash config > presswash.toml        start a configuration file from the defaults

The file read: --config FILE, else ./presswash.toml, else [tool.presswash] in ./pyproject.toml.
"""


# -- the parser -------------------------------------------------------------------------------------

def _wrap(text: str) -> str:
    """Descriptions are kept as written (for the examples), so wrap them here."""
    return textwrap.fill(text, width=min(100, max(60, shutil.get_terminal_size().columns - 2)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presswash",
        description=_wrap("Turn a mixed pile of scraped text (WordPress REST JSON, HTML pages, plain text) "
        "into deduplicated, metadata-tagged clean documents."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"presswash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    clean = sub.add_parser(
        "clean",
        help="clean a folder of raw files into documents.jsonl and a report",
        description=_wrap("Clean every file in RAW_DIR (format detected by content) and write OUT_DIR/"
        f"{DOCUMENTS}, {DUPLICATES}, {REJECTED}, {REPORT} and {REPORT_HTML} (charts and tables to open in a "
        "browser). Runs as a Prefect flow; with no Prefect server configured (PREFECT_API_URL unset) "
        "Prefect starts a temporary local one. RAW_DIR is only read. OUT_DIR is cumulative: a run replaces "
        "the records of the raw files it reads, keeps the others, and finds duplicates against everything "
        "in it (the dedup index: --state). Outputs are replaced atomically at the end of the run."),
        epilog=CLEAN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _run_options(clean)
    _incremental_options(clean)
    clean.add_argument("--json", action="store_true", help="print the run report as JSON instead of the summary")
    verbosity = clean.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors (no progress, no summary)")
    verbosity.add_argument("--verbose", "-v", action="store_true", help="show Prefect's flow and task logs, and a progress line per batch")
    _config_options(clean)

    serve = sub.add_parser(
        "serve",
        help="clean on a schedule: serve the cleaning flow as a Prefect deployment",
        description=_wrap("Register a Prefect deployment of the cleaning flow with a schedule (--cron or --interval) "
        "and the given settings, then stay in the foreground running each scheduled or triggered run as a "
        "subprocess, until stopped (Ctrl-C, SIGTERM). Runs appear in the Prefect UI with their parameters, "
        "logs, states and a summary artifact. Needs a running Prefect server (PREFECT_API_URL)."),
        epilog=SERVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _run_options(serve)
    _incremental_options(serve, full=False, runners=False)
    schedule = serve.add_mutually_exclusive_group(required=True)
    schedule.add_argument("--cron", metavar="EXPR", help='a cron schedule, e.g. "0 * * * *" (hourly)')
    schedule.add_argument("--interval", type=_positive_seconds, metavar="SECONDS", help="run every SECONDS seconds")
    serve.add_argument("--name", default="presswash-scheduled", metavar="NAME", help="deployment name (default: presswash-scheduled)")
    _config_options(serve)

    inspect = sub.add_parser(
        "inspect",
        help="show how one raw file is cleaned: format, metadata, and every removal with its rule",
        description=_wrap("Clean one raw file exactly as `presswash clean` would and show the detected format, "
        "the metadata found, and the text paragraph by paragraph: what was kept, what was removed and by "
        "which rule, and why a paragraph that looks like boilerplate was kept. Needs no Prefect. (What needs "
        "the whole corpus is not shown: deduplication, and lines learned as site chrome, rule repeated-line.)"),
        epilog=INSPECT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inspect.add_argument("path", metavar="PATH", help="one raw file (any supported format)")
    inspect.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra boilerplate rules file (TOML), added to those of the configuration; repeatable")
    inspect.add_argument("--record", type=_natural_int, default=None, metavar="N", help="only record N of the file (0 = the first)")
    inspect.add_argument("--json", action="store_true", help="print a JSON object for tools instead of the text view")
    inspect.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text view (default: auto = when stdout is a terminal and NO_COLOR is unset)")
    _config_options(inspect)

    rules = sub.add_parser(
        "rules",
        help="list the boilerplate rules, with samples of what each removed in the last run",
        description=_wrap("List the boilerplate rules in the order they apply: the bundled ones and those of your "
        "rules files (from the configuration and --rules), each with its scope, where it applies, what it "
        "is for and the file it comes from, and, from OUT_DIR/report.json, how often it removed something "
        "in the last run and samples of what. Needs no Prefect."),
        epilog=RULES_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules.add_argument("--out", "-o", default=None, metavar="OUT_DIR", help="output folder of the run to take samples from (default: paths.out, clean)")
    rules.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra boilerplate rules file (TOML); repeatable")
    rules.add_argument("--samples", type=_natural_int, default=3, metavar="N", help="samples to show per rule (default: 3)")
    rules.add_argument("--patterns", action="store_true", help="also show each rule's regular expression")
    rules.add_argument("--json", action="store_true", help="print JSON for tools")
    _config_options(rules)

    config = sub.add_parser(
        "config",
        help="print the effective configuration and where each value came from",
        description=_wrap("Print the settings `presswash clean` would use, as a presswash.toml with each value's "
        "origin (default, the file, or a flag) in a comment. Takes the same flags as clean. Needs no Prefect."),
        epilog=CONFIG_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _run_options(config)
    config.add_argument("--json", action="store_true", help="print JSON for tools")
    _config_options(config)
    return parser


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", nargs="?", default=None, metavar="RAW_DIR", help="folder of raw files (default: paths.raw, raw)")
    parser.add_argument("--out", "-o", default=None, metavar="OUT_DIR", help="output folder (default: paths.out, clean)")
    parser.add_argument("--state", default=None, metavar="PATH", help="dedup index (SQLite) shared across runs (default: paths.state, else OUT_DIR/.presswash/state.sqlite)")
    parser.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra boilerplate rules file (TOML), added to those of the configuration; repeatable")
    parser.add_argument("--batch-size", type=_positive_int, default=None, metavar="N", help="raw files per Prefect task (default: run.batch_size, 200)")
    parser.add_argument("--workers", type=_workers, default=None, metavar="N", help="worker processes, or 'auto' (default: run.workers, auto = one per core, at most one per batch)")
    parser.add_argument("--progress", choices=("auto", "bar", "log", "off"), default=None,
                        help="progress on stderr: a bar, log lines, or off (default: run.progress, auto = a bar on a terminal, lines otherwise)")
    parser.add_argument("--time-budget", type=_positive_seconds, default=None, metavar="SECONDS",
                        help="stop and reject a document whose cleaning takes longer (default: run.time_budget, 30)")
    parser.add_argument("--follow-outside-links", action="store_const", const=True, default=None,
                        help="read symbolic links that point outside RAW_DIR (default: paths.follow_outside_links, false: they are rejected)")


def _incremental_options(parser: argparse.ArgumentParser, full: bool = True, runners: bool = True) -> None:
    parser.add_argument("--prune", action="store_true", help="drop the records of raw files that are no longer in RAW_DIR (default: they stay)")
    if full:
        parser.add_argument("--full", action="store_true", help="read every raw file, even the unchanged ones (default: only new and changed files)")
    parser.add_argument("--format", dest="formats", action="append", choices=("jsonl", "parquet"), default=None,
                        help="output format, repeatable: jsonl (always written) and parquet (documents.parquet) (default: output.formats)")
    if not runners:
        return
    parser.add_argument("--task-runner", choices=("threads", "dask"), default=None,
                        help="where batch tasks run: threads (worker processes here) or dask (a Dask cluster via prefect-dask; needs PREFECT_API_URL) (default: run.task_runner, threads)")
    parser.add_argument("--dask-address", default=None, metavar="ADDRESS",
                        help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: run.dask_address, else a local cluster)")


def _config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", default=None, metavar="FILE", help="configuration file (default: ./presswash.toml, else [tool.presswash] in ./pyproject.toml)")
    group.add_argument("--no-config", action="store_true", help="ignore configuration files; use the defaults and flags only")


def _whole_number(minimum: int, wanted: str):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {number}")
        return number

    return parse


_positive_int = _whole_number(1, "at least 1")
_natural_int = _whole_number(0, "0 or more")


def _workers(value: str) -> int | str:
    return "auto" if value == "auto" else _positive_int(value)


EXIT_LOCKED = 75  # another run holds the output folder: try again later


def _positive_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return number


def _fail(message: str, code: int = 2) -> int:
    print(f"presswash: error: {message}", file=sys.stderr)
    return code


# -- configuration -------------------------------------------------------------------------------------

_FLAGS = (("raw_dir", "paths.raw", "RAW_DIR argument"), ("out", "paths.out", "--out"), ("state", "paths.state", "--state"), ("batch_size", "run.batch_size", "--batch-size"),
          ("workers", "run.workers", "--workers"), ("progress", "run.progress", "--progress"), ("time_budget", "run.time_budget", "--time-budget"),
          ("follow_outside_links", "paths.follow_outside_links", "--follow-outside-links"), ("formats", "output.formats", "--format"),
          ("task_runner", "run.task_runner", "--task-runner"), ("dask_address", "run.dask_address", "--dask-address"))


def resolve_config(args: argparse.Namespace) -> Config:
    """The configuration file (or defaults) with this command's flags laid over it."""
    config = load_config(args.config, search=not args.no_config)
    for attr, key, origin in _FLAGS:
        value = getattr(args, attr, None)
        if value is not None:
            config.override(key, value, origin)
    config.extend("paths.rules", getattr(args, "rules", []), "--rules")
    return config


def _check_rules(config: Config) -> list[str]:
    rules = effective_rules(config)
    RuleSet.load(*rules)  # fail fast, naming the file and the rule
    return rules


# -- clean ----------------------------------------------------------------------------------------------

def _prepare(args: argparse.Namespace):
    """Settings, paths, rules and state checked before Prefect starts; raises the usage errors."""
    config = resolve_config(args)
    raw, out = check_paths(config["paths.raw"], config["paths.out"])
    rules = _check_rules(config)
    state = state_value(config)
    check_state(state or default_state_path(out), dedup_config(config))
    if "parquet" in config["output.formats"]:
        from cleaners.outputs.parquet import check_available

        check_available()
    if config["run.task_runner"] == "dask":
        if not os.environ.get("PREFECT_API_URL"):
            raise UsageError("--task-runner dask needs a running Prefect server: set PREFECT_API_URL (README: Scheduled runs)")
        try:
            import prefect_dask  # noqa: F401
        except ImportError:
            raise UsageError("--task-runner dask needs prefect-dask: pip install 'presswash[dask]'") from None
    config.override("paths.raw", str(raw), config.origin("paths.raw"))
    config.override("paths.out", str(out), config.origin("paths.out"))
    config.override("paths.rules", rules, config.origin("paths.rules"))
    if state is not None:
        config.override("paths.state", state, config.origin("paths.state"))
    if getattr(args, "prune", False):
        config.override("run.prune", True, "--prune")
    if getattr(args, "full", False):
        config.override("run.full", True, "--full")
    return config, raw, out, state, config.settings()


def _task_runner(config: Config, workers: int | None):
    if config["run.task_runner"] != "dask":
        return None
    from prefect_dask import DaskTaskRunner

    if config["run.dask_address"]:
        return DaskTaskRunner(address=config["run.dask_address"])
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or os.cpu_count() or 2, "threads_per_worker": 1, "processes": True})


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt, so that the run unwinds:
    staged outputs discarded, lock released, worker processes and Prefect's server stopped."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def run_clean(args: argparse.Namespace) -> int:
    if threading.current_thread() is not threading.main_thread():
        return _run_clean(args)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run_clean(args)
    except Terminated:
        return _fail("terminated; the previous outputs are unchanged", 143)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_clean(args: argparse.Namespace) -> int:
    try:
        config, raw, out, state, settings = _prepare(args)
    except (ConfigError, UsageError, RulesError, ConfigMismatch, RuntimeError) as exc:
        return _fail(str(exc))
    # Prefect logs a failed run with its traceback; the command says what failed in one sentence
    # instead, unless --verbose asks for Prefect's own logs.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.verbose else "CRITICAL")

    started = time.perf_counter()
    try:
        with run_locks(out, state), reporting(_reporter(args, config)) as progress:  # the lock first: a second run stops at once
            if os.environ.get("PREFECT_API_URL"):
                progress.waiting("connecting to the Prefect server")
            else:
                progress.waiting("starting Prefect's local server")
            from flows.prestart import prestart, workers_needed

            # workers and Prefect's temporary server start side by side, while the flow engine imports
            server_ready = prestart(workers_needed(settings))
            from flows.clean import clean_corpus

            server_ready()
            flow_fn = clean_corpus
            runner = _task_runner(config, settings.workers())
            if runner is not None:
                flow_fn = clean_corpus.with_options(task_runner=runner)
            report = flow_fn(settings)
    except OutputLocked as exc:
        return _fail(str(exc), EXIT_LOCKED)
    except KeyboardInterrupt:
        return _fail("interrupted; the previous outputs are unchanged", 130)
    except Exception as exc:  # the flow failed: say so in one sentence, no traceback
        hint = "" if args.verbose else " (--verbose shows Prefect's log)"
        return _fail(f"the cleaning run failed: {type(exc).__name__}: {exc}; the previous outputs are unchanged{hint}", 1)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif not args.quiet:
        print(_summary(report, out, time.perf_counter() - started))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    try:
        if not os.environ.get("PREFECT_API_URL"):
            raise UsageError("presswash serve needs a Prefect server that outlives it: start one (prefect server start) "
                             "and set PREFECT_API_URL, e.g. http://127.0.0.1:4200/api (README: Scheduled runs)")
        config, raw, out, state, settings = _prepare(args)
    except (ConfigError, UsageError, RulesError, ConfigMismatch, RuntimeError) as exc:
        return _fail(str(exc))
    if config["run.task_runner"] == "dask":
        return _fail("presswash serve runs batches on this machine's workers; run.task_runner = \"dask\" is for presswash clean")
    from flows.serve import serve

    print(f"presswash: serving {raw} -> {out} as deployment 'presswash-clean/{args.name}' "
          f"({'cron ' + args.cron if args.cron else f'every {args.interval:g} s'}); Ctrl-C to stop", file=sys.stderr)
    try:
        serve(settings, cron=args.cron, interval=args.interval, name=args.name)
    except KeyboardInterrupt:
        return 0
    return 0


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


def _summary(report: dict, out: Path, seconds: float) -> str:
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
    return "\n".join(lines)


# -- inspect ---------------------------------------------------------------------------------------------

def run_inspect(args: argparse.Namespace) -> int:
    from cleaners.config import CleanerConfig
    from cleaners.explain import explain_file

    path = Path(args.path)
    try:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"file {args.path!r} does not exist")
        if path.is_dir():
            raise UsageError(f"{args.path!r} is a folder; inspect takes one raw file (presswash clean cleans a folder)")
        config = resolve_config(args)
        rules = _check_rules(config)
    except (ConfigError, UsageError, RulesError) as exc:
        return _fail(str(exc))
    explanations = list(explain_file(path, CleanerConfig(rules_files=tuple(rules))))
    if args.record is not None:
        found = [e for e in explanations if _source(e.outcome).get("record") == args.record]
        if not found:
            have = sorted({_source(e.outcome).get("record") for e in explanations} - {None})
            extent = f"records 0 to {have[-1]}" if have else "no records"
            return _fail(f"{args.path!r} has no record {args.record} (it has {extent})")
        explanations = found
    first = _source(explanations[0].outcome)
    if args.json:
        print(json.dumps({"path": str(path), "format": first.get("format"), "encoding": first.get("encoding"),
                          "sha256": first.get("sha256"), "rules_files": rules,
                          "records": [e.to_json() for e in explanations]}, indent=2, ensure_ascii=False))
        return 0
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    _print_lines(_inspect_lines(path, explanations, rules), color)
    return 0


def _source(outcome) -> dict[str, Any]:
    return outcome.metadata["source"] if hasattr(outcome, "metadata") else outcome.source


# A line is a list of (text, style) pieces; styles are rich style names, ignored without colour.
Line = list[tuple[str, str]]

REMOVED, RULE, DIM, KEPT, HEAD = "red", "yellow", "dim", "", "bold"


def _inspect_lines(path: Path, explanations: list, rules: list[str]) -> list[Line]:
    first = _source(explanations[0].outcome)
    size = path.stat().st_size if path.exists() else 0
    lines: list[Line] = [[(str(path), HEAD)]]
    fmt = first.get("format") or "not detected"
    lines.append([(f"  {'format':<10} {fmt}" + (f" ({first['encoding']})" if first.get("encoding") else "") + f", {size:,} bytes", "")])
    if first.get("sha256"):
        lines.append([(f"  {'sha256':<10} {first['sha256']}", DIM)])
    if rules:
        lines.append([(f"  {'rules':<10} bundled + " + ", ".join(_origin(r) for r in rules), "")])
    if len(explanations) > 1:
        lines.append([(f"  {'records':<10} {len(explanations)}", "")])
    for e in explanations:
        lines.append([])
        lines.extend(_record_lines(e))
    return lines


def _record_lines(e) -> list[Line]:
    from cleaners.record import Document

    source = _source(e.outcome)
    record = source.get("record")
    label = "file" if record is None else f"record {record}"
    lines: list[Line] = []
    if not isinstance(e.outcome, Document):
        lines.append([(f"{label}: rejected: ", "bold red"), (e.outcome.error, "red")])
        if e.paragraphs:
            lines.append([("  what cleaning removed:", DIM)])
            lines.extend(_paragraph_lines(e.paragraphs))
        return lines
    doc = e.outcome
    meta = doc.metadata
    lines.append([(f"{label} -> document {doc.id}", HEAD)])
    for key in ("title", "url", "author", "site", "published", "modified", "language"):
        value = meta.get(key)
        lines.append([(f"  {key:<10} ", ""), ("—" if value is None else str(value), DIM if value is None else "")])
    counts = meta.get("counts") or {}
    lines.append([(f"  {'counts':<10} {counts.get('chars', 0):,} chars, {counts.get('words', 0):,} words, {counts.get('paragraphs', 0):,} paragraphs", "")])
    if meta.get("truncated"):
        lines.append([(f"  {'truncated':<10} yes: the source was cut off; the text is what survived", "yellow")])
    wp = meta.get("wordpress")
    if wp:
        lines.append([(f"  {'wordpress':<10} " + ", ".join(f"{k} {v}" for k, v in wp.items()), "")])
    removed = meta.get("removed") or []
    by_rule = Counter(r["rule"] for r in removed)
    summary = ", ".join(f"{rule} ×{n}" for rule, n in by_rule.most_common()) or "nothing"
    lines.append([(f"  {'removed':<10} ", ""), (f"{len(removed)}" if removed else "nothing", ""), (f" ({summary})" if removed else "", DIM)])
    if e.reader_removed:
        lines.append([])
        lines.append([("  removed while reading, before cleaning:", DIM)])
        for r in e.reader_removed:
            lines.append([("  - ", REMOVED), (f"[{r['rule']}] ", RULE), (r["text"], REMOVED)])
    lines.append([])
    if e.paragraphs is None:
        lines.append([("  (no paragraph-by-paragraph view: the explanation did not match the cleaner's result; "
                       "the clean text and the removals follow)", "yellow")])
        for paragraph in doc.text.split("\n\n"):
            lines.append([("    " + paragraph, KEPT)])
        for r in removed:
            lines.append([("  - ", REMOVED), (f"[{r['rule']}] ", RULE), (r["text"], REMOVED)])
        return lines
    kept = sum(p.status == "kept" for p in e.paragraphs)
    lines.append([(f"  text: {len(e.paragraphs)} paragraphs, {kept} kept, {len(e.paragraphs) - kept} removed", DIM)])
    lines.extend(_paragraph_lines(e.paragraphs))
    return lines


def _paragraph_lines(paragraphs) -> list[Line]:
    lines: list[Line] = []
    for p in paragraphs:
        if p.status == "removed":
            lines.append([("- ", REMOVED), (f"[{p.rule}] ", RULE), *_marked(p.original or p.text, p.inline, REMOVED)])
        elif p.status == "emptied":
            lines.append([("- ", REMOVED), *_marked(p.original or "", p.inline, REMOVED)])
        else:
            marker = "~ " if p.before is not None else "  "
            lines.append([(marker, "cyan"), *_marked(p.original or p.before or p.text, p.inline, KEPT)])
            if p.before is not None:
                for old, new in _changes(p.before, p.text):
                    lines.append([("    repaired: ", DIM), (old, REMOVED), (" -> ", DIM), (new, "green")])
            if p.note:
                lines.append([("    kept: ", DIM), (p.note, DIM)])
    return lines


def _marked(text: str, inline: list[dict[str, str]], style: str) -> Line:
    """The paragraph with each span an inline rule cut out shown in place as [-span-]{rule}."""
    from cleaners.explain import mark_spans

    pieces: Line = []
    for piece, removal in mark_spans(text, inline):
        if removal is None:
            pieces.append((piece, style))
        else:
            pieces += [("[-", DIM), (piece, REMOVED), ("-]", DIM), (f"{{{removal['rule']}}}", RULE)]
    return pieces


def _changes(before: str, after: str, context: int = 12) -> list[tuple[str, str]]:
    """The spans a repair changed, with a little context: ``[('drills.However', 'drills. However')]``."""
    out = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        lo_a, lo_b = max(0, a1 - context), max(0, b1 - context)
        out.append((_excerpt(before, lo_a, a2 + context), _excerpt(after, lo_b, b2 + context)))
    return out[:10]


def _excerpt(text: str, start: int, end: int) -> str:
    return json.dumps(("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else ""), ensure_ascii=False)


def _print_lines(lines: list[Line], color: bool) -> None:
    if not color:
        for line in lines:
            print("".join(text for text, _ in line))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=sys.stdout, force_terminal=True, highlight=False, soft_wrap=True)
    for line in lines:
        text = Text()
        for piece, style in line:
            text.append(piece, style=style or None)
        console.print(text)


# -- rules ------------------------------------------------------------------------------------------------

def run_rules(args: argparse.Namespace) -> int:
    try:
        config = resolve_config(args)
        rules_files = effective_rules(config)
        ruleset = RuleSet.load(*rules_files)
    except (ConfigError, RulesError) as exc:
        return _fail(str(exc))
    out = Path(config["paths.out"])
    last_run, problem = _last_run(out)
    counts: dict[str, int] = (last_run or {}).get("removed_by_rule") or {}
    samples: dict[str, list] = (last_run or {}).get("rule_samples") or {}
    rows = []
    for rule in ruleset.rules:
        rows.append({
            "name": rule.name,
            "scope": rule.scope,
            "where": rule.where,
            "max_chars": rule.max_chars,
            "case_sensitive": not (rule.pattern.flags & 2),  # re.IGNORECASE
            "description": rule.description,
            "pattern": rule.pattern.pattern,
            "origin": _origin(rule.origin),
            "last_run": None if last_run is None else {"removed": counts.get(rule.name, 0), "samples": samples.get(rule.name, [])[: args.samples]},
        })
    rows.append(_learned_rule(config, last_run, counts, samples, args.samples))
    loaded = {row["name"] for row in rows}
    others = {name: n for name, n in counts.items() if name not in loaded}
    if args.json:
        print(json.dumps({"rules": rows, "last_run": {"out": str(out), "found": last_run is not None, "problem": problem,
                                                      "removed_by_rules_not_loaded": others}}, indent=2, ensure_ascii=False))
        return 0
    origins = Counter(row["origin"] for row in rows)
    print(f"{len(rows)} boilerplate rules, in the order they apply (" + ", ".join(f"{n} {o}" for o, n in origins.items()) + ")")
    if last_run is None:
        print(f"no samples: {problem}")
    else:
        print(f"samples from the last run in {out} ({last_run.get('documents', 0)} documents written)")
    for row in rows:
        where = {"paragraph": row["where"], "inline": "inside paragraphs"}.get(row["scope"], row["where"])
        limit = f", at most {row['max_chars']} chars" if row["max_chars"] else ""
        print()
        print(f"{row['name']}  [{row['scope']}, {where}{limit}]  {row['origin']}")
        if row["description"]:
            print(f"    {row['description']}")
        if args.patterns and row["pattern"]:
            print(f"    pattern: {row['pattern']}")
        if row["last_run"] is not None:
            n = row["last_run"]["removed"]
            if not n:
                print("    last run: removed nothing")
                continue
            print(f"    last run: removed {n} time{'s' if n != 1 else ''}, e.g.")
            for sample in row["last_run"]["samples"]:
                print(f"      {json.dumps(sample['text'], ensure_ascii=False)}  ({sample['path']})")
    if others:
        print()
        print("the last run also removed text by rules not loaded now (pass their file with --rules): "
              + ", ".join(f"{name} ×{n}" for name, n in sorted(others.items(), key=lambda kv: -kv[1])))
    return 0


def _learned_rule(config: Config, last_run: dict | None, counts: dict, samples: dict, n_samples: int) -> dict[str, Any]:
    """The rule the dedup step learns from the corpus at each run (cleaners/repeated.py)."""
    from cleaners.dedup.fingerprint import LINE_MAX_CHARS
    from cleaners.dedup.repeated import RULE

    min_docs = config["dedup.repeated_line_min_docs"]
    return {
        "name": RULE,
        "scope": "corpus",
        "where": "learned per site: at the edges, or anywhere if not a sentence",
        "max_chars": LINE_MAX_CHARS,
        "case_sensitive": False,
        "description": f"A short paragraph found verbatim in at least {min_docs} kept documents of the same site "
        "(navigation, share prompts, related-post titles); learned from the corpus at each clean run, "
        "so presswash inspect does not show it",
        "pattern": None,
        "origin": "learned from the corpus",
        "last_run": None if last_run is None else {"removed": counts.get(RULE, 0), "samples": samples.get(RULE, [])[:n_samples]},
    }


def _origin(origin: str) -> str:
    """'bundled' for the rules shipped with presswash, else the file (relative to here if inside)."""
    from importlib import resources

    path = Path(origin)
    try:
        if path.resolve() == Path(str(resources.files("cleaners") / "rules" / "boilerplate.toml")).resolve():
            return "bundled"
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (OSError, ValueError):
        return origin


def _last_run(out: Path) -> tuple[dict | None, str | None]:
    report = out / REPORT
    if not report.exists():
        return None, f"no run found in {out} (no {REPORT}); run presswash clean first, or pass --out"
    try:
        return json.loads(report.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"cannot read {report}: {exc}"


# -- config ------------------------------------------------------------------------------------------------

def run_config(args: argparse.Namespace) -> int:
    try:
        config = resolve_config(args)
    except ConfigError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(config.to_json(), indent=2, ensure_ascii=False))
    else:
        print(config.to_toml(), end="")
    return 0


# -- entry point -------------------------------------------------------------------------------------------

COMMANDS = {"clean": run_clean, "serve": run_serve, "inspect": run_inspect, "rules": run_rules, "config": run_config}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = COMMANDS.get(args.command)
    if command is None:
        parser.print_help()
        return 2
    try:
        return command(args)
    except BrokenPipeError:  # `presswash inspect FILE | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
