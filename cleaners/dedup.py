"""Deduplication of clean documents.

The first version collapses exact duplicates of the normalized text; the first record in source
order is kept. A deduplicator answers one question per document, in order: is it a duplicate of one
already kept? The answer (:class:`Verdict`) names the kept record, the method and the similarity, so
near-duplicate methods can slot in behind the same interface.

>>> from cleaners.record import Document
>>> dedup = ExactDedup()
>>> dedup.check(Document("a", "Same text.")) is None
True
>>> dedup.check(Document("b", "Same  text."))
Verdict(duplicate_of='a', method='exact', similarity=1.0)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from .record import Document

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Verdict:
    duplicate_of: str
    method: str
    similarity: float


def exact_key(text: str) -> bytes:
    """Fingerprint of a text for exact matching: case-folded, whitespace collapsed, 128-bit BLAKE2b."""
    canonical = _SPACES.sub(" ", text.casefold()).strip()
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).digest()


class ExactDedup:
    """Keeps the first document of each exact text; later copies are duplicates of it."""

    method = "exact"

    def __init__(self) -> None:
        self._kept: dict[bytes, str] = {}

    def check(self, doc: Document) -> Verdict | None:
        key = exact_key(doc.text)
        kept = self._kept.get(key)
        if kept is not None:
            return Verdict(kept, self.method, 1.0)
        self._kept[key] = doc.id
        return None


def duplicate_record(doc: Document, verdict: Verdict) -> dict[str, Any]:
    """The line written to ``duplicates.jsonl`` for a dropped document."""
    meta = doc.metadata
    return {
        "id": doc.id,
        "duplicate_of": verdict.duplicate_of,
        "method": verdict.method,
        "similarity": round(verdict.similarity, 4),
        "source": meta["source"],
        "title": meta.get("title"),
        "url": meta.get("url"),
    }
