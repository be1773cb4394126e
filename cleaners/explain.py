"""Why a line vanished or survived: one raw file cleaned, paragraph by paragraph, each removal with
the rule that made it (what ``presswash inspect`` shows).

The explanation is checked against the real cleaner: the kept paragraphs must join into exactly the
text :class:`~cleaners.pipeline.Cleaner` produces and the removals must be exactly its
``metadata.removed``. If they ever differ (the cleaning steps changed and this module did not
follow), ``paragraphs`` is None and callers show the clean text and the removals separately.

>>> from cleaners.text.boilerplate import RuleSet
>>> paragraphs = ["Read Time: 5 min", "The story.", "Previous post title", "More story.", "Previous post title", "Share."]
>>> for p in annotate(paragraphs, RuleSet.default()):
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
from cleaners.pipeline import Cleaner, Outcome
from cleaners.readers.plaintext import split_text_paragraphs
from cleaners.record import Document, Rejection
from cleaners.text.boilerplate import RuleSet
from cleaners.text.normalize import join_paragraphs, normalize_text, split_paragraphs
from cleaners.text.repairs import repair_text


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


def annotate(paragraphs: list[str], rules: RuleSet) -> list[Paragraph]:
    """What ``rules.apply`` does to ``paragraphs``, paragraph by paragraph (repairs not applied)."""
    out: list[Paragraph] = []
    for v in rules.judge(paragraphs):
        before_cuts = v.original if v.inline else None
        if v.text is None:
            out.append(Paragraph("emptied", "", inline=v.inline, original=before_cuts))
        elif v.removed:
            out.append(Paragraph("removed", v.text, rule=v.rule.name, inline=v.inline, original=before_cuts))
        else:
            out.append(Paragraph("kept", v.text, inline=v.inline, note=_why_kept(v.text, v.rule, rules), original=before_cuts))
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


class _Recording(Cleaner):
    """A Cleaner that remembers what each record looked like just before cleaning, and, for plain
    text, the paragraphs the reader started from (its rules and line classifier remove some)."""

    def __init__(self, config: CleanerConfig | None = None):
        super().__init__(config)
        self.last: tuple[str, list[dict[str, str]]] | None = None
        self.read_paragraphs: list[str] | None = None

    def _plain_text_document(self, source, index, text):
        self.read_paragraphs = [" ".join(p.split()) for p in split_text_paragraphs(text)]
        return super()._plain_text_document(source, index, text)

    def clean_document(self, doc: Document) -> Outcome:
        self.last = (doc.text, [dict(r) for r in doc.metadata.get("removed") or ()])
        return super().clean_document(doc)


def explain_file(path: str | Path, config: CleanerConfig | None = None) -> Iterator[Explanation]:
    """Clean the raw file at ``path`` like ``presswash clean`` does and explain every outcome."""
    path = Path(path)
    cleaner = _Recording(config)
    for outcome in cleaner.process_file(path.parent, path.name):
        captured, cleaner.last = cleaner.last, None
        read, cleaner.read_paragraphs = cleaner.read_paragraphs, None
        if captured is None:
            yield Explanation(outcome)
            continue
        before, reader_removed = captured
        paragraphs = _paragraphs(before, cleaner.rules)
        checked = _agrees(outcome, paragraphs, reader_removed)
        if checked and read is not None:
            paragraphs, reader_removed = _with_reader_removals(read, reader_removed, paragraphs)
        yield Explanation(outcome, reader_removed, paragraphs if checked else None, checked)


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


def _paragraphs(text: str, rules: RuleSet) -> list[Paragraph]:
    paragraphs = annotate(split_paragraphs(normalize_text(text)), rules)
    for p in paragraphs:
        if p.status == "kept":
            repaired = repair_text(p.text)
            if repaired != p.text:
                p.before, p.text = p.text, repaired
    return paragraphs


def _agrees(outcome: Outcome, paragraphs: list[Paragraph], reader_removed: list[dict[str, str]]) -> bool:
    removed = [r for p in paragraphs for r in p.removals()]
    text = join_paragraphs([p.text for p in paragraphs if p.status == "kept"])
    if isinstance(outcome, Document):
        return outcome.text == text and outcome.metadata.get("removed") == reader_removed + removed
    return isinstance(outcome, Rejection) and not text  # "no text left after cleaning"
