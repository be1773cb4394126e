"""Property-based tests (hypothesis) for the normalizers and for truncated WordPress JSON (issue 7).

Properties of ``clean_text`` (normalize, boilerplate, repairs), on text mixing scraped debris: escape
sequences, mojibake, entities, control and invisible characters, odd whitespace, boilerplate:

- idempotent: cleaning clean text changes nothing;
- the output holds no control, surrogate or invisible format character, and its whitespace is
  balanced: single spaces inside paragraphs, exactly one blank line between them, none at the ends;
- nothing is dropped silently: the visible (non-whitespace) characters of the normalized input are
  exactly those of the output plus those of the ``removed`` entries, counted as multisets, and the
  output keeps them in order. So every word is kept or recorded (a rule may cut through a glued word:
  ``Kyivpic.twitter.com/x`` keeps ``Kyiv``), and nothing is invented. "Normalized input" is
  ``normalize_text(input)``: decoding escape debris and mojibake, removing invisible characters and
  collapsing whitespace are what normalization is for, and are checked by the first two properties.

The examples are bounded (``max_examples``) to keep the suite fast; ``benchmarks/fuzz_readers.py``
runs the readers for as long as you like.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import Cleaner, Document, Rejection, clean_text
from cleaners.text.normalize import normalize_text

SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

VOCABULARY = ["harbour", "council", "voted", "the", "lighthouse", "Über", "naïve", "日本語", "Москва", "ج", "42", "4.4",
              "U.S.", "drills.However", "denial,Geo", "post- Cold", "pre- and", "e-mail", "co-op", "x"]
BOILERPLATE = ["Share.", "Read Time: 7 Minute, 0 Second", "Previous post The old mill", "Next post A new bridge",
               "Leave a Reply", "Exit mobile version", "5 Star", "Related", "pic.twitter.com/AbC123xyz",
               "— Jane Doe (@janedoe) January 5, 2023"]
DEBRIS = ["\\u2019", "\\u201c", "<\\/p>", "\\n", "\\/", "&amp;", "&#8217;", "&nbsp;", "â€™", "Ã©", "\\ud83d\\ude00", "\\ud83c"]
INVISIBLE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u200d", "\u00ad", "\ufeff", "\u202e", "\u2066", "\ud800"]
SPACES = [" ", "  ", "\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\x0b", "\x0c"]

pieces = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(BOILERPLATE),
    st.sampled_from(DEBRIS),
    st.sampled_from(INVISIBLE),
    st.sampled_from(SPACES),
    st.sampled_from(list(".,;:!?()\"'“”‘’«»-–—…/\\&<>#@")),
    st.text(max_size=8),
    st.text(st.characters(codec=None), max_size=4),
)
scraped_text = st.lists(pieces, max_size=60).map("".join)

_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def assert_balanced(text: str) -> None:
    if not text:
        return
    for paragraph in text.split("\n\n"):
        assert paragraph, repr(text)
        assert paragraph == paragraph.strip(), repr(paragraph)
        assert "  " not in paragraph and "\n" not in paragraph, repr(paragraph)
        assert all(ch == " " or not ch.isspace() for ch in paragraph), repr(paragraph)


def test_clean_text_is_idempotent_when_an_inline_cut_leaves_mojibake_alone():
    # found by the test below: ftfy keeps "Ä¡" next to the tweet attribution, fixes it once it is cut
    once, removed = clean_text("— Jane Doe (@janedoe) January 5, 2023aÄ¡")
    assert once == "aġ" and clean_text(once)[0] == once
    assert [r["rule"] for r in removed] == ["tweet-attribution"]


@SETTINGS
@given(scraped_text)
def test_clean_text_is_idempotent(text):
    once, _ = clean_text(text)
    assert clean_text(once)[0] == once
    assert normalize_text(normalize_text(text)) == normalize_text(text)


@SETTINGS
@given(scraped_text)
def test_clean_text_has_no_control_characters_and_balanced_whitespace(text):
    cleaned, removed = clean_text(text)
    assert not _FORBIDDEN.search(cleaned), repr(cleaned)
    assert all(unicodedata.category(ch) != "Cs" for ch in cleaned)
    assert_balanced(cleaned)
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    for entry in removed:
        assert entry["text"] and not _FORBIDDEN.search(entry["text"]), entry


def visible(text: str) -> Counter:
    """Characters that are text: not whitespace, not format characters (a zero-width joiner is kept
    only between two characters, so a cut next to one legitimately drops it)."""
    return Counter(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


@SETTINGS
@given(scraped_text)
def test_clean_text_drops_nothing_that_is_not_in_removed(text):
    cleaned, removed = clean_text(text)
    normalized = normalize_text(text)
    # exactly, as multisets: the visible characters of the normalized input are those of the output
    # plus those of the removed entries (repairs only add or remove spaces)
    assert visible(normalized) == visible(cleaned) + visible("".join(entry["text"] for entry in removed))
    # and what is kept keeps its order: the output is the normalized input with the removals cut out
    assert _subsequence("".join(cleaned.split()), "".join(normalized.split()))


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


# -- truncated WordPress JSON ---------------------------------------------------------------------

TAGS = ["p", "span", "strong", "em", "a", "h2", "li", "div", "blockquote"]
WORDS = ["Russia’s", "war", "lone\ud83dhalf", "“neutrality”", "—", "café", "naïve", "A&B", "x<y", "said:", "Putin", "2023", "…", "emoji😀", "日本"]


@st.composite
def html_fragment(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        tag = draw(st.sampled_from(TAGS))
        body = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12)))
        body = body.replace("&", "&amp;").replace("<", "&lt;")
        if draw(st.booleans()):
            inner = draw(st.sampled_from(["span", "a", "em"]))
            body = f'<{inner} class="c{draw(st.integers(0, 9))}" style="x">{body}</{inner}>'
        attrs = ' href="https://example.com/a/b?c=1&amp;d=2"' if tag == "a" else ""
        parts.append(f"<{tag}{attrs}>{body}</{tag}>" + draw(st.sampled_from(["", "\n", "\n\n", " "])))
        if draw(st.integers(0, 4)) == 0:
            parts.append("</span></p>")  # orphan closing tags, as WordPress content often has
    return "".join(parts)


@st.composite
def wordpress_file(draw) -> bytes:
    posts = []
    for i in range(draw(st.integers(1, 3))):
        posts.append({
            "id": 1000 + i,
            "date_gmt": "2023-01-06T01:19:08",
            "slug": f"post-{i}",
            "link": f"https://news.example.com/2023/01/post-{i}/",
            "title": {"rendered": draw(st.sampled_from(["Xi &#8220;ties&#8221;", "Caf&eacute; news", "Plain title"]))},
            "content": {"rendered": draw(html_fragment()), "protected": False},
            "excerpt": {"rendered": draw(html_fragment())},
            "author": 3,
        })
    value = posts if len(posts) > 1 or draw(st.booleans()) else posts[0]
    # WordPress escapes non-ASCII as \uXXXX and "/" as "\/"
    return json.dumps(value, ensure_ascii=True).replace("/", "\\/").encode("ascii")


DEBRIS_IN_TEXT = re.compile(
    r"<\\/|\\u[0-9a-fA-F]{4}|\\[nrt\"/]|</?(?:" + "|".join(TAGS) + r")\b|&(?:amp|lt|gt|quot|eacute|#\d+);"
)


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(wordpress_file(), st.one_of(st.just(1.0), st.floats(0.0, 1.0)))
def test_truncated_wordpress_json_never_crashes_and_leaves_no_debris(data, where):
    cut = data[: max(1, int(len(data) * where))]
    outcomes = list(Cleaner().process_bytes(cut, {"path": "cut.json", "format": None, "sha256": None, "record": None, "encoding": None}))
    assert outcomes
    for outcome in outcomes:
        assert isinstance(outcome, (Document, Rejection))
        if isinstance(outcome, Rejection):
            assert outcome.error and "internal error" not in outcome.error, outcome.error
            continue
        for field in (outcome.text, outcome.metadata["title"] or ""):
            assert not DEBRIS_IN_TEXT.search(field), (DEBRIS_IN_TEXT.search(field).group(), field)
        assert_balanced(outcome.text)
        if len(cut) == len(data):
            assert outcome.metadata["truncated"] is False


# mojibake a page can hold: text encoded in UTF-8 and read back in a legacy code page, once or twice
_MOJIBAKE = st.sampled_from(["’", "é", "“", "—", "ü", "…", "€", "ß", "ç", "😀"]).flatmap(
    lambda ch: st.sampled_from([ch.encode("utf-8").decode(enc, "replace") for enc in ("latin-1", "cp1252", "cp1251")])
)


@settings(max_examples=2000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(pieces, _MOJIBAKE, st.text(st.characters(codec=None), max_size=6)), max_size=30).map("".join))
def test_a_line_ftfy_keeps_is_one_ftfy_would_return_unchanged(text):
    import ftfy

    from cleaners.text.normalize import _FTFY_CONFIG, ftfy_keeps

    for line in text.splitlines(keepends=True) or [text]:
        if ftfy_keeps(line):
            assert ftfy.fix_and_explain(line, _FTFY_CONFIG)[0] == line, repr(line)
