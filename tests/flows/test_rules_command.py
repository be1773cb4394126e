"""`presswash rules` (issue 8): every rule with its scope, place and origin, and samples of what it
removed in the last run, read back from OUT/report.json."""

from __future__ import annotations

import json
import shutil

import pytest

from cleaners import RuleSet
from cleaners.corpus.run import clean_directory
from flows.cli import main
from tests.conftest import FIXTURES, ROOT, SEEDS

HOUSE_RULES = FIXTURES / "house-rules.toml"


@pytest.fixture
def last_run(raw_copy, tmp_path):
    """A run over the seeds plus a file with the house ad, using the house rules (no Prefect)."""
    shutil.copy(FIXTURES / "inspect-sample.txt", raw_copy / "zz-sample.txt")
    stories = ("The ferry timetable changes in May, with two extra crossings on weekdays and none at night.",
               "A new reading room opened at the county library, with long hours and a quiet floor for students.",
               "The harbour wall will be repaired over the summer after the winter storms broke two sections.")
    for i, story in enumerate(stories):  # three stories from one place, sharing its footer
        (raw_copy / f"zz-story-{i}.txt").write_text(f"{story}\n\nFollow the Ledger on Mastodon\n")
    out = tmp_path / "clean"
    clean_directory(raw_copy, out, rules=[str(HOUSE_RULES)])
    return out


def test_report_json_keeps_samples_per_rule(last_run):
    report = json.loads((last_run / "report.json").read_text())
    assert report["removed_by_rule"]["rating-widget"] == 6
    assert [s["text"] for s in report["rule_samples"]["rating-widget"]] == ["Average Rating", "5 Star", "4 Star", "3 Star", "2 Star"]
    assert report["rule_samples"]["house-ad"] == [
        {"text": "Support the Ledger with a monthly gift today.", "path": "zz-sample.txt", "id": report["rule_samples"]["house-ad"][0]["id"]}
    ]
    assert {"rule": "share-prompt", "text": "Share.", "count": 2} in report["removed_lines"]
    assert report["sites"] == {"distinct": 2, "top": [{"site": None, "documents": 8}, {"site": "chinadigitaltimes.net", "documents": 1}]}
    assert sum(b["documents"] for b in report["length_histogram"]) == report["documents"] == 9
    assert report["removed_by_rule"]["repeated-line"] == 3
    assert [s["path"] for s in report["rule_samples"]["repeated-line"]] == ["zz-story-0.txt"]  # distinct texts only


def test_rules_lists_every_rule_with_samples_from_the_last_run(last_run, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["rules", "--out", str(last_run), "--rules", str(HOUSE_RULES), "--no-config"]) == 0
    out = capsys.readouterr().out
    bundled = RuleSet.default().rules
    assert out.startswith(
        f"{len(bundled) + 2} boilerplate rules, in the order they apply ({len(bundled)} bundled, 1 tests/fixtures/house-rules.toml, 1 learned from the corpus)"
    )
    assert f"samples from the last run in {last_run} (9 documents written)" in out
    for rule in bundled:
        assert f"\n{rule.name}  [" in out
    block = out.split("\nrating-widget  ")[1].split("\n\n")[0]
    assert block.startswith("[paragraph, edges, at most 40 chars]  bundled")
    assert "last run: removed 6 times, e.g." in block
    assert f'"Average Rating"  ({SEEDS["004"]})' in block and '"4 Star"' in block and '"3 Star"' not in block  # 3 samples by default
    house = out.split("\nhouse-ad  ")[1]
    assert house.startswith("[paragraph, anywhere, at most 200 chars]  tests/fixtures/house-rules.toml\n    The Ledger's donation box")
    assert '"Support the Ledger with a monthly gift today."  (zz-sample.txt)' in house
    assert "\nskip-to-content  [paragraph, anywhere]  bundled\n    Accessibility skip links\n    last run: removed nothing" in out
    learned = out.split("\nrepeated-line  ")[1]
    assert learned.startswith("[corpus, learned per site: at the edges, or anywhere if not a sentence, at most 500 chars]  learned from the corpus")
    assert 'last run: removed 3 times, e.g.\n      "Follow the Ledger on Mastodon"  (zz-story-0.txt)' in learned


def test_rules_not_loaded_now_are_reported(last_run, capsys):
    assert main(["rules", "--out", str(last_run), "--no-config"]) == 0
    out = capsys.readouterr().out
    assert "the last run also removed text by rules not loaded now (pass their file with --rules): house-ad ×1\n" in out


def test_rules_json_and_no_run_yet(tmp_path, capsys):
    assert main(["rules", "--out", str(tmp_path / "nothing"), "--json", "--samples", "1", "--no-config"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["last_run"]["found"] is False and "no run found" in data["last_run"]["problem"]
    first = data["rules"][0]
    assert set(first) == {"name", "scope", "where", "max_chars", "case_sensitive", "description", "pattern", "origin", "last_run"}
    assert first["origin"] == "bundled" and first["last_run"] is None
    assert {r["scope"] for r in data["rules"]} == {"paragraph", "inline", "corpus"}
    assert data["rules"][-1]["name"] == "repeated-line" and data["rules"][-1]["pattern"] is None
    assert main(["rules", "--out", str(tmp_path / "nothing"), "--no-config"]) == 0
    assert "no samples: no run found in" in capsys.readouterr().out


def test_bad_rules_file_is_one_sentence(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "share-prompt"\npattern = "x"\n')
    assert main(["rules", "--rules", str(bad), "--no-config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("presswash: error: rule name 'share-prompt' is defined twice") and "Traceback" not in err
