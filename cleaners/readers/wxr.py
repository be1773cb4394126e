"""Reader ``wordpress-wxr``: WordPress WXR exports (Tools → Export), one document per published post or page.

An export holds much besides articles. Items that are not published content are skipped and
counted, by reason, in ``source["skipped_items"]`` of every record of the file (``{"draft": 2}``,
written as ``[{"reason": "draft", "count": 2}]``; the run report adds them up per file): drafts and other unpublished statuses (``draft``, ``pending``, ``private``,
``future``, ``trash``...), and items that are not articles at all (``attachment``, ``nav_menu_item``,
``revision``, block-editor and customizer internals).

The XML is parsed safely: no DTD is loaded, no entity is expanded, nothing is fetched from the
network, and a document that declares entities of its own is refused. A file that is not well-formed
is rejected as a whole with the parser's message and line; an item without any text is rejected on
its own.

Content follows WordPress's rules: classic-editor content has paragraphs separated by blank lines and
line breaks as single newlines (``wpautop``); block-editor content (``<!-- wp:... -->``) is HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from lxml import etree

from cleaners.inputs.safety import WXR_DTD_REFUSED, wxr_declares_dtd
from cleaners.readers import ReadContext, Reader
from cleaners.readers.fields import iso_utc, site_from_url
from cleaners.readers.html.htmltext import fragment_to_paragraphs
from cleaners.record import Document, Rejection, Source, new_document, new_wordpress
from cleaners.text.normalize import normalize_inline

FORMAT = "wordpress-wxr"

CONTENT_TYPES_SKIPPED = {
    "attachment", "nav_menu_item", "revision", "custom_css", "customize_changeset", "oembed_cache",
    "user_request", "wp_block", "wp_template", "wp_template_part", "wp_global_styles", "wp_navigation",
    "wp_font_family", "wp_font_face", "shop_order", "shop_coupon", "scheduled-action",
}

_WP = "wordpress.org/export/"


def _kind(tag: str) -> tuple[str, str]:
    """(namespace kind, local name) of a tag: kinds ``wp``, ``excerpt``, ``content``, ``dc`` or ``""``."""
    qname = etree.QName(tag)
    ns = qname.namespace or ""
    if _WP in ns:
        kind = "excerpt" if ns.rstrip("/").endswith("excerpt") else "wp"
    elif "purl.org/rss/1.0/modules/content" in ns:
        kind = "content"
    elif "purl.org/dc/elements" in ns:
        kind = "dc"
    else:
        kind = ""
    return kind, qname.localname


def _fields(element) -> dict[tuple[str, str], str]:
    """The text of each direct child, by (kind, local name); the first one wins."""
    out: dict[tuple[str, str], str] = {}
    for child in element:
        if isinstance(child.tag, str):
            out.setdefault(_kind(child.tag), child.text or "")
    return out


class MalformedWXR(ValueError):
    """The export cannot be read: not well-formed XML, unsafe, or not a WordPress export."""


_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, encoding="utf-8")


def parse_wxr(text: str):
    """The ``<channel>`` element of an export; raise :class:`MalformedWXR` with a readable reason."""
    if wxr_declares_dtd(text):  # (presswash's pipeline refuses it before: cleaners.inputs.safety)
        raise MalformedWXR(WXR_DTD_REFUSED)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise MalformedWXR(f"malformed WordPress export (not well-formed XML{line}): {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None:
        raise MalformedWXR(WXR_DTD_REFUSED)
    if etree.QName(root).localname != "rss":
        raise MalformedWXR(f"not a WordPress export: the root element is <{etree.QName(root).localname}>, not <rss>")
    channel = root.find("channel")
    if channel is None:
        raise MalformedWXR("not a WordPress export: no <channel> element")
    return channel


def _authors(channel) -> dict[str, str]:
    """Author login to display name, from the export's ``<wp:author>`` list."""
    names = {}
    for child in channel:
        if isinstance(child.tag, str) and _kind(child.tag) == ("wp", "author"):
            fields = _fields(child)
            login = fields.get(("wp", "author_login"), "").strip()
            display = normalize_inline(fields.get(("wp", "author_display_name")))
            if login:
                names[login] = display or login
    return names


def _date(gmt: str | None, rfc822: str | None) -> str | None:
    found = iso_utc((gmt or "").strip().replace(" ", "T")) if gmt and not gmt.startswith("0000") else None
    if found or not rfc822:
        return found
    try:
        return iso_utc(parsedate_to_datetime(rfc822.strip()).isoformat())
    except (TypeError, ValueError):
        return None


_BLOCKS = re.compile(r"<!--\s*wp:")
_BLANK_LINES = re.compile(r"\n\s*\n")


def content_to_text(content: str) -> str:
    """Paragraphs of a post's content, classic (``wpautop`` newlines) or block-editor HTML.

    >>> content_to_text("first paragraph\\n\\nsecond <em>one</em>\\nwith a line break")
    'first paragraph\\n\\nsecond one\\n\\nwith a line break'
    """
    if not content.strip():
        return ""
    if not _BLOCKS.search(content):
        content = content.replace("\r\n", "\n")
        content = _BLANK_LINES.sub("</p><p>", content).replace("\n", "<br>")
    return "\n\n".join(fragment_to_paragraphs(content))


def _skip_reason(post_type: str, status: str) -> str | None:
    if post_type in CONTENT_TYPES_SKIPPED:
        return post_type
    if status != "publish":
        return status or "no status"
    return None


def wxr_records(text: str, source: dict[str, Any]) -> Iterator[Document | Rejection]:
    """Every published post or page of an export, in file order (text not yet normalized)."""
    try:
        channel = parse_wxr(text)
    except MalformedWXR as exc:
        yield Rejection(source, str(exc))
        return
    channel_fields = _fields(channel)
    site_url = channel_fields.get(("wp", "base_site_url")) or channel_fields.get(("", "link"))
    authors = _authors(channel)
    items = [child for child in channel if isinstance(child.tag, str) and _kind(child.tag) == ("", "item")]

    skipped: Counter[str] = Counter()
    published = []
    for index, item in enumerate(items):
        fields = _fields(item)
        reason = _skip_reason(fields.get(("wp", "post_type"), "post").strip() or "post", fields.get(("wp", "status"), "").strip())
        if reason:
            skipped[reason] += 1
        else:
            published.append((index, item, fields))
    if skipped:  # written as [{"reason", "count"}] (cleaners.record.conform)
        source["skipped_items"] = dict(sorted(skipped.items()))
    if not published:
        what = f"{len(items)} items, none a published post or page" if items else "no posts or pages at all"
        detail = f" (skipped: {', '.join(f'{n} {r}' for r, n in sorted(skipped.items()))})" if skipped else ""
        yield Rejection(source, f"WordPress export with {what}{detail}")
        return
    for index, item, fields in published:
        yield _document(item, fields, dict(source, record=index), authors, site_url)


def _terms(item, domain: str) -> list[str]:
    names = []
    for child in item:
        if isinstance(child.tag, str) and _kind(child.tag) == ("", "category") and child.get("domain") == domain:
            name = normalize_inline(child.text)
            if name and name not in names:
                names.append(name)
    return names


def _document(item, fields: dict, source: dict[str, Any], authors: dict[str, str], site_url: str | None) -> Document | Rejection:
    post_id = fields.get(("wp", "post_id"), "").strip()
    text = content_to_text(fields.get(("content", "encoded"), ""))
    from_excerpt = False
    if not text.strip():
        text = content_to_text(fields.get(("excerpt", "encoded"), ""))
        from_excerpt = bool(text.strip())
    if not text.strip():
        ident = f" {post_id}" if post_id else ""
        return Rejection(source, f"WordPress export item{ident} has no text (empty content and excerpt)")
    link = (fields.get(("", "link")) or "").strip()
    url = link if link.startswith("http") else None
    login = (fields.get(("dc", "creator")) or "").strip()
    wordpress = new_wordpress(  # an export names the terms but gives no term ids
        id=post_id,
        slug=normalize_inline(fields.get(("wp", "post_name"))),
        type=fields.get(("wp", "post_type"), "post").strip() or "post",
        status="publish",
        author_login=normalize_inline(login),
        categories=_terms(item, "category"),
        tags=_terms(item, "post_tag"),
        text_from="excerpt" if from_excerpt else "content",
    )
    return new_document(
        source,
        text,
        title=normalize_inline(fields.get(("", "title"))),
        url=url,
        published=_date(fields.get(("wp", "post_date_gmt")), fields.get(("", "pubDate"))),
        modified=_date(fields.get(("wp", "post_modified_gmt")), None),
        author=authors.get(login) or normalize_inline(login),
        site=site_from_url(url) or site_from_url(site_url),
        wordpress=wordpress,
    )


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document | Rejection]:
    yield from wxr_records(text, source)


READER = Reader(FORMAT, "wxr", read)
