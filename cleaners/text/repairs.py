"""Small typographic repairs, applied to kept paragraphs after boilerplate removal. Pure and idempotent.

>>> repair_missing_space("the drills.However, in denial,Geo Politik said U.S. output rose 4.4 per cent")
'the drills. However, in denial, Geo Politik said U.S. output rose 4.4 per cent'
>>> repair_broken_hyphen("in the post- Cold War period, pre- and post-war")
'in the post-Cold War period, pre- and post-war'
"""

from __future__ import annotations

import re

# "drills.However" / "denial,Geo": sentence punctuation glued to the next word. Two lowercase letters
# before the mark keep abbreviations ("U.S.", "e.g.Foo", "Mr.Smith") and numbers ("4.4") out.
_GLUED = re.compile(r"(?<=[a-z][a-z][.!?])(?=[A-Z][a-z])|(?<=[a-z][,;])(?=[A-Z][a-z])")
_URLISH = re.compile(r"://|www\.|@|\.(?:com|org|net|gov|edu|io|co|html?|php)\b", re.IGNORECASE)


def repair_missing_space(text: str) -> str:
    """Insert the space missing after ``. , ; ! ?`` between two words; URLs and e-mails untouched."""
    if not _GLUED.search(text):
        return text
    out: list[str] = []
    last = 0
    for m in _GLUED.finditer(text):
        start = text.rfind(" ", 0, m.start()) + 1
        end = text.find(" ", m.start())
        token = text[start : end if end != -1 else len(text)]
        if _URLISH.search(token):
            continue
        out.append(text[last : m.start()])
        out.append(" ")
        last = m.start()
    out.append(text[last:])
    return "".join(out)


# "post- Cold War": a prefix whose hyphen lost its word to a line break or a stray space.
HYPHEN_PREFIXES = (
    "anti|co|counter|cross|de|ex|extra|hyper|inter|intra|macro|micro|mid|multi|neo|non|over|pan|"
    "post|pre|pro|pseudo|re|self|semi|socio|sub|super|trans|ultra|un|under|well"
)
_BROKEN_HYPHEN = re.compile(
    r"\b(" + HYPHEN_PREFIXES + r")- (?!(?:and|or|nor|to|as|und|oder|et|ou|y|e|o)\b)(?=\w)",
    re.IGNORECASE,
)


def repair_broken_hyphen(text: str) -> str:
    """Rejoin ``post- Cold War`` to ``post-Cold War``; suspended hyphens (``pre- and post-``) stay."""
    if "- " not in text:  # the pattern needs it; most paragraphs have none
        return text
    return _BROKEN_HYPHEN.sub(r"\1-", text)


def repair_text(text: str) -> str:
    """The small typographic repairs, applied after boilerplate removal."""
    return repair_broken_hyphen(repair_missing_space(text))
