"""A WordPress export, JSON Lines documents and gzip through the `presswash` command (issue 4)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from flows.cli import main
from tests.conftest import FIXTURES


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_wxr_and_json_lines_through_the_cli(prefect_api, tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "export.wxr", raw / "site-export.xml")
    shutil.copy(FIXTURES / "documents.jsonl", raw / "crawl.jsonl")
    (raw / "zz-crawl-copy.jsonl.gz").write_bytes(gzip.compress((FIXTURES / "documents.jsonl").read_bytes()))
    out = tmp_path / "clean"

    assert main(["clean", str(raw), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "3 files" in summary

    docs = read_jsonl(out / "documents.jsonl")
    dups = read_jsonl(out / "duplicates.jsonl")
    rejected = read_jsonl(out / "rejected.jsonl")
    report = json.loads((out / "report.json").read_text())

    by_format = {}
    for doc in docs:
        by_format.setdefault(doc["metadata"]["source"]["format"], []).append(doc)
    wxr = by_format["wordpress-wxr"]
    assert [d["metadata"]["title"] for d in wxr] == ["Planting Garlic in Autumn & Why It Pays", "About the Diary"]
    assert wxr[0]["metadata"]["author"] == "Ruth Okafor" and wxr[0]["metadata"]["wordpress"]["tags"] == ["garlic", "autumn"]

    jsonl = by_format["json-documents"]
    assert len(jsonl) == 4 and json.loads(jsonl[0]["metadata"]["original_json"])["metadata"]["dump"] == "CC-MAIN-2024-18"
    # the gzip copy (later in path order) holds the same documents: four exact duplicates
    assert len(dups) == 4 and {d["source"]["path"] for d in dups} == {"zz-crawl-copy.jsonl.gz"}
    assert all(d["source"]["compression"] == "gzip" for d in dups)

    reasons = sorted((r["source"]["path"], r["source"]["record"], r["error"]) for r in rejected)
    assert reasons == [
        ("crawl.jsonl", 3, 'record 3 is not a document (a dict without a "text" string)'),
        ("site-export.xml", 5, "WordPress export item 15 has no text (empty content and excerpt)"),
        ("zz-crawl-copy.jsonl.gz", 3, 'record 3 is not a document (a dict without a "text" string)'),
    ]
    assert report["skipped_items"] == {"attachment": 1, "draft": 1, "nav_menu_item": 1}
    assert report["formats"]["wordpress-wxr"]["documents"] == 2
    assert report["unaccounted_files"] == []
    assert report["documents"] + report["duplicates"] + report["rejected"] == report["records"] == 2 + 1 + 5 + 5
