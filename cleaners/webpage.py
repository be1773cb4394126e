"""Whole HTML pages to Documents: main-content extraction with trafilatura, parsed once.

Metadata comes from trafilatura (title, author, url, date, site) and, where the page has them,
from ``article:published_time`` / ``article:modified_time`` meta tags, which carry a full timestamp
where trafilatura only keeps the date.
"""

from __future__ import annotations

from typing import Any

import trafilatura
from lxml import html as lxml_html

from .htmltext import extracted_to_paragraphs, fragment_to_paragraphs
from .metadata import iso_utc, site_from_url
from .normalize import normalize_inline
from .record import Document, Rejection, empty_metadata, record_id

FORMAT = "html"

_META_TIMES = {
    "published": ("article:published_time", "og:published_time", "datePublished"),
    "modified": ("article:modified_time", "og:updated_time", "dateModified"),
}


def _meta_times(tree) -> dict[str, str | None]:
    found: dict[str, str | None] = {"published": None, "modified": None}
    for meta in tree.iterfind(".//meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if not key:
            continue
        for field, keys in _META_TIMES.items():
            if key in keys and found[field] is None:
                found[field] = iso_utc(meta.get("content"), assume_utc=False)
    return found


def parse_html(text: str):
    """Parse a page once; the same tree serves the meta tags and trafilatura."""
    return lxml_html.document_fromstring(text.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8", remove_comments=True))


def html_page_document(text: str, source: dict[str, Any]) -> Document | Rejection:
    try:
        tree = parse_html(text)
    except Exception as exc:  # lxml raises several types for hopeless markup
        return Rejection(source, f"HTML could not be parsed: {exc}")
    times = _meta_times(tree)
    result = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    paragraphs = extracted_to_paragraphs(result.body) if result is not None and result.body is not None else []
    if not paragraphs:
        # trafilatura found no main content (a very short page): fall back to all visible text.
        paragraphs = fragment_to_paragraphs(text)
    if not paragraphs:
        return Rejection(source, "the HTML page has no visible text")
    metadata = empty_metadata()
    url = getattr(result, "url", None)
    metadata.update(
        source=source,
        title=normalize_inline(getattr(result, "title", None)),
        url=url,
        published=times["published"] or iso_utc(getattr(result, "date", None)),
        modified=times["modified"],
        author=normalize_inline(getattr(result, "author", None)),
        site=site_from_url(url) or (getattr(result, "hostname", None) or None),
    )
    return Document(id=record_id(source["path"], source["record"]), text="\n\n".join(paragraphs), metadata=metadata)
