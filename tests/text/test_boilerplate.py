"""Boilerplate rules: data-driven, audited, and careful with real prose."""

from __future__ import annotations

import pytest

from cleaners import Cleaner, CleanerConfig, RuleSet, clean_text
from cleaners.text.boilerplate import RulesError


def test_every_bundled_rule_has_a_name_and_description():
    rules = RuleSet.default().rules
    assert len(rules) >= 10
    assert len({r.name for r in rules}) == len(rules)
    assert all(r.description for r in rules)


def test_edge_rules_only_remove_runs_at_the_edges():
    rules = RuleSet.default()
    body = ["First real paragraph of the story.", "Related", "Second real paragraph of the story."]
    kept, removed = rules.apply(body + ["Related", "Next post Something else entirely"])
    assert kept == body  # "Related" in the middle is kept, the trailing run is removed
    assert [r["rule"] for r in removed] == ["like-related", "prev-next-post"]


def test_rules_do_not_eat_prose_that_merely_starts_like_chrome():
    text = (
        "Share prices fell sharply on Monday after the announcement.\n\n"
        "Leave a reply at the front desk, the sign said, and someone will call you.\n\n"
        "Five stars were awarded to the restaurant by the guide."
    )
    cleaned, removed = clean_text(text)
    assert cleaned == text
    assert removed == []


def test_inline_rules_keep_the_quoted_words():
    cleaned, removed = clean_text("We must act now. pic.twitter.com/AbC123xyz\n\nHello — Jane Doe (@jdoe) March 3, 2021")
    assert cleaned == "We must act now.\n\nHello"
    assert {r["rule"] for r in removed} == {"tweet-image-link", "tweet-attribution"}


def test_user_rules_file_adds_a_rule(tmp_path):
    rules_file = tmp_path / "mine.toml"
    rules_file.write_text(
        '[[rule]]\nname = "ledger-promo"\ndescription = "house ad"\npattern = \'\'\'support the ledger.*\'\'\'\n',
        encoding="utf-8",
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("A story about the harbour and the town.\n\nSupport the Ledger: subscribe today!\n", encoding="utf-8")
    doc = next(Cleaner(CleanerConfig(rules_files=(str(rules_file),))).process_file(raw, "a.txt"))
    assert doc.text == "A story about the harbour and the town."
    assert doc.metadata["removed"] == [{"rule": "ledger-promo", "text": "Support the Ledger: subscribe today!"}]


@pytest.mark.parametrize(
    "content, message",
    [
        ('[[rule]]\npattern = "x"\n', "has no name"),
        ('[[rule]]\nname = "share-prompt"\npattern = "x"\n', "defined twice"),
        ('[[rule]]\nname = "bad"\npattern = "(unclosed"\n', "bad pattern"),
        ('[[rule]]\nname = "bad"\npattern = "x"\nscope = "page"\n', "scope must be"),
        ('[[rule]]\nname = "bad"\npattern = "x"\ncolour = "red"\n', "unknown keys: colour"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_bad_rules_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        RuleSet.load(path)
