"""The cleaning sequence every record goes through: normalization, boilerplate rules, repairs."""

from __future__ import annotations

from cleaners.text.boilerplate import RuleSet
from cleaners.text.normalize import (
    MAX_PASSES,
    join_paragraphs,
    normalize_text,
    normalize_whitespace,
    remove_invisible,
    split_paragraphs,
)
from cleaners.text.repairs import repair_text


def clean_text(text: str, rules: RuleSet | None = None) -> tuple[str, list[dict]]:
    """Normalize, remove boilerplate and repair ``text``; return it with the removals.

    Idempotent: ``clean_text(clean_text(t)[0])[0] == clean_text(t)[0]``.

    >>> clean_text("Read Time:7 Minute, 0 Second\\n\\nThe drills.However it   went on.\\n\\nShare.")
    ('The drills. However it went on.', [{'rule': 'read-time', 'text': 'Read Time:7 Minute, 0 Second'}, {'rule': 'share-prompt', 'text': 'Share.'}])
    """
    rules = rules or RuleSet.default()
    removed_all: list[dict] = []
    for _ in range(MAX_PASSES):
        paragraphs = split_paragraphs(normalize_text(text))
        kept, removed = rules.apply(paragraphs)
        removed_all += removed
        # a cut can leave a zero-width joiner at a paragraph's edge, where it is debris: tidy again
        repaired = [normalize_whitespace(remove_invisible(repair_text(p))) for p in kept]
        text = join_paragraphs([p for p in repaired if p])
        if not set(kept).difference(paragraphs):  # no paragraph was cut inside: done
            break
        # a cut inside a paragraph changes what is left around the rest, and ftfy judges mojibake by
        # its context ("— Jane Doe (@jd) May 5, 2023aÄ¡" keeps "Ä¡"; "aÄ¡" alone becomes "aġ"): again
    return text, removed_all
