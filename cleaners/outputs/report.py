"""Counting what a run did, and checking that every raw file is accounted for.

>>> from cleaners.record import Document, Rejection
>>> report = RunReport(files_seen=["a.txt", "b.bin"])
>>> report.add_document(Document("1", "Hi.", {"source": {"path": "a.txt", "format": "text"}, "removed": []}))
>>> report.add_rejection(Rejection({"path": "b.bin", "format": None, "record": None}, "not a text file"))
>>> report.unaccounted()
[]
>>> print(report.summary())
2 files, 2 records: 1 document written, 0 duplicates dropped, 1 rejected (1 file, 0 records)
  text: 1 file, 1 document
  unknown: 1 file, 1 rejected
  balance: 2 files seen, 2 in the outputs; 2 records = 1 document + 0 duplicates + 1 rejected: holds
"""

from __future__ import annotations

import json
import time
from bisect import bisect_right
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from cleaners.outputs.atomic import REPORT
from cleaners.record import Document, Rejection


class AccountingError(RuntimeError):
    """The run's outputs do not account for every raw file and record exactly once."""


# Text length bins (characters of clean text) for the length distribution; the last bin is open.
LENGTH_BINS = (0, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
SAMPLES_PER_RULE = 5
SAMPLE_CHARS = 200
TOP_REMOVED_LINES = 50
TOP_SITES = 50
_MAX_TRACKED_LINES = 20_000  # distinct removed lines counted exactly; beyond, the rarest are dropped


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _shorten(text: str) -> str:
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


class RunReport:
    """Counts of one run; every record lands in exactly one of documents, duplicates, rejected."""

    def __init__(self, files_seen: Iterable[str] = ()):
        self.files = list(files_seen)
        self.documents = 0
        self.duplicates = 0
        self.rejected_files = 0
        self.rejected_records = 0
        self.duplicates_by_method: Counter[str] = Counter()
        self.removed_by_rule: Counter[str] = Counter()
        self.per_format: dict[str, Counter[str]] = {}
        self._format_files: dict[str, set[str]] = {}
        self._seen_paths: set[str] = set()
        self._files_in: dict[str, set[str]] = {"documents": set(), "duplicates": set(), "rejected": set()}
        self._current_path: str | None = None
        self._current_records: set[Any] = set()
        self.problems: list[str] = []
        self.timings: dict[str, float] = {}
        # For `presswash rules` and report.html: what each rule matched, what was removed most often,
        # documents per site and the length distribution. Memory does not grow with the number of
        # documents: samples and removed lines are capped; sites grow with the distinct sites only.
        self.rule_samples: dict[str, list[dict[str, str]]] = {}
        self.removed_lines: Counter[tuple[str, str]] = Counter()
        self.removed_lines_approximate = False
        self.sites: Counter[str] = Counter()
        self.length_bins = [0] * len(LENGTH_BINS)
        self.extra: dict[str, Any] = {}
        self.started = time.perf_counter()
        # items a reader skipped without making a record of them (drafts, attachments, menu items in
        # a WordPress export), per file: readers put the counts in ``source["skipped_items"]``
        # (record schema v2: ``[{"reason": ..., "count": ...}]``; v1 records held ``{reason: count}``)
        self.skipped_items: dict[str, dict[str, int]] = {}

    def _count(self, source: dict[str, Any], what: str) -> None:
        fmt = source.get("format") or "unknown"
        path = source["path"]
        self.per_format.setdefault(fmt, Counter())[what] += 1
        self._format_files.setdefault(fmt, set()).add(path)
        self._files_in[what].add(path)
        self._check_record(path, source.get("record"))
        self._seen_paths.add(path)
        skipped = source.get("skipped_items")
        if skipped:
            self.skipped_items[path] = {i["reason"]: i["count"] for i in skipped} if isinstance(skipped, list) else dict(skipped)

    def _check_record(self, path: str, record: Any) -> None:
        """Each record of a file once, a whole-file rejection alone; a file's outcomes come together
        (the pipeline writes them in source order), so only the current file's records are kept."""
        if path != self._current_path:
            if path in self._seen_paths:
                self._problem(f"the outcomes of {path!r} are split across the outputs")
            self._current_path, self._current_records = path, set()
        if record in self._current_records:
            self._problem(f"record {record} of {path!r} appears twice in the outputs" if record is not None
                          else f"{path!r} is rejected twice as a whole file")
        elif (record is None and self._current_records) or (record is not None and None in self._current_records):
            self._problem(f"{path!r} is rejected as a whole file and also has records in the outputs")
        self._current_records.add(record)

    def _problem(self, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(message)

    def skipped_by_reason(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.skipped_items.values():
            total.update(counts)
        return total

    def add_document(self, doc: Document) -> None:
        self.documents += 1
        self.removed_by_rule.update(r["rule"] for r in doc.metadata.get("removed") or ())
        self._count(doc.metadata["source"], "documents")
        self._observe(doc)

    def _observe(self, doc: Document) -> None:
        for removal in doc.metadata.get("removed") or ():
            rule, text = removal["rule"], _shorten(removal.get("text") or "")
            samples = self.rule_samples.setdefault(rule, [])
            if len(samples) < SAMPLES_PER_RULE and all(s["text"] != text for s in samples):
                samples.append({"text": text, "path": doc.metadata["source"]["path"], "id": doc.id})
            self.removed_lines[(rule, text)] += 1
        if len(self.removed_lines) > 2 * _MAX_TRACKED_LINES:
            self.removed_lines = Counter(dict(self.removed_lines.most_common(_MAX_TRACKED_LINES)))
            self.removed_lines_approximate = True
        self.sites[doc.metadata.get("site") or ""] += 1
        chars = (doc.metadata.get("counts") or {}).get("chars", len(doc.text))
        self.length_bins[bisect_right(LENGTH_BINS, chars) - 1] += 1

    def add_duplicate(self, record: dict[str, Any]) -> None:
        self.duplicates += 1
        self.duplicates_by_method[record["method"]] += 1
        self._count(record["source"], "duplicates")

    def add_rejection(self, rejection: Rejection) -> None:
        if rejection.source.get("record") is None:
            self.rejected_files += 1
        else:
            self.rejected_records += 1
        self._count(rejection.source, "rejected")

    @property
    def rejected(self) -> int:
        return self.rejected_files + self.rejected_records

    @property
    def records(self) -> int:
        """Everything written to one of the three JSONL files."""
        return self.documents + self.duplicates + self.rejected

    def unaccounted(self) -> list[str]:
        """Raw files that appear in none of the outputs (must be empty)."""
        return sorted(set(self.files) - self._seen_paths)

    def balance(self) -> dict[str, Any]:
        """Every file seen this run is in documents ∪ duplicates ∪ rejected (the outputs may also hold
        files from earlier runs); records = documents + duplicates + rejected, each record once, a
        whole-file rejection alone. ``holds`` is False when a file is missing or a record counted twice."""
        missing = self.unaccounted()
        seen = set(self.files)
        return {
            "files_seen": len(self.files),
            "files_seen_in_outputs": len(seen & self._seen_paths),
            "files_from_earlier_runs": len(self._seen_paths - seen),
            "files_with_documents": len(self._files_in["documents"]),
            "files_with_duplicates": len(self._files_in["duplicates"]),
            "files_with_rejections": len(self._files_in["rejected"]),
            "records": self.records,
            "documents": self.documents,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "missing_files": missing[:20],
            "problems": list(self.problems),
            "holds": not missing and not self.problems and len(seen) == len(self.files),
        }

    def check(self) -> None:
        """Raise :class:`AccountingError` unless every raw file and record is accounted for exactly once.
        Called before the outputs are published, so a failing run leaves the previous outputs in place."""
        balance = self.balance()
        if balance["holds"]:
            return
        reasons = []
        if balance["missing_files"]:
            missing = self.unaccounted()
            verb = "appears" if len(missing) == 1 else "appear"
            reasons.append(f"{_plural(len(missing), 'raw file')} {verb} in no output (first: {missing[0]!r})")
        reasons.extend(balance["problems"][:3])
        if len(set(self.files)) != len(self.files):
            reasons.append("the list of raw files holds duplicates")
        raise AccountingError(f"accounting check failed: {'; '.join(reasons)}")

    def balance_line(self) -> str:
        b = self.balance()
        earlier = f" (+{b['files_from_earlier_runs']} from earlier runs)" if b["files_from_earlier_runs"] else ""
        return (f"balance: {_plural(b['files_seen'], 'file')} seen, {b['files_seen_in_outputs']} in the outputs{earlier}; "
                f"{_plural(b['records'], 'record')} = {_plural(b['documents'], 'document')} + "
                f"{_plural(b['duplicates'], 'duplicate')} + {b['rejected']} rejected: {'holds' if b['holds'] else 'DOES NOT HOLD'}")

    def to_json(self) -> dict[str, Any]:
        formats = {
            fmt: {"files": len(self._format_files[fmt]), **{k: counts[k] for k in ("documents", "duplicates", "rejected")}}
            for fmt, counts in sorted(self.per_format.items())
        }
        return {
            "files_seen": len(self.files),
            "records": self.records,
            "documents": self.documents,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejected_files": self.rejected_files,
            "rejected_records": self.rejected_records,
            "duplicates_by_method": dict(sorted(self.duplicates_by_method.items())),
            "removed_by_rule": dict(self.removed_by_rule.most_common()),
            "formats": formats,
            "skipped_items": dict(sorted(self.skipped_by_reason().items())),
            "unaccounted_files": self.unaccounted(),
            "balance": self.balance(),
            **self.extra,
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
            "rule_samples": {rule: self.rule_samples[rule] for rule in sorted(self.rule_samples)},
            "removed_lines": [
                {"rule": rule, "text": text, "count": n}
                for (rule, text), n in sorted(self.removed_lines.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REMOVED_LINES]
            ],
            "removed_lines_approximate": self.removed_lines_approximate,
            "sites": {
                "distinct": len(self.sites),
                "top": [{"site": site or None, "documents": n} for site, n in sorted(self.sites.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_SITES]],
            },
            "length_histogram": [
                {"min_chars": low, "max_chars": (LENGTH_BINS[i + 1] - 1) if i + 1 < len(LENGTH_BINS) else None, "documents": n}
                for i, (low, n) in enumerate(zip(LENGTH_BINS, self.length_bins))
            ],
        }

    def summary(self) -> str:
        lines = [
            f"{_plural(len(self.files), 'file')}, {_plural(self.records, 'record')}: "
            f"{_plural(self.documents, 'document')} written, {_plural(self.duplicates, 'duplicate')} dropped, "
            f"{self.rejected} rejected ({_plural(self.rejected_files, 'file')}, {_plural(self.rejected_records, 'record')})"
        ]
        for fmt, counts in sorted(self.per_format.items()):
            parts = [_plural(len(self._format_files[fmt]), "file")]
            if counts["documents"]:
                parts.append(_plural(counts["documents"], "document"))
            if counts["duplicates"]:
                parts.append(_plural(counts["duplicates"], "duplicate"))
            if counts["rejected"]:
                parts.append(f"{counts['rejected']} rejected")
            lines.append(f"  {fmt}: {', '.join(parts)}")
        skipped = self.skipped_by_reason()
        if skipped:
            lines.append(f"  skipped (not published content): {', '.join(f'{n} {reason}' for reason, n in sorted(skipped.items()))}")
        lines.append(f"  {self.balance_line()}")
        return "\n".join(lines)


def read_report(out_dir: str | Path) -> dict[str, Any]:
    """The ``report.json`` an earlier run left in ``out_dir``; empty when there is none (or it is unreadable)."""
    try:
        return json.loads((Path(out_dir) / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
