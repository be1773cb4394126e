"""Why a line vanished or survived: one raw file cleaned, paragraph by paragraph, each removal with
the rule that made it (what ``presswash inspect`` shows).

The explanation is the cleaning itself: a :class:`~cleaners.pipeline.Cleaner` made with
``explain=True`` keeps a trace of what its reader and each cleaning pass decided
(:func:`cleaners.text.clean.clean`), and this module lays that trace out paragraph by paragraph;
nothing is cleaned twice. The layout is still checked against the outcome (the kept paragraphs must
join into its text, the removals must be its ``metadata.removed``); should they ever differ,
``paragraphs`` is None and callers show the clean text and the removals separately.

>>> from cleaners.text.clean import clean
>>> cleaned = clean("Read Time: 5 min\\n\\nThe story.\\n\\nPrevious post title\\n\\nMore story.\\n\\nPrevious post title\\n\\nShare.", trace=True)
>>> for p in layout(cleaned.passes, RuleSet.default()):
...     print(p.status, p.rule, repr(p.text), p.note or "")
removed read-time 'Read Time: 5 min'
kept None 'The story.'
kept None 'Previous post title' matches rule prev-next-post, which only removes paragraphs in the boilerplate at the start or end of a document
kept None 'More story.'
removed prev-next-post 'Previous post title'
removed share-prompt 'Share.'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from cleaners.config import CleanerConfig
from cleaners.pipeline import Cleaner
from cleaners.record import Document, Outcome, Rejection
from cleaners.text.boilerplate import RuleSet, Verdict
from cleaners.text.clean import Pass
from cleaners.text.normalize import join_paragraphs


@dataclass
class Paragraph:
    """One paragraph of the normalized text, and what cleaning did to it.

    ``status``: ``kept`` (``text`` is the final text, ``before`` the text before the small repairs if
    they changed it), ``removed`` (dropped whole by ``rule``) or ``emptied`` (nothing left once the
    inline removals were cut out). ``inline``: spans cut out of it, ``{"rule", "text"}``, and
    ``original`` the paragraph before they were. ``note``: for a kept paragraph that looks like
    boilerplate, why no rule removed it.
    """

    status: str
    text: str
    rule: str | None = None
    inline: list[dict[str, str]] = field(default_factory=list)
    before: str | None = None
    note: str | None = None
    original: str | None = None  # the paragraph before inline removals, when there were some

    def removals(self) -> list[dict[str, str]]:
        """This paragraph's entries in ``metadata.removed``, in order."""
        whole = [{"rule": self.rule, "text": self.text}] if self.status == "removed" else []
        return list(self.inline) + whole

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "text": self.text}
        if self.rule:
            out["rule"] = self.rule
        if self.inline:
            out["inline_removed"] = self.inline
        if self.before is not None:
            out["before_repair"] = self.before
        if self.note:
            out["note"] = self.note
        if self.original is not None:
            out["before_inline_removals"] = self.original
        return out


def mark_spans(text: str, removals: list[dict[str, str]]) -> list[tuple[str, dict[str, str] | None]]:
    """Split ``text`` into pieces, each either kept (None) or one of ``removals`` found in place;
    removals not found verbatim come last.

    >>> mark_spans("See this pic.twitter.com/abc now", [{"rule": "tweet-image-link", "text": "pic.twitter.com/abc"}])
    [('See this ', None), ('pic.twitter.com/abc', {'rule': 'tweet-image-link', 'text': 'pic.twitter.com/abc'}), (' now', None)]
    """
    claimed: list[tuple[int, int, dict[str, str]]] = []
    missing: list[dict[str, str]] = []
    for removal in removals:
        needle, start = removal["text"], 0
        while needle:
            i = text.find(needle, start)
            if i < 0 or not any(i < b and a < i + len(needle) for a, b, _ in claimed):
                break
            start = i + 1
        if not needle or i < 0:
            missing.append(removal)
        else:
            claimed.append((i, i + len(needle), removal))
    pieces: list[tuple[str, dict[str, str] | None]] = []
    cursor = 0
    for a, b, removal in sorted(claimed, key=lambda c: c[0]):
        if a > cursor:
            pieces.append((text[cursor:a], None))
        pieces.append((text[a:b], removal))
        cursor = b
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    pieces.extend((r["text"], r) for r in missing)
    return pieces


def _why_kept(text: str, edge_rule, rules: RuleSet) -> str | None:
    if edge_rule is not None:
        return f"matches rule {edge_rule.name}, which only removes paragraphs in the boilerplate at the start or end of a document"
    for rule in rules.paragraph:
        if rule.max_chars is not None and len(text) > rule.max_chars and rule.pattern.fullmatch(text):
            return f"matches rule {rule.name} but is longer than its max_chars ({len(text)} > {rule.max_chars})"
    return None


@dataclass
class Explanation:
    """One outcome of a raw file (a Document or a Rejection) with how its text was cleaned.

    ``reader_removed``: removals made while reading, before cleaning. ``paragraphs``: the cleaning,
    paragraph by paragraph; None for a file rejected before cleaning, or if the check against the
    real cleaner failed (``checked`` False).
    """

    outcome: Outcome
    reader_removed: list[dict[str, str]] = field(default_factory=list)
    paragraphs: list[Paragraph] | None = None
    checked: bool = True

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any]
        if isinstance(self.outcome, Document):
            base = {"status": "document", "id": self.outcome.id, "metadata": self.outcome.metadata, "text": self.outcome.text}
        else:
            base = {"status": "rejected", "source": self.outcome.source, "error": self.outcome.error}
        base["reader_removed"] = self.reader_removed
        base["paragraphs"] = None if self.paragraphs is None else [p.to_json() for p in self.paragraphs]
        base["explanation_checked"] = self.checked
        return base


def explain_file(path: str | Path, config: CleanerConfig | None = None) -> Iterator[Explanation]:
    """Clean the raw file at ``path`` like ``presswash clean`` does and explain every outcome."""
    cleaner = Cleaner(config, explain=True)
    for outcome in cleaner.process_file(path):
        trace = outcome.trace
        if trace is None:  # rejected before cleaning
            yield Explanation(outcome)
            continue
        reader_removed = trace["reader_removed"]
        paragraphs = layout(trace["passes"], cleaner.rules)
        checked = paragraphs is not None and _agrees(outcome, paragraphs, reader_removed)
        if checked and "read" in trace:
            paragraphs, reader_removed = _with_reader_removals(trace["read"], reader_removed, paragraphs)
        yield Explanation(outcome, reader_removed, paragraphs if checked else None, checked)


def layout(passes: list[Pass], rules: RuleSet) -> list[Paragraph] | None:
    """The paragraphs of the first pass with what every pass did to them; None when a later pass's
    paragraphs cannot be matched one for one to the ones the pass before kept."""
    paragraphs = annotate(passes[0].verdicts, rules)
    _repaired(paragraphs, passes[0].repaired)
    for later in passes[1:]:
        kept = [p for p in paragraphs if p.status == "kept"]
        if len(kept) != len(later.verdicts):
            return None
        for p, v in zip(kept, later.verdicts):
            p.inline = p.inline + v.inline
            if v.text is None:
                p.status = "emptied"
            elif v.removed:
                p.status, p.rule, p.text = "removed", v.rule.name, v.text
        _repaired(kept, later.repaired)
    return paragraphs


def _repaired(paragraphs: list[Paragraph], repaired: list[str]) -> None:
    """Give each kept paragraph its text after the repairs (an empty one is emptied)."""
    texts = iter(repaired)
    for p in paragraphs:
        if p.status != "kept":
            continue
        text = next(texts)
        if not text:
            p.status = "emptied"
        elif text != p.text:
            p.before, p.text = p.before or p.text, text


def annotate(verdicts: list[Verdict], rules: RuleSet) -> list[Paragraph]:
    """The rules' verdicts (:meth:`RuleSet.judge`), paragraph by paragraph (repairs not applied)."""
    out: list[Paragraph] = []
    for v in verdicts:
        before_cuts = v.original if v.inline else None
        if v.text is None:
            out.append(Paragraph("emptied", "", inline=v.inline, original=before_cuts))
        elif v.removed:
            out.append(Paragraph("removed", v.text, rule=v.rule.name, inline=v.inline, original=before_cuts))
        else:
            out.append(Paragraph("kept", v.text, inline=v.inline, note=_why_kept(v.text, v.rule, rules), original=before_cuts))
    return out


def _with_reader_removals(read: list[str], reader_removed: list[dict[str, str]], cleaned: list[Paragraph]) -> tuple[list[Paragraph], list[dict[str, str]]]:
    """Put the paragraphs the plain-text reader removed back in their places among the cleaning's
    paragraphs; what cannot be placed stays in the reader's list."""
    pending = list(reader_removed)
    rest = iter(cleaned)
    view: list[Paragraph] = []
    for paragraph in read:
        match = next((i for i, r in enumerate(pending) if r["text"] == paragraph), None)
        if match is not None:
            view.append(Paragraph("removed", paragraph, rule=pending.pop(match)["rule"]))
        else:
            following = next(rest, None)
            if following is not None:
                view.append(following)
    view.extend(rest)
    return view, pending


def _agrees(outcome: Outcome, paragraphs: list[Paragraph], reader_removed: list[dict[str, str]]) -> bool:
    """The layout accounts for exactly the outcome's text and removals (a later pass's removals are
    listed with their paragraph, so the order may differ from ``metadata.removed``)."""
    removed = [r for p in paragraphs for r in p.removals()]
    text = join_paragraphs([p.text for p in paragraphs if p.status == "kept"])
    if isinstance(outcome, Document):
        key = lambda r: (r["rule"], r["text"])  # noqa: E731
        return outcome.text == text and sorted(outcome.metadata.get("removed") or [], key=key) == sorted(reader_removed + removed, key=key)
    return isinstance(outcome, Rejection) and not text  # "no text left after cleaning"
