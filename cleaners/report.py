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
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from .record import Document, Rejection


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
        self.timings: dict[str, float] = {}
        # items a reader skipped without making a record of them (drafts, attachments, menu items in
        # a WordPress export), per file: readers put the counts in ``source["skipped_items"]``
        self.skipped_items: dict[str, dict[str, int]] = {}

    def _count(self, source: dict[str, Any], what: str) -> None:
        fmt = source.get("format") or "unknown"
        self.per_format.setdefault(fmt, Counter())[what] += 1
        self._format_files.setdefault(fmt, set()).add(source["path"])
        self._seen_paths.add(source["path"])
        if source.get("skipped_items"):
            self.skipped_items[source["path"]] = source["skipped_items"]

    def skipped_by_reason(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.skipped_items.values():
            total.update(counts)
        return total

    def add_document(self, doc: Document) -> None:
        self.documents += 1
        self.removed_by_rule.update(r["rule"] for r in doc.metadata.get("removed") or ())
        self._count(doc.metadata["source"], "documents")

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
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
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
        return "\n".join(lines)
