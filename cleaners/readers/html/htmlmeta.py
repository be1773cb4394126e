"""Metadata of an HTML page from its ``<meta>`` tags, JSON-LD and a few visible elements.

Cheap (one pass over the ``<head>``, a few small searches in the body) and conservative: a value the
page does not state is None, never guessed. Timestamps without a UTC offset keep only their date.

>>> from lxml import html
>>> tree = html.document_fromstring('''<html><head><title>Big News | The Daily</title>
... <meta property="og:site_name" content="The Daily">
... <link rel="canonical" href="https://daily.example/big-news/">
... <script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-03-14T09:30:00+01:00",
...  "author": {"@type": "Person", "name": "Maren Holt"}}</script></head><body><h1>Big News</h1></body></html>''')
>>> meta = page_metadata(tree)
>>> meta.title, meta.url, meta.author, meta.published
('Big News', 'https://daily.example/big-news/', 'Maren Holt', '2024-03-14T08:30:00Z')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from htmldate import find_date

from cleaners.readers.fields import iso_utc

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "citation_title")
_URL_KEYS = ("og:url", "twitter:url")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author", "citation_author", "twitter:creator")
_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished", "date", "pubdate", "publish-date", "publishdate", "dc.date", "dc.date.issued", "dcterms.date", "parsely-pub-date", "sailthru.date", "citation_publication_date")
_MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified")
_DESCRIPTION_KEYS = ("description", "og:description", "twitter:description")
_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]\s+")
_BY = re.compile(r"^[\s|:·•-]*(?:(?:posted|written|published)\s+)?(?:by|von|par|por|di|door|av)\s+|^[\s|:·•-]+", re.IGNORECASE)
_ARTICLE_TYPES = re.compile(r"article|posting|blog|report|webpage", re.IGNORECASE)


@dataclass
class PageMetadata:
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    site_name: str | None = None
    descriptions: list[str] = field(default_factory=list)


def _date(value: Any) -> str | None:
    """ISO UTC when the value carries an offset, its date alone when it does not."""
    if not isinstance(value, str) or not value.strip():
        return None
    exact = iso_utc(value, assume_utc=False)
    if exact:
        return exact
    match = re.match(r"\s*((\d{4})-\d{2}-\d{2})(?:[T ]|$)", value)
    return match.group(1) if match and 1900 <= int(match.group(2)) <= 2200 else None


def _json_ld(tree) -> Iterator[dict]:
    """Every JSON-LD object on the page, ``@graph`` members included."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value) if n]
        return ", ".join(names) if names else None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clean_title(title: str, site_name: str | None, h1: str | None) -> str:
    """Drop the site name a ``<title>`` carries before or after the headline.

    >>> _clean_title("Big News | The Daily", None, None)
    'Big News'
    >>> _clean_title("The Daily | Big match tonight", "The Daily", None)
    'Big match tonight'
    """
    separators = list(_SEPARATORS.finditer(title))
    if not separators:
        return title
    first, last = separators[0], separators[-1]
    head, tail = title[: last.start()], title[last.end() :]  # "headline | site"
    lead, rest = title[: first.end() - len(first.group())], title[first.end() :]  # "site | headline"
    if h1 and h1 in (head, rest, tail, lead):
        return h1
    if site_name and lead.strip().lower() == site_name.strip().lower():
        return rest
    return head  # "Headline | Site" is the common order


def _visible_author(tree) -> str | None:
    """A byline element: ``rel="author"`` or an element whose class names the author."""
    body = tree.find("body")
    if body is None:
        return None
    candidates = body.xpath(
        './/*[@rel="author"] | .//*[@itemprop="author"] | '
        './/*[contains(@class, "author-name") or contains(@class, "byline") or contains(@class, "author vcard") or @class="author"]'
    )
    for element in candidates[:5]:
        text = " ".join(element.text_content().split())
        if 2 < len(text) <= 60 and not any(ch.isdigit() for ch in text) and len(text.split()) <= 6:
            return text
    return None


def page_metadata(tree) -> PageMetadata:
    meta = PageMetadata()
    found: dict[str, str] = {}
    for element in tree.iterfind(".//meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        content = element.get("content")
        if not key or not content or not content.strip():
            continue
        if key in _DESCRIPTION_KEYS:
            meta.descriptions.append(content)
        found.setdefault(key, content.strip())
    for link in tree.iterfind(".//link"):
        if (link.get("rel") or "").lower() == "canonical" and (link.get("href") or "").startswith("http"):
            found.setdefault("canonical", link.get("href").strip())

    ld: dict[str, Any] = {}
    for item in _json_ld(tree):
        kind = item.get("@type")
        kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
        if _ARTICLE_TYPES.search(kind):
            for key in ("headline", "name", "author", "datePublished", "dateModified", "url"):
                if key in item and key not in ld:
                    ld[key] = item[key]

    meta.site_name = found.get("og:site_name")
    h1 = next((" ".join(h.text_content().split()) for h in tree.iter("h1")), None)
    title = next((found[k] for k in _TITLE_KEYS if k in found), None) or _ld_name(ld.get("headline"))
    if not title:
        tag = tree.find(".//title")
        if tag is not None and tag.text_content().strip():
            title = _clean_title(" ".join(tag.text_content().split()), meta.site_name, h1)
    meta.title = title or h1

    url = found.get("canonical") or next((found[k] for k in _URL_KEYS if k in found), None)
    if not url and isinstance(ld.get("url"), str):
        url = ld["url"]
    meta.url = url if url and url.startswith("http") else None

    author = _ld_name(ld.get("author"))
    if not author:
        author = next((found[k] for k in _AUTHOR_KEYS if k in found and not found[k].startswith(("http", "@"))), None)
    author = author or _visible_author(tree)
    meta.author = _BY.sub("", author).strip() or None if author else None

    meta.published = next((d for d in (_date(found.get(k)) for k in _PUBLISHED_KEYS) if d), None) or _date(ld.get("datePublished"))
    meta.modified = next((d for d in (_date(found.get(k)) for k in _MODIFIED_KEYS) if d), None) or _date(ld.get("dateModified"))
    if not meta.published:
        time_tag = next((t for t in tree.iter("time") if t.get("datetime")), None)
        meta.published = _date(time_tag.get("datetime")) if time_tag is not None else None
    if not meta.published:  # htmldate's quick search: dates in the URL, the markup and the text
        try:
            meta.published = _date(find_date(tree, url=meta.url, extensive_search=False, original_date=True))
        except Exception:  # htmldate is a heuristic; a failure means "no date", never a lost page
            meta.published = None
    return meta
