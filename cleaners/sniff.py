"""Format detection by content, never by file name.

>>> sniff_format('{"id": 1, "title": {"rendered": "Hi"}}')
'json'
>>> sniff_format('<!DOCTYPE html><html><body><p>Hi</p></body></html>')
'html'
>>> sniff_format('Just some words.\\nAnd more words.')
'text'
"""

from __future__ import annotations

import re

_LEADING_JUNK = re.compile(r"^(?:\ufeff|\s)+")
_HTML_PAGE = re.compile(r"(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE | re.DOTALL)
_XML = re.compile(r"(?:<\?xml[^>]*>|<!--.*?-->|\s)*<(rss|feed|rdf:RDF|urlset)\b", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"</?(?:p|div|span|a|br|li|ul|ol|h[1-6]|table|tr|td|img|strong|em|b|i|blockquote|figure|section|article)\b[^<>]*>", re.IGNORECASE)

SNIFF_CHARS = 8192


def sniff_format(text: str) -> str:
    """One of ``json``, ``html`` (a whole page), ``html-fragment``, ``xml``, ``text``."""
    head = _LEADING_JUNK.sub("", text[:SNIFF_CHARS])
    if head[:1] in ("{", "["):
        return "json"
    if head[:1] == "<":
        if _HTML_PAGE.match(head):
            return "html"
        if _XML.match(head):
            return "xml"
    tags = len(_HTML_TAG.findall(head))
    if tags >= 3 and tags * 150 >= len(head):
        return "html-fragment"
    return "text"
