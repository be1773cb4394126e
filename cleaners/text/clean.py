"""The cleaning sequence every record goes through: normalization, boilerplate rules, repairs.

:func:`clean` returns the clean text, the removals and, when asked, a trace of every pass (what the
rules decided for each paragraph and what the repairs changed) that ``presswash inspect`` renders, so
the explanation is the cleaning itself, never a second run of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.record import Removal
from cleaners.text.boilerplate import RuleSet, Verdict
from cleaners.text.normalize import (
    MAX_PASSES,
    join_paragraphs,
    normalize_text,
    normalize_whitespace,
    remove_invisible,
    split_paragraphs,
)
from cleaners.text.repairs import repair_text


@dataclass(frozen=True)
class Pass:
    """One pass of the cleaning: the rules' verdict on each normalized paragraph, and each kept
    paragraph after the repairs (in the order of the verdicts that keep one; "" when nothing is left)."""

    verdicts: list[Verdict]
    repaired: list[str]


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: list[Removal]
    passes: list[Pass] | None = None  # with ``trace=True``


def clean(text: str, rules: RuleSet | None = None, trace: bool = False) -> Cleaned:
    """Normalize, remove boilerplate and repair ``text``, until a pass cuts nothing inside a paragraph.

    A cut inside a paragraph changes what is left around the rest, and ftfy judges mojibake by its
    context ("— Jane Doe (@jd) May 5, 2023aÄ¡" keeps "Ä¡"; "aÄ¡" alone becomes "aġ"), so the text is
    cleaned again then (at most :data:`~cleaners.text.normalize.MAX_PASSES` passes).
    """
    rules = rules or RuleSet.default()
    removed_all: list[Removal] = []
    passes: list[Pass] | None = [] if trace else None
    for _ in range(MAX_PASSES):
        paragraphs = split_paragraphs(normalize_text(text))
        verdicts = rules.judge(paragraphs)
        kept, removed = rules.outcome(verdicts)
        removed_all += removed
        # a cut can leave a zero-width joiner at a paragraph's edge, where it is debris: tidy again
        repaired = [normalize_whitespace(remove_invisible(repair_text(p))) for p in kept]
        if passes is not None:
            passes.append(Pass(verdicts, repaired))
        text = join_paragraphs([p for p in repaired if p])
        if not set(kept).difference(paragraphs):  # no paragraph was cut inside: done
            break
    return Cleaned(text, removed_all, passes)


def clean_text(text: str, rules: RuleSet | None = None) -> tuple[str, list[Removal]]:
    """Normalize, remove boilerplate and repair ``text``; return it with the removals.

    Idempotent: ``clean_text(clean_text(t)[0])[0] == clean_text(t)[0]``.

    >>> clean_text("Read Time:7 Minute, 0 Second\\n\\nThe drills.However it   went on.\\n\\nShare.")
    ('The drills. However it went on.', [{'rule': 'read-time', 'text': 'Read Time:7 Minute, 0 Second'}, {'rule': 'share-prompt', 'text': 'Share.'}])
    """
    cleaned = clean(text, rules)
    return cleaned.text, cleaned.removed
