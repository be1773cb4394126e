"""Leave-one-source-out choice: how a setting chosen on some sources does on a source it never saw.

Every threshold, weight, option or rule presswash chooses is chosen this way (issue 15): fit (here:
pick the variant with the best mean) on all sources but one, score the pick on the one left out, and
report the left-out scores. A variant that only wins on the source it was chosen on shows up as a
low left-out score.

>>> result = leave_one_source_out({"a": {"x": 0.9, "y": 0.5, "z": 0.7}, "b": {"x": 0.8, "y": 0.6, "z": 0.8}})
>>> [(row.left_out, row.chosen, row.score) for row in result.rows]
[('x', 'b', 0.8), ('y', 'a', 0.5), ('z', 'a', 0.7)]
>>> round(result.macro, 4)
0.6667
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Fold:
    left_out: str  # the source left out
    chosen: str  # the variant with the best mean over the other sources
    score: float  # the chosen variant's score on the left-out source
    best: str  # the variant that is best on the left-out source itself (what an oracle would pick)
    best_score: float


@dataclass(frozen=True)
class LosoResult:
    rows: list[Fold]
    macro: float | None  # mean of the left-out scores (None with fewer than two sources)
    sources: list[str]

    @property
    def picks(self) -> dict[str, int]:
        """How many folds chose each variant."""
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.chosen] = counts.get(row.chosen, 0) + 1
        return counts


def _best(scores: dict[str, dict[str, float]], sources: list[str]) -> str:
    # max() keeps the first of equal means: ties go to the variant listed first (list the simplest first)
    return max(scores, key=lambda variant: statistics.fmean(scores[variant][s] for s in sources))


def leave_one_source_out(scores: dict[str, dict[str, float]]) -> LosoResult:
    """``scores[variant][source]``, higher is better. For each source: the variant with the highest
    mean over the other sources (ties: the variant listed first), and its score on the source left
    out; ``macro`` is the mean of those left-out scores, the number to report.

    Only sources every variant has a score for take part. With fewer than two such sources there is
    nothing to fit on: no rows, ``macro`` None.
    """
    if not scores:
        return LosoResult([], None, [])
    variants = list(scores)
    sources = [s for s in scores[variants[0]] if all(s in scores[v] for v in variants)]
    if len(sources) < 2:
        return LosoResult([], None, sources)
    rows = []
    for left_out in sources:
        others = [s for s in sources if s != left_out]
        chosen = _best(scores, others)
        best = _best(scores, [left_out])
        rows.append(Fold(left_out, chosen, scores[chosen][left_out], best, scores[best][left_out]))
    return LosoResult(rows, statistics.fmean(row.score for row in rows), sources)
