"""Normalization and text repairs."""

from __future__ import annotations

import pytest

from cleaners.text.normalize import (
    decode_escape_debris,
    fix_encoding,
    normalize_inline,
    normalize_text,
    remove_invisible,
)
from cleaners.text.repairs import repair_broken_hyphen, repair_missing_space


def test_mojibake_and_entities_are_repaired_curly_quotes_kept():
    assert fix_encoding("The driverâ€™s seat &amp; more") == "The driver’s seat & more"
    assert fix_encoding("“quoted” ‘single’") == "“quoted” ‘single’"


def test_nfc():
    assert normalize_text("Cafe\u0301") == "Caf\u00e9"


def test_invisible_characters_go_meaningful_joiners_stay():
    assert remove_invisible("zero\u200bwidth\u00adsoft\ufeffbom\u202eoverride") == "zerowidthsoftbomoverride"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert remove_invisible(family) == family
    assert remove_invisible("word\u200d ") == "word "
    assert remove_invisible("bell\x07 nul\x00") == "bell nul"


def test_whitespace_inside_paragraphs_and_between_them():
    assert normalize_text("  one\u00a0 two\n three  \n\n\n\n  four\t\tfive \n") == "one two three\n\nfour five"


@pytest.mark.parametrize(
    "before, after",
    [
        ("military drills.However, Chinese ships", "military drills. However, Chinese ships"),
        ("credible denial,Geo Politik reported", "credible denial, Geo Politik reported"),
        ("It rose 4.4 per cent.", "It rose 4.4 per cent."),
        ("the U.S. and the U.K. agreed", "the U.S. and the U.K. agreed"),
        ("see www.Example.com or https://site.org/Page.Html", "see www.Example.com or https://site.org/Page.Html"),
        ("mail jane.Doe@example.org now", "mail jane.Doe@example.org now"),
        ("Mr.Smith arrived", "Mr.Smith arrived"),
        ("What now?Nobody knew.", "What now? Nobody knew."),
        ("1,000 people", "1,000 people"),
    ],
)
def test_missing_space_after_punctuation(before, after):
    assert repair_missing_space(before) == after


@pytest.mark.parametrize(
    "before, after",
    [
        ("the post- Cold War period", "the post-Cold War period"),
        ("anti- American sentiment", "anti-American sentiment"),
        ("pre- and post-war Europe", "pre- and post-war Europe"),
        ("first- or second-hand", "first- or second-hand"),
        ("a well- known author", "a well-known author"),
    ],
)
def test_broken_hyphen(before, after):
    assert repair_broken_hyphen(before) == after


def test_escape_debris_only_touched_when_json_escaping_is_evident():
    assert decode_escape_debris("Russia\\u2019s \\u201cwar\\u201d<\\/p>\\nnext") == "Russia’s “war”</p>\nnext"
    assert decode_escape_debris("C:\\new folder\\test") == "C:\\new folder\\test"
    assert decode_escape_debris("flag \\ud83c\\udde8 lone \\ud83c") == "flag \U0001F1E8 lone "


def test_normalize_inline():
    assert normalize_inline("  Caf&eacute;\n  title ") == "Café title"
    assert normalize_inline("   ") is None
    assert normalize_inline(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "Plain text.\n\nTwo paragraphs.",
        "driverâ€™s &amp; \u200b zero\n\n\n  spaced   out  ",
        "Russia\\u2019s <\\/p> debris",
        "Cafe\u0301 \u00a0 nbsp",
    ],
)
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_fix_encoding_gives_what_ftfy_gives_on_the_whole_text():
    # fix_encoding hands ftfy only the lines where it can change something; the result must be ftfy's
    import ftfy

    from cleaners.text.normalize import _FTFY_CONFIG, fix_encoding

    samples = [
        "", "plain ASCII only\nand a second line\n", "caf\u00c3\u00a9 &amp; more\nplain\n\nsch\u00c3\u00b6n",
        "a\rb\r\nc\u2028d\x85e", "esc \x1b[31mred\x1b[0m end", "ligature \ufb01ne\nfull\u00a0width\n",
        "&amp;amp;\n&#x2019;s\n", "\u00c2\u00a0lone\n\n\n", "x" * 50 + "\u00c3\u00a9\n" + "y" * 50,
    ]
    for text in samples:
        assert fix_encoding(text) == ftfy.fix_text(text, config=_FTFY_CONFIG), repr(text)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", " ", "\n", "&", "amp;", "#39;", "\u00c3", "\u00a9", "\u00e9", "\u00a0", "\r", "\x1b",
                                 "[0m", "\ufb01", "\u2019", "\x85", "\u00e2\u20ac\u2122", "\ud83d", "\x07"]), max_size=40).map("".join))
def test_fix_encoding_matches_ftfy_on_generated_text(text):
    import ftfy

    from cleaners.text.normalize import _FTFY_CONFIG, fix_encoding

    assert fix_encoding(text) == ftfy.fix_text(text, config=_FTFY_CONFIG)


def test_ftfy_keeps_agrees_with_ftfy_on_every_line_of_the_bundled_and_fixture_texts():
    """The shortcut in fix_encoding must never skip a line ftfy would change (real text, every line)."""
    import ftfy

    from cleaners.text.normalize import _FTFY_CONFIG, ftfy_keeps
    from tests.conftest import FIXTURES, RAW

    files = [p for p in (*RAW.iterdir(), *FIXTURES.rglob("*")) if p.is_file() and p.suffix != ".toml"]
    lines = kept = 0
    for path in files:
        for line in path.read_bytes().decode("utf-8", "replace").splitlines(keepends=True):
            if len(line) > _FTFY_CONFIG.max_decode_length:
                continue
            lines += 1
            if ftfy_keeps(line):
                kept += 1
                assert ftfy.fix_and_explain(line, _FTFY_CONFIG)[0] == line, (path.name, line[:80])
    assert lines > 500 and kept > lines // 2, (lines, kept)  # the shortcut is taken for most lines, and never wrongly
