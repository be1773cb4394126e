"""The block of other stories (or of comments) at the end of a page, opened by a heading.

Headings come from ``rules/sections.toml``. A section is cut when its heading stands alone, has real
text before it, and is followed only by short paragraphs (teasers, links, names, dates): prose after
the heading means it was a heading of the article itself, and it stays.

>>> paragraphs = ["A long article paragraph. " * 20, "Related posts", "Ten ways to cook rice", "Why bread rises"]
>>> kept, removed = cut_related_section(paragraphs)
>>> len(kept), [r["text"] for r in removed]
(1, ['Related posts', 'Ten ways to cook rice', 'Why bread rises'])
>>> cut_related_section(["A long article paragraph. " * 20, "Related", "A long paragraph. " * 30])[1]
[]
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

RULE = "related-section"
MAX_HEADING_CHARS = 80
MAX_FOLLOWING_CHARS = 300  # a teaser is a headline and a sentence or two
MIN_TEXT_BEFORE = 300  # the section ends a document, it does not make one


@lru_cache(maxsize=1)
def section_headings() -> re.Pattern:
    """One pattern matching every heading in the bundled ``rules/sections.toml``."""
    resource = resources.files("cleaners") / "rules" / "sections.toml"
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    patterns = [f"(?:{entry['pattern']})" for entry in data.get("heading", [])]
    return re.compile(r"\s*(?:" + "|".join(patterns) + r")\s*[:.]?\s*", re.IGNORECASE)


def is_section_heading(text: str) -> bool:
    return len(text) <= MAX_HEADING_CHARS and section_headings().fullmatch(text) is not None


def related_section_start(paragraphs: list[str]) -> int | None:
    """Index of the heading that opens a trailing related-stories section, or None."""
    before = 0
    for i, paragraph in enumerate(paragraphs):
        if before >= MIN_TEXT_BEFORE and is_section_heading(paragraph):
            if all(len(p) <= MAX_FOLLOWING_CHARS for p in paragraphs[i + 1 :]):
                return i
        before += len(paragraph)
    return None


def cut_related_section(paragraphs: list[str]) -> tuple[list[str], list[dict]]:
    """The paragraphs before a trailing related section, and the removals."""
    start = related_section_start(paragraphs)
    if start is None:
        return paragraphs, []
    return paragraphs[:start], [{"rule": RULE, "text": p} for p in paragraphs[start:]]
