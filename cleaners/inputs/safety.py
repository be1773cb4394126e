"""Refusals every markup format shares: entity-declaring DOCTYPEs, characters XML forbids."""

from __future__ import annotations

import re

# A DOCTYPE with an internal subset declaring entities: no feed, export or page presswash reads needs one,
# and it is how XXE (file or network reads) and "billion laughs" (exponential expansion) are written.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Only the first DOCTYPE in the head is examined (XML allows one, before the root element): linear time.
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(r"<!DOCTYPE[^>\[]*\[[^\]]*?<!ENTITY", re.IGNORECASE | re.DOTALL)
DOCTYPE_SCAN_CHARS = 1 << 16
ENTITY_SCAN_CHARS = 1 << 20


def declares_entities(text: str) -> bool:
    """True when the document's DOCTYPE declares entities.

    >>> declares_entities('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    True
    >>> declares_entities('<!DOCTYPE html><html><body>&amp;</body></html>')
    False
    """
    doctype = _DOCTYPE.search(text, 0, DOCTYPE_SCAN_CHARS)
    return doctype is not None and _ENTITY_DECLARATION.match(text, doctype.start(), doctype.start() + ENTITY_SCAN_CHARS) is not None
