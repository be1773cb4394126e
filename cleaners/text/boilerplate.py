"""Boilerplate removal driven by named rules kept as data (``rules/boilerplate.toml``).

Every removal is recorded as ``{"rule": name, "text": what was removed}`` so a user can audit it.

>>> rules = RuleSet.default()
>>> kept, removed = rules.apply(["Read Time:7 Minute, 0 Second", "The article.", "Share.", "Exit mobile version"])
>>> kept
['The article.']
>>> [r["rule"] for r in removed]
['read-time', 'share-prompt', 'exit-mobile-version']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

from cleaners.text.normalize import remove_invisible

_SCOPES = ("paragraph", "inline")
_SPACES = re.compile(r"\s+")
_WHERE = ("anywhere", "edges")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    scope: str = "paragraph"
    where: str = "anywhere"
    max_chars: int | None = None
    description: str = ""
    origin: str = ""

    def matches_paragraph(self, paragraph: str) -> bool:
        if self.max_chars is not None and len(paragraph) > self.max_chars:
            return False
        return self.pattern.fullmatch(paragraph) is not None


def _compile_rule(raw: dict, origin: str) -> Rule:
    name = raw.get("name")
    if not name or not isinstance(name, str):
        raise RulesError(f"{origin}: a rule has no name")
    unknown = set(raw) - {"name", "pattern", "scope", "where", "max_chars", "description", "case_sensitive"}
    if unknown:
        raise RulesError(f"{origin}: rule {name!r} has unknown keys: {', '.join(sorted(unknown))}")
    scope = raw.get("scope", "paragraph")
    where = raw.get("where", "anywhere")
    if scope not in _SCOPES:
        raise RulesError(f"{origin}: rule {name!r}: scope must be one of {_SCOPES}, not {scope!r}")
    if where not in _WHERE:
        raise RulesError(f"{origin}: rule {name!r}: where must be one of {_WHERE}, not {where!r}")
    if scope == "inline" and where != "anywhere":
        raise RulesError(f"{origin}: rule {name!r}: inline rules apply anywhere")
    flags = 0 if raw.get("case_sensitive", False) else re.IGNORECASE
    try:
        pattern = re.compile(raw.get("pattern", ""), flags)
    except re.error as exc:
        raise RulesError(f"{origin}: rule {name!r}: bad pattern: {exc}") from None
    if not pattern.pattern:
        raise RulesError(f"{origin}: rule {name!r} has no pattern")
    max_chars = raw.get("max_chars")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars <= 0):
        raise RulesError(f"{origin}: rule {name!r}: max_chars must be a positive integer")
    return Rule(name, pattern, scope, where, max_chars, raw.get("description", ""), origin)


def load_rules_file(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"cannot read rules file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules file {path} is not valid TOML: {exc}") from None
    return [_compile_rule(raw, str(path)) for raw in data.get("rule", [])]


class RuleSet:
    """An ordered set of boilerplate rules; later files may add rules but not reuse a name."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules: list[Rule] = []
        seen: dict[str, str] = {}
        for rule in rules:
            if rule.name in seen:
                raise RulesError(f"rule name {rule.name!r} is defined twice ({seen[rule.name]} and {rule.origin})")
            seen[rule.name] = rule.origin
            self.rules.append(rule)
        self.inline = [r for r in self.rules if r.scope == "inline"]
        self.paragraph = [r for r in self.rules if r.scope == "paragraph"]

    @classmethod
    def default(cls) -> "RuleSet":
        return _default_ruleset()

    @classmethod
    def load(cls, *paths: str | Path, include_default: bool = True) -> "RuleSet":
        rules = list(_default_ruleset().rules) if include_default else []
        for path in paths:
            rules.extend(load_rules_file(path))
        return cls(rules)

    def judge(self, paragraphs: list[str]) -> list["Verdict"]:
        """What the rules do to each paragraph: the spans inline rules cut, and whether a paragraph
        rule removes what is left (``inspect`` shows this; :meth:`apply` acts on it)."""
        verdicts: list[Verdict] = []
        for paragraph in paragraphs:
            original, cut = paragraph, []
            for rule in self.inline:
                if rule.pattern.search(paragraph):
                    cut.extend({"rule": rule.name, "text": m.group().strip()} for m in rule.pattern.finditer(paragraph))
                    # a space where the match was: "word</span>word" must not become one word; a
                    # zero-width joiner the cut left at an edge is debris
                    paragraph = _SPACES.sub(" ", remove_invisible(rule.pattern.sub(" ", paragraph))).strip()
            text = paragraph or None
            rule = None if text is None else next((r for r in self.paragraph if r.matches_paragraph(text)), None)
            verdicts.append(Verdict(original, text, cut, rule, removed=rule is not None and rule.where == "anywhere"))
        # "edges" rules remove only the run of boilerplate (or emptied paragraphs) at either end
        for order in (range(len(verdicts)), range(len(verdicts) - 1, -1, -1)):
            for i in order:
                v = verdicts[i]
                if v.text is not None and v.rule is None:
                    break
                if v.rule is not None:
                    v.removed = True
        return verdicts

    def apply(self, paragraphs: list[str]) -> tuple[list[str], list[dict]]:
        """Return the paragraphs that are not boilerplate, and the removals in document order."""
        return self.outcome(self.judge(paragraphs))

    @staticmethod
    def outcome(verdicts: list["Verdict"]) -> tuple[list[str], list[dict]]:
        """What :meth:`judge`'s verdicts leave: the kept paragraphs, and the removals in document order."""
        kept: list[str] = []
        removed: list[dict] = []
        for v in verdicts:
            removed.extend(v.inline)
            if v.removed:
                removed.append({"rule": v.rule.name, "text": v.text})
            elif v.text is not None:
                kept.append(v.text)
        return kept, removed


@dataclass
class Verdict:
    """One paragraph under the rules: ``text`` after inline cuts (None if nothing is left), the cuts,
    the paragraph rule that matches it (if any) and whether that rule removes it (an ``edges`` rule
    only removes paragraphs in the boilerplate run at the start or end)."""

    original: str
    text: str | None
    inline: list[dict]
    rule: Rule | None
    removed: bool


@lru_cache(maxsize=1)
def _default_ruleset() -> RuleSet:
    resource = resources.files("cleaners") / "rules" / "boilerplate.toml"
    with resources.as_file(resource) as path:
        return RuleSet(load_rules_file(path))
