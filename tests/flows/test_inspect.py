"""`presswash inspect PATH` (issue 8): format, metadata, and every paragraph kept or removed, each
removal with its rule; plain markers when not on a terminal, colour when asked, JSON for tools."""

from __future__ import annotations

import json

import pytest

from cleaners import Cleaner, CleanerConfig
from cleaners.explain import explain_file
from flows.cli import main
from tests.conftest import FIXTURES, RAW, ROOT, SEEDS

SAMPLE = FIXTURES / "inspect-sample.txt"
HOUSE_RULES = FIXTURES / "house-rules.toml"


def inspect(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["inspect", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_seed_text_view_shows_each_removal_with_its_rule(capsys):
    code, out, err = inspect(capsys, str(RAW / SEEDS["004"]))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].endswith(SEEDS["004"])
    assert "  format     text (utf-8), 10,174 bytes" in lines
    assert "- [read-time] Read Time:7 Minute, 0 Second" in lines
    assert "- [rating-widget] 5 Star" in lines
    assert "- [comment-prompt] Leave a Reply" in lines
    assert any(line.startswith("- [prev-next-post] Previous post The Darkening Shadow of War") for line in lines)
    assert "  removed    11 (rating-widget ×6, prev-next-post ×2, read-time ×1, comment-prompt ×1, comment-form-notice ×1)" in lines
    assert "\x1b[" not in out  # not a terminal: plain markers, no colour
    # the removed lines come in document order: the reading-time badge first, the comment form last
    removed = [line for line in lines if line.startswith("- [")]
    assert removed[0].startswith("- [read-time]") and removed[-1].startswith("- [comment-form-notice]")


def test_inline_removals_are_marked_in_place(capsys):
    code, out, _ = inspect(capsys, str(RAW / SEEDS["001"]))
    assert code == 0
    assert "  title      Xi Maintains Close Ties with Russia as War in Ukraine Enters a New Year" in out
    assert "  truncated  yes: the source was cut off" in out
    assert "a closer look. 1/ [-pic.twitter.com/0bAoPAC8FX-]{tweet-image-link}" in out
    assert "🇨🇳🇷🇺🧵 [-— Alexander Gabuev 陳寒士 (@AlexGabuev) December 23, 2022-]{tweet-attribution}" in out


def test_why_a_paragraph_survived_and_repairs(capsys):
    code, out, _ = inspect(capsys, str(SAMPLE))
    assert code == 0
    lines = out.splitlines()
    i = lines.index("  Previous post Budget talks stall again")
    assert lines[i + 1] == "    kept: matches rule prev-next-post, which only removes paragraphs in the boilerplate at the start or end of a document"
    assert "    kept: matches rule prev-next-post but is longer than its max_chars (344 > 300)" in lines
    assert "~ The council met on Tuesday to discuss the budget.However, no vote was taken." in lines
    assert '    repaired: "… the budget.However, no …" -> "… the budget. However, no …"' in lines
    assert "  Support the Ledger with a monthly gift today." in lines  # no rule for it yet
    assert lines[-1] == "- [share-prompt] Share."


def test_own_rules_file(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = inspect(capsys, str(SAMPLE), "--rules", str(HOUSE_RULES))
    assert code == 0
    assert "- [house-ad] Support the Ledger with a monthly gift today." in out.splitlines()
    assert "  rules      bundled + tests/fixtures/house-rules.toml" in out  # shown relative to here


def test_json_view_agrees_with_the_cleaner(capsys):
    for name in [*SEEDS.values()]:
        code, out, _ = inspect(capsys, str(RAW / name), "--json")
        assert code == 0
        data = json.loads(out)
        (record,) = data["records"]
        (doc,) = Cleaner().process_file(RAW, name)
        assert record["status"] == "document" and record["id"] == doc.id and record["text"] == doc.text
        assert record["explanation_checked"] is True
        kept = [p["text"] for p in record["paragraphs"] if p["status"] == "kept"]
        assert "\n\n".join(kept) == doc.text
        removals = [r for p in record["paragraphs"] for r in p.get("inline_removed", []) + ([{"rule": p["rule"], "text": p["text"]}] if p["status"] == "removed" else [])]
        assert removals == doc.metadata["removed"]
    assert data["format"] == "text" and data["encoding"] == "utf-8"


def test_multi_record_file_and_record_selection(tmp_path, capsys):
    posts = [
        {"id": i, "title": {"rendered": f"Post {i}"}, "content": {"rendered": f"<p>Body of post {i}.</p><p>Share.</p>"}, "link": f"https://news.example.com/{i}/"}
        for i in (1, 2)
    ]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(posts + [{"unrelated": True}]))
    code, out, _ = inspect(capsys, str(path))
    assert code == 0
    assert "  records    3" in out
    assert "record 0 -> document" in out and "record 1 -> document" in out
    assert "record 2: rejected: record 2 is not a WordPress post" in out
    assert out.count("- [share-prompt] Share.") == 2
    code, out, _ = inspect(capsys, str(path), "--record", "1", "--json")
    (record,) = json.loads(out)["records"]
    assert record["metadata"]["title"] == "Post 2" and record["metadata"]["site"] == "news.example.com"
    code, _, err = inspect(capsys, str(path), "--record", "7")
    assert code == 2 and err == f"presswash: error: {str(path)!r} has no record 7 (it has records 0 to 2)\n"


def test_rejected_files_say_why(tmp_path, capsys):
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    code, out, _ = inspect(capsys, str(tmp_path / "blob.bin"))
    assert code == 0
    assert "file: rejected: not a text file: binary data" in out
    (tmp_path / "chrome.txt").write_text("Share.\n\nExit mobile version\n")
    code, out, _ = inspect(capsys, str(tmp_path / "chrome.txt"))
    assert "record 0: rejected: no text left after cleaning: all 2 paragraphs were boilerplate" in out
    assert "- [share-prompt] Share." in out and "- [exit-mobile-version] Exit mobile version" in out


def test_colour_when_asked(capsys):
    code, out, _ = inspect(capsys, str(RAW / SEEDS["003"]), "--color", "always")
    assert code == 0 and "\x1b[" in out
    assert "Share." in out and "share-prompt" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["no-such-file.txt"], "file 'no-such-file.txt' does not exist"),
        ([str(RAW)], "is a folder; inspect takes one raw file"),
        ([str(SAMPLE), "--rules", "missing-rules.toml"], "cannot read rules file"),
    ],
)
def test_unusable_arguments(capsys, args, message):
    code, out, err = inspect(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("presswash: error: ") and message in err and "Traceback" not in err


def test_explanation_falls_back_when_it_disagrees_with_the_cleaner(tmp_path, monkeypatch, capsys):
    """If the layout of the trace ever fails to account for the outcome, it must say so, not lie:
    here the layout is made to drop the repairs the cleaning made."""
    from cleaners import explain

    (explanation,) = explain_file(SAMPLE)
    assert explanation.checked and explanation.paragraphs is not None
    monkeypatch.setattr(explain, "_repaired", lambda paragraphs, repaired: None)
    (explanation,) = explain_file(SAMPLE, CleanerConfig())
    assert explanation.checked is False and explanation.paragraphs is None
    code, out, _ = inspect(capsys, str(SAMPLE))
    assert code == 0
    assert "(no paragraph-by-paragraph view: the explanation did not match the cleaner's result" in out
    assert "    The council met on Tuesday to discuss the budget. However, no vote was taken." in out  # the real clean text
    assert "- [share-prompt] Share." in out


def test_a_text_cleaned_in_two_passes_is_explained_from_its_trace(tmp_path):
    """An inline cut makes the cleaning run a second pass (ftfy judges the rest again); the
    explanation follows both passes instead of re-running one and disagreeing."""
    path = tmp_path / "tweet.html"
    path.write_text("<p>A tweet was quoted.</p><p>— Jane Doe (@janedoe) January 5, 2023aÄ¡</p><p>The end.</p>", encoding="utf-8")
    (explanation,) = explain_file(path)
    doc = explanation.outcome
    assert len(doc.trace["passes"]) == 2 and doc.metadata["removed"] == [{"rule": "tweet-attribution", "text": "— Jane Doe (@janedoe) January 5, 2023"}]
    assert explanation.checked and explanation.paragraphs is not None
    assert "\n\n".join(p.text for p in explanation.paragraphs if p.status == "kept") == doc.text
    assert sorted(r["rule"] for p in explanation.paragraphs for r in p.removals()) == sorted(r["rule"] for r in doc.metadata["removed"])
