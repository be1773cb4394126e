"""The record types that flow through every stage.

A :class:`Document` is what readers produce and every later stage (text steps, tags, dedup, writers)
consumes and returns. A :class:`Rejection` is the other possible outcome of reading: a file or a
record inside a file that could not be used, with a human-readable reason. Every raw record ends up
as exactly one of: an emitted Document, a Document dropped as a duplicate, or a Rejection.

The JSON shape of a Document is ``{"id": ..., "text": ..., "metadata": {...}}``, the shape datatrove
and dolma users already load; :data:`METADATA_KEYS` is the one list of its metadata keys, in the
order they are written.

>>> doc = new_document(new_source("001_post.json", record=0), "Hello.", title="Hi")
>>> doc.id, doc.metadata["title"], doc.metadata["language"], list(doc.metadata)[:3]
('48038361d7894493', 'Hi', None, ['source', 'title', 'url'])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, TypedDict


class Source(TypedDict, total=False):
    """Where a record comes from: ``metadata.source``.

    ``path`` (relative to the raw folder, POSIX) is always there; ``format``, ``sha256`` (of the raw
    bytes), ``record`` (index inside the file) and ``encoding`` are filled in as the file is read
    (None until known); ``compression`` and ``skipped_items`` appear only when they apply.
    """

    path: str
    format: str | None
    sha256: str | None
    record: int | None
    encoding: str | None
    compression: str
    skipped_items: dict[str, int]


class Removal(TypedDict):
    """One entry of ``metadata.removed``: the rule that removed ``text``."""

    rule: str
    text: str


SOURCE_KEYS = ("path", "format", "sha256", "record", "encoding")

# Every metadata key a Document carries, in output order, with its value until a stage fills it in.
# Readers fill in the source and the fields the source states (unknown stays None, never invented);
# tags (cleaners.tags) fill in theirs after cleaning; dedup fills in ``dedup`` when publishing. A tag
# whose key is not listed here is written after these.
METADATA_KEYS: tuple[tuple[str, Any], ...] = (
    ("source", None),
    ("title", None),
    ("url", None),
    ("published", None),
    ("modified", None),
    ("author", None),
    ("site", None),
    ("language", None),
    ("counts", None),
    ("truncated", False),
    ("removed", list),
    ("wordpress", None),
    ("dedup", None),
    ("presswash_version", None),
)


def record_id(path: str, record: int) -> str:
    """Stable id of the ``record``-th record of the raw file at ``path`` (relative to the raw folder).

    The same input gives the same id on every run and every machine:

    >>> record_id("001_post.json", 0)
    '48038361d7894493'
    """
    return hashlib.sha256(f"{path}\x00{record}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def new_source(path: str, **known: Any) -> Source:
    """A :class:`Source` for the raw file at ``path``, the keys not ``known`` yet set to None.

    >>> new_source("a.txt")
    {'path': 'a.txt', 'format': None, 'sha256': None, 'record': None, 'encoding': None}
    """
    if not isinstance(path, str) or not path:
        raise ValueError(f"a source needs a 'path' (the raw file's path relative to the raw folder), not {path!r}")
    source: dict[str, Any] = {key: None for key in SOURCE_KEYS}
    source.update(known, path=path)
    return source  # type: ignore[return-value]


def empty_metadata() -> dict[str, Any]:
    """Every metadata key a Document carries; unknown values stay None, never invented."""
    return {key: default() if callable(default) else default for key, default in METADATA_KEYS}


def new_document(source: Source, text: str, **fields: Any) -> "Document":
    """A Document for the record ``source`` describes (its id from the path and record index),
    with ``fields`` as its metadata over the empty metadata."""
    if fields.keys() - {key for key, _ in METADATA_KEYS}:
        raise ValueError(f"unknown metadata keys: {sorted(fields.keys() - {key for key, _ in METADATA_KEYS})}")
    metadata = empty_metadata()
    metadata.update(fields, source=source)
    return Document(id=record_id(source["path"], source["record"]), text=text, metadata=metadata)


@dataclass
class Document:
    """One document: its id, its text (paragraphs separated by one blank line) and its metadata.

    ``trace`` is never written: when a Cleaner is asked to explain (``presswash inspect``), it holds
    what reading and cleaning did to the text (see :mod:`cleaners.explain`)."""

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=empty_metadata)
    trace: Any = field(default=None, repr=False, compare=False)

    @property
    def source(self) -> Source:
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

    source: Source
    error: str
    trace: Any = field(default=None, repr=False, compare=False)  # as Document.trace

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "error": self.error}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Rejection":
        return cls(source=obj["source"], error=obj["error"])


Outcome = Document | Rejection
