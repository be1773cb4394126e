"""The record types that flow through every stage.

A :class:`Document` is what readers produce and every later stage (text steps, tags, dedup, writers)
consumes and returns. A :class:`Rejection` is the other possible outcome of reading: a file or a
record inside a file that could not be used, with a human-readable reason. Every raw record ends up
as exactly one of: an emitted Document, a Document dropped as a duplicate, or a Rejection.

The JSON shape of a Document is ``{"id": ..., "text": ..., "metadata": {...}}``, the shape datatrove
and dolma users already load; :data:`METADATA_KEYS` is the one list of its metadata keys, in the
order they are written. Record schema version 2 (``cleaners/schema/records-v2.schema.json``): every
object has the same keys in every record, whatever the reader (``null`` where unknown), and every
field has one type, so tools that infer a schema from the lines (pyarrow, pandas, HuggingFace
datasets, DuckDB) find one: :data:`SOURCE_KEYS`, :data:`WORDPRESS_KEYS`, dates as full UTC
timestamps (:func:`timestamp`), a foreign object as JSON text (``original_json``).

>>> doc = new_document(new_source("001_post.json", record=0), "Hello.", title="Hi")
>>> doc.id, doc.metadata["title"], doc.metadata["language"], list(doc.metadata)[:3]
('48038361d7894493', 'Hi', None, ['source', 'title', 'url'])
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Any, TypedDict

SCHEMA_VERSION = 2


class Source(TypedDict, total=False):
    """Where a record comes from: ``metadata.source``.

    ``path`` (relative to the raw folder, POSIX) is always there; ``format``, ``sha256`` (of the raw
    bytes), ``record`` (index inside the file) and ``encoding`` are filled in as the file is read
    (None until known); ``compression`` (``"gzip"``) and ``skipped_items`` (a WordPress export's
    items that are not published content, by reason: ``{"draft": 2}`` as the reader counts them,
    written as ``[{"reason": "draft", "count": 2}]``, one shape whatever the reasons, by
    :func:`conform`) are None where they do not apply.
    """

    path: str
    format: str | None
    sha256: str | None
    record: int | None
    encoding: str | None
    compression: str | None
    skipped_items: dict[str, int] | list[dict[str, Any]] | None


class Removal(TypedDict):
    """One entry of ``metadata.removed``: the rule that removed ``text``."""

    rule: str
    text: str


SOURCE_KEYS = ("path", "format", "sha256", "record", "encoding", "compression", "skipped_items")

# Every metadata key a Document carries, in output order, with its value until a stage fills it in.
# Readers fill in the source and the fields the source states (unknown stays None, never invented);
# tags (cleaners.tags) fill in theirs after cleaning; dedup fills in ``dedup`` when publishing. A tag
# whose key is not listed here is written after these.
METADATA_KEYS: tuple[tuple[str, Any], ...] = (
    ("source", None),
    ("title", None),
    ("url", None),
    ("published", None),  # "2023-01-06T01:19:08Z" (UTC), see timestamp()
    ("published_precision", None),  # "second", or "day" when the source gives only a date
    ("modified", None),
    ("modified_precision", None),
    ("author", None),
    ("site", None),
    ("language", None),
    ("counts", None),
    ("truncated", False),
    ("removed", list),
    ("wordpress", None),  # WordPress sources: WORDPRESS_KEYS, see new_wordpress()
    ("original_json", None),  # JSON documents of other tools: the object's other fields, as JSON text
    ("dedup", None),
    ("presswash_version", None),
)


# The ``wordpress`` object of a WordPress record (REST JSON or WXR export), every key in every record:
# ``id``, ``author_id`` (the user id) and the term ids are integers, the rest strings; ``categories``
# and ``tags`` hold term names, ``category_ids`` and ``tag_ids`` term ids. None where the source does
# not say (a WXR export names terms but gives no ids; the REST API gives ids, and names only when the
# post embeds its terms, ``?_embed``); [] where it says there are none. ``text_from``: ``content``,
# or ``excerpt`` when the content was empty.
WORDPRESS_KEYS = ("id", "slug", "type", "status", "author_id", "author_login", "category_ids", "categories", "tag_ids", "tags", "text_from")
_WORDPRESS_INTS = {"id", "author_id"}
_WORDPRESS_INT_LISTS = {"category_ids", "tag_ids"}
_WORDPRESS_STRING_LISTS = {"categories", "tags"}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def new_wordpress(**known: Any) -> dict[str, Any]:
    """The ``wordpress`` object, every key of :data:`WORDPRESS_KEYS`, each value of its one type
    (a value of another type, as a hostile or broken file may hold, is None or left out of its list).

    >>> w = new_wordpress(id="7", author_id=3, category_ids=[5, "9", "x"], tags=["garlic", 4])
    >>> w["id"], w["author_id"], w["category_ids"], w["categories"], w["tags"], w["text_from"]
    (7, 3, [5, 9], None, ['garlic'], 'content')
    """
    if known.keys() - set(WORDPRESS_KEYS):
        raise ValueError(f"unknown wordpress keys: {sorted(known.keys() - set(WORDPRESS_KEYS))}")
    fields: dict[str, Any] = {}
    for key in WORDPRESS_KEYS:
        value = known.get(key)
        if key in _WORDPRESS_INTS:
            value = _int(value)
        elif key in _WORDPRESS_INT_LISTS:
            value = [n for n in map(_int, value) if n is not None] if isinstance(value, list) else None
        elif key in _WORDPRESS_STRING_LISTS:
            value = [v for v in value if isinstance(v, str)] if isinstance(value, list) else None
        elif not isinstance(value, str) or not value:
            value = None
        fields[key] = value
    fields["text_from"] = fields["text_from"] or "content"
    return fields


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def timestamp(value: Any) -> tuple[str | None, str | None]:
    """A date as the records hold it, with its precision: a full UTC timestamp, ``"second"``; a bare
    date (the source gives only a day) at midnight UTC, ``"day"``. One type whatever the source, so
    that a tool typing the column by its content (DuckDB, pyarrow) types it as a timestamp. A
    timestamp with an offset is converted to UTC; one without (its zone unknown) is None, never guessed.

    >>> timestamp("2023-01-06T01:19:08Z"), timestamp("2019-05-03")
    (('2023-01-06T01:19:08Z', 'second'), ('2019-05-03T00:00:00Z', 'day'))
    >>> timestamp("2019-05-03T10:00:00+02:00"), timestamp("2019-05-03T10:00:00"), timestamp(None)
    (('2019-05-03T08:00:00Z', 'second'), (None, None), (None, None))
    """
    if not isinstance(value, str):
        return None, None
    value = value.strip()
    if _STAMP.fullmatch(value):
        return value, "second"
    if _DAY.fullmatch(value):
        return f"{value}T00:00:00Z", "day"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None, None
    if parsed.tzinfo is None or not 1900 <= parsed.year <= 2200:
        return None, None
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "second"


def set_dates(metadata: dict[str, Any], **dates: Any) -> None:
    """Set ``published`` and/or ``modified`` (as readers find them: a timestamp or a bare date) with
    their precision."""
    for key, value in dates.items():
        if key not in ("published", "modified"):
            raise ValueError(f"not a date field: {key!r}")
        metadata[key], metadata[f"{key}_precision"] = timestamp(value)


def json_text(value: Any) -> str:
    """A foreign object as compact JSON text (``original_json``); ASCII escapes for what UTF-8 cannot
    hold (lone surrogates), so the text is always valid."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text


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
    {'path': 'a.txt', 'format': None, 'sha256': None, 'record': None, 'encoding': None, 'compression': None, 'skipped_items': None}
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
    dates = {key: fields.pop(key) for key in ("published", "modified") if key in fields}
    metadata.update(fields, source=source)
    set_dates(metadata, **dates)
    return Document(id=record_id(source["path"], source["record"]), text=text, metadata=metadata)


def _conform_source(source: dict[str, Any]) -> dict[str, Any]:
    shaped = {key: source.get(key) for key in SOURCE_KEYS}
    shaped.update((key, value) for key, value in source.items() if key not in shaped)
    if isinstance(shaped["skipped_items"], dict):
        shaped["skipped_items"] = [{"reason": reason, "count": n} for reason, n in shaped["skipped_items"].items()]
    return shaped


def conform(record: dict[str, Any]) -> dict[str, Any]:
    """A record (a document, duplicate or rejection line) in the shape of the record schema, as the
    writers write it: every key of the source and of the metadata present (None where unknown), dates
    as :func:`timestamp` gives them. Records built by :func:`new_document` have that shape already;
    this covers the ones built elsewhere; and ``skipped_items`` as a list. Changes ``record`` in place
    and returns it.

    >>> conform({"source": {"path": "a.xml", "skipped_items": {"draft": 2}}, "error": "..."})["source"]
    {'path': 'a.xml', 'format': None, 'sha256': None, 'record': None, 'encoding': None, 'compression': None, 'skipped_items': [{'reason': 'draft', 'count': 2}]}
    """
    metadata = record.get("metadata")
    for holder in (record, metadata):
        if isinstance(holder, dict) and isinstance(holder.get("source"), dict):
            holder["source"] = _conform_source(holder["source"])
    if isinstance(metadata, dict):
        for key, default in METADATA_KEYS:
            if key not in metadata:
                metadata[key] = default() if callable(default) else default
        for key in ("published", "modified"):
            if metadata[key] is not None and metadata[f"{key}_precision"] is None:
                set_dates(metadata, **{key: metadata[key]})
    return record


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
