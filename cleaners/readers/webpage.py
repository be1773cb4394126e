"""Reader ``html``: whole HTML pages, main content extracted with trafilatura, the page parsed once.

The page is parsed once with lxml; that tree serves the meta tags, the checks below and trafilatura
(which runs in its balanced mode, weighing its own result against readability's and jusText's, with
comments left out). Around trafilatura, presswash fixes what it measured trafilatura getting wrong
on real pages (``benchmarks/quality.py``):

before extraction
    ``teaser-articles``: ``<article>`` elements nested in the page's article, two or more, each a
    small share of it and each a link to another story (a heading link, or three links or more), are
    teasers of other posts ("more from this category"): they are pruned.
after extraction, each removal recorded in ``metadata.removed``
    ``page-title``: the headline repeated as the first paragraph (it is in ``metadata.title``);
    ``link-list``: a list whose items are all links, or a list of four items or more at least half
    of which are links (related stories, "more from", tag clouds);
    ``link-tail``: the run of paragraphs that are nothing but a link at the end of the text;
    ``related-section``: a trailing "Related posts" / "Top stories" section (``cleaners.readers.html.sections``).
restoring the lead
    the lead paragraph (standfirst) is put back when trafilatura skipped it: a paragraph of the page
    that starts with the page's meta description (25 words or more) and is not in the text.

Metadata (title, url, author, dates) comes from the page's meta tags and JSON-LD
(:mod:`cleaners.readers.html.htmlmeta`), which is several times cheaper than trafilatura's metadata search.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import trafilatura
from lxml import html as lxml_html

from cleaners.readers import ReadContext, Reader
from cleaners.readers.fields import site_from_url
from cleaners.readers.html.htmlmeta import page_metadata
from cleaners.readers.html.htmltext import (
    Block,
    extracted_blocks,
    fragment_to_paragraphs,
)
from cleaners.readers.html.sections import cut_related_section
from cleaners.record import Document, Rejection, Source, new_document
from cleaners.text.normalize import normalize_inline

FORMAT = "html"

# trafilatura in its balanced mode (its own extraction weighed against readability and jusText), comments left out
EXTRACTION_OPTIONS = dict(include_comments=False, include_tables=True, include_images=False, deduplicate=False)


def parse_html(text: str):
    """Parse a page once; the same tree serves the meta tags, the checks and trafilatura."""
    return lxml_html.document_fromstring(text.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8", remove_comments=True))


_WORDS = re.compile(r"\w+")


def _words(text: str | None) -> list[str]:
    return _WORDS.findall((text or "").lower())


def _key(text: str | None) -> str:
    return " ".join(_words(text))


# -- before extraction ----------------------------------------------------------------------------

def link_texts(tree) -> set[str]:
    """The words of every link on the page, to recognise a paragraph that is nothing but a link."""
    found = set()
    for anchor in tree.iter("a"):
        key = _key(anchor.text_content())
        if key:
            found.add(key)
    return found


TEASER_MAX_SHARE = 0.4


def _is_teaser(article) -> bool:
    if len(article.findall(".//a[@href]")) >= 3:
        return True
    return any(h.find(".//a") is not None for h in article.iter("h1", "h2", "h3", "h4", "h5"))


def prune_teaser_articles(tree) -> list[str]:
    """Remove ``<article>`` teasers nested in an article (see the module doc); return their texts."""
    pruned: list[str] = []
    for outer in list(tree.iter("article")):
        if outer.getparent() is None or any(a.tag == "article" for a in outer.iterancestors()):
            continue
        inner = [a for a in outer.iterdescendants("article") if next(a.iterancestors("article")) is outer]
        if len(inner) < 2:
            continue
        total = len(outer.text_content())
        if all(len(a.text_content()) < TEASER_MAX_SHARE * total and _is_teaser(a) for a in inner):
            for article in inner:
                text = " ".join(" ".join(article.itertext()).split())
                article.drop_tree()
                if text:
                    pruned.append(text)
    return pruned


LEAD_MIN_WORDS = 25
_ELLIPSIS = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
_LEAD_TAGS = {"p", "div", "section", "header", "span", "strong", "em", "td", "h2", "h3"}


def find_lead(tree, descriptions: list[str]) -> str | None:
    """The page's lead paragraph: visible text that starts with the meta description.

    Descriptions are often cut short ("…"), so the paragraph may be longer, up to twice as long.
    """
    wanted = [w for w in (_words(_ELLIPSIS.sub("", d)) for d in descriptions) if len(w) >= LEAD_MIN_WORDS]
    body = tree.find("body")
    if not wanted or body is None:
        return None
    heads = {" ".join(w[:4]): w for w in wanted}
    best: str | None = None
    for node in body.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript", "template"):
            continue
        if not node.text or not node.text.strip():
            continue
        own = _key(node.text)
        head = next((h for h in heads if h in own), None)
        if head is None:
            continue
        block = node
        while block.tag not in _LEAD_TAGS and block.getparent() is not None and block.getparent().tag != "body":
            block = block.getparent()
        text = " ".join(block.text_content().split())
        words, desc = _words(text), heads[head]
        if words[: len(desc)] == desc and len(words) <= 2 * len(desc) + 5 and (best is None or len(text) < len(best)):
            best = text
    return best


# -- after extraction -----------------------------------------------------------------------------

def is_title(text: str, title: str | None) -> bool:
    """``text`` is the page's headline: the title, or the title without its " - Site name" part.

    >>> is_title("Harbour Town Votes", "Harbour Town Votes | The Coastal Ledger")
    True
    >>> is_title("Harbour Town", "Harbour Town Votes to Restore Its Old Lighthouse")
    False
    """
    words, title_words = _words(text), _words(title)
    if not words or not title_words:
        return False
    if words == title_words:
        return True
    # a site name joined to the headline with a separator, either side
    if len(words) >= 3 and title and re.search(r"\s[|\-–—:·•»]\s", title):
        n = len(words)
        return title_words[:n] == words or title_words[-n:] == words
    return False


def _drop_page_title(blocks: list[Block], title: str | None, removed: list[dict]) -> list[Block]:
    for i, block in enumerate(blocks[:2]):
        if len(block.text) <= 300 and is_title(block.text, title):
            removed.append({"rule": "page-title", "text": block.text})
            return blocks[:i] + blocks[i + 1 :]
    return blocks


LINK_LIST_MIN_ITEMS = 4


def _drop_link_lists(blocks: list[Block], links: set[str], removed: list[dict]) -> list[Block]:
    items: dict[int, list[Block]] = {}
    for block in blocks:
        if block.tag == "item":
            items.setdefault(block.group, []).append(block)
    link_groups = set()
    for group, members in items.items():
        linked = sum(_key(m.text) in links for m in members)
        if (len(members) >= 2 and linked == len(members)) or (len(members) >= LINK_LIST_MIN_ITEMS and 2 * linked >= len(members)):
            link_groups.add(group)
    kept = []
    for block in blocks:
        if block.group in link_groups:
            removed.append({"rule": "link-list", "text": block.text})
        else:
            kept.append(block)
    return kept


def _drop_link_tail(blocks: list[Block], links: set[str], removed: list[dict]) -> list[Block]:
    end = len(blocks)
    while end > 1 and _key(blocks[end - 1].text) in links:
        end -= 1
    removed.extend({"rule": "link-tail", "text": b.text} for b in blocks[end:])
    return blocks[:end]


def _drop_related_section(blocks: list[Block], removed: list[dict]) -> list[Block]:
    kept, cut = cut_related_section([b.text for b in blocks])
    removed.extend(cut)
    return blocks[: len(kept)]


# -- the page -------------------------------------------------------------------------------------

MIN_TEXT_AFTER_PRUNING = 250  # characters


def _extract(tree, url: str | None) -> list[Block]:
    result = trafilatura.bare_extraction(tree, url=url, **EXTRACTION_OPTIONS)
    return extracted_blocks(result.body) if result is not None and result.body is not None else []


def html_page_document(text: str, source: dict[str, Any]) -> Document | Rejection:
    try:
        tree = parse_html(text)
    except Exception as exc:  # lxml raises several types for hopeless markup
        return Rejection(source, f"HTML could not be parsed: {exc}")
    page = page_metadata(tree)
    title = normalize_inline(page.title)
    links = link_texts(tree)
    lead = find_lead(tree, page.descriptions)
    removed: list[dict] = []
    pruned = prune_teaser_articles(tree)
    blocks = _extract(tree, page.url)
    if pruned and sum(len(b.text) for b in blocks) < MIN_TEXT_AFTER_PRUNING:
        # the "teasers" were all the page had (a listing page): extract it as it is
        pruned, blocks = [], _extract(parse_html(text), page.url)

    kept = _drop_page_title(blocks, title, removed)
    kept = _drop_link_lists(kept, links, removed)
    kept = _drop_link_tail(kept, links, removed)
    kept = _drop_related_section(kept, removed)
    if not kept:  # the page is nothing but its title or links: keep them rather than nothing
        kept, removed = blocks, []
    paragraphs = [b.text for b in kept]
    if lead and paragraphs and _key(lead) not in _key(" ".join(paragraphs)):
        paragraphs.insert(0, lead)
    if not paragraphs:
        # trafilatura found no main content (a very short page): fall back to all visible text.
        paragraphs = fragment_to_paragraphs(text)
    if not paragraphs:
        return Rejection(source, "the HTML page has no visible text")
    removed[:0] = [{"rule": "teaser-articles", "text": t} for t in pruned]
    return new_document(
        source,
        "\n\n".join(paragraphs),
        title=title,
        url=page.url,
        published=page.published,
        modified=page.modified,
        author=normalize_inline(page.author),
        site=site_from_url(page.url),
        removed=removed,
    )


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document | Rejection]:
    yield html_page_document(text, dict(source, record=0))


READER = Reader(FORMAT, "html", read)
