"""``presswash rules``: the boilerplate rules in the order they apply, with samples of what each removed last run."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from cleaners.config import Config, ConfigError, effective_rules
from cleaners.dedup.fingerprint import LINE_MAX_CHARS
from cleaners.dedup.repeated import RULE
from cleaners.outputs.atomic import REPORT
from cleaners.text.boilerplate import RulesError, RuleSet
from flows.cli.options import (
    add_config_options,
    add_settings,
    fail,
    natural_int,
    resolve_config,
    rules_origin,
    wrap,
)

EXAMPLES = """\
examples:
  presswash rules                          bundled rules, with samples from ./clean/report.json
  presswash rules --out corpus/            samples from another output folder
  presswash rules --rules my-rules.toml    include (and check) your own rules file
  presswash rules --json

A rules file is TOML with one [[rule]] table per rule (name, pattern, and optionally scope,
where, max_chars, description, case_sensitive); see README.md, "Your own rules".
"""


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "rules",
        help="list the boilerplate rules, with samples of what each removed in the last run",
        description=wrap("List the boilerplate rules in the order they apply: the bundled ones and those of your "
        "rules files (from the configuration and --rules), each with its scope, where it applies, what it "
        "is for and the file it comes from, and, from OUT_DIR/report.json, how often it removed something "
        "in the last run and samples of what. Needs no Prefect."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_settings(parser, "paths.out", "paths.rules")
    parser.add_argument("--samples", type=natural_int, default=3, metavar="N", help="samples to show per rule (default: 3)")
    parser.add_argument("--patterns", action="store_true", help="also show each rule's regular expression")
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    add_config_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = resolve_config(args)
        rules_files = effective_rules(config)
        ruleset = RuleSet.load(*rules_files)
    except (ConfigError, RulesError) as exc:
        return fail(str(exc))
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
            "origin": rules_origin(rule.origin),
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
    """The rule the dedup step learns from the corpus at each run (cleaners/dedup/repeated.py)."""
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


def _last_run(out: Path) -> tuple[dict | None, str | None]:
    report = out / REPORT
    if not report.exists():
        return None, f"no run found in {out} (no {REPORT}); run presswash clean first, or pass --out"
    try:
        return json.loads(report.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"cannot read {report}: {exc}"
