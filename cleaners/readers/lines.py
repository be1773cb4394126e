"""A line classifier for plain text with no markup: which lines are the article, which are chrome.

Text flattened from a web page ("Home", "News", "Share this:", cookie notices, "Most popular"
headlines, copyright lines) carries no markup to tell the article from the site around it. Each line
gets a probability of being article text from a logistic model over a few features (length, sentence
punctuation, stopword density in the document's language, capitalised-menu look, digits, a chrome
vocabulary, the boilerplate rules, repeated lines, position, and the same evidence for its
neighbours). Then, as in body-text extraction, the article is the densest run of likely lines (a
maximum-sum segment); inside it, unlikely lines go unless they are headings of the text that follows.

The weights and thresholds are data (``rules/lines.toml``), fitted by ``benchmarks/tune_lines.py`` on
one half of the evaluation pages; the benchmark reports the other half.

Text without chrome is left alone: unless several lines look like chrome (``min_chrome_lines``),
nothing is removed, so clean prose with headings and lists comes through whole. (Text an extractor
already cleaned has a handful of such lines at most; a flattened page has dozens.)

>>> lines = ["Home", "News", "Sport", "Contact", "Subscribe",
...          "The council met on Tuesday to discuss the harbour budget, and voted to restore the lighthouse.",
...          "A tower with a long memory",
...          "Built in 1868 from granite quarried on the island, the lighthouse guided boats for a century.",
...          "Privacy Policy", "Terms of Use", "© 2024 The Coastal Ledger. All rights reserved."]
>>> kept, removed = LineClassifier.default().strip_chrome(lines)
>>> kept
['The council met on Tuesday to discuss the harbour budget, and voted to restore the lighthouse.', 'A tower with a long memory', 'Built in 1868 from granite quarried on the island, the lighthouse guided boats for a century.']
>>> [r["rule"] for r in removed]
['line-classifier', 'line-classifier', 'line-classifier', 'line-classifier', 'line-classifier', 'line-classifier', 'line-classifier', 'line-classifier']
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from cleaners.readers.html.sections import is_section_heading
from cleaners.tags.language import detect_language
from cleaners.text.boilerplate import RuleSet

RULE = "line-classifier"

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_SENTENCE_INSIDE = re.compile(r"\w[.!?;。！？][\"'”’»)\]]*\s+\S")
_BULLET = re.compile(r"^\s*(?:[*•·▪►‣◦–-]|\d{1,3}[.)])\s+")
_URL = re.compile(r"https?://|www\.|\S+@\S+\.\w+|\.(?:com|org|net|de|co\.uk)\b", re.IGNORECASE)
_COMMENT = re.compile(
    r"(?:said|says|wrote|writes|schrieb|schreibt|sagt|dice|disse|escribió|a écrit)\s*:\s*$|^(?:reply|antworten|responder|répondre)\b"
    r"|\b\d{1,2}[:.]\d{2}\s*(?:am|pm|uhr)\b",
    re.IGNORECASE,
)
# "Alex on September 17, 2018 at 6:34 am said:": a reader comment begins (a name, a date, "said:").
_COMMENT_HEADER = re.compile(
    r"^.{1,80}?\d.{0,60}?(?:said|says|wrote|writes|schrieb|schreibt|sagt|dice|disse|escribió|a écrit)\s*:\s*$", re.IGNORECASE
)
_SEPARATORS = re.compile(r"\s[|»›/•·]\s|\s[|»›]|[|»›]\s")

# ISO 639-1 codes to jusText's stoplist names.
_STOPLISTS = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ka": "Georgian",
    "kk": "Kazakh", "ko": "Korean", "la": "Latin", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "ms": "Malay", "nb": "Norwegian_Bokmal", "nl": "Dutch", "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
}


@lru_cache(maxsize=64)
def stopwords(language: str | None) -> frozenset[str]:
    """jusText's stoplist for an ISO 639-1 code; empty when there is none."""
    name = _STOPLISTS.get(language or "")
    if not name:
        return frozenset()
    import justext  # a dependency of trafilatura; loaded only for plain text

    return frozenset(w.lower() for w in justext.get_stoplist(name))


FEATURES = (
    "log_words",
    "long",
    "ends_sentence",
    "inner_sentence",
    "stopword_share",
    "no_stoplist",
    "capitalised_share",
    "all_caps",
    "digit_share",
    "symbol_share",
    "chrome_words",
    "boilerplate_rule",
    "section_heading",
    "repeated",
    "bullet",
    "url",
    "separators",
    "comment_marker",
    "after_section",
    "after_comment",
    "position",
    "context_prose",
    "context_prose_wide",
    "next_prose",
    "prev_prose",
)


@dataclass(frozen=True)
class LineModel:
    bias: float
    weights: dict[str, float]
    region_threshold: float  # probability above which a line adds to the article run
    keep_threshold: float  # inside the run, lines below this go (unless they are headings)
    chrome_probability: float  # a line less likely than this looks like chrome...
    min_chrome_lines: int  # ...and a document with fewer such lines is left alone (clean text)
    smoothing: float  # weight of the neighbours' mean probability (two lines either side) in a line's own
    relative: float  # thresholds never above this share of the document's highest probability
    chrome_pattern: re.Pattern


@lru_cache(maxsize=1)
def _default_model() -> LineModel:
    resource = resources.files("cleaners") / "rules" / "lines.toml"
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    model = data["model"]
    unknown = set(model["weights"]) - set(FEATURES)
    if unknown:
        raise ValueError(f"rules/lines.toml: unknown features {sorted(unknown)}")
    chrome = re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in data["chrome"]["patterns"]) + r")(?!\w)", re.IGNORECASE)
    return LineModel(
        bias=float(model["bias"]),
        weights={k: float(v) for k, v in model["weights"].items()},
        region_threshold=float(model["region_threshold"]),
        keep_threshold=float(model["keep_threshold"]),
        chrome_probability=float(model["chrome_probability"]),
        min_chrome_lines=int(model["min_chrome_lines"]),
        smoothing=float(model.get("smoothing", 0.0)),
        relative=float(model.get("relative", 1.0)),
        chrome_pattern=chrome,
    )


def _prose(line: str) -> float:
    """A quick 0/1 'reads like a sentence' used as context for the neighbours."""
    return 1.0 if len(_WORD.findall(line)) >= 8 and (_SENTENCE_END.search(line) or _SENTENCE_INSIDE.search(line)) else 0.0


# _COMMENT as three searches: the same answer (a search of A|B|C matches when one of them does), but
# each is tried only where it can match, which is most of the classifier's regex time saved.
_COMMENT_SAID = re.compile(r"(?:said|says|wrote|writes|schrieb|schreibt|sagt|dice|disse|escribió|a écrit)\s*:\s*$", re.IGNORECASE)
_COMMENT_REPLY = re.compile(r"(?:reply|antworten|responder|répondre)\b", re.IGNORECASE)
_COMMENT_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm|uhr)\b", re.IGNORECASE)


def _comment_marker(text: str) -> bool:
    """``_COMMENT.search(text)``, faster."""
    return bool(
        (":" in text and _COMMENT_SAID.search(text))
        or _COMMENT_REPLY.match(text)
        or ((":" in text or "." in text) and _COMMENT_TIME.search(text))
    )


# The features that depend on the line alone (and the language's stoplist, and the rules), in
# FEATURES order, cached per line: site chrome ("Home", "Share this:", the footer) repeats from page
# to page, and most of a flattened page's lines are chrome. A few MB per process at most.
_LOCAL_CACHE_SIZE = 20_000
_local_cache: dict[tuple, tuple] = {}


def _line_local(line: str, stops: frozenset[str], rules: RuleSet, chrome: re.Pattern) -> tuple:
    key = (line, stops, id(rules), chrome)
    found = _local_cache.get(key)
    if found is not None and found[0] is rules:
        return found[1]
    text = _BULLET.sub("", line.strip())
    words = _WORD.findall(text)
    n_words = len(words)
    letters = [w for w in words if w[:1].isalpha()]
    cased = [w for w in letters if w[:1].lower() != w[:1].upper()]
    chars = max(len(text), 1)
    alnum = sum(map(str.isalnum, text))
    spaces = sum(map(str.isspace, text))  # no character is both (checked over all of Unicode)
    values = (
        math.log1p(n_words),  # log_words
        1.0 if n_words >= 25 else 0.0,  # long
        1.0 if _SENTENCE_END.search(text) else 0.0,  # ends_sentence
        1.0 if _SENTENCE_INSIDE.search(text) else 0.0,  # inner_sentence
        (sum(w.lower() in stops for w in words) / n_words) if stops and n_words else 0.0,  # stopword_share
        0.0 if stops else 1.0,  # no_stoplist
        (sum(w[:1].isupper() for w in cased) / len(cased)) if cased else 0.0,  # capitalised_share
        1.0 if len(cased) >= 2 and all(w.isupper() for w in cased) else 0.0,  # all_caps
        sum(map(str.isdigit, text)) / chars,  # digit_share
        (len(text) - alnum - spaces) / chars,  # symbol_share
        1.0 if chrome.search(text) else 0.0,  # chrome_words
        1.0 if any(r.matches_paragraph(text) for r in rules.paragraph) else 0.0,  # boilerplate_rule
        1.0 if is_section_heading(text) else 0.0,  # section_heading
        1.0 if _BULLET.match(line) else 0.0,  # bullet
        1.0 if _URL.search(text) else 0.0,  # url
        1.0 if _SEPARATORS.search(text) else 0.0,  # separators
        1.0 if _comment_marker(text) else 0.0,  # comment_marker
    )
    if len(_local_cache) >= _LOCAL_CACHE_SIZE:
        _local_cache.clear()
    _local_cache[key] = (rules, values)
    return values


def line_features(lines: list[str], language: str | None, rules: RuleSet, chrome: re.Pattern) -> list[dict[str, float]]:
    """The feature values of every line (see :data:`FEATURES`)."""
    stops = stopwords(language)
    counts = Counter(line.strip().lower() for line in lines)
    prose = [_prose(line) for line in lines]
    n = len(lines)
    first_prose = prose.index(1.0) if 1.0 in prose else n
    section_at = next((i for i in range(first_prose + 1, n) if is_section_heading(lines[i].strip())), n)
    comment_at = next((i for i in range(first_prose + 1, n) if _COMMENT_HEADER.search(lines[i])), n)
    rows = []
    for i, line in enumerate(lines):
        (log_words, long, ends_sentence, inner_sentence, stopword_share, no_stoplist, capitalised_share, all_caps,
         digit_share, symbol_share, chrome_words, boilerplate_rule, section_heading, bullet, url, separators,
         comment_marker) = _line_local(line, stops, rules, chrome)
        lo, hi = max(0, i - 3), min(n, i + 4)
        neighbours = prose[lo:i] + prose[i + 1 : hi]
        wlo, whi = max(0, i - 10), min(n, i + 11)
        wide = prose[wlo:i] + prose[i + 1 : whi]
        rows.append({
            "log_words": log_words,
            "long": long,
            "ends_sentence": ends_sentence,
            "inner_sentence": inner_sentence,
            "stopword_share": stopword_share,
            "no_stoplist": no_stoplist,
            "capitalised_share": capitalised_share,
            "all_caps": all_caps,
            "digit_share": digit_share,
            "symbol_share": symbol_share,
            "chrome_words": chrome_words,
            "boilerplate_rule": boilerplate_rule,
            "section_heading": section_heading,
            "repeated": 1.0 if counts[line.strip().lower()] > 1 else 0.0,
            "bullet": bullet,
            "url": url,
            "separators": separators,
            "comment_marker": comment_marker,
            "after_section": 1.0 if i > section_at else 0.0,
            "after_comment": 1.0 if i > comment_at else 0.0,
            "position": i / n,
            "context_prose": sum(neighbours) / len(neighbours) if neighbours else 0.0,
            "context_prose_wide": sum(wide) / len(wide) if wide else 0.0,
            "next_prose": prose[i + 1] if i + 1 < n else 0.0,
            "prev_prose": prose[i - 1] if i > 0 else 0.0,
        })
    return rows


def _best_run(scores: list[float]) -> tuple[int, int]:
    """The maximum-sum segment ``[start, end)`` of ``scores`` (empty when all are negative)."""
    best, best_span = 0.0, (0, 0)
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = score, i
        else:
            total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


class LineClassifier:
    """Keeps the article lines of a plain-text document (see the module doc)."""

    def __init__(self, model: LineModel, rules: RuleSet | None = None):
        self.model = model
        self.rules = rules or RuleSet.default()

    @classmethod
    def default(cls, rules: RuleSet | None = None) -> "LineClassifier":
        return cls(_default_model(), rules)

    def strip_chrome(self, paragraphs: list[str], language: str | None = None) -> tuple[list[str], list[dict]]:
        """The named boilerplate rules first (their removals are the more telling), then the
        classifier on what is left; the removals of both, rules first."""
        kept, removed = self.rules.apply([" ".join(p.split()) for p in paragraphs])
        kept, classified = self.classify(kept, language)
        return kept, removed + classified

    def probabilities(self, lines: list[str], language: str | None = None) -> list[float]:
        rows = line_features(lines, language, self.rules, self.model.chrome_pattern)
        out = []
        bias, weights = self.model.bias, [(k, self.model.weights.get(k, 0.0)) for k in FEATURES]
        for row in rows:
            # each weight times its own feature, by name, summed in FEATURES order
            z = bias + sum([w * row[k] for k, w in weights])
            out.append(1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z)))))
        return out

    def classify(self, lines: list[str], language: str | None = None) -> tuple[list[str], list[dict]]:
        """The lines to keep, and the removed ones as ``{"rule": "line-classifier", "text": ...}``."""
        if len(lines) < 3:
            return lines, []
        if language is None:
            language = detect_language("\n".join(lines))
        return self.decode(lines, self.probabilities(lines, language))

    def decode(self, lines: list[str], probs: list[float]) -> tuple[list[str], list[dict]]:
        """Turn the lines' probabilities into the kept lines and the removals."""
        m = self.model
        if sum(p < m.chrome_probability for p in probs) < m.min_chrome_lines:
            return lines, []  # hardly anything here looks like site chrome: leave the text alone
        if m.smoothing:
            n = len(probs)
            probs = [
                (1 - m.smoothing) * p + m.smoothing * sum(probs[max(0, i - 2) : i] + probs[i + 1 : i + 3]) / max(1, min(n, i + 3) - max(0, i - 2) - 1)
                for i, p in enumerate(probs)
            ]
        # a short page has less context to be sure with: thresholds follow its likeliest line
        region_threshold = min(m.region_threshold, m.relative * max(probs))
        keep_threshold = min(m.keep_threshold, m.relative * max(probs))
        weights = [math.log1p(len(_WORD.findall(line))) + 1.0 for line in lines]
        limit = _comments_start(lines, probs, keep_threshold)
        start, end = _best_run([(p - region_threshold) * w for p, w in zip(probs[:limit], weights)])
        if end <= start:  # no line is likely enough: the likeliest one is the article
            start = max(range(limit), key=lambda i: probs[i] * weights[i])
            end = start + 1
        keep = [False] * len(lines)
        for i in range(start, end):
            if probs[i] >= keep_threshold:
                keep[i] = True
        for i in range(start, end - 1):  # a heading of the text that follows stays with it
            if not keep[i] and keep[i + 1] and _is_heading(lines[i]):
                keep[i] = True
        if not any(keep):
            return lines, []
        kept = [line for line, k in zip(lines, keep) if k]
        removed = [{"rule": RULE, "text": line} for line, k in zip(lines, keep) if not k]
        return kept, removed


def _comments_start(lines: list[str], probs: list[float], threshold: float) -> int:
    """Where reader comments begin (the first "Name on <date> said:" line after some article
    text): the article ends there."""
    seen_text = False
    for i, (line, p) in enumerate(zip(lines, probs)):
        if seen_text and _COMMENT_HEADER.search(line):
            return i
        seen_text = seen_text or p >= threshold
    return len(lines)


def _is_heading(line: str) -> bool:
    words = _WORD.findall(line)
    return 0 < len(words) <= 12 and not _URL.search(line) and not is_section_heading(line)
