"""Exact copies of raw files are cleaned once (cleaners.corpus.copies): a copy's outcomes are derived from
its original's, and the outputs are byte for byte those of cleaning every file."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

import cleaners.corpus.plan
import cleaners.corpus.run as corpus
from cleaners import Cleaner
from cleaners.corpus.copies import copy_outcome, split_copies, write_copies
from cleaners.corpus.plan import hash_files
from cleaners.corpus.run import clean_directory
from cleaners.corpus.shards import clean_batch_to_shard
from tests.conftest import FIXTURES, RAW, SEEDS

OUTPUTS = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")
# one file of every reader: plain text with chrome, truncated WordPress JSON, an HTML page, a WXR
# export and JSON Lines (several records each), a file rejected for what it is
SAMPLES = [RAW / name for name in SEEDS.values()] + [FIXTURES / n for n in ("article.html", "teasers.html", "export.wxr", "documents.jsonl")]


@pytest.mark.parametrize("original", SAMPLES, ids=lambda p: p.name)
def test_a_derived_copy_is_what_cleaning_the_copy_gives(original, tmp_path):
    (tmp_path / "a").mkdir()
    shutil.copy(original, tmp_path / "a" / original.name)
    shutil.copy(original, tmp_path / "b.data")
    cleaner = Cleaner()
    outcomes = list(cleaner.process_file(tmp_path / "a", original.name))
    direct = list(cleaner.process_file(tmp_path, "b.data"))
    assert len(outcomes) == len(direct) >= 1
    assert [copy_outcome(o, "b.data") for o in outcomes] == direct


def _raw_with_copies(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "sub").mkdir()
    shutil.copy(RAW / SEEDS["001"], raw / "sub" / "again.txt")  # a copy that sorts after its original
    shutil.copy(RAW / SEEDS["003"], raw / "0 first.txt")  # ... and one that sorts before it: it becomes the original
    shutil.copy(FIXTURES / "export.wxr", raw / "export-1.xml")
    shutil.copy(FIXTURES / "export.wxr", raw / "export-2.xml")  # several records per file
    (raw / "empty-1.txt").write_bytes(b"")
    (raw / "empty-2.txt").write_bytes(b"")  # copies of a rejected file are rejected the same way
    (raw / "page.html.gz").write_bytes(gzip.compress((FIXTURES / "article.html").read_bytes(), mtime=0))
    shutil.copy(raw / "page.html.gz", raw / "page.html.gz copy")
    return raw


def test_outputs_with_copies_derived_are_those_of_cleaning_every_file(tmp_path, monkeypatch):
    raw = _raw_with_copies(tmp_path)
    derived = clean_directory(raw, tmp_path / "derived")
    monkeypatch.setattr(corpus, "split_copies", lambda paths, hashes: (list(paths), {}))
    cleaned = clean_directory(raw, tmp_path / "cleaned")
    assert derived["exact_copies"] == 5 and cleaned["exact_copies"] == 0
    for name in OUTPUTS:
        assert (tmp_path / "derived" / name).read_bytes() == (tmp_path / "cleaned" / name).read_bytes(), name
    dups = [json.loads(line) for line in (tmp_path / "derived" / "duplicates.jsonl").open()]
    paths = {d["source"]["path"] for d in dups if d["method"] == "exact"}
    assert paths == {"sub/again.txt", SEEDS["003"], "export-2.xml", "page.html.gz copy"}
    assert derived["records"] == cleaned["records"] and derived["rejected"] == cleaned["rejected"] >= 2


def test_a_copy_whose_original_changed_after_hashing_is_cleaned_itself(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / SEEDS["000"], raw / "a.txt")
    shutil.copy(RAW / SEEDS["000"], raw / "b.txt")
    hashes = hash_files(raw, ["a.txt", "b.txt"])
    to_clean, copies = split_copies(["a.txt", "b.txt"], hashes)
    assert (to_clean, copies) == (["a.txt"], {"b.txt": "a.txt"})
    (raw / "a.txt").write_text("Changed after the plan hashed it, before it was cleaned: a different text.\n", encoding="utf-8")
    summary = clean_batch_to_shard(str(raw), to_clean, str(tmp_path / "shard.jsonl"), ranges_for=["a.txt"])
    assert summary.ranges == {"a.txt": [0, (tmp_path / "shard.jsonl").stat().st_size]}
    ranges = {p: (summary.shard, start, end) for p, (start, end) in summary.ranges.items()}
    assert write_copies(ranges, copies, hashes, tmp_path / "copies.jsonl") == (0, ["b.txt"])

    # a whole run whose plan saw the old bytes: b.txt is cleaned itself and keeps its own text
    monkeypatch.setattr(cleaners.corpus.plan, "hash_files", lambda root, paths: dict(hashes))
    report = corpus.clean_directory(raw, tmp_path / "out")
    assert (report["documents"], report["duplicates"], report["exact_copies"]) == (2, 0, 0)
    texts = {json.loads(line)["metadata"]["source"]["path"]: json.loads(line)["text"] for line in (tmp_path / "out" / "documents.jsonl").open()}
    assert texts["a.txt"].startswith("Changed after the plan") and not texts["b.txt"].startswith("Changed")


def test_an_original_without_lines_of_its_own_leaves_its_copies_to_be_cleaned(tmp_path):
    shard = tmp_path / "shard.jsonl"
    shard.write_bytes(b"")
    copies = {"b.txt": "a.txt", "c.txt": "a.txt"}
    assert write_copies({}, copies, {"a.txt": "1", "b.txt": "1", "c.txt": "1"}, shard) == (0, ["b.txt", "c.txt"])
    assert shard.read_bytes() == b""


def test_a_run_that_reads_nothing_derives_no_copies(tmp_path):
    raw = _raw_with_copies(tmp_path)
    assert clean_directory(raw, tmp_path / "out")["exact_copies"] == 5
    again = clean_directory(raw, tmp_path / "out")  # nothing new or changed: an unchanged run
    assert again["incremental"]["unchanged"] == len(list(p for p in raw.rglob("*") if p.is_file()))
    assert again["exact_copies"] == 0
