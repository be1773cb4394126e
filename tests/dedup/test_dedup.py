"""Near-duplicate detection across formats and runs (exact, near, containment), the survivor policy,
the persistent index, and repeated-line boilerplate learned per site. Inputs are built from the real
seed articles in raw/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleaners.config import DedupConfig
from cleaners.corpus.run import clean_directory
from cleaners.dedup.fingerprint import compare, fingerprint
from cleaners.dedup.index import ConfigMismatch
from tests.conftest import RAW, SEEDS

OUTPUTS = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")


def seed_text(key: str) -> str:
    return (RAW / SEEDS[key]).read_text(encoding="utf-8")


def paragraphs(key: str) -> list[str]:
    return [p for p in seed_text(key).split("\n") if p.strip()]


def wp_post(key: str, post_id: int, **extra) -> dict:
    body = [p for p in paragraphs(key) if not p.startswith(("Read Time", "Previous post", "Next post"))][:40]
    return {
        "id": post_id,
        "date_gmt": "2024-05-17T08:00:00",
        "modified_gmt": "2024-05-18T08:00:00",
        "slug": f"article-{key}",
        "link": f"https://geopolitics.example.net/article-{key}/",
        "title": {"rendered": f"Article {key}"},
        "content": {"rendered": "".join(f"<p>{p}</p>\n" for p in body)},
        **extra,
    }


def load(out: Path) -> tuple[list[dict], list[dict], list[dict]]:
    return tuple(
        [json.loads(line) for line in (out / name).read_text(encoding="utf-8").splitlines()] for name in OUTPUTS
    )


def by_path(records: list[dict]) -> dict[str, dict]:
    return {(r.get("source") or r["metadata"]["source"])["path"]: r for r in records}


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


# -- the three methods on real text -----------------------------------------------------------

def test_exact_near_and_containment_on_real_text():
    config = DedupConfig()
    full = seed_text("004")
    words = full.split(" ")
    edited = " ".join("changed" if i % 50 == 0 else w for i, w in enumerate(words))  # 2% of words edited
    first_60 = full[: int(len(full) * 0.6)]
    other = seed_text("002")
    fp = fingerprint(full, config)
    assert compare(fp, fingerprint(full.upper(), config), config) == ("exact", 1.0)
    method, similarity = compare(fp, fingerprint(edited, config), config)
    assert method == "near" and 0.7 <= similarity < 1.0
    method, similarity = compare(fp, fingerprint(first_60, config), config)
    assert method == "containment" and similarity >= 0.95
    # a different article on the same subject (Russia-China relations) is not a duplicate
    assert compare(fp, fingerprint(other, config), config) is None


def test_same_story_from_three_channels_comes_out_once(raw, tmp_path):
    """WordPress JSON, a plain-text scrape with chrome, and a partial download of one article."""
    (raw / "a-post.json").write_text(json.dumps(wp_post("004", 11)), encoding="utf-8")
    (raw / "b-scrape.txt").write_text(seed_text("004"), encoding="utf-8")
    (raw / "c-partial.txt").write_text(seed_text("004")[:4000], encoding="utf-8")
    (raw / "d-other.txt").write_text(seed_text("002"), encoding="utf-8")
    report = clean_directory(raw, tmp_path / "out")
    docs, dups, rejected = load(tmp_path / "out")
    assert rejected == []
    assert sorted(by_path(docs)) == ["a-post.json", "d-other.txt"]  # the richest complete version survives
    survivor = by_path(docs)["a-post.json"]
    dropped = by_path(dups)
    assert {p: d["method"] for p, d in dropped.items()} == {"b-scrape.txt": "near", "c-partial.txt": "containment"}
    assert all(d["duplicate_of"] == survivor["id"] for d in dups)
    assert all(d["text"] and d["metadata"]["source"]["path"] == p for p, d in dropped.items())
    cluster = survivor["metadata"]["dedup"]
    assert cluster["cluster"] == survivor["id"]
    assert [(m["path"], m["method"]) for m in cluster["duplicates"]] == [("b-scrape.txt", "near"), ("c-partial.txt", "containment")]
    assert report["duplicates_by_method"] == {"near": 1, "containment": 1}


def test_survivor_policy_prefers_complete_text_over_truncated_and_teasers(raw, tmp_path):
    truncated = json.dumps(wp_post("004", 12)).encode()
    (raw / "a-truncated.json").write_bytes(truncated[: len(truncated) * 2 // 3])
    (raw / "b-teaser.txt").write_text("\n\n".join(paragraphs("004")[1:3]), encoding="utf-8")
    (raw / "c-full.txt").write_text(seed_text("004"), encoding="utf-8")
    clean_directory(raw, tmp_path / "out")
    docs, dups, _ = load(tmp_path / "out")
    assert [d["metadata"]["source"]["path"] for d in docs] == ["c-full.txt"]
    assert {d["source"]["path"]: d["method"] for d in dups} == {"a-truncated.json": "containment", "b-teaser.txt": "containment"}

    first = DedupConfig(policy="first")
    clean_directory(raw, tmp_path / "first", dedup=first)
    docs, _, _ = load(tmp_path / "first")
    assert [d["metadata"]["source"]["path"] for d in docs] == ["a-truncated.json"]


# -- across runs: the persistent index --------------------------------------------------------

def test_a_second_run_dedups_against_the_first_and_keeps_its_documents(tmp_path):
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    (first / "story.txt").write_text(seed_text("004"), encoding="utf-8")
    (first / "other.txt").write_text(seed_text("003"), encoding="utf-8")
    clean_directory(first, out)
    docs_1, _, _ = load(out)

    (second / "story-again.json").write_text(json.dumps(wp_post("004", 21)), encoding="utf-8")
    (second / "new.txt").write_text(seed_text("002"), encoding="utf-8")
    clean_directory(second, out)
    docs, dups, _ = load(out)
    # the corpus is cumulative: the first run's documents are still there
    assert sorted(by_path(docs)) == ["new.txt", "other.txt", "story-again.json"]
    # the WordPress version is richer: it replaces the first run's plain text, which is not lost
    demoted = by_path(dups)["story.txt"]
    assert demoted["duplicate_of"] == by_path(docs)["story-again.json"]["id"]
    assert demoted["text"] == by_path(docs_1)["story.txt"]["text"]
    assert by_path(docs)["other.txt"] == by_path(docs_1)["other.txt"]


def test_rerunning_unchanged_input_changes_nothing(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    shutil.copy(raw / SEEDS["003"], raw / "copy.txt")
    (raw / "partial.txt").write_text(seed_text("004")[:5000], encoding="utf-8")
    out = tmp_path / "out"
    clean_directory(raw, out)
    first = {name: (out / name).read_bytes() for name in OUTPUTS}
    state = (out / ".presswash" / "state.sqlite").stat().st_size
    clean_directory(raw, out)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == first
    report = json.loads((out / "report.json").read_text())
    assert report["dedup_index"] == {"records": 7, "kept": 5, "duplicates": 2}
    assert (out / ".presswash" / "state.sqlite").stat().st_size == state


def test_a_survivor_that_changes_releases_its_duplicates(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "a-full.txt").write_text(seed_text("004"), encoding="utf-8")
    (raw / "b-copy.txt").write_text(seed_text("004"), encoding="utf-8")
    clean_directory(raw, out)
    assert [d["source"]["path"] for d in load(out)[1]] == ["b-copy.txt"]
    # the kept file now holds another article; its former duplicate is the only copy of the story left
    (raw / "a-full.txt").write_text(seed_text("000"), encoding="utf-8")
    clean_directory(raw, out)
    docs, dups, _ = load(out)
    assert sorted(by_path(docs)) == ["a-full.txt", "b-copy.txt"] and dups == []
    assert by_path(docs)["b-copy.txt"]["text"].startswith("In the dynamic world of global geopolitics")


def test_a_changed_dedup_configuration_is_refused(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(RAW, raw)
    clean_directory(raw, out)
    before = (out / "documents.jsonl").read_bytes()
    with pytest.raises(ConfigMismatch, match=r"another dedup configuration \(jaccard_threshold 0.7 -> 0.9\)"):
        clean_directory(raw, out, dedup=DedupConfig(jaccard_threshold=0.9))
    assert (out / "documents.jsonl").read_bytes() == before
    clean_directory(raw, out, dedup=DedupConfig(jaccard_threshold=0.9), state=tmp_path / "elsewhere.sqlite")
    assert (tmp_path / "elsewhere.sqlite").exists()


# -- one site, many articles ------------------------------------------------------------------

NAV = ["Home", "World", "Politics", "Economy", "Opinion", "Subscribe"]
FOOTER = [
    "Geopolitics Today is an independent publication covering international affairs, security and trade since 2009.",
    "© 2024 Geopolitics Today. All rights reserved.",
    "Privacy policy · Terms of use · Contact",
]


def site_page(key: str, marker: str) -> str:
    body = [p for p in paragraphs(key) if not p.startswith(("Read Time", "Share.", "Exit mobile", "Previous post", "Next post"))]
    body = body[:2] + [marker] + body[2:12]
    return "\n\n".join(NAV + body + FOOTER)


def test_articles_of_one_site_sharing_chrome_are_not_merged_and_the_chrome_is_learned(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for key in ("000", "002", "003", "004"):
        (raw / f"{key}.txt").write_text(site_page(key, "He declined to comment."), encoding="utf-8")
    clean_directory(raw, out)
    docs, dups, _ = load(out)
    assert dups == [] and len(docs) == 4
    for doc in docs:
        removed = doc["metadata"]["removed"]
        assert {r["text"] for r in removed} >= set(NAV + FOOTER), doc["metadata"]["source"]["path"]
        # menus and the copyright line look like chrome on their own (the line classifier takes them);
        # the footer's full sentence does not, and is learned as this site's repeated line
        assert [r["text"] for r in removed if r["rule"] == "repeated-line"] == [FOOTER[0]]
        assert "He declined to comment." in doc["text"].split("\n\n")  # a common sentence inside prose
        assert not any(line in doc["text"] for line in ("Subscribe", "All rights reserved", "Privacy policy"))
        assert doc["metadata"]["counts"]["paragraphs"] == len(doc["text"].split("\n\n"))


def test_repeated_lines_are_not_learned_from_copies_of_one_story(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for n in range(4):  # four copies of one article are one document, not four votes for its lines
        (raw / f"copy-{n}.txt").write_text(site_page("004", "He declined to comment."), encoding="utf-8")
    clean_directory(raw, out)
    docs, dups, _ = load(out)
    assert len(docs) == 1 and len(dups) == 3
    assert not [r for r in docs[0]["metadata"]["removed"] if r["rule"] == "repeated-line"]
