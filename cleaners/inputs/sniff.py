"""Format detection by content, never by file name.

>>> sniff_format('{"id": 1, "title": {"rendered": "Hi"}}')
'json'
>>> sniff_format('<!DOCTYPE html><html><body><p>Hi</p></body></html>')
'html'
>>> sniff_format('Just some words.\\nAnd more words.')
'text'
>>> sniff_format('<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>')
'wxr'
>>> sniff_format('{"text": "A document from another tool.", "id": "doc-1"}')
'json'
"""

from __future__ import annotations

import re

_LEADING_JUNK = re.compile(r"^(?:\ufeff|\s)+")
_HTML_PAGE = re.compile(r"(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE | re.DOTALL)
# an XML prolog may hold a DOCTYPE (with an internal subset): sniffed as XML so the reader can refuse it
_XML = re.compile(r"(?:<\?xml[^>]*>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>|\s)*<(rss|feed|rdf:RDF|urlset)\b", re.IGNORECASE | re.DOTALL)
_WXR_NAMESPACE = "wordpress.org/export/"
_HTML_TAG = re.compile(r"</?(?:p|div|span|a|br|li|ul|ol|h[1-6]|table|tr|td|img|strong|em|b|i|blockquote|figure|section|article)\b[^<>]*>", re.IGNORECASE)

SNIFF_CHARS = 8192


def sniff_format(text: str) -> str:
    """One of ``json``, ``html`` (a whole page), ``html-fragment``, ``wxr`` (a WordPress export),
    ``xml`` (another XML feed), ``text``."""
    head = _LEADING_JUNK.sub("", text[:SNIFF_CHARS])
    if head[:1] in ("{", "["):
        return "json"
    if head[:1] == "<":
        if _HTML_PAGE.match(head):
            return "html"
        if _XML.match(head):
            return "wxr" if _WXR_NAMESPACE in head else "xml"
    tags = len(_HTML_TAG.findall(head))
    if tags >= 3 and tags * 150 >= len(head):
        return "html-fragment"
    return "text"
