"""The record types that flow through every stage.

A :class:`Document` is what readers produce and every later stage (normalization, boilerplate
removal, metadata, dedup, writers) consumes and returns. A :class:`Rejection` is the other possible
outcome of reading: a file or a record inside a file that could not be used, with a human-readable
reason. Every raw record ends up as exactly one of: an emitted Document, a Document dropped as a
duplicate, or a Rejection.

The JSON shape of a Document is ``{"id": ..., "text": ..., "metadata": {...}}``, the shape datatrove
and dolma users already load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def record_id(path: str, record: int) -> str:
    """Stable id of the ``record``-th record of the raw file at ``path`` (relative to the raw folder).

    The same input gives the same id on every run and every machine:

    >>> record_id("001_post.json", 0)
    '48038361d7894493'
    """
    return hashlib.sha256(f"{path}\x00{record}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def empty_metadata() -> dict[str, Any]:
    """Every metadata key a Document carries; unknown values stay None, never invented."""
    return {
        "source": None,
        "title": None,
        "url": None,
        "published": None,
        "modified": None,
        "author": None,
        "site": None,
        "language": None,
        "counts": None,
        "truncated": False,
        "removed": [],
        "wordpress": None,
        "dedup": None,
        "presswash_version": None,
    }


@dataclass
class Document:
    """One document: its id, its text (paragraphs separated by one blank line) and its metadata."""

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=empty_metadata)

    @property
    def source(self) -> dict[str, Any]:
        return self.metadata["source"]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "metadata": self.metadata}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Document":
        metadata = empty_metadata()
        metadata.update(obj.get("metadata") or {})
        return cls(id=obj["id"], text=obj["text"], metadata=metadata)


@dataclass
class Rejection:
    """A raw file, or one record inside it, that could not be turned into a Document."""

    source: dict[str, Any]
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "error": self.error}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Rejection":
        return cls(source=obj["source"], error=obj["error"])
