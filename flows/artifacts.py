"""What a run publishes to Prefect: a markdown summary and a link to the output.

The markdown is built by a plain function (testable without Prefect); :func:`publish_artifacts`
hands it to Prefect inside a flow run, where it shows on the run's Artifacts tab.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_REJECTED_SHOWN = 20
MAX_RULES_SHOWN = 10


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict[str, Any], out_dir: str | Path) -> str:
    """A markdown summary of one run: counts per format, duplicates, rejections, removed boilerplate."""
    out = Path(out_dir)
    lines = [
        "# presswash run",
        "",
        f"**{report['files_seen']}** raw files, **{report['records']}** records: **{report['documents']}** documents, "
        f"**{report['duplicates']}** duplicates, **{report['rejected']}** rejected.",
    ]
    incremental = report.get("incremental")
    if incremental:
        lines.append("Files this run: " + ", ".join(f"{v} {k}" for k, v in incremental.items()) + ".")
    lines += ["", "| format | files | documents | duplicates | rejected |", "|---|---:|---:|---:|---:|"]
    for fmt, counts in report.get("formats", {}).items():
        lines.append(f"| {_cell(fmt)} | {counts['files']} | {counts['documents']} | {counts['duplicates']} | {counts['rejected']} |")
    if report.get("duplicates_by_method"):
        lines += ["", "| duplicates by method | records |", "|---|---:|"]
        lines += [f"| {_cell(m)} | {n} |" for m, n in report["duplicates_by_method"].items()]
    rules = list(report.get("removed_by_rule", {}).items())[:MAX_RULES_SHOWN]
    if rules:
        lines += ["", "| top removed boilerplate rules | removals |", "|---|---:|"]
        lines += [f"| {_cell(r)} | {n} |" for r, n in rules]
    rejected_file = out / "rejected.jsonl"
    if report["rejected"] and rejected_file.exists():
        lines += ["", "| rejected file | record | reason |", "|---|---:|---|"]
        with open(rejected_file, encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if n == MAX_REJECTED_SHOWN:
                    lines.append(f"| … {report['rejected'] - n} more in rejected.jsonl | | |")
                    break
                entry = json.loads(line)
                record = entry["source"].get("record")
                lines.append(f"| {_cell(entry['source']['path'])} | {'' if record is None else record} | {_cell(entry['error'])} |")
    lines += ["", f"Output: `{out.resolve() / 'documents.jsonl'}`"]
    return "\n".join(lines)


def publish_artifacts(report: dict[str, Any], out_dir: str | Path) -> None:
    """Attach the summary and a link to the output to the current Prefect flow run."""
    from prefect.artifacts import create_link_artifact, create_markdown_artifact

    out = Path(out_dir).resolve()
    create_markdown_artifact(markdown=report_markdown(report, out), key="presswash-run-report", description="presswash run summary")
    create_link_artifact(link=(out / "documents.jsonl").as_uri(), link_text="documents.jsonl", key="presswash-output", description="the clean corpus")
