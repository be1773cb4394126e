"""``presswash inspect PATH``: how one raw file is cleaned, paragraph by paragraph, each removal with its rule."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from cleaners import CleanerConfig, Document
from cleaners.config import ConfigError
from cleaners.corpus.discover import UsageError
from cleaners.explain import explain_file, mark_spans
from cleaners.text.boilerplate import RulesError
from flows.cli.options import (
    add_config_options,
    add_settings,
    check_rules,
    fail,
    natural_int,
    resolve_config,
    rules_origin,
    wrap,
)

EXAMPLES = """\
examples:
  presswash inspect raw/004_4f58f105b3a0a879.txt
  presswash inspect page.html --rules my-rules.toml      with your own rules too
  presswash inspect posts.json --record 3                one record of a multi-post file
  presswash inspect raw/001_90ec0177be3c75fe.txt --json | jq '.records[0].paragraphs'

In the text view, each paragraph of the normalized text is on its own line:
  "  " kept   "- [rule]" removed by that rule   "~ " kept, with small repairs (listed under it)
  [-text-]{rule}  a span cut out of a kept paragraph by an inline rule
"""


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "inspect",
        help="show how one raw file is cleaned: format, metadata, and every removal with its rule",
        description=wrap("Clean one raw file exactly as `presswash clean` would and show the detected format, "
        "the metadata found, and the text paragraph by paragraph: what was kept, what was removed and by "
        "which rule, and why a paragraph that looks like boilerplate was kept. Needs no Prefect. (What needs "
        "the whole corpus is not shown: deduplication, and lines learned as site chrome, rule repeated-line.)"),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", metavar="PATH", help="one raw file (any supported format)")
    add_settings(parser, "paths.rules")
    parser.add_argument("--record", type=natural_int, default=None, metavar="N", help="only record N of the file (0 = the first)")
    parser.add_argument("--json", action="store_true", help="print a JSON object for tools instead of the text view")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text view (default: auto = when stdout is a terminal and NO_COLOR is unset)")
    add_config_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"file {args.path!r} does not exist")
        if path.is_dir():
            raise UsageError(f"{args.path!r} is a folder; inspect takes one raw file (presswash clean cleans a folder)")
        config = resolve_config(args)
        rules = check_rules(config)
    except (ConfigError, UsageError, RulesError) as exc:
        return fail(str(exc))
    explanations = list(explain_file(path, CleanerConfig(rules_files=tuple(rules))))
    if args.record is not None:
        found = [e for e in explanations if _source(e.outcome).get("record") == args.record]
        if not found:
            have = sorted({_source(e.outcome).get("record") for e in explanations} - {None})
            extent = f"records 0 to {have[-1]}" if have else "no records"
            return fail(f"{args.path!r} has no record {args.record} (it has {extent})")
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
        lines.append([(f"  {'rules':<10} bundled + " + ", ".join(rules_origin(r) for r in rules), "")])
    if len(explanations) > 1:
        lines.append([(f"  {'records':<10} {len(explanations)}", "")])
    for e in explanations:
        lines.append([])
        lines.extend(_record_lines(e))
    return lines


def _record_lines(e) -> list[Line]:
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
        if value is not None and meta.get(f"{key}_precision") == "day":  # the source gave only a date
            value = f"{value[:10]} (a date only)"
        lines.append([(f"  {key:<10} ", ""), ("—" if value is None else str(value), DIM if value is None else "")])
    counts = meta.get("counts") or {}
    lines.append([(f"  {'counts':<10} {counts.get('chars', 0):,} chars, {counts.get('words', 0):,} words, {counts.get('paragraphs', 0):,} paragraphs", "")])
    if meta.get("truncated"):
        lines.append([(f"  {'truncated':<10} yes: the source was cut off; the text is what survived", "yellow")])
    wp = meta.get("wordpress")
    if wp:
        lines.append([(f"  {'wordpress':<10} " + ", ".join(f"{k} {v}" for k, v in wp.items() if v is not None), "")])
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
