"""Repeated-line boilerplate learned from the corpus, per site.

Short paragraphs (up to 500 characters) are counted per *site group* over the documents that
survive deduplication, so several copies of one story never teach the filter to strip that story.
A paragraph found verbatim (case and whitespace folded) in at least ``repeated_line_min_docs`` kept
documents of the same group is site chrome: navigation, "Share.", newsletter prompts, related-post
titles. It is removed, recorded in ``metadata.removed`` with rule ``repeated-line``, when

- it sits in the run of such paragraphs at the start or end of the document, or
- it does not read like a sentence (fewer than three words, or no closing punctuation).

So a short common sentence inside real prose ("He declined to comment.") survives, even when many
articles of the site share it. A document is never emptied: if every paragraph is repeated, the
text stays as it is.

The site group is ``metadata.site`` (the URL's host) when known, else the raw file's folder.

>>> from cleaners.dedup.fingerprint import line_key
>>> grp = 7
>>> repeated = {(grp, line_key("Home")), (grp, line_key("He declined to comment.")), (grp, line_key("Share."))}
>>> text = "Home\\n\\nThe mayor spoke for an hour.\\n\\nHe declined to comment.\\n\\nThe vote is next week.\\n\\nShare."
>>> remove_repeated_lines(text, grp, repeated)
('The mayor spoke for an hour.\\n\\nHe declined to comment.\\n\\nThe vote is next week.', [{'rule': 'repeated-line', 'text': 'Home'}, {'rule': 'repeated-line', 'text': 'Share.'}])
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from cleaners.dedup.fingerprint import LINE_MAX_CHARS, line_key

RULE = "repeated-line"
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_WORD = re.compile(r"\w+")


def line_group(metadata: dict[str, Any]) -> str:
    """The group whose documents share chrome: the site, else the raw file's folder."""
    if metadata.get("site"):
        return f"site:{metadata['site']}"
    path = (metadata.get("source") or {}).get("path") or ""
    return f"dir:{posixpath.dirname(path)}"


def reads_like_sentence(paragraph: str) -> bool:
    return len(_WORD.findall(paragraph)) >= 3 and bool(_SENTENCE_END.search(paragraph))


def remove_repeated_lines(text: str, grp: int, repeated: set[tuple[int, int]]) -> tuple[str, list[dict]]:
    if not repeated or not text:
        return text, []
    paragraphs = text.split("\n\n")
    flagged = [len(p) <= LINE_MAX_CHARS and (grp, line_key(p)) in repeated for p in paragraphs]
    if not any(flagged):
        return text, []
    drop = [False] * len(paragraphs)
    for order in (range(len(paragraphs)), range(len(paragraphs) - 1, -1, -1)):
        for i in order:
            if not flagged[i]:
                break
            drop[i] = True
    for i, paragraph in enumerate(paragraphs):
        if flagged[i] and not reads_like_sentence(paragraph):
            drop[i] = True
    if all(drop):
        return text, []
    kept = [p for p, d in zip(paragraphs, drop) if not d]
    removed = [{"rule": RULE, "text": p} for p, d in zip(paragraphs, drop) if d]
    return "\n\n".join(kept), removed
