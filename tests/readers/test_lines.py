"""The plain-text line classifier and the related-section cut (issue 4)."""

from __future__ import annotations

from cleaners import Cleaner
from cleaners.readers.html.sections import cut_related_section, is_section_heading
from cleaners.readers.lines import LineClassifier
from cleaners.readers.plaintext import split_text_paragraphs
from tests.conftest import FIXTURES

ARTICLE = [
    "The town council of Harbour Town voted seven to two on Tuesday evening to restore the stone lighthouse that has stood dark on the north breakwater since 1987, ending a decade of argument over whether the tower was a landmark or a liability.",
    "Restoration will cost an estimated 2.4 million euros, about half of it covered by a regional heritage grant. The rest will come from the harbour fund and from a public subscription that residents started last autumn.",
    "A tower with a long memory",
    "Built in 1868 from granite quarried on the island, the lighthouse guided fishing boats into the harbour for more than a century. Its keeper's cottage served as the town's first post office, and generations of children climbed its 112 steps on school trips.",
    "\"Everyone here has a story about that tower,\" said councillor Ilse Marten, who proposed the plan. \"We are not restoring a building, we are keeping a promise to the people who kept the light burning.\"",
    "Engineers will survey the foundations this spring. If the breakwater proves sound, work on the lantern room could begin in September and finish before the summer season of 2026.",
]


def test_a_flattened_page_keeps_its_article_and_headings_and_loses_the_chrome():
    [doc] = Cleaner().process_file(FIXTURES, "flattened-page.txt")
    assert doc.text.split("\n\n") == ARTICLE
    removed = doc.metadata["removed"]
    by_classifier = [r["text"] for r in removed if r["rule"] == "line-classifier"]
    # menus, the byline, the footer, the "most popular" headlines and the reader comments
    for chrome in ("Home", "Sign in", "By Maren Holt | March 14, 2024 | 4 min read", "Most Popular",
                   "Fish market reopens after renovation", "Privacy Policy", "© 2024 The Coastal Ledger. All rights reserved.",
                   "Jonas on March 14, 2024 at 9:12 pm said:"):
        assert chrome in by_classifier, chrome
    assert any(text.startswith("Two million for a tower nobody needs") for text in by_classifier)  # a comment, prose or not
    # the named rules had their turn first and keep their names in the audit trail
    assert {"rule": "share-prompt", "text": "Share this:"} in removed
    assert {"rule": "comment-prompt", "text": "3 Comments"} in removed
    # every line of the page is accounted for: kept or recorded as removed
    raw_lines = [" ".join(line.split()) for line in split_text_paragraphs((FIXTURES / "flattened-page.txt").read_text())]
    assert sorted(ARTICLE + [r["text"] for r in removed]) == sorted(raw_lines)


def test_clean_text_with_headings_and_a_list_is_left_alone():
    text = ARTICLE[:3] + ["What the plan includes:", "- a new lantern", "- a repaired cottage roof", "- a museum room"] + ARTICLE[3:]
    kept, removed = LineClassifier.default().strip_chrome(text)
    assert kept == text and removed == []


def test_probabilities_rank_prose_above_chrome():
    classifier = LineClassifier.default()
    lines = ["Home", "News", "Contact us", *ARTICLE[:2], "Privacy Policy", "Cookie settings"]
    probs = dict(zip(lines, classifier.probabilities(lines, "en")))
    assert min(probs[line] for line in ARTICLE[:2]) > max(probs[line] for line in ("Home", "Contact us", "Privacy Policy", "Cookie settings"))


def test_reader_comments_end_the_article():
    lines = ["Home", "Blog", "About", "Archive", "Contact", "Search", "Subscribe",
             *ARTICLE[:2],
             "Ana on May 2, 2024 at 10:01 am said:",
             "I grew up next to that lighthouse and I still remember the sound of the foghorn on winter nights, it kept the whole town awake.",
             "Ben on May 3, 2024 at 8:15 pm said:",
             "This is a waste of money when the harbour itself needs dredging so badly that the ferry runs aground twice a year.",
             "Privacy Policy", "Terms of use"]
    kept, removed = LineClassifier.default().classify(lines, "en")
    assert kept == ARTICLE[:2]


def test_a_short_page_with_little_text_keeps_it():
    lines = ["Home", "News", "Sport", "Contact", "Subscribe", ARTICLE[1], "Privacy Policy", "Terms of use", "Cookies"]
    kept, _ = LineClassifier.default().classify(lines, "en")
    assert kept == [ARTICLE[1]]


def test_related_section_is_cut_only_when_teasers_follow():
    long_text = ARTICLE[0] + " " + ARTICLE[1]
    kept, removed = cut_related_section([long_text, "You might also like:", "Ten ways to cook rice", "Why bread rises"])
    assert kept == [long_text] and [r["rule"] for r in removed] == ["related-section"] * 3
    # a heading of the article itself ("Comments" on a topic, followed by prose) stays
    paragraphs = [long_text, "Related", ARTICLE[3] + " " + ARTICLE[4]]
    assert cut_related_section(paragraphs) == (paragraphs, [])
    # at the very start there is no article before it to end
    assert cut_related_section(["Related posts", "Short one", "Short two"])[1] == []
    assert is_section_heading("Ähnliche Beiträge") and is_section_heading("Te puede interesar:")
    assert not is_section_heading("Related to the budget, the council also voted on the ferry")


# -- speed-ups that must not change a single value (issue 6) ------------------------------------------

def _fixture_lines() -> list[str]:
    text = (FIXTURES / "flattened-page.txt").read_text(encoding="utf-8")
    return [" ".join(p.split()) for p in split_text_paragraphs(text)]


def test_comment_marker_split_in_three_answers_as_the_single_pattern():
    from cleaners.readers.lines import _COMMENT, _comment_marker

    samples = _fixture_lines() + [
        "Jonas on March 14, 2024 at 9:12 pm said:", "Reply", "reply to this", "Antworten", "Répondre ici",
        "She said: no", "He wrote :", "Posted at 10.45 AM", "at 9:12pm", "at 19.30 Uhr", "a 123:45 pm", "x 1:2 pm",
        "preply", "Said:", "SAYS : ", "We met at 9:12", "Ana a écrit :", "8.30am sharp", "", ":", ".",
    ]
    for line in samples:
        assert _comment_marker(line) == bool(_COMMENT.search(line)), line


def test_line_features_are_the_same_from_the_per_line_cache_and_follow_the_rules_in_use():
    from cleaners.readers import lines as lines_module
    from cleaners.readers.lines import _default_model, line_features
    from cleaners.text.boilerplate import RuleSet

    page = _fixture_lines()
    chrome = _default_model().chrome_pattern
    lines_module._local_cache.clear()
    cold = line_features(page, "en", RuleSet.default(), chrome)
    warm = line_features(page, "en", RuleSet.default(), chrome)
    assert cold == warm and len(lines_module._local_cache) > 0
    # another rule set is another key: a line only the house rules match is flagged by them alone
    house = RuleSet.load(FIXTURES / "house-rules.toml")
    flagged = [row["boilerplate_rule"] for row in line_features(["Support the Ledger with a monthly gift today."], "en", house, chrome)]
    plain = [row["boilerplate_rule"] for row in line_features(["Support the Ledger with a monthly gift today."], "en", RuleSet.default(), chrome)]
    assert flagged == [1.0] and plain == [0.0]
