"""HTML to paragraphs of text.

Two entry points:

- :func:`fragment_to_paragraphs` for HTML fragments such as WordPress ``content.rendered``, often
  broken: orphan closing tags whose opening tags are gone, a tag cut in half at the end of a truncated
  file. Block tags (opening *or* closing, matched or not) and ``<br>`` end a paragraph; everything else
  is inline. Parsed with BeautifulSoup (lxml).
- :func:`extracted_blocks` for the XML tree trafilatura returns for a page's main content.

>>> fragment_to_paragraphs('Intro <b>bold</b></span></p>\\n Second &amp; last</p><h2>Heading</h2>tail <\\\\/sp', truncated=True)
['Intro bold', 'Second & last', 'Heading', 'tail']
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Iterable

from bs4 import (
    BeautifulSoup,
    Comment,
    MarkupResemblesLocatorWarning,
    XMLParsedAsHTMLWarning,
)

# Scraped text is parsed as HTML whatever it looks like; bs4's advice about that is noise in a run's log.
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

# Private-use characters stand for paragraph breaks while BeautifulSoup flattens the inline markup.
_BREAK = "\ue000"
# ... and lone surrogates (from "\\ud83d" escapes in JSON) are dropped: the parser cannot encode them.
_PRIVATE_MARKERS = re.compile("[\ue000\ud800-\udfff]")

BLOCK_TAGS = (
    "address|article|aside|blockquote|br|caption|center|dd|details|dialog|div|dl|dt|fieldset|"
    "figcaption|figure|footer|form|h[1-6]|header|hgroup|hr|li|main|nav|ol|p|pre|section|summary|"
    "table|tbody|td|tfoot|th|thead|tr|ul"
)
# An opening or closing block tag, attributes may quote '>' characters.
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:" + BLOCK_TAGS + r")\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE
)
_DROP_ELEMENTS = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "form", "button", "select", "textarea")
# What a truncated fragment may end with: half a tag, half an entity, a lone backslash.
_CUT_TAIL = re.compile(r"(?:<[^<>]*|&#?\w{0,10}|\\)$")
_ESCAPED_SLASH_TAG = re.compile(r"<\\/")
_WS = re.compile(r"\s+")


def fragment_to_paragraphs(html: str, truncated: bool = False) -> list[str]:
    """Paragraphs of text from an HTML fragment; tolerant of orphan tags.

    ``truncated``: the fragment was cut off, so a half tag or half entity at its very end is debris.
    """
    html = _PRIVATE_MARKERS.sub("", html)
    html = _ESCAPED_SLASH_TAG.sub("</", html)  # `<\/span>` left by a double-escaped JSON string
    if truncated:
        html = _CUT_TAIL.sub("", html)
    html = _BLOCK_TAG.sub(_BREAK, html)
    soup = BeautifulSoup(html, "lxml")
    for name in _DROP_ELEMENTS:
        for element in soup.find_all(name):
            element.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    return split_paragraphs(soup.get_text())


def split_paragraphs(flat: str) -> list[str]:
    """Split text holding paragraph-break markers; collapse whitespace inside each paragraph."""
    paragraphs = (_WS.sub(" ", part).strip() for part in flat.split(_BREAK))
    return [p for p in paragraphs if p]


# trafilatura's output tree: these elements hold one paragraph each (lists one per item, tables one
# per row, cells separated by spaces); `lb` is a line break inside them, kept as a paragraph break.
_TRAFILATURA_BLOCKS = {"p", "head", "item", "quote", "code", "row", "list", "table", "div"}


@dataclass(frozen=True)
class Block:
    """One paragraph of trafilatura's output and where it came from.

    ``tag``: the trafilatura element it belongs to (``p``, ``head``, ``item``, ``row``, ``quote``...);
    ``group``: the index of the top-level element holding it (the items of one list share a group).
    """

    text: str
    tag: str
    group: int


def extracted_blocks(body) -> list[Block]:
    """The paragraphs of trafilatura's output tree, each with its element and top-level group."""
    blocks: list[Block] = []
    if body.text and body.text.strip():
        blocks += [Block(p, "p", -1) for p in split_paragraphs(body.text)]
    for group, child in enumerate(body):
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag != "list":
            blocks += [Block(text, tag, group) for text in split_paragraphs("".join(_flatten(child)))]
            continue
        blocks += [Block(text, "list", group) for text in split_paragraphs(child.text or "")]
        for item in child:  # one block per list item, so a list of bare links can be judged as one
            item_tag = item.tag if isinstance(item.tag, str) else ""
            for text in split_paragraphs("".join(_flatten(item))):
                blocks.append(Block(text, "item" if item_tag == "item" else item_tag or "list", group))
        blocks += [Block(text, "list", group) for text in split_paragraphs(child.tail or "")]
    return blocks


def _flatten(element) -> Iterable[str]:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag in _TRAFILATURA_BLOCKS or tag == "body"
    if tag == "lb":
        yield _BREAK
    if block:
        yield _BREAK
    if element.text and tag != "lb":
        yield element.text
    for child in element:
        yield from _flatten(child)
    if block:
        yield _BREAK
    if element.tail:
        yield element.tail
    if tag == "cell":
        yield " "
