"""Reader ``json-documents``: documents other tools wrote as JSON Lines (or a JSON list): datatrove,
dolma, trafilatura ``--json``.

Each object with a ``text`` string (``raw_content`` and ``content`` are accepted too) is one record.
Its text is cleaned again like plain text; everything else it carried is kept, unchanged, as JSON
text in ``metadata.original_json`` (the text itself and trafilatura's duplicate ``raw_text``
excepted; as text, so that foreign objects of any shape leave the records' types alone), and the
fields whose meaning is unambiguous are also mapped to presswash's keys: ``title``, ``url`` (an
``http(s)`` URL in ``url``, ``link`` or ``source``), ``author``, ``published`` (``date``,
``published``, ``created``, ``date_published``), looked up at the top level and then in a nested
``metadata`` / ``meta`` object.

>>> obj = {"id": "cc-1", "text": "Body.", "metadata": {"url": "https://www.example.org/a", "date": "2024-03-14"}}
>>> is_tool_document(obj), mapped_metadata(obj)["url"], mapped_metadata(obj)["published"]
(True, 'https://www.example.org/a', '2024-03-14')
>>> mapped_metadata(obj)["original_json"]
'{"id":"cc-1","metadata":{"url":"https://www.example.org/a","date":"2024-03-14"}}'
"""

from __future__ import annotations

from typing import Any, Iterator

from cleaners.inputs.sniff import sniff_format
from cleaners.readers import ReadContext, Reader
from cleaners.readers.fields import iso_utc, site_from_url
from cleaners.readers.fragment import fragment_document
from cleaners.readers.plaintext import plain_text_document
from cleaners.record import Document, Rejection, Source, json_text, set_dates
from cleaners.text.normalize import normalize_inline

FORMAT = "json-documents"
TEXT_KEYS = ("text", "raw_content", "content")
_DROPPED = set(TEXT_KEYS) | {"raw_text"}
_NESTED = ("metadata", "meta")
_URL_KEYS = ("url", "link", "source", "source_url", "warc_target_uri", "WARC-Target-URI")
_DATE_KEYS = ("date", "published", "date_published", "created", "published_date")


def document_text(obj: Any) -> str | None:
    """The text of a document object, or None when it has none."""
    if not isinstance(obj, dict):
        return None
    for key in TEXT_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def is_tool_document(obj: Any) -> bool:
    return document_text(obj) is not None


def _lookup(obj: dict, keys: tuple[str, ...]) -> Any:
    places = [obj] + [obj[k] for k in _NESTED if isinstance(obj.get(k), dict)]
    for place in places:
        for key in keys:
            value = place.get(key)
            if value not in (None, "", [], {}):
                return value
    return None


def _string(value: Any) -> str | None:
    return normalize_inline(value) if isinstance(value, str) else None


def _url(obj: dict) -> str | None:
    places = [obj] + [obj[k] for k in _NESTED if isinstance(obj.get(k), dict)]
    for place in places:
        for key in _URL_KEYS:
            value = place.get(key)
            if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
                return value.strip()
    return None


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    found = iso_utc(value, assume_utc=False)
    if found:
        return found
    head = value.strip()[:10]
    return iso_utc(head) if len(head) == 10 and head[4] == "-" and head[7] == "-" else None


def mapped_metadata(obj: dict) -> dict[str, Any]:
    """presswash's metadata keys from a document object (``published`` as found: see
    :func:`cleaners.record.set_dates`), plus everything else as JSON text, ``original_json``."""
    url = _url(obj)
    return {
        "title": _string(_lookup(obj, ("title",))),
        "url": url,
        "author": _string(_lookup(obj, ("author", "authors"))) if isinstance(_lookup(obj, ("author", "authors")), str) else None,
        "published": _date(_lookup(obj, _DATE_KEYS)),
        "site": site_from_url(url) or _string(_lookup(obj, ("hostname",))),
        "original_json": json_text({k: v for k, v in obj.items() if k not in _DROPPED}),
    }


def tool_document(source: Source, obj: dict, truncated: bool, ctx: ReadContext) -> Document:
    """A document another tool wrote: its text read as HTML or as plain text, its metadata kept."""
    text = document_text(obj) or ""
    if sniff_format(text) in ("html", "html-fragment"):
        doc = fragment_document(source, text)
    else:
        doc = plain_text_document(source, text, ctx)
    mapped = mapped_metadata(obj)
    set_dates(doc.metadata, published=mapped.pop("published"))
    doc.metadata.update(mapped, truncated=truncated)
    return doc


def claims(text: str, ctx: ReadContext) -> bool:
    return any(is_tool_document(item) for item, _ in ctx.json_records(text))


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document | Rejection]:
    for index, (item, truncated) in enumerate(ctx.json_records(text)):
        record_source = dict(source, record=index)
        if is_tool_document(item):
            yield tool_document(record_source, item, truncated, ctx)
        else:
            yield Rejection(record_source, f'record {index} is not a document (a {type(item).__name__} without a "text" string)')


READER = Reader(FORMAT, "json", read, claims)
