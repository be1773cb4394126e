"""The quality benchmark runs end to end on a tiny fixture folder, so it cannot rot; its metric, its
line matching, its metadata comparison and the leave-one-source-out harness are checked on examples
computed by hand.

No score or time of a system is asserted: the benchmark measures, the tests check that it runs, finds
every set shape, covers every part and produces a well-formed report.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

EVAL_MINI = FIXTURES / "eval-mini"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quality():
    return load("quality")


def test_every_set_shape_is_found(quality):
    sets = {s.name: s for s in quality.discover(EVAL_MINI)}
    assert {name: s.shape for name, s in sets.items()} == {
        "article-extraction": "gold-text", "boilerplate-snippets": "snippets", "cleaneval": "gold-text",
        "fundus": "gold-text", "goose3": "goose3", "newspaper4k": "newspaper4k", "oscar-lines": "lines",
        "wordpress-rest": "wordpress-rest", "wordpress-rest-more": "wordpress-rest", "wordpress-wxr": "wxr",
    }
    assert [p.id for p in sets["cleaneval"].pages] == ["dev-1", "dev-2"]
    assert sets["fundus"].pages[0].metadata["authors"] == ["Anna Berger", "Jonas Wirth"]
    assert sets["goose3"].weak and sets["goose3"].pages[0].prefix
    assert [p.id for p in sets["newspaper4k"].pages] == ["article"]  # the entry without a page is left out
    assert sorted(sets["article-extraction"].flattened) == ["html-text", "inscriptis"]
    assert [len(docs) for docs in sets["oscar-lines"].lines.values()] == [2]
    # the post with empty content and the users file are not gold
    assert [len(quality.wordpress_posts(p)) for p in sets["wordpress-rest-more"].files] == [1, 0]


def test_quality_benchmark_smoke(quality, tmp_path, capsys):
    target, pages = tmp_path / "quality.md", tmp_path / "pages.jsonl"
    assert quality.main([str(EVAL_MINI), "--output", str(target), "--profile", "3", "--pages-out", str(pages)]) == 0
    report = target.read_text(encoding="utf-8")
    assert capsys.readouterr().out == report
    rows = [line.split(" | ") for line in report.splitlines() if line.startswith("| ") and not line.startswith("| measure")]
    measures = {(row[0].removeprefix("| "), row[1]) for row in rows}
    for expected in [
        ("HTML main text: P / R / F1", "article-extraction"), ("HTML main text: P / R / F1", "cleaneval"),
        ("HTML main text: P / R / F1", "fundus"), ("HTML main text: macro F1", "3 sources"),
        ("Snippets: must-keep kept (higher is better)", "boilerplate-snippets"),
        ("Snippets: must-drop leaked (lower is better)", "boilerplate-snippets"),
        ("Weak gold, text: recall of the expected start of the text", "goose3"),
        ("Weak gold, text: P / R / F1", "newspaper4k"),
        ("HTML CPU per page (× bare trafilatura)", "all HTML pages"),
        ("Metadata exact: title", "fundus"), ("Metadata exact: author", "fundus"),
        ("Metadata exact: published", "fundus"), ("Metadata exact: url", "fundus"),
        ("Metadata exact (weak gold): url", "goose3"), ("Metadata exact (weak gold): author", "newspaper4k"),
        ("Plain text, shipped `inscriptis` dumps, reported half: P / R / F1", "article-extraction"),
        ("Lines: main-text kept / chrome leaked", "oscar-lines en"),
        ("WordPress REST metadata exact (every post/page with text)", "wordpress-rest"),
        ("WordPress REST metadata exact (every post/page with text)", "wordpress-rest-more"),
        ("WordPress WXR exports", "wordpress-wxr"),
    ]:
        assert expected in measures, expected
    if importlib.util.find_spec("html_text"):  # a benchmark tool, not a presswash dependency
        assert ("Plain text, whole-page `html-text` dumps: P / R / F1", "cleaneval") in measures
        assert ("Plain text, whole-page `html-text` dumps: macro F1", "3 sources") in measures
        assert ("Plain text, whole-page `html-text` dumps: snippets must-drop leaked", "boilerplate-snippets") in measures
    else:
        assert "Plain text of the HTML sets not measured: `html-text` is not installed" in report
    for score in re.findall(r"(\d\.\d{3}) / (\d\.\d{3}) / \*\*(\d\.\d{3})\*\*", report):
        assert all(0.0 <= float(x) <= 1.0 for x in score)
    cpu = [row for row in rows if row[0] == "| HTML CPU per page (× bare trafilatura)"]
    assert len(cpu) == 7 and all(re.fullmatch(r"\d+\.\d ms \(\d+\.\d\d×\)", cell) for row in cpu for cell in row[3:6])
    assert "## Leave one source out: the three systems" in report
    assert "## Leave one source out: trafilatura options" in report
    loso = report.split("## Leave one source out: the three systems")[1].split("##")[0]
    assert [line.split(" | ")[0] for line in loso.splitlines() if line.startswith("| ") and "---" not in line][1:] == [
        "| article-extraction", "| boilerplate-snippets", "| cleaneval", "| fundus", "| **left-out macro**"]
    assert "| whole `process_bytes` |" in report and "trafilatura `bare_extraction`" in report
    assert "title 1/1, url 1/1, published 1/1, modified 1/1, slug 1/1, id 1/1; read 1/1" in report  # wordpress-rest-more
    assert "Formats presswash read the HTML pages as" in report
    records = [json.loads(line) for line in pages.read_text(encoding="utf-8").splitlines()]
    assert {r["system"] for r in records} >= {"presswash", "trafilatura", "trafilatura fast", "grid:full+precision"}


def test_one_set_and_one_part(quality, tmp_path, capsys):
    target = tmp_path / "quality.md"
    assert quality.main([str(EVAL_MINI), "--only", "cleaneval", "--only", "html", "--limit", "1", "--output", str(target)]) == 0
    report = target.read_text(encoding="utf-8")
    assert "| HTML main text: P / R / F1 | cleaneval | 1 |" in report
    assert "fundus" not in report and "Plain text" not in report and "Leave one source out" not in report  # one source: no fold
    with pytest.raises(SystemExit):
        quality.main([str(EVAL_MINI), "--only", "no-such-set"])


def test_a_system_that_raises_costs_one_page(quality, monkeypatch):
    def broken(data, **options):
        raise ValueError("boom")

    monkeypatch.setattr(quality.trafilatura, "extract", broken)
    out = quality.run_system("trafilatura", b"<html><body><p>Hi</p></body></html>", "x.html", None)
    assert (out.text, out.error) == ("", "ValueError: boom")


# -- the metric, by hand --------------------------------------------------------------------------

def test_tokens_are_case_sensitive_as_upstream(quality):
    assert quality.match("The cat sat on", "the cat sat on") == (0, 1, 1)
    assert quality.match("The cat sat on", "The cat sat on") == (1, 0, 0)


def test_shingles_are_a_multiset_and_short_texts_one_shingle(quality):
    assert quality.shingles("a b c d a b c d") == {("a", "b", "c", "d"): 2, ("b", "c", "d", "a"): 1,
                                                    ("c", "d", "a", "b"): 1, ("d", "a", "b", "c"): 1}
    assert quality.match("a b c d a b c d", "a b c d") == (1, 0, 4)
    assert quality.shingles("two words") == {("two", "words"): 1}
    assert quality.shingles("") == {}


def test_score_averages_each_side_where_it_is_defined(quality):
    # page 1: P 2/4, R 2/2; page 2: nothing predicted (no precision), R 0/3; page 3: both empty (neither)
    score = quality.Score.of([(2, 2, 0), (0, 0, 3), (0, 0, 0)])
    assert (score.precision, score.recall, score.f1) == (0.5, 0.5, 0.5)
    gold = "One two three four five six"
    p = quality.Score.of([quality.match(gold, "One two three four five six seven eight")])
    assert (round(p.precision, 3), p.recall) == (0.6, 1.0)  # 3 of 5 predicted shingles are right
    assert quality.Score.of([]).f1 == 0.0
    assert quality.split_halves(["d", "a", "c", "b"]) == (["a", "c"], ["b", "d"])


def test_lines_are_matched_through_repairs(quality):
    output = "The café by the lock now opens at seven. However it closes at six."
    lines = ["The cafÃ© by the lock now opens at seven.However", "it closes at six.", "Share this on Facebook", ""]
    assert quality.kept_lines(lines, output) == [True, True, False, False]
    assert quality.kept_lines(["opens at"], "it reopens at six") == [False]  # whole words only


def test_metadata_matching(quality):
    gold = {"title": "Neue  Fähre &amp; mehr", "authors": ["Anna Berger", "Jonas Wirth"],
            "published": "2024-05-02 23:30:00+02:00", "url": "https://www.seebote.example/a/b/?ref=rss"}
    found = {"title": "Neue Fähre & mehr", "author": "anna berger, Jonas Wirth", "published": "2024-05-02T21:30:00Z",
             "url": "http://seebote.example/a/b"}
    assert quality.metadata_matches(gold, found) == {"title": True, "author": True, "published": True, "url": True}
    # the day in the page's own offset counts too; another day, a missing author and another path do not
    assert quality.metadata_matches(gold, {"published": "2024-05-02"})["published"]
    assert quality.metadata_matches(gold, {"published": "2024-05-03T00:30:00Z", "url": "https://seebote.example/a/c"}) == {
        "title": False, "author": False, "published": False, "url": False}
    assert quality.metadata_matches({"published": "Sun Nov 23 16:00:00 2014"}, {"published": "2014-11-23"}) == {"published": True}


# -- leave one source out, by hand ----------------------------------------------------------------

def test_loso_picks_on_the_other_sources():
    loso = load("loso")
    scores = {
        "plain": {"a": 0.50, "b": 0.50, "c": 0.50},
        "tuned": {"a": 1.00, "b": 0.25, "c": 0.25},  # great on a, poor elsewhere
        "steady": {"a": 0.75, "b": 0.75, "c": 0.00},
    }
    result = loso.leave_one_source_out(scores)
    # a out: b,c means plain .5, tuned .25, steady .375 -> plain, .5 on a
    # b out: a,c means plain .5, tuned .625, steady .375 -> tuned, .25 on b
    # c out: a,b means plain .5, tuned .625, steady .75 -> steady, 0 on c
    assert [(r.left_out, r.chosen, r.score, r.best, r.best_score) for r in result.rows] == [
        ("a", "plain", 0.5, "tuned", 1.0), ("b", "tuned", 0.25, "steady", 0.75), ("c", "steady", 0.0, "plain", 0.5)]
    assert result.macro == 0.25
    assert result.picks == {"plain": 1, "tuned": 1, "steady": 1}


def test_loso_ties_go_to_the_first_variant_and_needs_two_shared_sources():
    loso = load("loso")
    tied = loso.leave_one_source_out({"simple": {"a": 0.5, "b": 0.5}, "complex": {"a": 0.5, "b": 0.5}})
    assert [r.chosen for r in tied.rows] == ["simple", "simple"]
    partial = loso.leave_one_source_out({"x": {"a": 0.5, "b": 0.5, "c": 1.0}, "y": {"a": 0.25, "b": 1.0}})
    assert partial.sources == ["a", "b"]  # c is not scored for y: left out of the comparison
    assert [(r.left_out, r.chosen) for r in partial.rows] == [("a", "y"), ("b", "x")]
    assert loso.leave_one_source_out({"x": {"a": 1.0}}).macro is None
    assert loso.leave_one_source_out({}).rows == []
