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
  balance: 2 files seen = 2 files in the outputs; 2 records = 1 document + 0 duplicates + 1 rejected: holds
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from .record import Document, Rejection


class AccountingError(RuntimeError):
    """The run's outputs do not account for every raw file and record exactly once."""


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
        self._files_in: dict[str, set[str]] = {"documents": set(), "duplicates": set(), "rejected": set()}
        self._current_path: str | None = None
        self._current_records: set[Any] = set()
        self.problems: list[str] = []
        self.timings: dict[str, float] = {}

    def _count(self, source: dict[str, Any], what: str) -> None:
        fmt = source.get("format") or "unknown"
        path = source["path"]
        self.per_format.setdefault(fmt, Counter())[what] += 1
        self._format_files.setdefault(fmt, set()).add(path)
        self._files_in[what].add(path)
        self._check_record(path, source.get("record"))
        self._seen_paths.add(path)

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

    def unknown(self) -> list[str]:
        """Paths in the outputs that are not raw files of this run (must be empty)."""
        return sorted(self._seen_paths - set(self.files))

    def balance(self) -> dict[str, Any]:
        """Files seen = files in documents ∪ duplicates ∪ rejected; records = documents + duplicates +
        rejected, each once. ``holds`` is False when anything is missing, unknown or counted twice."""
        missing, unknown = self.unaccounted(), self.unknown()
        return {
            "files_seen": len(self.files),
            "files_in_outputs": len(self._seen_paths),
            "files_with_documents": len(self._files_in["documents"]),
            "files_with_duplicates": len(self._files_in["duplicates"]),
            "files_with_rejections": len(self._files_in["rejected"]),
            "records": self.records,
            "documents": self.documents,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "missing_files": missing[:20],
            "unknown_files": unknown[:20],
            "problems": list(self.problems),
            "holds": not missing and not unknown and not self.problems and len(set(self.files)) == len(self.files),
        }

    def check(self) -> None:
        """Raise :class:`AccountingError` unless every raw file and record is accounted for exactly once.
        :func:`cleaners.corpus.write_corpus` calls it before publishing, so a failing run leaves the
        previous outputs in place."""
        balance = self.balance()
        if balance["holds"]:
            return
        reasons = []
        if balance["missing_files"]:
            missing = self.unaccounted()
            verb = "appears" if len(missing) == 1 else "appear"
            reasons.append(f"{_plural(len(missing), 'raw file')} {verb} in no output (first: {missing[0]!r})")
        if balance["unknown_files"]:
            reasons.append(f"{len(self.unknown())} paths in the outputs are not raw files of this run (first: {balance['unknown_files'][0]!r})")
        reasons.extend(balance["problems"][:3])
        if len(set(self.files)) != len(self.files):
            reasons.append("the list of raw files holds duplicates")
        raise AccountingError(f"accounting check failed: {'; '.join(reasons)}")

    def balance_line(self) -> str:
        b = self.balance()
        return (f"balance: {_plural(b['files_seen'], 'file')} seen = {_plural(b['files_in_outputs'], 'file')} in the outputs; "
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
            "unaccounted_files": self.unaccounted(),
            "balance": self.balance(),
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
        lines.append(f"  {self.balance_line()}")
        return "\n".join(lines)
