"""Text normalization: encoding repair, escape debris, invisible characters, whitespace.

Every function here is pure and idempotent: applying it to its own output changes nothing.
Text is a sequence of paragraphs separated by one blank line; inside a paragraph, whitespace is
single spaces.

>>> normalize_text("Caf\\u00c3\\u00a9  au\\u200b lait\\n\\n\\n\\nSecond   paragraph")
'Café au lait\\n\\nSecond paragraph'
>>> decode_escape_debris(r"Russia\\u2019s war<\\/p>\\nNext")
'Russia’s war</p>\\nNext'
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy.badness import is_bad
from ftfy.chardata import CONTROL_CHARS, LIGATURES

_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=True,  # text, not HTML, by now: "auto" would keep "&amp;" whenever a "<" is present
    uncurl_quotes=False,  # curly quotes are real typography, keep them
    fix_character_width=False,  # keep full-width CJK punctuation as written
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization="NFC",
    explain=False,
)


# A line of printable ASCII without "&" is a fixed point of ftfy with this configuration: mojibake,
# ligatures, surrogates, C1 controls, odd line breaks and NFC all need other characters, entities need
# "&", and control characters and terminal escapes need characters below U+0020.
_FTFY_WORK = re.compile(r"[^\n\x20-\x7e]|&")
# Most lines of real text are not ASCII (curly quotes, accents) and still need nothing. With this
# configuration ftfy changes a line only through: HTML entities ("&"), mojibake (ftfy's own badness
# test), C1 controls, ligatures, odd line breaks, surrogates, terminal escapes and control characters
# (characters listed below, from ftfy's own tables), and NFC. A line none of them applies to is
# returned as it is without running ftfy's steps one by one (tests/test_normalize.py checks this
# against ftfy on real text and on generated strings).
_FTFY_CHARACTERS = re.compile(
    "[&\x80-\x9f\r\u2028\u2029\ud800-\udfff"
    + "".join(re.escape(chr(c)) for c in sorted(set(CONTROL_CHARS) | set(LIGATURES)))
    + "]"
)


def ftfy_keeps(line: str) -> bool:
    """True when ftfy, configured as presswash uses it, would return ``line`` unchanged.

    >>> ftfy_keeps("“Curly” quotes and café are fine"), ftfy_keeps("caf\u00c3\u00a9"), ftfy_keeps("e\u0301")
    (True, False, False)
    """
    return not _FTFY_CHARACTERS.search(line) and not is_bad(line) and unicodedata.is_normalized("NFC", line)


def fix_encoding(text: str) -> str:
    """Repair mojibake and HTML entities with ftfy, and normalize to Unicode NFC.

    ``ftfy.fix_text`` fixes each line on its own (the segments end at line breaks); this does the
    same, with the same result, but hands ftfy only the lines where it can change something.

    >>> fix_encoding("schÃ¶n &amp; gut")
    'schön & gut'
    >>> fix_encoding("plain line\\nsch\u00c3\u00b6n\\n")
    'plain line\\nschön\\n'
    """
    if not _FTFY_WORK.search(text):
        return text
    out: list[str] = []
    pos, end = 0, len(text)
    while pos < end:
        brk = text.find("\n", pos) + 1 or end
        if brk - pos > _FTFY_CONFIG.max_decode_length:  # ftfy would cut this line: let it do everything
            return ftfy.fix_text(text, config=_FTFY_CONFIG)
        segment = text[pos:brk]
        out.append(ftfy.fix_and_explain(segment, _FTFY_CONFIG)[0] if _FTFY_WORK.search(segment) and not ftfy_keeps(segment) else segment)
        pos = brk
    return "".join(out)


# JSON escape sequences that survived decoding (double-escaped JSON, or escaped HTML pasted as text).
_UNICODE_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})")
_ESCAPE_EVIDENCE = re.compile(r"\\u[0-9a-fA-F]{4}|<\\/")
_SIMPLE_ESCAPE = re.compile(r"\\([nrt/\"])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\n", "t": " ", "/": "/", '"': '"'}


def _unicode_escape(m: re.Match) -> str:
    if m.group(3):
        cp = int(m.group(3), 16)
        return "" if 0xD800 <= cp < 0xE000 else chr(cp)  # a lone surrogate is dropped
    high, low = int(m.group(1), 16), int(m.group(2), 16)
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def decode_escape_debris(text: str) -> str:
    """Decode JSON escapes left in text (``\\u2019``, ``<\\/p>``, ``\\n`` as two characters).

    Only text that shows JSON escaping (a ``\\uXXXX`` escape or an escaped ``<\\/``) is touched, so a
    lone backslash in ordinary text is left alone.
    """
    if "\\" not in text or not _ESCAPE_EVIDENCE.search(text):
        return text
    text = _UNICODE_ESCAPE.sub(_unicode_escape, text)
    return _SIMPLE_ESCAPE.sub(lambda m: _SIMPLE_ESCAPES[m.group(1)], text)


# Characters that are never text: C0/C1 controls (but newline), lone surrogates, zero-width and
# bidirectional-override format characters, soft hyphens, byte-order marks.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
# Zero-width (non-)joiners are meaningful between two visible characters (Persian, Indic scripts,
# emoji sequences); anywhere else they are debris.
_STRAY_JOINER = re.compile(r"(?<!\S)[\u200c\u200d]+|[\u200c\u200d]+(?!\S)")


def remove_invisible(text: str) -> str:
    """Drop control, zero-width and bidi-control characters; tabs become spaces.

    >>> remove_invisible("a\\u200bb\\tc\\x07d")
    'ab cd'
    """
    text = text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return _STRAY_JOINER.sub("", text)


_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; whitespace inside one collapses to single spaces."""
    paragraphs = (_SPACES.sub(" ", p).strip() for p in _BLANK_LINES.split(text))
    return [p for p in paragraphs if p]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def normalize_whitespace(text: str) -> str:
    """All whitespace inside a paragraph becomes one space; paragraphs are separated by one blank line."""
    return join_paragraphs(split_paragraphs(text))


MAX_PASSES = 4


def _tidy(text: str) -> str:
    """Escape debris, invisible characters and whitespace, repeated until nothing changes (each step
    can expose work for another: ``\\u\u200b2019`` is debris only once the zero-width space is gone)."""
    for _ in range(MAX_PASSES):
        tidied = normalize_whitespace(remove_invisible(decode_escape_debris(text)))
        if tidied == text:
            break
        text = tidied
    return text


def normalize_text(text: str) -> str:
    """Escape debris, invisible characters and whitespace, then encoding repair (ftfy), until stable.

    ftfy's decisions depend on context (a no-break space next to ``Ã©`` keeps it from being read as
    mojibake; ``&amp;amp;`` needs two rounds), so it runs on tidied text, and again while it still
    changes something: the result is a fixed point, which is what makes cleaning idempotent. Text
    that needs no encoding repair (the usual case) costs one ftfy call.
    """
    for _ in range(MAX_PASSES):
        text = _tidy(text)
        fixed = fix_encoding(text)
        if fixed == text:
            return text
        text = fixed
    return _tidy(text)


def normalize_inline(value: str | None) -> str | None:
    """Normalize a one-line metadata value (a title, an author); empty becomes None."""
    if value is None:
        return None
    value = _SPACES.sub(" ", remove_invisible(fix_encoding(decode_escape_debris(value)))).strip()
    return value or None
