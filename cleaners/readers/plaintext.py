"""Reader ``text``: plain text, split into paragraphs, its site chrome taken out by the named rules
and the line classifier (:mod:`cleaners.readers.lines`).

Blank lines always separate paragraphs. Inside a block of consecutive lines, the lines are either a
hard-wrapped paragraph (joined) or separate paragraphs (a heading, a list, one-line site chrome),
decided by the way wrapped text looks: every line but the last is nearly as long as the widest
line, because the next word did not fit.

>>> split_text_paragraphs("Economic Nexus\\nAt the heart of it lies a burgeoning nexus.\\nShare.")
['Economic Nexus', 'At the heart of it lies a burgeoning nexus.', 'Share.']
>>> split_text_paragraphs("A paragraph that was wrapped at a fixed width by\\nthe tool that saved it, so each line ends where\\nthe next word no longer fit.")
['A paragraph that was wrapped at a fixed width by the tool that saved it, so each line ends where the next word no longer fit.']
"""

from __future__ import annotations

import re
from typing import Iterator

from cleaners.readers import ReadContext, Reader
from cleaners.record import Document, Source, new_document

FORMAT = "text"
_BLANK_LINES = re.compile(r"\n[ \t\f\v\u00a0]*\n")
_BULLET = re.compile(r"\s*(?:[-*•·▪–]|\d{1,3}[.)])\s")
MIN_WRAP_WIDTH = 40
MAX_WRAP_WIDTH = 200


def looks_wrapped(lines: list[str]) -> bool:
    """True when the lines read like one paragraph hard-wrapped at a fixed width."""
    if len(lines) < 2:
        return False
    if len(lines) == 2 and not lines[1][:1].islower():
        return False  # two lines give no width to compare against: only a lower-case start joins them
    width = max(len(line) for line in lines)
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return False
    for line, following in zip(lines, lines[1:]):
        if _BULLET.match(following):
            return False
        next_word = following.split(maxsplit=1)[0] if following.strip() else ""
        if len(line) + 1 + len(next_word) <= width:  # the next word would have fit: a real line break
            return False
    return True


_WRAP_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")


def _join_wrapped(lines: list[str]) -> str:
    """Join wrapped lines; a line ending in a word hyphen ("well-") joins the next without a space."""
    return _WRAP_HYPHEN.sub("-", "\n".join(lines)).replace("\n", " ")


def split_text_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text document (whitespace inside them not yet normalized)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[str] = []
    for block in _BLANK_LINES.split(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if looks_wrapped(lines):
            paragraphs.append(_join_wrapped(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def plain_text_document(source: Source, text: str, ctx: ReadContext) -> Document:
    """Plain text: paragraphs, then the named rules and the line classifier take out site chrome."""
    paragraphs = split_text_paragraphs(text)
    kept, removed = ctx.lines.strip_chrome(paragraphs)
    doc = new_document(source, "\n\n".join(kept), removed=removed)
    if ctx.explain:  # the paragraphs as read, for inspect to put the reader's removals in their places
        doc.trace = {"read": [" ".join(p.split()) for p in paragraphs]}
    return doc


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document]:
    yield plain_text_document(dict(source, record=0), text, ctx)


READER = Reader(FORMAT, "text", read)
