"""Quality signals and datatrove-compatible verdicts (cleaners/tags/quality.py).

Hand-made texts with hand-computed values; texts built to sit on each side of each threshold; the
optimised n-gram counts against datatrove's own loops (transcribed below) on random word lists.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import accumulate, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.tags.quality import (
    DEFAULT_THRESHOLDS,
    QualityThresholds,
    _duplicated_ngram_chars,
    _tokenizer,
    _top_ngram_chars,
    quality,
    quality_signals,
    sentence_count,
    verdicts,
    words,
)

# distinct five-letter words, none of them a stop word
VOCABULARY = ["".join(p) for p in product("bdfgk", "aeiou", "lmnrt", "aeiou", "psxz")]


def prose(n_words: int, per_line: int = 10, start: int = 0) -> str:
    """Lines of distinct words ending in a period; ``the`` and ``and`` open the first two lines.
    Every token but the periods is a word."""
    vocabulary = VOCABULARY[start:start + n_words]
    vocabulary[:2] = ["the", "and"] if n_words >= 2 else vocabulary[:2]
    lines = [" ".join(vocabulary[i:i + per_line]) + "." for i in range(0, n_words, per_line)]
    return "\n".join(lines)


def reasons(text: str, name: str, language: str | None = "en", thresholds=DEFAULT_THRESHOLDS) -> list[str]:
    return verdicts(quality_signals(text, language, thresholds), language, thresholds)[name]["reasons"]


# -- words as datatrove splits them (spaCy 3.8 blank tokenizers) ---------------------------------


def test_words_follow_spacy_english_rules():
    assert words("Don't stop (yet)... e-mail me!", "en") == [
        "Do", "n't", "stop", "(", "yet", ")", "...", "e", "-", "mail", "me", "!"]
    # special cases kept whole, URLs whole, the second pass re-merging "Kan." and the emoticon "):"
    assert words("U.S. https://x.com/a?b=1 (R-Kan.), (mine): ok", "en") == [
        "U.S.", "https://x.com/a?b=1", "(", "R", "-", "Kan.", ")", ",", "(", "mine", "):", "ok"]


def test_words_per_language():
    # German has no "n't" rule; French keeps hyphenated words whole (its token_match)
    assert words("Don't", "de") == ["Don't"]
    assert words("le bien-être", "fr") == ["le", "bien-être"]
    assert words("le bien-être", "en") == ["le", "bien", "-", "être"]


def test_sentence_count_is_spacys_sentencizer():
    tokenizer = _tokenizer("en")
    assert sentence_count("One. Two! Three... four? five", tokenizer) == 4
    assert sentence_count("No period here", tokenizer) == 1
    assert sentence_count("Mr. Smith came.", tokenizer) == 1  # "Mr." is one token, not a period
    # a whitespace run (not one space) is a token, and starts a sentence after a period
    assert sentence_count("End.\t.", tokenizer) == 2
    assert sentence_count("End. .", tokenizer) == 1


# -- each signal on hand-made texts -------------------------------------------------------------


def test_word_signals():
    s = quality_signals("The cat sat.\n#tag #b ok... wait… 42", "en")
    # tokens: The cat sat . # tag # b ok ... wait … 42
    assert s["tokens"] == 13
    assert s["words"] == 8  # all but ".", "#", "#", "...", "…"
    assert s["word_chars"] == 3 + 3 + 3 + 3 + 1 + 2 + 4 + 2
    assert s["mean_word_length"] == round(21 / 8, 4)
    assert (s["hashes"], s["ellipses"]) == (2, 2)
    assert s["hash_word_ratio"] == round(2 / 13, 4)
    assert s["alpha_words"] == 7  # The cat sat tag b ok wait
    assert s["non_alpha_word_ratio"] == round(6 / 13, 4)
    assert s["stop_words"] == 0  # "The" is not "the": datatrove compares as written


def test_stop_words_are_distinct_and_english_only():
    assert quality_signals("the the to of x", "en")["stop_words"] == 3
    assert quality_signals("the the to of x", "de")["stop_words"] is None


def test_line_signals():
    s = quality_signals("- one\n  • two\nthree...\nfour…  \nfive", "en")
    assert (s["lines"], s["bullet_lines"], s["ellipsis_lines"]) == (5, 2, 2)
    assert (s["bullet_line_ratio"], s["ellipsis_line_ratio"]) == (0.4, 0.4)


def test_duplicate_paragraphs_and_lines():
    s = quality_signals("aa\n\nbb\n\naa\ncc\n\naa\n", "en")
    # paragraphs of the stripped text: aa, bb, "aa\ncc", aa -> one repeat of 2 characters
    assert (s["paragraphs"], s["dup_paragraphs"], s["dup_paragraph_chars"]) == (4, 1, 2)
    # lines split on runs of newlines, the trailing empty one included: aa bb aa cc aa ""
    assert (s["repetition_lines"], s["dup_lines"], s["dup_line_chars"]) == (6, 2, 4)
    assert s["dup_line_char_ratio"] == round(4 / len("aa\n\nbb\n\naa\ncc\n\naa\n"), 4)


def test_top_ngrams():
    s = quality_signals("a b a b a", "en")
    # "a b" and "b a" both twice: the first seen wins, 3 characters x 2
    assert s["top_2_gram_chars"] == 6
    assert s["top_3_gram_chars"] == len("a b a") * 2
    assert s["top_4_gram_chars"] == len("a b a b")  # every 4-gram once: the first
    assert s["top_2_gram_char_ratio"] == round(6 / 9, 4)


def test_duplicated_ngrams_use_datatroves_joined_strings():
    s = quality_signals("a b c d e a b c d e", "en")
    assert s["dup_5_gram_chars"] == 5 and s["dup_6_gram_chars"] == 0
    # "ab c d e f" and "a bc d e f" are different words but the same joined 5-gram "abcdef"
    s = quality_signals("ab c d e f a bc d e f", "en")
    assert s["dup_5_gram_chars"] == 6


def test_c4_line_counts():
    text = "\n".join([
        "Short.",                                   # too few words
        "No terminal punctuation at all",           # no terminal punctuation
        "It ends with an ellipsis...",              # no terminal punctuation (ellipsis)
        "Please enable JavaScript to view.",        # javascript
        "We use cookies on this site.",             # policy
        "A fine sentence here. And another one!",   # kept, 2 sentences
        "A line with a [1] citation.",              # kept after the citation goes, 1 sentence
        "x" * 1001 + " is too long.",               # too long word
    ])
    s = quality_signals(text, "en")
    assert s["c4_too_few_words_lines"] == 1
    assert s["c4_no_terminal_punct_lines"] == 2
    assert (s["c4_javascript_lines"], s["c4_policy_lines"], s["c4_too_long_word_lines"]) == (1, 1, 1)
    assert (s["c4_kept_lines"], s["c4_sentences"]) == (2, 3)
    assert (s["c4_lorem_ipsum_lines"], s["c4_curly_bracket_lines"]) == (0, 0)


def test_c4_sentences_count_a_tab_as_spacy_does():
    # spaCy makes the tab a token, which starts a sentence after the period: 2 sentences, not 1
    assert quality_signals("Three words here.\t!", "en")["c4_sentences"] == 2
    assert quality_signals("Three words here. !", "en")["c4_sentences"] == 1


def test_fineweb_signals():
    text = "A short line.\nanother short one\n\nA short line.\n" + "y" * 40
    s = quality_signals(text, "en")
    assert (s["fineweb_lines"], s["fineweb_punct_lines"], s["fineweb_short_lines"]) == (4, 2, 3)
    assert s["fineweb_dup_line_chars"] == len("A short line.")
    assert s["fineweb_chars"] == len(text) - 4
    assert s["newlines"] == 4
    assert s["newline_ratio"] == round(4 / s["tokens"], 4)


# -- verdicts on each side of each threshold ----------------------------------------------------


def test_gopher_word_count_threshold():
    assert "gopher_short_doc" not in reasons(prose(50), "gopher_quality")
    assert "gopher_short_doc" in reasons(prose(49), "gopher_quality")
    assert verdicts(quality_signals(prose(60), "en"), "en")["gopher_quality"] == {
        "pass": True, "reasons": [], "skipped": []}


def test_gopher_mean_word_length_thresholds():
    short_words = " ".join(["ab", "cd"] * 30) + " the and."
    assert "gopher_below_avg_threshold" in reasons(short_words, "gopher_quality")
    long_words = " ".join(f"{'q' * 10}{c}" for c in "abcdefghijklmnopqrstuvwxyz" * 3) + " the and."
    assert "gopher_above_avg_threshold" in reasons(long_words, "gopher_quality")
    assert not {"gopher_below_avg_threshold", "gopher_above_avg_threshold"} & set(reasons(prose(60), "gopher_quality"))


def test_gopher_symbol_ratios():
    base = prose(60)  # 66 tokens (60 words, 6 periods)
    n_tokens = quality_signals(base, "en")["tokens"]
    assert n_tokens == 66
    # each "#" is a token of its own: k hashes make k / (66 + k); 0.1 is crossed at k = 8
    assert "gopher_too_many_hashes" not in reasons(base + " #" * 7, "gopher_quality")
    assert "gopher_too_many_hashes" in reasons(base + " #" * 8, "gopher_quality")
    assert "gopher_too_many_ellipsis" in reasons(base + " …" * 8, "gopher_quality")


def test_gopher_bullet_and_ellipsis_lines():
    lines = prose(100).splitlines()  # 10 lines
    nine = "\n".join(["- " + line for line in lines[:9]] + lines[9:])
    ten = "\n".join("- " + line for line in lines)
    assert "gopher_too_many_bullets" not in reasons(nine, "gopher_quality")  # 0.9 is not > 0.9
    assert "gopher_too_many_bullets" in reasons(ten, "gopher_quality")
    three = "\n".join([line + ".." for line in lines[:3]] + lines[3:])  # "." + ".." ends in "..."
    four = "\n".join([line + ".." for line in lines[:4]] + lines[4:])
    assert "gopher_too_many_end_ellipsis" not in reasons(three, "gopher_quality")
    assert "gopher_too_many_end_ellipsis" in reasons(four, "gopher_quality")


def test_gopher_alpha_and_stop_words():
    base = prose(60)  # 66 tokens, 60 with a letter
    # k number tokens: 60 / (66 + k) < 0.8 from k = 10 (60 / 75 is 0.8 exactly)
    assert "gopher_below_alpha_threshold" not in reasons(base + " 1" * 9, "gopher_quality")
    assert "gopher_below_alpha_threshold" in reasons(base + " 1" * 10, "gopher_quality")
    one_stop = base.replace("and ", "kxx ", 1)
    assert "gopher_enough_stop_words" in reasons(one_stop, "gopher_quality")
    assert "gopher_enough_stop_words" not in reasons(base, "gopher_quality")


def test_gopher_repetition_paragraphs_and_lines():
    unique = [f"{VOCABULARY[i]} {VOCABULARY[i + 200]} {VOCABULARY[i + 400]}." for i in range(10)]
    three = unique[:7] + [unique[0]] * 3  # 3 of 10 paragraphs repeat: 0.3 is not > 0.3
    four = unique[:6] + [unique[0]] * 4
    assert "dup_para_frac" not in reasons("\n\n".join(three), "gopher_repetition")
    assert "dup_para_frac" in reasons("\n\n".join(four), "gopher_repetition")
    assert "dup_line_frac" not in reasons("\n".join(three), "gopher_repetition")
    assert "dup_line_frac" in reasons("\n".join(four), "gopher_repetition")
    assert verdicts(quality_signals("\n\n".join(unique), "en"))["gopher_repetition"]["pass"]


def test_gopher_repetition_ngrams():
    text = prose(200)
    assert verdicts(quality_signals(text, "en"), "en")["gopher_repetition"]["pass"]
    looped = " ".join(["kaleidoscope", "xylophone"] * 40)
    found = reasons(looped, "gopher_repetition")
    assert "top_2_gram" in found and "duplicated_5_n_grams" in found


def test_c4_verdicts():
    five = "\n".join(f"This is sentence number {w}." for w in VOCABULARY[:5])
    four = "\n".join(f"This is sentence number {w}." for w in VOCABULARY[:4])
    assert reasons(five, "c4") == []
    assert reasons(four, "c4") == ["too_few_sentences"]
    assert "lorem_ipsum" in reasons(five + "\nLorem ipsum dolor sit amet.", "c4")
    assert "curly_bracket" in reasons(five + "\nThe set {a, b} here.", "c4")
    # a curly bracket on a line C4 drops first (no terminal punctuation) does not reject the page
    assert reasons(five + "\nfunction f() { return 1 }", "c4") == []
    # a javascript line is dropped, so its sentence does not count
    assert reasons(four + "\nPlease enable JavaScript here.", "c4") == ["too_few_sentences"]


def test_fineweb_verdicts():
    good = prose(100)
    assert reasons(good, "fineweb") == []
    no_punct = "\n".join(line.rstrip(".") for line in good.splitlines())
    assert "line_punct_ratio" in reasons(no_punct, "fineweb")
    short = "\n".join(f"{w} {w}." for w in VOCABULARY[:20])
    assert "short_line_ratio" in reasons(short, "fineweb")
    duplicated = good + "\n" + good.splitlines()[0]
    assert "char_dup_ratio" in reasons(duplicated, "fineweb")
    listy = "\n".join(f"{w} thing." for w in VOCABULARY[:40])  # 1 newline per 3 tokens > 0.3
    assert "list_ratio" in reasons(listy, "fineweb")
    assert verdicts(quality_signals("", "en"), "en")["fineweb"] == {"pass": False, "reasons": ["empty"], "skipped": []}


def test_thresholds_from_a_table():
    lenient = QualityThresholds.from_mapping({"min_doc_words": 10, "c4_min_num_sentences": 1})
    assert "gopher_short_doc" not in reasons(prose(20), "gopher_quality", thresholds=lenient)
    assert "gopher_short_doc" in reasons(prose(20), "gopher_quality")
    assert reasons("One good sentence here.", "c4", thresholds=lenient) == []
    off = QualityThresholds(min_stop_words=None)
    assert "gopher_enough_stop_words" not in reasons("word " * 60, "gopher_quality", thresholds=off)
    with pytest.raises(ValueError, match="unknown keys"):
        QualityThresholds.from_mapping({"min_words": 3})


# -- languages ----------------------------------------------------------------------------------


def test_language_without_stop_words_skips_that_check():
    german = "\n".join(f"Das ist der Satz {w} und noch mehr Worte hier." for w in VOCABULARY[:10])
    v = verdicts(quality_signals(german, "de"), "de")
    assert v["gopher_quality"] == {"pass": True, "reasons": [], "skipped": ["gopher_enough_stop_words"]}
    assert all(v[name]["skipped"] == [] for name in ("gopher_repetition", "c4", "fineweb"))


def test_language_without_a_reproduced_tokenizer_skips_word_checks():
    text = prose(60)
    for language in ("zh", None, "qq"):
        v = verdicts(quality_signals(text, language), language)
        assert "gopher_short_doc" in v["gopher_quality"]["skipped"]
        assert "gopher_too_many_bullets" not in v["gopher_quality"]["skipped"]
        assert v["gopher_repetition"]["skipped"][:1] == ["top_2_gram"]
        assert v["c4"]["skipped"] == ["too_few_sentences"]
        assert v["fineweb"]["skipped"] == ["list_ratio"]
        assert v["gopher_quality"]["pass"]


# -- determinism --------------------------------------------------------------------------------


def test_output_is_byte_identical_across_runs_and_caches():
    text = prose(300) + "\n\n" + prose(40) + "\n- bullet…\n#x (R-Kan.) ok."
    first = json.dumps(quality(text, "en"), sort_keys=True)
    _tokenizer("en").cache.clear()
    assert json.dumps(quality(text, "en"), sort_keys=True) == first
    assert all(len(repr(v).split(".")[-1]) <= 4 for v in quality(text, "en")["signals"].values() if isinstance(v, float))


# -- the optimised n-gram counts against datatrove's loops --------------------------------------


def _datatrove_find_all_duplicate(words, n):  # gopher_repetition_filter.find_all_duplicate
    n_words = len(words)
    unique = set()
    repeated_chars, idx = 0, 0
    while idx < n_words - n + 1:
        n_gram = "".join(words[idx: idx + n])
        if n_gram in unique:
            repeated_chars += len(n_gram)
            idx += n
        else:
            unique.add(n_gram)
            idx += 1
    return repeated_chars


def _datatrove_find_top_duplicate(words, n):  # get_n_grams + find_top_duplicate
    grams = [" ".join(words[i: i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0
    gram, count = Counter(grams).most_common(1)[0]
    return len(gram) * count


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "ab", "ba", "abc", "c", "bc", "xxxxxxxxxxxxx", "."]), max_size=80))
def test_ngram_counts_match_datatroves_loops(tokens):
    offsets = [0, *accumulate(map(len, tokens))]
    duplicated = _duplicated_ngram_chars(tokens, offsets)
    top = _top_ngram_chars(tokens, offsets)
    for n in range(5, 11):
        assert duplicated[n] == _datatrove_find_all_duplicate(tokens, n)
    for n in (2, 3, 4):
        assert top[n] == _datatrove_find_top_duplicate(tokens, n)
