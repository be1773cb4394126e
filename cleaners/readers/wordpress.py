"""Reader ``wordpress-json``: WordPress REST API posts and pages (``/wp-json/wp/v2/posts``).

Accepts one post object, a list of them, or JSON Lines, as recovered by
:func:`cleaners.inputs.jsonrecover.recover_json` (so truncated files still give every field they hold).
It claims JSON in which any record is shaped like a post; the other records of such a file are
rejected one by one.

>>> post = {"id": 7, "date_gmt": "2023-01-06T01:19:08", "link": "https://example.com/p/",
...         "title": {"rendered": "Caf&#233; &amp; more"}, "content": {"rendered": "<p>Hello.</p><p>World.</p>"}}
>>> doc = wordpress_document(post, source={"path": "a.json", "record": 0}, truncated=False)
>>> doc.text, doc.metadata["title"], doc.metadata["published"], doc.metadata["site"]
('Hello.\\n\\nWorld.', 'Café & more', '2023-01-06T01:19:08Z', 'example.com')
"""

from __future__ import annotations

from typing import Any, Iterator

from cleaners.readers import ReadContext, Reader
from cleaners.readers.fields import iso_utc, site_from_url
from cleaners.readers.html.htmltext import fragment_to_paragraphs
from cleaners.record import Document, Rejection, Source, new_document, new_wordpress
from cleaners.text.normalize import normalize_inline

FORMAT = "wordpress-json"
_RENDERED_FIELDS = ("title", "content", "excerpt", "guid")


def _rendered(value: Any) -> str | None:
    """WordPress wraps HTML fields as ``{"rendered": ...}`` (``?context=edit`` adds ``raw``)."""
    if isinstance(value, dict):
        value = value.get("rendered", value.get("raw"))
    return value if isinstance(value, str) else None


def is_wordpress_post(obj: Any) -> bool:
    """A dict shaped like a ``wp/v2`` post or page (even one cut off after its first fields)."""
    if not isinstance(obj, dict):
        return False
    if any(isinstance(obj.get(f), dict) and ("rendered" in obj[f] or "raw" in obj[f]) for f in _RENDERED_FIELDS):
        return True
    return "date_gmt" in obj and ("slug" in obj or "link" in obj)


def _html_to_text(html: str | None, truncated: bool) -> str:
    return "\n\n".join(fragment_to_paragraphs(html, truncated=truncated)) if html else ""


def _inline(html: str | None) -> str | None:
    """A one-line field that may hold markup and entities (a rendered title)."""
    if not html:
        return None
    return normalize_inline(" ".join(fragment_to_paragraphs(html)))


def _author_name(post: dict) -> str | None:
    embedded = post.get("_embedded")
    if isinstance(embedded, dict):
        authors = embedded.get("author")
        if isinstance(authors, list) and authors and isinstance(authors[0], dict):
            name = authors[0].get("name")
            if isinstance(name, str):
                return normalize_inline(name)
    yoast = post.get("yoast_head_json")
    if isinstance(yoast, dict) and isinstance(yoast.get("author"), str):
        return normalize_inline(yoast["author"])
    return None


def _embedded_terms(post: dict, taxonomy: str, ids: Any) -> list[str] | None:
    """The names of the post's terms of ``taxonomy``, in the order of its ids, when the post embeds
    them (``?_embed``: ``_embedded["wp:term"]``); None when it does not (the REST API gives ids)."""
    embedded = post.get("_embedded")
    groups = embedded.get("wp:term") if isinstance(embedded, dict) else None
    if not isinstance(groups, list) or not isinstance(ids, list):
        return None
    names: dict[Any, str] = {}
    for group in groups:
        for term in group if isinstance(group, list) else ():
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy and isinstance(term.get("name"), str):
                names[term.get("id")] = normalize_inline(term["name"])
    if not names and ids:
        return None
    return [names[i] for i in ids if i in names]


def _wordpress_fields(post: dict, used_excerpt: bool) -> dict[str, Any]:
    """The ``wordpress`` object (:func:`cleaners.record.new_wordpress`): ids as the REST API gives them,
    term names when the post embeds its terms."""
    return new_wordpress(
        id=post.get("id"),
        slug=normalize_inline(post["slug"]) if isinstance(post.get("slug"), str) else None,
        type=post.get("type"),
        status=post.get("status"),
        author_id=post.get("author"),
        category_ids=post.get("categories"),
        categories=_embedded_terms(post, "category", post.get("categories")),
        tag_ids=post.get("tags"),
        tags=_embedded_terms(post, "post_tag", post.get("tags")),
        text_from="excerpt" if used_excerpt else "content",
    )


def wordpress_document(post: dict, source: dict[str, Any], truncated: bool) -> Document | Rejection:
    """One post to a Document (text not yet normalized); a post without any text is a Rejection."""
    content = _rendered(post.get("content"))
    text = _html_to_text(content, truncated and "content" in post)
    used_excerpt = False
    if not text.strip():
        text = _html_to_text(_rendered(post.get("excerpt")), truncated)
        used_excerpt = bool(text.strip())
    if not text.strip():
        where = "the file is cut off before its content" if truncated and content is None else "its content is empty"
        ident = f" {post['id']}" if isinstance(post.get("id"), int) else ""
        return Rejection(source, f"WordPress post{ident} has no text: {where}")
    url = post.get("link") if isinstance(post.get("link"), str) else None
    doc = new_document(
        source,
        text,
        title=_inline(_rendered(post.get("title"))),
        url=url,
        published=iso_utc(post.get("date_gmt")),
        modified=iso_utc(post.get("modified_gmt")),
        author=_author_name(post),
        site=site_from_url(url) or site_from_url(_rendered(post.get("guid"))),
        truncated=bool(truncated or used_excerpt),
        wordpress=_wordpress_fields(post, used_excerpt),
    )
    return doc


def claims(text: str, ctx: ReadContext) -> bool:
    return any(is_wordpress_post(item) for item, _ in ctx.json_records(text))


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document | Rejection]:
    for index, (item, truncated) in enumerate(ctx.json_records(text)):
        record_source = dict(source, record=index)
        if is_wordpress_post(item):
            yield wordpress_document(item, record_source, truncated)
        else:
            yield Rejection(record_source, f"record {index} is not a WordPress post (a {type(item).__name__} without title/content fields)")


READER = Reader(FORMAT, "json", read, claims)
