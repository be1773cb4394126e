"""Crashes and concurrency (issue 7): SIGKILL at several points of a real run, two runs at once, a
worker that dies, a run whose accounting does not balance.

The command runs as a subprocess (its own process group, so SIGKILL takes its worker processes too)
against the session's Prefect test server. ``PRESSWASH_TEST_PAUSE_AT`` (``cleaners.testing.hooks``)
makes it stop at a named point and say so, so it is killed exactly there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.corpus.run import clean_directory
from cleaners.outputs.atomic import recover
from cleaners.testing.hooks import FAULT, PAUSE_AT, PAUSE_FILE
from tests.conftest import RAW, ROOT, SEEDS

JSONL = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")
COUNTS = ("files_seen", "records", "documents", "duplicates", "rejected")
NEW_TEXT = "A new article arrived in the raw folder after the first run, with its own words about {}."


def cli(raw: Path, out: Path, api: str, env: dict | None = None, *extra: str) -> subprocess.Popen:
    environment = dict(os.environ, PREFECT_API_URL=api, **(env or {}))
    environment.pop("PREFECT_LOGGING_LEVEL", None)  # the command's own default, as a user runs it
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "clean", str(raw), "--out", str(out), *extra],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def kill_at(point: str, raw: Path, out: Path, api: str, tmp_path: Path) -> None:
    """Run the command until it reaches ``point``, then SIGKILL it and its workers."""
    signal_file = tmp_path / f"paused-at-{point}"
    proc = cli(raw, out, api, {PAUSE_AT: point, PAUSE_FILE: str(signal_file)}, "--workers", "2", "--batch-size", "3")
    deadline = time.monotonic() + 180
    while not signal_file.exists():
        if proc.poll() is not None:
            pytest.fail(f"the run ended before reaching {point!r}: {proc.returncode}\n{proc.stderr.read()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the run never reached {point!r}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def snapshot(out: Path) -> dict[str, bytes | None]:
    return {name: (out / name).read_bytes() if (out / name).exists() else None for name in (*JSONL, "report.json")}


def counts(report_bytes: bytes) -> dict:
    report = json.loads(report_bytes)
    return {key: report[key] for key in COUNTS}


def reference(raw: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    """The outputs of a clean, uninterrupted run of the library on ``raw``."""
    ref = tmp_path / name
    clean_directory(raw, ref)
    return snapshot(ref)


def as_recovered(out: Path, tmp_path: Path, name: str) -> dict[str, bytes | None]:
    """What the next run starts from: a copy of ``out`` after crash recovery."""
    copy = tmp_path / name
    shutil.copytree(out, copy, symlinks=True)
    recover(copy)
    return snapshot(copy)


def same_run(state: dict, ref: dict) -> bool:
    differ = [name for name in JSONL if state[name] != ref[name]]
    assert not differ and counts(state["report.json"]) == counts(ref["report.json"]), (differ, counts(state["report.json"]), counts(ref["report.json"]))
    return True


def add_files(raw: Path, tag: str) -> None:
    for i in range(2):
        (raw / f"new-{tag}-{i}.txt").write_text(NEW_TEXT.format(f"{tag} number {i}"), encoding="utf-8")
    shutil.copy(raw / SEEDS["002"], raw / f"copy-{tag}.txt")
    (raw / f"broken-{tag}.bin").write_bytes(bytes(range(256)) * 4)


def test_sigkill_at_any_point_leaves_the_old_or_the_new_outputs_and_the_next_run_finishes(prefect_api, raw_copy, tmp_path):
    raw, out = raw_copy, tmp_path / "clean"
    clean_directory(raw, out)
    state_a = snapshot(out)

    add_files(raw, "b")
    (raw / SEEDS["004"]).write_text(NEW_TEXT.format("a sample rewritten in place"), encoding="utf-8")
    ref_b = reference(raw, tmp_path, "ref-b")

    # killed while cleaning: the outputs are the previous run's, byte for byte
    kill_at("cleaning", raw, out, prefect_api, tmp_path)
    assert snapshot(out) == state_a
    # killed with every output staged but no commit marker: still the previous run's
    kill_at("staged", raw, out, prefect_api, tmp_path)
    assert snapshot(out) == state_a
    # killed right after the commit marker: nothing renamed yet, and the next run publishes the new set
    kill_at("marked", raw, out, prefect_api, tmp_path)
    assert snapshot(out) == state_a
    assert same_run(as_recovered(out, tmp_path, "after-marked"), ref_b)

    add_files(raw, "c")
    ref_c = reference(raw, tmp_path, "ref-c")
    # the next run first finishes publishing B, then is killed after its first rename (C): recovery gives C
    kill_at("renamed-one", raw, out, prefect_api, tmp_path)
    pairs = json.loads((out / ".presswash" / "staging" / "COMMIT").read_text())
    assert not (out / pairs[0][0]).exists() and all((out / staged).exists() for staged, _ in pairs[1:])  # one renamed
    state = snapshot(out)
    assert all(state[name] in (ref_b[name], ref_c[name]) for name in JSONL)  # each file whole, of B or of C
    assert same_run(as_recovered(out, tmp_path, "after-renamed-one"), ref_c)
    # killed after publishing, before the final report: outputs and report.json describe the same run
    kill_at("published", raw, out, prefect_api, tmp_path)
    assert same_run(snapshot(out), ref_c)

    # the next run completes: exactly the outputs of an uninterrupted run, nothing lost or duplicated
    proc = cli(raw, out, prefect_api)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "balance: " in stdout and ": holds" in stdout
    final = snapshot(out)
    assert same_run(final, ref_c)
    report = json.loads(final["report.json"])
    assert report["balance"]["holds"] and report["timings_seconds"]["total"] > 0
    assert not (out / ".presswash" / "staging").exists()
    assert not any((out / ".presswash" / "work").glob("*"))  # shards of the killed runs are gone


def test_two_runs_on_one_output_one_proceeds_the_other_stops_with_a_message(prefect_api, raw_copy, tmp_path):
    out = tmp_path / "clean"
    clean_directory(raw_copy, out)
    before = snapshot(out)
    signal_file = tmp_path / "paused"
    # --full: the raw files are unchanged, so without it the run would have nothing to clean
    first = cli(raw_copy, out, prefect_api, {PAUSE_AT: "cleaning", PAUSE_FILE: str(signal_file)}, "--full")
    try:
        deadline = time.monotonic() + 180
        while not signal_file.exists():
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = cli(raw_copy, out, prefect_api)
        stdout, stderr = second.communicate(timeout=120)
        assert second.returncode == 75
        assert stderr.startswith("presswash: error: another presswash run (pid ")
        assert f"is writing to {str(out)!r}; wait for it to finish, or choose another output folder" in stderr
        assert stderr.count("\n") == 1 and "Traceback" not in stderr
        assert snapshot(out) == before
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    # the lock died with its holder: the next run proceeds at once
    proc = cli(raw_copy, out, prefect_api)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()


def test_a_worker_killed_by_a_file_costs_that_file_only(prefect_api, raw_copy, tmp_path):
    out = tmp_path / "clean"
    proc = cli(raw_copy, out, prefect_api, {FAULT: f"kill:{SEEDS['002']}"}, "--workers", "2", "--batch-size", "2")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "5 files, 5 records -> 4 documents, 0 duplicates, 1 rejected" in stdout
    [rejected] = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert rejected["source"]["path"] == SEEDS["002"]
    assert rejected["error"].startswith("the worker process cleaning this file died 2 times (it was killed by SIGKILL")
    docs = [json.loads(line)["metadata"]["source"]["path"] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert docs == sorted(set(SEEDS.values()) - {SEEDS["002"]})


def test_a_run_that_loses_a_document_fails_loudly_and_keeps_the_previous_outputs(prefect_api, raw_copy, tmp_path):
    out = tmp_path / "clean"
    clean_directory(raw_copy, out)
    before = snapshot(out)
    proc = cli(raw_copy, out, prefect_api, {FAULT: f"drop:{SEEDS['003']}"}, "--full")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert stderr.endswith("\npresswash: error: the cleaning run failed: AccountingError: accounting check failed: "
                           f"1 raw file appears in no output (first: {SEEDS['003']!r}); the previous outputs are unchanged "
                           "(--verbose shows Prefect's log)\n")  # after the progress lines
    assert "Traceback" not in stderr
    assert snapshot(out) == before



_HOLD = """
import sys, time
from cleaners.runtime.lock import state_lock
with state_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_dedup_index_shared_by_two_output_folders_is_locked_too(tmp_path):
    """--state lets output folders share one index; two runs on different folders must not both
    rewrite it. The second waits (up to its wait time) or stops with a message naming the index."""
    from cleaners.corpus.run import clean_directory
    from cleaners.runtime.lock import OutputLocked

    state = tmp_path / "shared" / "state.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(state)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(OutputLocked, match=f"is using the dedup index {str(state)!r}; wait for it to finish"):
            clean_directory(RAW, tmp_path / "out", state=state)
        assert not (tmp_path / "out" / "documents.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    assert clean_directory(RAW, tmp_path / "out", state=state)["documents"] == 5  # released with its holder
