"""Tag ``language``: the ISO 639-1 code of the clean text's language (py3langid), or None when the
text is too short or the guess is unsure."""

from __future__ import annotations

import re
from functools import lru_cache

from cleaners.tags import Tag

_WORD = re.compile(r"\w+")

LANGUAGE_SAMPLE_CHARS = 4000
LANGUAGE_MIN_LETTERS = 20
LANGUAGE_MIN_PROBABILITY = 0.5


@lru_cache(maxsize=1)
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid), or None when too short or unsure."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample[:200]) < LANGUAGE_MIN_LETTERS and len(_WORD.findall(sample)) < 5:
        return None
    language, probability = _language_identifier().classify(sample)
    return language if probability >= LANGUAGE_MIN_PROBABILITY else None


TAG = Tag("language", lambda text, metadata: detect_language(text))
