"""Tag ``counts``: characters, words and paragraphs of the clean text.

>>> text_counts("One two.\\n\\nThree")
{'chars': 15, 'words': 3, 'paragraphs': 2}
"""

from __future__ import annotations

import re

from cleaners.tags import Tag

_WORD = re.compile(r"\w+")


def text_counts(text: str) -> dict[str, int]:
    """Characters, ``\\w+`` words and blank-line separated paragraphs of ``text``."""
    return {
        "chars": len(text),
        "words": len(_WORD.findall(text)),
        "paragraphs": text.count("\n\n") + 1 if text else 0,
    }


TAG = Tag("counts", lambda text, metadata: text_counts(text))
