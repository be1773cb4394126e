"""The scale benchmark's corpus generator and the throughput benchmark run on the two-page fixture
eval folder, so they cannot rot (issue 6). No time or rate is asserted: the benchmark measures."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from cleaners.corpus.run import clean_directory
from tests.conftest import FIXTURES, ROOT

EVAL = FIXTURES / "eval-mini"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_make_corpus_is_deterministic_mixes_every_format_and_its_copies_are_duplicates(tmp_path, capsys):
    make_corpus = _load("make_corpus")
    n = 160
    assert make_corpus.main([str(n), str(tmp_path / "a"), "--eval", str(EVAL), "--seed", "3"]) == 0
    assert make_corpus.main([str(n), str(tmp_path / "b"), "--eval", str(EVAL), "--seed", "3"]) == 0
    assert make_corpus.main([str(n), str(tmp_path / "c"), "--eval", str(EVAL), "--seed", "4"]) == 0
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b and a != c
    summary = json.loads(a[".corpus.json"])
    labels = [json.loads(line) for line in a[".labels.jsonl"].decode().splitlines()]
    assert summary["documents"] == len(labels) == n
    assert {label["family"] for label in labels} == set(make_corpus.FAMILIES)
    assert summary["gzip_files"] > 0
    assert sum(summary[f"role.{r}"] for r, _ in make_corpus.ROLES) == n

    # cleaned (library path, no Prefect): one record per document made, exact copies are duplicates,
    # and distinct documents made from the same two pages are not taken for duplicates of each other
    out = tmp_path / "out"
    report = clean_directory(tmp_path / "a", out)
    assert report["records"] == n
    dropped = {(d["source"]["path"], d["source"]["record"]) for d in map(json.loads, (out / "duplicates.jsonl").open())}
    kept = {(d["metadata"]["source"]["path"], d["metadata"]["source"]["record"]) for d in map(json.loads, (out / "documents.jsonl").open())}
    exact = [(x["path"], x["record"]) for x in labels if x["role"] == "exact"]
    distinct = [(x["path"], x["record"]) for x in labels if x["role"] == "distinct"]
    assert exact and all(key in dropped for key in exact)
    assert sum(key in kept for key in distinct) >= 0.95 * len(distinct)


def test_throughput_benchmark_smoke(tmp_path, capsys):
    throughput = _load("throughput")
    rows_file = tmp_path / "rows.json"
    assert throughput.main([str(EVAL), "--sizes", "24", "--html-pages", "6", "--reference-pages", "4", "--no-start", "--rerun",
                            "--work", str(tmp_path / "work"), "--json", str(rows_file)]) == 0
    printed = capsys.readouterr().out
    html, row = json.loads(rows_file.read_text())["rows"]
    # the HTML check: the CLI with Prefect's temporary server, then against a server started beforehand, and the floor
    assert html["only"] == "html" and html["html_pages"] == html["ref_sample"] == 6
    assert html["documents"] + html["duplicates"] + html["rejected"] == 6
    assert html["ratio"] > 0 and html["floor_s"] > 0 and html["standing_wall"] > 0 and html["standing_ratio"] > 0
    assert "against a Prefect server already up" in printed and "the floor on these pages" in printed
    assert row["size"] == 24 and row["documents"] + row["duplicates"] + row["rejected"] == 24
    assert row["wall"] > 0 and row["peak_rss_mib"] > 0 and row["cpu_s"] > 0 and row["work_s"] > 0
    assert row["html_pages"] > 0 and row["ref_s"] > 0 and row["ratio"] > 0
    assert "| 24 mixed (" in printed and "× |" in printed
    # the second run over the same files is incremental: every file unchanged, nothing read again
    assert row["rerun_wall"] > 0 and row["rerun_incremental"]["unchanged"] == row["files"]
    assert row["rerun_incremental"]["new"] == row["rerun_incremental"]["changed"] == 0


def test_extraction_floor_runs_presswash_extraction_on_every_page_in_parallel(tmp_path):
    throughput = _load("throughput")
    pages = sorted((EVAL / "article-extraction" / "html").glob("*.html"))
    assert len(pages) == 2
    seconds = throughput.trafilatura_parallel(pages * 3, processes=2)
    assert 0 < seconds < 60
    # a page that cannot be read fails the measurement instead of being skipped silently
    with pytest.raises(FileNotFoundError):
        throughput.trafilatura_parallel([tmp_path / "missing.html"], processes=2)
