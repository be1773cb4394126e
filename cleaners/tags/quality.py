"""Quality signals and datatrove-compatible verdicts for one clean document.

Matched against **datatrove 0.10.1** (``datatrove.pipeline.filters``: ``GopherQualityFilter``,
``GopherRepetitionFilter``, ``C4QualityFilter``, ``FineWebQualityFilter``), with its default thresholds,
and the word splitting it uses: spaCy 3.8.18's blank tokenizer of the document's language (rules
shipped in ``rules/quality/tokenizers.json.gz``, written by ``benchmarks/quality_filters.py
--write-tokenizer-data``; run here in plain Python) and spaCy's sentencizer for C4's sentence count.

Two functions, pure (a per-process cache of split words only makes them faster), and
:func:`quality` calling both; :func:`prepare` loads languages ahead (a worker's warm-up):

- :func:`quality_signals` reads the text once (one line split, one word split shared by every
  check) and returns a flat dict of numbers: integer counts, from which the verdicts are decided
  exactly as datatrove decides them, and ratios rounded to 4 decimals for people and downstream
  filters. ``stop_words`` is ``None`` where the language has no stop-word list.
- :func:`verdicts` turns the signals into ``{"pass", "reasons", "skipped"}`` per filter. ``reasons``
  lists every failing check, in datatrove's order and under datatrove's reason names (datatrove stops
  at the first, so its reason is ``reasons[0]``, except that C4's ``lorem_ipsum`` and
  ``curly_bracket`` are reported in that order whichever line comes first); ``skipped`` names the
  checks not made for this language.

Languages (ISO 639-1 codes, as ``metadata.language``): words are split with the spaCy rules
datatrove assigns to the language (57 spaCy languages, for 126 of the 177 codes datatrove maps). Gopher's stop words are
datatrove's English list, the only one it has: in any other language ``gopher_enough_stop_words`` is
skipped. A language whose datatrove tokenizer is not spaCy's blank one (Chinese, Japanese, Korean,
Thai, Vietnamese, the Indic scripts, Stanza's languages), an unknown code and ``None`` get their words
split by spaCy's language-neutral ``xx`` rules, and every word-based check is skipped.

Known differences from datatrove are listed, measured, in ``benchmarks/results/quality_filters.md``.

>>> s = quality_signals("The cat sat on the mat.\\nThe dog, too.", "en")
>>> s["tokens"], s["words"], s["stop_words"], s["lines"]
(12, 9, 1, 2)
>>> v = verdicts(s, "en")
>>> v["gopher_quality"]["pass"], v["gopher_quality"]["reasons"][:1]
(False, ['gopher_short_doc'])
>>> verdicts(quality_signals("Ein kurzer Satz.", "de"), "de")["gopher_quality"]["skipped"]
['gopher_enough_stop_words']
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, gt, itemgetter, lt, mul, sub

DATATROVE_RELEASE = "0.10.1"
FILTERS = ("gopher_quality", "gopher_repetition", "c4", "fineweb")

# datatrove.pipeline.filters.gopher_quality_filter.STOP_WORDS (English; datatrove has no other list)
STOP_WORDS: dict[str, frozenset[str]] = {"en": frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])}

# datatrove.pipeline.filters.c4_filters
_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
_C4_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_C4_POLICY_PATTERN = re.compile("|".join(map(re.escape, _C4_POLICY)))
# datatrove.pipeline.filters.gopher_repetition_filter
_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile("\n+")
_WHITESPACE_RUNS = re.compile(r"(\s+)")

TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)


@dataclass(frozen=True)
class QualityThresholds:
    """The filters' settings; defaults are datatrove 0.10.1's. Field names are the keys of a
    ``[quality]`` configuration table. ``None`` (or 0, as in datatrove) turns a check off, except
    the C4 ``-1`` settings, which follow datatrove's own convention."""

    # GopherQualityFilter
    min_doc_words: int | None = 50
    max_doc_words: int | None = 100000
    min_avg_word_length: float | None = 3
    max_avg_word_length: float | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    # GopherRepetitionFilter
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2
    top_2_gram_frac: float | None = 0.2
    top_3_gram_frac: float | None = 0.18
    top_4_gram_frac: float | None = 0.16
    dup_5_gram_frac: float | None = 0.15
    dup_6_gram_frac: float | None = 0.14
    dup_7_gram_frac: float | None = 0.13
    dup_8_gram_frac: float | None = 0.12
    dup_9_gram_frac: float | None = 0.11
    dup_10_gram_frac: float | None = 0.10
    # C4QualityFilter (split_paragraph=True: lines); the line rules shape the signals, so
    # quality_signals takes them too
    c4_remove_citations: bool = True
    c4_filter_no_terminal_punct: bool = True
    c4_min_num_sentences: int = 5
    c4_min_words_per_line: int = 3
    c4_max_word_length: int = 1000
    c4_filter_lorem_ipsum: bool = True
    c4_filter_javascript: bool = True
    c4_filter_curly_bracket: bool = True
    c4_filter_policy: bool = True
    # FineWebQualityFilter
    fineweb_line_punct_thr: float = 0.12
    fineweb_line_punct_exclude_zero: bool = False
    fineweb_short_line_thr: float = 0.67
    fineweb_short_line_length: int = 30
    fineweb_char_duplicates_ratio: float = 0.01
    fineweb_new_line_ratio: float = 0.3

    @classmethod
    def from_mapping(cls, table: dict) -> "QualityThresholds":
        """Thresholds from a ``[quality]`` table: unknown keys are an error, missing ones default."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(f"[quality]: unknown keys {unknown}; known: {sorted(known)}")
        return cls(**table)


DEFAULT_THRESHOLDS = QualityThresholds()

# ---------------------------------------------------------------------------------------------
# spaCy's blank tokenizer, in plain Python (a port of spacy/tokenizer.pyx, 3.8: _split_affixes,
# _attach_tokens; special cases and affix patterns from the shipped data)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _data() -> dict:
    resource = resources.files("cleaners") / "rules" / "quality" / "tokenizers.json.gz"
    return json.loads(gzip.decompress(resource.read_bytes()))


@lru_cache(maxsize=1)
def _punctuation() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    data = _data()
    return (frozenset(data["punctuation"]), tuple(data["terminal_punctuation"]),
            frozenset(data["sentencizer_punct_chars"]))


_CACHE_LIMIT = 50_000  # whitespace-free pieces per language (about 12 MB when full)
_SHARED = re.compile("\x00([0-9]+)\x00")  # a long character class stored once in the data


class _Tokenizer:
    """Word splitting of one spaCy language: ``chunk`` tokenizes one whitespace-free string."""

    def __init__(self, code: str):
        data = _data()
        spec = data["languages"][code]
        pattern, classes = data["patterns"], data["classes"]

        def compiled(key):
            if spec[key] is None:
                return None
            return re.compile(_SHARED.sub(lambda m: classes[int(m.group(1))], pattern[spec[key]]))

        prefix, suffix, infix = compiled("prefix"), compiled("suffix"), compiled("infix")
        token_match, url_match = compiled("token_match"), compiled("url_match")
        self.prefix_search = prefix.search if prefix else None
        self.suffix_search = _SuffixSearch(suffix) if suffix else None
        self.infix_finditer = infix.finditer if infix else None
        self.token_match = token_match.match if token_match else None
        self.url_match = url_match.match if url_match else None
        self.specials = {"".join(tokens): tuple(tokens) for tokens in spec["special_cases"]}
        self.cache: dict[str, tuple] = {}  # the pieces seen lately, and the generation before
        self.older: dict[str, tuple] = {}
        self.code = code
        # spaCy's second pass (Tokenizer._apply_special_cases, faster_heuristics on): a special
        # case that affix splitting would cut is found again as that token sequence and re-merged
        self.merges: dict[tuple[str, ...], str] = {}
        for orth in self.specials:
            if (self._find(self.prefix_search, orth) or (self.suffix_search and self.suffix_search(orth))
                    or (self.infix_finditer and any(True for _ in self.infix_finditer(orth)))):
                self.merges[self._tokenize(orth, with_specials=False)] = orth
        self.merge_length = max(map(len, self.merges), default=0)
        self.merge_starts = frozenset(pattern[0] for pattern in self.merges)
        # a piece of letters only is one token when no affix pattern can cut such a piece
        punctuation, _, punct_chars = _punctuation()
        self.letters_stay_whole = (all(_never_cuts_letters(p) for p in (prefix, suffix, infix) if p is not None)
                                   and not any(c.isalpha() for c in punctuation | punct_chars))
        self.suffix_pattern = suffix

    def chunk(self, string: str) -> tuple[str, ...]:
        """The tokens of one whitespace-free string."""
        entry = self.cache.get(string)
        return (entry or self.entry(string))[0]

    def entry(self, string: str) -> tuple:
        """(tokens, non-symbol words, their characters, words with a letter, then the sentencizer's
        transitions over these tokens: sentences started and state after, from state False, True).
        Cached: documents share most of their words."""
        entry = self.cache.get(string) or self.older.get(string)
        if entry is not None:
            self._store(string, entry)
            return entry
        tokens = self.specials.get(string)
        if tokens is None and self.letters_stay_whole and string.isalpha():
            # one word of letters: a word with a letter, no punctuation, no sentence end
            entry = ((string,), 1, len(string), 1, 0, False, 1, False)
            self._store(string, entry)
            return entry
        if tokens is None:
            tokens = self._tokenize(string)
            if len(tokens) > 1 and self.merges:
                tokens = self._merge(tokens)
        punctuation, _, punct_chars = _punctuation()
        words = [t for t in tokens if not punctuation.issuperset(t)]
        alpha = sum(1 for t in tokens if any(c.isalpha() for c in t))
        entry = (tokens, len(words), sum(map(len, words)), alpha,
                 *_sentencizer(tokens, False, punct_chars), *_sentencizer(tokens, True, punct_chars))
        self._store(string, entry)
        return entry

    def _store(self, string: str, entry: tuple) -> None:
        cache = self.cache
        if len(cache) >= _CACHE_LIMIT:  # the current generation becomes the older one (same dict kept)
            self.older = cache.copy()
            cache.clear()
        cache[string] = entry

    def _find(self, search, string: str) -> int:
        if search is None:
            return 0
        match = search(string)
        return match.end() - match.start() if match is not None else 0

    def _merge(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Re-merge special cases found as token sequences: longest first, then leftmost; a span is
        taken when its first and last tokens are free (spaCy's _filter_special_spans)."""
        merges, size, starts = self.merges, len(tokens), self.merge_starts
        found = [(i, i + n) for i in range(size) if tokens[i] in starts
                 for n in range(1, min(self.merge_length, size - i) + 1) if tokens[i:i + n] in merges]
        if not found:
            return tokens
        found.sort(key=lambda span: (span[0] - span[1], span[0]))
        seen: set[int] = set()
        kept = []
        for start, end in found:
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        out: list[str] = []
        position = 0
        for start, end in sorted(kept):
            out.extend(tokens[position:start])
            out.extend(self.specials[merges[tokens[start:end]]])
            position = end
        out.extend(tokens[position:])
        return tuple(out)

    def _tokenize(self, string: str, with_specials: bool = True) -> tuple[str, ...]:
        specials, token_match = (self.specials if with_specials else {}), self.token_match
        letters_whole = getattr(self, "letters_stay_whole", False)  # False while the merges are built
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            if token_match and token_match(string):
                break
            if string in specials:
                break
            if letters_whole and string.isalpha():  # no affix can be cut: the loop would stop here
                break
            last_size = len(string)
            pre_len = self._find(self.prefix_search, string)
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and minus_pre in specials:
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self.suffix_search(string[pre_len:]) if self.suffix_search else 0
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and minus_suf in specials:
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and (pre_len + suf_len) <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        tokens = prefixes
        if string:
            if string in specials:
                tokens.extend(specials[string])
            elif letters_whole and string.isalpha():  # no infix either; token/URL matches keep it whole too
                tokens.append(string)
            elif (token_match and token_match(string)) or (self.url_match and self.url_match(string)):
                tokens.append(string)
            else:
                matches = list(self.infix_finditer(string)) if self.infix_finditer else []
                if not matches:
                    tokens.append(string)
                else:
                    start = 0
                    for match in matches:
                        infix_start, infix_end = match.start(), match.end()
                        if infix_start == 0:
                            continue
                        if infix_start != start:
                            tokens.append(string[start:infix_start])
                        if infix_start != infix_end:
                            tokens.append(string[infix_start:infix_end])
                        start = infix_end
                    if string[start:]:
                        tokens.append(string[start:])
        tokens.extend(reversed(suffixes))
        # datatrove's strip_strings: tokens are stripped, empty ones dropped (none here: no spaces)
        return tuple(tokens)


def _alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` alternatives of a pattern (outside groups and classes)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a leading "]" is a member
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


class _SuffixSearch:
    """``suffix.search`` for spaCy's suffix patterns (``piece$|piece$|...``), faster: every match
    ends at the end of the string, so its length is fixed by where it starts, and the leftmost start
    over all alternatives is the answer whichever alternative gives it. Alternatives of bounded width
    (the great majority) are searched from ``len - width`` on (lookbehinds still see the characters
    before), the unbounded ones over the whole string. Returns the match length, 0 for none."""

    def __init__(self, pattern: re.Pattern):
        from re import _parser

        self.pattern = pattern
        self.split = False
        try:
            parts = _alternatives(pattern.pattern)
            if len(parts) < 2 or not all(part.endswith("$") and not part.endswith("\\$") for part in parts):
                return
            bounded, unbounded, width = [], [], 0
            for part in parts:
                low, high = _parser.parse(part, pattern.flags).getwidth()
                if high < 1000:
                    bounded.append(part)
                    width = max(width, high)
                else:
                    unbounded.append(part)
            flags = pattern.flags & ~re.UNICODE
            self.bounded = re.compile("|".join(bounded), flags) if bounded else None
            self.unbounded = re.compile("|".join(unbounded), flags) if unbounded else None
            self.width = width
            self.split = True
        except Exception:  # pragma: no cover - keep the plain search
            self.split = False

    def __call__(self, string: str) -> int:
        if not self.split:
            match = self.pattern.search(string)
            return match.end() - match.start() if match is not None else 0
        size = len(string)
        start = size
        if self.bounded is not None:
            match = self.bounded.search(string, max(0, size - self.width))
            if match is not None:
                start = match.start()
        if self.unbounded is not None:
            match = self.unbounded.search(string, 0, size)
            if match is not None and match.start() < start:
                start = match.start()
        return size - start


def _never_cuts_letters(pattern: re.Pattern) -> bool:
    """True when the pattern cannot match anywhere in a string of letters only (``str.isalpha``),
    not even an empty match: every alternative needs a character, or a lookaround context, that no
    letter is. Decided on the parsed pattern; anything not understood answers False."""
    try:
        from re import _constants as c
        from re import _parser
    except ImportError:  # pragma: no cover - another Python's internals
        return False

    def class_has_letter(items) -> bool:
        for op, arg in items:
            if op is c.LITERAL:
                if chr(arg).isalpha():
                    return True
            elif op is c.RANGE:
                if any(chr(code).isalpha() for code in range(arg[0], arg[1] + 1)):
                    return True
            elif op is c.CATEGORY:
                if arg not in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE, c.CATEGORY_UNI_DIGIT, c.CATEGORY_UNI_SPACE):
                    return True
            else:  # NEGATE and the rest
                return True
        return False

    def blocked(sequence) -> bool:
        """Some required element of this sequence fails inside a string of letters."""
        for op, arg in sequence:
            if op is c.LITERAL:
                if not chr(arg).isalpha():
                    return True
            elif op is c.IN:
                if not class_has_letter(arg):
                    return True
            elif op is c.CATEGORY:
                if not class_has_letter([(op, arg)]):
                    return True
            elif op is c.SUBPATTERN:
                if blocked(arg[3]):
                    return True
            elif op is c.BRANCH:
                if all(blocked(branch) for branch in arg[1]):
                    return True
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                if arg[0] >= 1 and blocked(arg[2]):
                    return True
            elif op is c.ASSERT:  # a lookaround that must see a non-letter (or the edge: a letter is there)
                if blocked(arg[1]):
                    return True
            # AT anchors, ASSERT_NOT, ANY, ...: not a requirement that rules letters out
        return False

    try:
        return blocked(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # pragma: no cover
        return False


@lru_cache(maxsize=None)
def _tokenizer(code: str) -> _Tokenizer:
    return _Tokenizer(code)


@lru_cache(maxsize=None)
def language_support(language: str | None) -> tuple[str, bool, frozenset[str] | None]:
    """(spaCy rules used, whether they are datatrove's for this language, stop words or None).

    >>> language_support("en")[:2], language_support("nn")[:2], language_support("zh")[:2]
    (('en', True), ('nb', True), ('xx', False))
    """
    assigned = _data()["assignments"].get(language or "", "") if language else ""
    stops = STOP_WORDS.get(language or "")
    if assigned:
        return assigned, True, stops
    return "xx", False, stops


def prepare(languages=("en",)) -> None:
    """Load the word rules of these languages now (a worker's warm-up): the first document of a
    language otherwise pays for it (tens of ms; about 3 s for French, whose pattern is 1.4 MB)."""
    for language in languages:
        _tokenizer(language_support(language)[0])


def words(text: str, language: str | None = None) -> list[str]:
    """The words datatrove's ``split_into_words(text, language)`` returns (punctuation included).

    >>> words("Don't stop (yet)... e-mail me!", "en")
    ['Do', "n't", 'stop', '(', 'yet', ')', '...', 'e', '-', 'mail', 'me', '!']
    """
    tokenizer = _tokenizer(language_support(language)[0])
    get, entry = tokenizer.cache.get, tokenizer.entry
    return [token for piece in text.split() for token in (get(piece) or entry(piece))[0]]


def _is_punct(token: str) -> bool:  # spacy.lang.lex_attrs.is_punct
    for char in token:
        if not unicodedata.category(char).startswith("P"):
            return False
    return True


def _sentencizer(tokens, seen_period: bool, punct_chars: frozenset[str]) -> tuple[int, bool]:
    """spaCy's Sentencizer.predict over some tokens: (sentences started, seen_period after)."""
    started = 0
    for token in tokens:
        in_punct_chars = token in punct_chars
        if seen_period and not in_punct_chars and not _is_punct(token):
            started += 1
            seen_period = False
        elif in_punct_chars:
            seen_period = True
    return started, seen_period


def _sentences(entries) -> int:
    """Sentences in a line of single-space-separated pieces, from their cached transitions."""
    count, seen = 1, False
    for e in entries:
        if seen:
            count += e[6]
            seen = e[7]
        else:
            count += e[4]
            seen = e[5]
    return count


def sentence_count(line: str, tokenizer: _Tokenizer) -> int:
    """Sentences of spaCy's sentencizer in a line (datatrove's ``len(split_into_sentences(line))``).

    Whitespace runs other than one space are tokens to spaCy (not punctuation: they start a
    sentence after a period as a word does).

    >>> sentence_count("One. Two! Three... four? five", _tokenizer("en"))
    4
    """
    get, entry = tokenizer.cache.get, tokenizer.entry
    count, seen = 1, False
    pieces = line.split()
    if not pieces:
        return 1
    if " ".join(pieces) == line:
        for piece in pieces:
            e = get(piece) or entry(piece)
            if seen:
                count += e[6]
                seen = e[7]
            else:
                count += e[4]
                seen = e[5]
        return count
    for n, piece in enumerate(_WHITESPACE_RUNS.split(line)):
        if not piece:
            continue
        if n % 2:  # a whitespace run: one leading space is the previous token's trailing space
            if piece != " ":
                count += seen
                seen = False
        else:
            e = get(piece) or entry(piece)
            if seen:
                count += e[6]
                seen = e[7]
            else:
                count += e[4]
                seen = e[5]
    return count


# ---------------------------------------------------------------------------------------------
# signals
# ---------------------------------------------------------------------------------------------


def _duplicates(items: list[str]) -> tuple[int, int]:
    """datatrove's find_duplicates: (repeated elements, their characters), first copies excluded."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


def _top_ngram_chars(tokens: list[str], offsets: list[int], sizes=TOP_NGRAMS) -> dict[int, int]:
    """datatrove's find_top_duplicate over " ".join n-grams, for each n: length of the most frequent
    (the first seen among ties, as Counter.most_common(1) picks) times its count.

    An n-gram is counted as one integer: its words' ids (first occurrence in the document) as digits
    in base len(tokens) + 1, so equal integers are equal word sequences, which " ".join compares
    the same (tokens hold no spaces). ``offsets`` are the tokens' starts in "".join(tokens).
    """
    size = len(tokens)
    index: dict[str, int] = {}
    ids = list(map(index.setdefault, tokens, count()))
    base = size + 1
    keys = ids
    result: dict[int, int] = {}
    for n in sizes:  # consecutive, from 2
        end = size - n + 1
        if end <= 0:
            result[n] = 0
            continue
        keys = list(map(add, map(mul, keys[:end], repeat(base)), ids[n - 1:]))
        counts = Counter(keys)
        values = list(counts.values())
        top = max(values)
        position = keys.index(next(islice(counts, values.index(top), None)))
        result[n] = (offsets[position + n] - offsets[position] + n - 1) * top
    return result


_KEY = 12  # characters: two equal n-grams of at least this length start with the same ones


def _duplicated_ngram_chars(tokens: list[str], offsets: list[int], sizes=DUP_NGRAMS) -> dict[int, int]:
    """datatrove's find_all_duplicate for each n: characters of the "".join n-grams seen before,
    skipping n words after each hit.

    Equal n-grams have equal lengths, and when that length is at least ``_KEY``, the same first
    ``_KEY`` characters: only positions whose key repeats, or whose n-gram is shorter, can take
    part in a repeat. The exact loop runs over the positions whose n-gram does repeat; the others
    are never hits and never matter to one.
    """
    size = len(tokens)
    joined = "".join(tokens)
    keys = [joined[a:a + _KEY] for a in offsets[:size]]
    key_counts = Counter(keys)
    shared = list(compress(count(), map(gt, map(key_counts.__getitem__, keys), repeat(1))))
    result = {}
    short: list[int] | None = None
    for n in sizes:  # ascending: an n-gram is longer than the (n-1)-gram at its position
        end = size - n + 1
        if end <= 0:
            result[n] = 0
            continue
        if short is None:
            short = list(compress(count(), map(lt, map(sub, offsets[n:], offsets[:end]), repeat(_KEY))))
        else:
            short = [p for p in short if p < end and offsets[p + n] - offsets[p] < _KEY]
        positions = shared[:bisect_left(shared, end)]
        if short:
            positions = sorted(set(positions).union(short))
        grams = [joined[offsets[p]:offsets[p + n]] for p in positions]
        gram_counts = Counter(grams)
        unique: set[str] = set()
        repeated = idx = 0
        for position, gram in zip(positions, grams):
            if position < idx or gram_counts[gram] == 1:
                continue
            if gram in unique:
                repeated += len(gram)
                idx = position + n
            else:
                unique.add(gram)
                idx = position + 1
        result[n] = repeated
    return result


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def quality_signals(text: str, language: str | None = None,
                    thresholds: QualityThresholds = DEFAULT_THRESHOLDS) -> dict[str, int | float | None]:
    """Every signal of the four filters for one document, in one pass over its lines and words.

    ``thresholds`` matters only for C4's line rules (which lines count as kept) and FineWeb's
    ``fineweb_short_line_length``; the other signals do not depend on it.

    >>> s = quality_signals("- a\\n- b\\nc...", "en")
    >>> s["bullet_lines"], s["ellipsis_lines"], s["lines"], s["bullet_line_ratio"]
    (2, 1, 3, 0.6667)
    """
    code, faithful, stops = language_support(language)
    tokenizer = _tokenizer(code)
    punctuation, terminal, _ = _punctuation()
    t = thresholds

    # one pass over the lines: their words (cached per whitespace-free piece, with its counts; the
    # line breaks splitlines knows are all whitespace, so the pieces are the text's) and C4's rules
    get, entry = tokenizer.cache.get, tokenizer.entry
    lines = text.splitlines()
    entries: list[tuple] = []
    c4 = Counter()
    c4_sentences = 0
    max_word = t.c4_max_word_length
    for line in lines:
        pieces = line.split()
        line_entries = list(map(get, pieces))
        if None in line_entries:
            line_entries = [e or entry(piece) for e, piece in zip(line_entries, pieces)]
        entries += line_entries
        # C4QualityFilter.filter, this line (split_paragraph=True)
        if max_word != -1 and pieces and max(map(len, pieces)) > max_word:
            c4["too_long_word"] += 1
            continue
        stripped = line.strip()
        cited = t.c4_remove_citations and "[" in stripped
        if cited:
            stripped = _CITATION.sub("", stripped)
        if t.c4_filter_no_terminal_punct and (not stripped.endswith(_C4_END_PUNCTUATION) or stripped.endswith("...")):
            c4["no_terminal_punct"] += 1
            continue
        if len(pieces) < t.c4_min_words_per_line:
            c4["too_few_words"] += 1
            continue
        lowered = stripped.lower()
        if t.c4_filter_lorem_ipsum and "lorem ipsum" in lowered:
            c4["lorem_ipsum"] += 1
            continue
        if t.c4_filter_javascript and "javascript" in lowered:
            c4["javascript"] += 1
            continue
        if t.c4_filter_curly_bracket and "{" in stripped:
            c4["curly_bracket"] += 1
            continue
        if t.c4_filter_policy and _C4_POLICY_PATTERN.search(lowered):
            c4["policy"] += 1
            continue
        c4["kept"] += 1
        if t.c4_min_num_sentences != -1:
            gaps = len(pieces) - 1
            if not cited and stripped.count(" ") == gaps and len(stripped) == sum(map(len, pieces)) + gaps:
                # one space between pieces: no whitespace token (a tab would be one)
                c4_sentences += _sentences(line_entries)
            else:
                c4_sentences += sentence_count(stripped, tokenizer)
    tokens = list(chain.from_iterable(map(itemgetter(0), entries)))
    n_words = sum(map(itemgetter(1), entries))
    word_chars = sum(map(itemgetter(2), entries))
    alpha_words = sum(map(itemgetter(3), entries))
    n_tokens = len(tokens)

    hashes = text.count("#")
    ellipses = text.count("...") + text.count("…")
    n_lines = len(lines)
    bullet_lines = sum(1 for s in lines if s.lstrip().startswith(("•", "-")))
    ellipsis_lines = sum(1 for s in lines if s.rstrip().endswith(("...", "…")))
    chars = len(text)

    # GopherRepetitionFilter
    paragraphs = _PARAGRAPHS.split(text.strip())
    dup_paragraphs, dup_paragraph_chars = _duplicates(paragraphs)
    rep_lines = _LINES.split(text)
    dup_lines, dup_line_chars = _duplicates(rep_lines)

    # FineWebQualityFilter
    fw_lines = [line for line in text.split("\n") if line.strip() != ""]
    fw_punct_lines = sum(1 for line in fw_lines if line.endswith(terminal))
    fw_short_lines = sum(1 for line in fw_lines if len(line) <= t.fineweb_short_line_length)
    fw_dup_chars = _duplicates(fw_lines)[1]
    fw_chars = chars - text.count("\n")
    newlines = text.count("\n")

    signals: dict[str, int | float | None] = {
        "chars": chars,
        "lines": n_lines,
        "tokens": n_tokens,
        "words": n_words,
        "word_chars": word_chars,
        "mean_word_length": _ratio(word_chars, n_words),
        "hashes": hashes,
        "ellipses": ellipses,
        "hash_word_ratio": _ratio(hashes, n_tokens),
        "ellipsis_word_ratio": _ratio(ellipses, n_tokens),
        "bullet_lines": bullet_lines,
        "bullet_line_ratio": _ratio(bullet_lines, n_lines),
        "ellipsis_lines": ellipsis_lines,
        "ellipsis_line_ratio": _ratio(ellipsis_lines, n_lines),
        "alpha_words": alpha_words,
        "non_alpha_word_ratio": _ratio(n_tokens - alpha_words, n_tokens),
        "stop_words": None if stops is None else len(stops.intersection(tokens)),
        "paragraphs": len(paragraphs),
        "dup_paragraphs": dup_paragraphs,
        "dup_paragraph_chars": dup_paragraph_chars,
        "dup_paragraph_ratio": _ratio(dup_paragraphs, len(paragraphs)),
        "dup_paragraph_char_ratio": _ratio(dup_paragraph_chars, chars),
        "repetition_lines": len(rep_lines),
        "dup_lines": dup_lines,
        "dup_line_chars": dup_line_chars,
        "dup_line_ratio": _ratio(dup_lines, len(rep_lines)),
        "dup_line_char_ratio": _ratio(dup_line_chars, chars),
    }
    offsets = [0, *accumulate(map(len, tokens))]  # each token's start in "".join(tokens), and the end
    tops = _top_ngram_chars(tokens, offsets)
    for n in TOP_NGRAMS:
        top = tops[n]
        signals[f"top_{n}_gram_chars"] = top
        signals[f"top_{n}_gram_char_ratio"] = _ratio(top, chars)
    duplicated = _duplicated_ngram_chars(tokens, offsets)
    for n in DUP_NGRAMS:
        dup = duplicated[n]
        signals[f"dup_{n}_gram_chars"] = dup
        signals[f"dup_{n}_gram_char_ratio"] = _ratio(dup, chars)
    signals.update({
        "c4_lines": n_lines,
        "c4_too_long_word_lines": c4["too_long_word"],
        "c4_no_terminal_punct_lines": c4["no_terminal_punct"],
        "c4_too_few_words_lines": c4["too_few_words"],
        "c4_lorem_ipsum_lines": c4["lorem_ipsum"],
        "c4_javascript_lines": c4["javascript"],
        "c4_curly_bracket_lines": c4["curly_bracket"],
        "c4_policy_lines": c4["policy"],
        "c4_kept_lines": c4["kept"],
        "c4_sentences": c4_sentences,
        "fineweb_lines": len(fw_lines),
        "fineweb_punct_lines": fw_punct_lines,
        "line_punct_ratio": _ratio(fw_punct_lines, len(fw_lines)),
        "fineweb_short_lines": fw_short_lines,
        "short_line_ratio": _ratio(fw_short_lines, len(fw_lines)),
        "fineweb_dup_line_chars": fw_dup_chars,
        "fineweb_chars": fw_chars,
        "char_dup_ratio": _ratio(fw_dup_chars, fw_chars),
        "newlines": newlines,
        "newline_ratio": _ratio(newlines, n_tokens),
    })
    return signals


# ---------------------------------------------------------------------------------------------
# verdicts
# ---------------------------------------------------------------------------------------------

WORD_CHECKS = frozenset({
    "gopher_short_doc", "gopher_long_doc", "gopher_below_avg_threshold", "gopher_above_avg_threshold",
    "gopher_too_many_hashes", "gopher_too_many_ellipsis", "gopher_below_alpha_threshold",
    "gopher_enough_stop_words",
    *(f"top_{n}_gram" for n in TOP_NGRAMS), *(f"duplicated_{n}_n_grams" for n in DUP_NGRAMS),
    "too_few_sentences", "list_ratio",
})


def verdicts(signals: dict, language: str | None = None,
             thresholds: QualityThresholds = DEFAULT_THRESHOLDS) -> dict[str, dict]:
    """Per filter ``{"pass": bool, "reasons": [...], "skipped": [...]}`` from :func:`quality_signals`.

    The comparisons are datatrove's, on the same integer counts (not on the rounded ratios).

    >>> verdicts(quality_signals("", "en"), "en")["gopher_repetition"]
    {'pass': False, 'reasons': ['empty'], 'skipped': []}
    """
    _, faithful, stops = language_support(language)
    t = thresholds
    s = signals
    skipped: set[str] = set()
    if not faithful:
        skipped |= WORD_CHECKS
    if stops is None or s.get("stop_words") is None:
        skipped.add("gopher_enough_stop_words")

    def verdict(checks: list[tuple[str, bool]]) -> dict:
        reasons = [name for name, failed in checks if failed and name not in skipped]
        return {"pass": not reasons, "reasons": reasons,
                "skipped": [name for name, _ in checks if name in skipped]}

    # GopherQualityFilter: "words" there are the non-symbol words; ratios divide by all tokens
    n_words, n_tokens, n_lines = s["words"], s["tokens"], s["lines"]
    mean = s["word_chars"] / n_words if n_words else None  # numpy's mean of no words is nan
    gopher_quality = verdict([
        ("gopher_short_doc", bool(t.min_doc_words) and n_words < t.min_doc_words),
        ("gopher_long_doc", bool(t.max_doc_words) and n_words > t.max_doc_words),
        ("gopher_below_avg_threshold", bool(t.min_avg_word_length) and mean is not None and mean < t.min_avg_word_length),
        ("gopher_above_avg_threshold", bool(t.max_avg_word_length) and mean is not None and mean > t.max_avg_word_length),
        ("gopher_too_many_hashes", bool(t.max_symbol_word_ratio) and n_tokens > 0
         and s["hashes"] / n_tokens > t.max_symbol_word_ratio),
        ("gopher_too_many_ellipsis", bool(t.max_symbol_word_ratio) and n_tokens > 0
         and s["ellipses"] / n_tokens > t.max_symbol_word_ratio),
        ("gopher_too_many_bullets", bool(t.max_bullet_lines_ratio) and n_lines > 0
         and s["bullet_lines"] / n_lines > t.max_bullet_lines_ratio),
        ("gopher_too_many_end_ellipsis", bool(t.max_ellipsis_lines_ratio) and n_lines > 0
         and s["ellipsis_lines"] / n_lines > t.max_ellipsis_lines_ratio),
        ("gopher_below_alpha_threshold", bool(t.max_non_alpha_words_ratio) and n_tokens > 0
         and s["alpha_words"] / n_tokens < t.max_non_alpha_words_ratio),
        ("gopher_enough_stop_words", bool(t.min_stop_words) and s.get("stop_words") is not None
         and s["stop_words"] < t.min_stop_words),
    ])

    chars = s["chars"]
    if not chars:
        gopher_repetition = {"pass": False, "reasons": ["empty"], "skipped": []}
    else:
        checks = [
            ("dup_para_frac", bool(t.dup_para_frac) and s["dup_paragraphs"] / s["paragraphs"] > t.dup_para_frac),
            ("dup_para_char_frac", bool(t.dup_para_char_frac) and s["dup_paragraph_chars"] / chars > t.dup_para_char_frac),
            ("dup_line_frac", bool(t.dup_line_frac) and s["dup_lines"] / s["repetition_lines"] > t.dup_line_frac),
            ("dup_line_char_frac", bool(t.dup_line_char_frac) and s["dup_line_chars"] / chars > t.dup_line_char_frac),
        ]
        for n in TOP_NGRAMS:
            limit = getattr(t, f"top_{n}_gram_frac")
            # datatrove skips a size with no n-grams; its limit is not truth-tested (0 still checks)
            checks.append((f"top_{n}_gram", limit is not None and n_tokens >= n
                           and s[f"top_{n}_gram_chars"] / chars > limit))
        for n in DUP_NGRAMS:
            limit = getattr(t, f"dup_{n}_gram_frac")
            checks.append((f"duplicated_{n}_n_grams", limit is not None and s[f"dup_{n}_gram_chars"] / chars > limit))
        gopher_repetition = verdict(checks)

    c4 = verdict([
        ("lorem_ipsum", s["c4_lorem_ipsum_lines"] > 0),
        ("curly_bracket", s["c4_curly_bracket_lines"] > 0),
        ("too_few_sentences", s["c4_sentences"] < t.c4_min_num_sentences),
    ])

    fw_lines = s["fineweb_lines"]
    if not fw_lines:
        fineweb = {"pass": False, "reasons": ["empty"], "skipped": []}
    else:
        punct = s["fineweb_punct_lines"] / fw_lines
        fineweb = verdict([
            ("line_punct_ratio", punct < t.fineweb_line_punct_thr and not (punct == 0 and t.fineweb_line_punct_exclude_zero)),
            ("short_line_ratio", s["fineweb_short_lines"] / fw_lines > t.fineweb_short_line_thr),
            ("char_dup_ratio", s["fineweb_dup_line_chars"] / s["fineweb_chars"] > t.fineweb_char_duplicates_ratio),
            ("list_ratio", n_tokens > 0 and s["newlines"] / n_tokens > t.fineweb_new_line_ratio),
        ])
    return {"gopher_quality": gopher_quality, "gopher_repetition": gopher_repetition, "c4": c4, "fineweb": fineweb}


def quality(text: str, language: str | None = None,
            thresholds: QualityThresholds = DEFAULT_THRESHOLDS) -> dict:
    """``{"signals": ..., "verdicts": ...}`` of one document (what ``metadata.quality`` holds)."""
    signals = quality_signals(text, language, thresholds)
    return {"signals": signals, "verdicts": verdicts(signals, language, thresholds)}
