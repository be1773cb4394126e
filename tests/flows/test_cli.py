"""End to end through the real Prefect flow and the `presswash` command (issue: first pipeline)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import ROOT, SEEDS

OUTPUT_FILES = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


# -- usage errors: no Prefect needed, one clear sentence, no traceback ------------------------

@pytest.mark.parametrize(
    "args, message",
    [
        (["clean", "no-such-folder"], "raw folder 'no-such-folder' does not exist"),
        (["clean", "raw", "--out", "raw/clean"], "is inside the raw folder"),
        (["clean", "raw", "--batch-size", "0"], "argument --batch-size: must be a whole number of at least 1, got 0"),
        (["clean", "raw", "--rules", "missing-rules.toml"], "cannot read rules file"),
        (["clean", "raw", "--format", "xml"], "argument --format: invalid choice: 'xml' (choose from 'jsonl', 'parquet')"),
        (["clean", "raw", "--colour", "red"], "unrecognized arguments: --colour"),
    ],
)
def test_unusable_arguments_exit_nonzero_with_one_sentence(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (ROOT / "raw" / "clean").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-q", "clean", "-v"], "presswash clean: error: argument --verbose/-v: not allowed with argument --quiet/-q"),
        (["--verbose", "clean", "--quiet"], "presswash clean: error: argument --quiet/-q: not allowed with argument --verbose/-v"),
        (["-q", "inspect", "raw/004_4f58f105b3a0a879.txt"], "presswash: error: unrecognized arguments: -q"),
    ],
)
def test_flags_before_the_command_are_the_commands_flags(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(message + "\n")


def test_help_and_version():
    result = run_cli("clean", "--help")
    assert result.returncode == 0 and "RAW_DIR" in result.stdout and "examples:" in result.stdout
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("presswash ")


# -- real flow runs -----------------------------------------------------------------------------

def test_clean_twice_is_byte_identical_and_raw_is_untouched(prefect_api, raw_copy, tmp_path, capsys):
    before = tree_digest(raw_copy)
    out = tmp_path / "clean"
    assert main(["clean", str(raw_copy), "--out", str(out)]) == 0
    first = {name: (out / name).read_bytes() for name in OUTPUT_FILES}
    summary = capsys.readouterr().out
    assert "5 files, 5 records -> 5 documents, 0 duplicates, 0 rejected" in summary

    assert main(["clean", str(raw_copy), "--out", str(out), "--quiet"]) == 0
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == first
    assert capsys.readouterr().out == ""
    assert tree_digest(raw_copy) == before

    docs = read_jsonl(out / "documents.jsonl")
    assert [d["metadata"]["source"]["path"] for d in docs] == sorted(SEEDS.values())
    assert all(set(d) == {"id", "text", "metadata"} for d in docs)
    report = json.loads((out / "report.json").read_text())
    assert report["files_seen"] == 5 and report["documents"] == 5
    assert report["formats"]["text"]["files"] == 4 and report["formats"]["wordpress-json"]["documents"] == 1
    assert not list((out / ".presswash").glob("staging*"))


def test_quiet_and_verbose_before_the_command(prefect_api, raw_copy, tmp_path, capsys):
    assert main(["-q", "clean", str(raw_copy), "--out", str(tmp_path / "quiet")]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["--verbose", "clean", str(raw_copy), "--out", str(tmp_path / "verbose"), "--batch-size", "2", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "presswash: 5 files, 5 records -> 5 documents" in captured.out
    # --verbose: a progress line after each batch of 2, 2 and 1 files but the last
    assert sum(line.startswith("presswash: cleaned ") and "/5 files (" in line for line in captured.err.splitlines()) == 2


def test_a_copied_seed_is_a_duplicate_and_bad_files_are_rejected(prefect_api, raw_copy, tmp_path, capsys):
    shutil.copy(raw_copy / SEEDS["003"], raw_copy / "zz copy of 003.txt")
    (raw_copy / "random.bin").write_bytes(bytes(range(256)) * 64)
    (raw_copy / "empty.txt").write_bytes(b"")
    out = tmp_path / "clean"
    assert main(["clean", str(raw_copy), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "8 files, 8 records -> 5 documents, 1 duplicates, 2 rejected" in summary
    assert "rejected.jsonl" in summary
    # the copy was not cleaned again: its record was derived from its original's (cleaners.corpus.copies)
    assert json.loads((out / "report.json").read_text())["exact_copies"] == 1

    docs = read_jsonl(out / "documents.jsonl")
    dups = read_jsonl(out / "duplicates.jsonl")
    rejected = read_jsonl(out / "rejected.jsonl")
    kept_003 = next(d for d in docs if d["metadata"]["source"]["path"] == SEEDS["003"])
    assert len(docs) == 5
    [dup] = dups
    assert dup["id"] != kept_003["id"]
    assert dup["duplicate_of"] == kept_003["id"]
    assert (dup["method"], dup["similarity"]) == ("exact", 1.0)
    assert dup["source"] == {**kept_003["metadata"]["source"], "path": "zz copy of 003.txt"}
    assert dup["text"] == kept_003["text"]  # the dropped record is kept whole: nothing is lost
    assert kept_003["metadata"]["dedup"] == {
        "cluster": kept_003["id"],
        "duplicates": [{"id": dup["id"], "path": "zz copy of 003.txt", "record": 0, "method": "exact", "similarity": 1.0}],
    }
    reasons = {r["source"]["path"]: r["error"] for r in rejected}
    assert reasons == {
        "empty.txt": "not a text file: empty file",
        "random.bin": "not a text file: binary data (NUL bytes and no UTF-16 byte-order mark)",
    }
    # every raw file is accounted for exactly once
    paths = [d["metadata"]["source"]["path"] for d in docs] + [d["source"]["path"] for d in dups] + list(reasons)
    assert sorted(paths) == sorted(p.name for p in raw_copy.iterdir())


def test_parallel_batches_give_the_same_output(prefect_api, raw_copy, tmp_path):
    from cleaners.config import Settings
    from flows import clean_corpus

    shutil.copy(raw_copy / SEEDS["000"], raw_copy / "copy-000.txt")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    report = clean_corpus(Settings().replace(raw=raw_copy, out=serial, batch_size=100, workers=1))
    assert report["documents"] == 5 and report["duplicates"] == 1
    report = clean_corpus(Settings().replace(raw=raw_copy, out=parallel, batch_size=2, workers=2))
    assert json.loads((parallel / "report.json").read_text())["workers"] == 2
    for name in OUTPUT_FILES:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name


def test_the_command_runs_as_a_subprocess(prefect_api, raw_copy, tmp_path):
    out = tmp_path / "out"
    result = run_cli("clean", str(raw_copy), "--out", str(out), "--json", env_extra={"PREFECT_API_URL": prefect_api})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"] == 5 and report["unaccounted_files"] == []
    assert (out / "documents.jsonl").exists()


def test_a_state_built_with_another_dedup_configuration_is_refused_before_starting(tmp_path):
    from cleaners.config import DedupConfig
    from cleaners.dedup.index import DedupIndex

    state = tmp_path / "state.sqlite"
    DedupIndex(state, DedupConfig(containment_threshold=0.6)).close()
    result = run_cli("clean", "raw", "--out", str(tmp_path / "out"), "--state", str(state))
    assert result.returncode == 2
    assert "another dedup configuration (containment_threshold 0.6 -> 0.8)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
