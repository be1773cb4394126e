"""Incremental runs (issue: scheduled, incremental runs): only new and changed raw files are read,
changed files replace their records, deleted files stay unless pruned, and every run leaves a
manifest that describes the outputs exactly. Through the library path (no Prefect)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cleaners.corpus.run import clean_directory
from tests.conftest import RAW, SEEDS

OUTPUTS = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")


def seed_text(key: str) -> str:
    return (RAW / SEEDS[key]).read_text(encoding="utf-8")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def paths_in(out: Path, name: str) -> list[str]:
    return [(r.get("source") or r["metadata"]["source"])["path"] for r in lines(out / name)]


@pytest.fixture
def raw(raw_copy):
    return raw_copy


def test_only_new_and_changed_files_are_read_and_changes_replace_records(raw, tmp_path):
    out = tmp_path / "out"
    assert (clean_directory(raw, out))["incremental"] == {"new": 5, "changed": 0, "unchanged": 0, "deleted": 0, "pruned": 0}
    (raw / "new.txt").write_text(seed_text("002").replace("Economic Nexus", "Economic Ties"), encoding="utf-8")  # a near copy
    (raw / SEEDS["000"]).write_text(seed_text("003"), encoding="utf-8")  # now an exact copy of 003
    result = (clean_directory(raw, out))
    assert result["incremental"] == {"new": 1, "changed": 1, "unchanged": 4, "deleted": 0, "pruned": 0}
    docs = {d["metadata"]["source"]["path"]: d for d in lines(out / "documents.jsonl")}
    dups = {d["source"]["path"]: d for d in lines(out / "duplicates.jsonl")}
    # the changed file's earlier document is gone, not kept beside the new one
    assert not any("drills.However" in d["text"] or "drills. However" in d["text"] for d in docs.values())
    assert set(docs) | set(dups) == {p.name for p in raw.iterdir()}
    # 000 now holds 003's text: the two tie, so source order keeps 000 and the unchanged 003, carried
    # from the first run, is demoted to a duplicate with its whole record
    assert (dups[SEEDS["003"]]["duplicate_of"], dups[SEEDS["003"]]["method"]) == (docs[SEEDS["000"]]["id"], "exact")
    assert dups[SEEDS["003"]]["text"] == docs[SEEDS["000"]]["text"]
    assert dups["new.txt"]["method"] == "near"
    assert result["balance"]["holds"] and result["files_seen"] == 6


def test_a_run_with_nothing_new_leaves_the_outputs_and_records_itself(raw, tmp_path):
    out = tmp_path / "out"
    clean_directory(raw, out)
    before = {name: (out / name).read_bytes() for name in OUTPUTS + ("report.html",)}
    first = json.loads((out / "manifest.json").read_text())
    result = clean_directory(raw, out)
    assert isinstance(result, dict) and result["incremental"]["unchanged"] == 5
    assert {name: (out / name).read_bytes() for name in before} == before
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] != first["run_id"] and manifest["outputs_changed"] is False
    assert manifest["outputs"] == first["outputs"]
    assert json.loads((out / "report.json").read_text())["incremental"]["unchanged"] == 5


def test_deleted_files_stay_unless_pruned_and_pruning_releases_their_duplicates(raw, tmp_path):
    out = tmp_path / "out"
    shutil.copy(raw / SEEDS["004"], raw / "zz-copy-of-004.txt")
    clean_directory(raw, out)
    assert paths_in(out, "duplicates.jsonl") == ["zz-copy-of-004.txt"]
    (raw / SEEDS["004"]).unlink()
    result = (clean_directory(raw, out))
    assert result["incremental"]["deleted"] == 1 and result["incremental"]["pruned"] == 0
    assert SEEDS["004"] in paths_in(out, "documents.jsonl")  # still there: nothing pruned
    result = (clean_directory(raw, out, prune=True))
    assert result["incremental"]["pruned"] == 1
    docs = paths_in(out, "documents.jsonl")
    assert SEEDS["004"] not in docs and "zz-copy-of-004.txt" in docs  # its former duplicate stands alone now
    assert paths_in(out, "duplicates.jsonl") == []
    assert (clean_directory(raw, out))["incremental"]["deleted"] == 0  # the ledger forgot the pruned file


def test_new_cleaning_settings_read_every_file_again(raw, tmp_path):
    out = tmp_path / "out"
    clean_directory(raw, out)
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nname = "mine"\ndescription = "x"\npattern = \'\'\'economic nexus\'\'\'\n', encoding="utf-8")
    result = (clean_directory(raw, out, rules=[str(rules)]))
    assert result["incremental"]["changed"] == 5
    doc_002 = next(d for d in lines(out / "documents.jsonl") if d["metadata"]["source"]["path"] == SEEDS["002"])
    assert {"rule": "mine", "text": "Economic Nexus"} in doc_002["metadata"]["removed"]


def test_outputs_deleted_by_hand_are_rebuilt_from_the_raw_files(raw, tmp_path):
    out = tmp_path / "out"
    clean_directory(raw, out)
    for name in OUTPUTS + ("report.json", "manifest.json"):
        (out / name).unlink()
    result = (clean_directory(raw, out))
    assert result["incremental"]["new"] == 5 and result["documents"] == 5


def test_the_manifest_describes_the_outputs_exactly(raw, tmp_path):
    out = tmp_path / "out"
    (raw / "noise.bin").write_bytes(bytes(range(256)) * 4)
    clean_directory(raw, out)
    manifest = json.loads((out / "manifest.json").read_text())
    for name in OUTPUTS:
        data = (out / name).read_bytes()
        assert manifest["outputs"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "records": data.count(b"\n")}
    assert manifest["counts"] == {"files_seen": 6, "records": 6, "documents": 5, "duplicates": 0, "rejected": 1}
    assert manifest["settings"]["dedup"]["jaccard_threshold"] == 0.7
    assert manifest["run_id"] == json.loads((out / "report.json").read_text())["state_run"]


def test_parquet_holds_the_same_records_and_goes_when_not_asked_for(raw, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out"
    clean_directory(raw, out, formats=["jsonl", "parquet"])
    table = pq.read_table(out / "documents.parquet").to_pylist()
    jsonl = lines(out / "documents.jsonl")
    assert [(r["id"], r["text"]) for r in table] == [(d["id"], d["text"]) for d in jsonl]
    assert [json.loads(r["metadata"]) for r in table] == [d["metadata"] for d in jsonl]
    wp = next(r for r in table if r["source_format"] == "wordpress-json")
    assert wp["published"] == datetime(2023, 1, 6, 1, 19, 8, tzinfo=timezone.utc) and wp["truncated"] is True  # a UTC timestamp
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"]["documents.parquet"]["records"] == 5
    clean_directory(raw, out)  # not asked for any more: a stale file would disagree with the JSONL
    assert not (out / "documents.parquet").exists()
    assert "documents.parquet" not in json.loads((out / "manifest.json").read_text())["outputs"]


def test_hashing_many_files_gives_every_file_its_own_digest_in_order(tmp_path):
    """More files than one round of the hashing pool (HASH_SLICE): every file hashed, in the given order."""
    import hashlib

    from cleaners.corpus.plan import HASH_SLICE, hash_files

    names = [f"f{i:05d}.txt" for i in range(2 * HASH_SLICE + 7)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(f"file {i}\n")
    (tmp_path / "a-folder").mkdir()  # not a regular file: marked unreadable, not hashed
    hashes = hash_files(tmp_path, [*names, "a-folder"])
    assert list(hashes) == [*names, "a-folder"]
    assert all(hashes[n] == hashlib.sha256(f"file {i}\n".encode()).hexdigest() for i, n in enumerate(names))
    assert hashes["a-folder"] == "unreadable"
