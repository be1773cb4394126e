"""Which record of a cluster of duplicates survives (``DedupConfig.policy``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cleaners.config import DedupConfig
from cleaners.dedup.fingerprint import Fingerprint
from cleaners.record import Document

# -- which record survives -------------------------------------------------------------------

_RICH_FIELDS = ("title", "url", "published", "modified", "author", "site", "wordpress")


def richness(metadata: dict[str, Any]) -> int:
    """How many of the descriptive metadata fields are known."""
    return sum(1 for name in _RICH_FIELDS if metadata.get(name))


@dataclass(frozen=True)
class Candidate:
    """What the survivor policy looks at."""

    path: str
    record: int
    truncated: bool
    prose_words: int
    words: int
    richness: int

    @property
    def order(self) -> tuple[str, int]:
        return (self.path, self.record)

    @classmethod
    def of(cls, doc: Document, fp: Fingerprint) -> "Candidate":
        meta = doc.metadata
        return cls(
            path=meta["source"]["path"],
            record=meta["source"]["record"],
            truncated=bool(meta.get("truncated")),
            prose_words=fp.prose_words,
            words=(meta.get("counts") or {}).get("words", 0),
            richness=richness(meta),
        )


def completeness(c: Candidate) -> float:
    """Prose words, discounted by the share of the text that is not prose (menus, one-line chrome):
    a flattened page with its site's navigation scores below the clean article it carries."""
    return c.prose_words * c.prose_words / max(c.words, c.prose_words, 1)


def prefer(a: Candidate, b: Candidate, config: DedupConfig) -> bool:
    """True when ``a`` should survive rather than ``b`` (two versions of one document).

    ``complete`` (default): complete beats truncated; a version whose completeness is below
    ``partial_ratio`` of the other's is a partial copy and loses; then richer metadata; then higher
    completeness; then source order. ``longest``: the most words, then source order. ``first``: source
    order only.
    """
    if config.policy == "first":
        return a.order < b.order
    if config.policy == "longest":
        return a.words > b.words if a.words != b.words else a.order < b.order
    if a.truncated != b.truncated:
        return not a.truncated
    ca, cb = completeness(a), completeness(b)
    if cb < ca * config.partial_ratio:
        return True
    if ca < cb * config.partial_ratio:
        return False
    if a.richness != b.richness:
        return a.richness > b.richness
    if ca != cb:
        return ca > cb
    return a.order < b.order
