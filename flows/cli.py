"""The ``presswash`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from cleaners import __version__
from cleaners.boilerplate import RuleSet, RulesError
from cleaners.corpus import DOCUMENTS, DUPLICATES, REJECTED, REPORT, UsageError, check_paths, default_state_path
from cleaners.dedup import DedupConfig
from cleaners.dedupindex import ConfigMismatch, check_state

EXAMPLES = """\
examples:
  presswash clean                      clean ./raw into ./clean
  presswash clean scraped/ --out corpus/
  presswash clean raw --rules my-rules.toml --batch-size 200 --workers 2
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presswash",
        description="Turn a mixed pile of scraped text (WordPress REST JSON, HTML pages, plain text) "
        "into deduplicated, metadata-tagged clean documents.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"presswash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    clean = sub.add_parser(
        "clean",
        help="clean a folder of raw files into documents.jsonl",
        description="Clean every file in RAW_DIR (format detected by content) and write OUT_DIR/"
        f"{DOCUMENTS}, {DUPLICATES}, {REJECTED} and {REPORT}. Runs as a Prefect flow; with no "
        "Prefect server configured (PREFECT_API_URL unset) Prefect starts a temporary local one. "
        "RAW_DIR is only read. Outputs are replaced atomically at the end of the run.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    clean.add_argument("raw_dir", nargs="?", default="raw", metavar="RAW_DIR", help="folder of raw files (default: raw)")
    clean.add_argument("--out", "-o", default="clean", metavar="OUT_DIR", help="output folder (default: clean)")
    clean.add_argument("--state", metavar="PATH", help="dedup index (SQLite) shared across runs (default: OUT_DIR/.presswash/state.sqlite)")
    clean.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra boilerplate rules file (TOML); repeatable")
    clean.add_argument("--batch-size", type=_positive_int, default=None, metavar="N", help="raw files per Prefect task (default: 100)")
    clean.add_argument("--workers", type=_positive_int, default=None, metavar="N", help="worker processes (default: one per core, at most one per batch)")
    clean.add_argument("--json", action="store_true", help="print the run report as JSON instead of the summary")
    verbosity = clean.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    verbosity.add_argument("--verbose", "-v", action="store_true", help="show Prefect's flow and task logs")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _fail(message: str, code: int = 2) -> int:
    print(f"presswash: error: {message}", file=sys.stderr)
    return code


def run_clean(args: argparse.Namespace) -> int:
    try:
        raw, out = check_paths(args.raw_dir, args.out)
        for path in args.rules:
            RuleSet.load(path)  # fail fast, before Prefect starts, on a bad rules file
        check_state(args.state or default_state_path(out), DedupConfig())
    except (UsageError, RulesError, ConfigMismatch) as exc:
        return _fail(str(exc))
    # Prefect logs a failed run with its traceback; the command says what failed in one sentence
    # instead, unless --verbose asks for Prefect's own logs.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.verbose else "CRITICAL")
    from flows.clean import DEFAULT_BATCH_SIZE, clean_corpus

    started = time.perf_counter()
    try:
        report = clean_corpus(
            raw_dir=str(raw),
            out_dir=str(out),
            batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
            workers=args.workers,
            rules_files=[str(Path(p).resolve()) for p in args.rules],
            state_path=str(Path(args.state).resolve()) if args.state else None,
        )
    except KeyboardInterrupt:
        return _fail("interrupted; the previous outputs are unchanged", 130)
    except Exception as exc:  # the flow failed: say so in one sentence, no traceback
        return _fail(f"the cleaning run failed: {type(exc).__name__}: {exc}; the previous outputs are unchanged", 1)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif not args.quiet:
        print(_summary(report, out, time.perf_counter() - started))
    return 0


def _summary(report: dict, out: Path, seconds: float) -> str:
    lines = [
        f"presswash: {report['files_seen']} files, {report['records']} records -> "
        f"{report['documents']} documents, {report['duplicates']} duplicates, {report['rejected']} rejected "
        f"({seconds:.1f} s)"
    ]
    if report["formats"]:
        lines.append(f"  {'format':<16} {'files':>7} {'documents':>10} {'duplicates':>11} {'rejected':>9}")
    for fmt, counts in report["formats"].items():
        lines.append(
            f"  {fmt:<16} {counts['files']:>7} {counts['documents']:>10} {counts['duplicates']:>11} {counts['rejected']:>9}"
        )
    if report["rejected"]:
        lines.append(f"  rejected files and records, with reasons: {out / REJECTED}")
    lines.append(f"  output: {out / DOCUMENTS}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "clean":
        return run_clean(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
