"""What every text goes through before a reader sees it: the size limit, the characters XML forbids, and
the refusal of DOCTYPEs that declare entities (the form of XXE and "billion laughs" attacks), in one
place. :func:`screen` returns the text to read, or the reason it is refused.

>>> screen("Some words.", "text", max_chars=100)
('Some words.', None)
>>> screen("x" * 101, "text", max_chars=100)[1]
'too large: 101 characters, over the limit of 100 for one document'
>>> screen('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "xml", 100)[1][:43]
'refused: a DOCTYPE that declares entities ('
"""

from __future__ import annotations

import re

# Kinds (cleaners.inputs.sniff) that hold one document per file: refused whole when too large, before a
# reader spends time and memory on them. A page's markup is several times its text: its limit is a
# multiple of the per-document one.
ONE_DOCUMENT_KINDS = ("text", "html-fragment", "html")
HTML_CHARS_PER_TEXT_CHAR = 4
# Kinds whose readers build XML trees: lxml keeps the characters XML forbids (C0 controls but tab and
# line breaks, U+FFFE/U+FFFF) while parsing but refuses them when a reader edits the tree; they are
# never text, so they go.
XML_TREE_KINDS = ("html", "html-fragment", "wxr")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Only the first DOCTYPE in the head is examined (XML allows one, before the root element): linear time.
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(r"<!DOCTYPE[^>\[]*\[[^\]]*?<!ENTITY", re.IGNORECASE | re.DOTALL)
DOCTYPE_SCAN_CHARS = 1 << 16
ENTITY_SCAN_CHARS = 1 << 20
PROLOG_CHARS = 4096
ENTITIES_REFUSED = ("refused: a DOCTYPE that declares entities (<!ENTITY ...>), the form of XML external-entity and "
                    "entity-expansion attacks; presswash never expands or fetches entities")
# A WordPress export never has a DTD: any DOCTYPE or entity in its prolog is refused.
WXR_DTD_REFUSED = "WordPress export declares a DTD or entities of its own; refused (entity expansion is unsafe)"


def declares_entities(text: str) -> bool:
    """True when the document's DOCTYPE declares entities.

    >>> declares_entities('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    True
    >>> declares_entities('<!DOCTYPE html><html><body>&amp;</body></html>')
    False
    """
    doctype = _DOCTYPE.search(text, 0, DOCTYPE_SCAN_CHARS)
    return doctype is not None and _ENTITY_DECLARATION.match(text, doctype.start(), doctype.start() + ENTITY_SCAN_CHARS) is not None


def wxr_declares_dtd(text: str) -> bool:
    """True when the prolog of a WordPress export (what comes before ``<rss``) holds a DOCTYPE or an entity."""
    start = text.find("<rss")
    prolog = text[: start if start >= 0 else PROLOG_CHARS].upper()
    return "<!DOCTYPE" in prolog or "<!ENTITY" in prolog


def screen(text: str, kind: str, max_chars: int | None) -> tuple[str, str | None]:
    """``(text, None)`` with the characters XML forbids removed where a reader builds a tree, or
    ``(text, reason)`` when the text is refused. ``max_chars``: the per-document size limit (None or 0: none)."""
    limit = (max_chars or 0) * (HTML_CHARS_PER_TEXT_CHAR if kind == "html" else 1)
    if limit and kind in ONE_DOCUMENT_KINDS and len(text) > limit:
        return text, (f"too large: {len(text):,} characters, over the limit of {limit:,} for "
                      f"{'an HTML page' if kind == 'html' else 'one document'}")
    if kind in XML_TREE_KINDS:
        text = _NOT_XML.sub("", text)
    if kind == "wxr":
        return text, WXR_DTD_REFUSED if wxr_declares_dtd(text) else None
    return text, ENTITIES_REFUSED if declares_entities(text) else None
