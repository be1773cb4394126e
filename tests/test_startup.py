"""Starting a run side by side (issue 6): worker processes started ahead of time, the worker count
the CLI predicts, and the per-file work time the workers report."""

from __future__ import annotations

import time

from cleaners import workers
from cleaners.pipeline import CleanerConfig
from cleaners.workers import WorkerPool
from flows.prestart import workers_needed
from tests.conftest import RAW, SEEDS


def test_a_pool_adopts_prestarted_workers_and_kills_the_ones_it_does_not_need(tmp_path):
    workers.prestart(2)
    started = list(workers._prestarted)
    assert len(started) == 2
    with WorkerPool(1) as pool:
        assert not workers._prestarted  # handed over: one adopted, the other killed
        summary = pool.run_batch(str(RAW), [SEEDS["000"], SEEDS["001"]], str(tmp_path / "shard.jsonl"), CleanerConfig())
        (live,) = pool._live
        assert live is started[0]  # the batch ran in the prestarted worker, no new process
    deadline = time.monotonic() + 10
    while started[1].alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not started[1].alive()
    assert summary.documents == 2 and summary.rejected == 0
    # the per-file work time the workers report: real, and part of the batch's wall time
    assert 0 < summary.work_seconds <= summary.seconds


def test_workers_needed_follows_the_flows_rule(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "sub").mkdir(parents=True)
    (raw / ".hidden").write_text("x")
    (raw / "a.txt").write_text("x")
    params = {"batch_size": 100, "workers": None, "local_workers": True}
    assert workers_needed(raw, out, None, params) == 1  # one batch: one worker
    assert workers_needed(raw, out, None, dict(params, workers=3)) == 3  # asked for
    assert workers_needed(raw, out, None, dict(params, local_workers=False)) == 0  # batches go to Dask
    for i in range(100):
        (raw / "sub" / f"{i}.txt").write_text("x")
    assert workers_needed(raw, out, None, params) == 2  # 101 files: two batches
    assert workers_needed(raw, out, None, dict(params, batch_size=1000)) == 1
    # an output with a file ledger: the run may be incremental and read nothing, workers start on demand
    (out / ".presswash").mkdir(parents=True)
    (out / ".presswash" / "state.sqlite").write_bytes(b"")
    assert workers_needed(raw, out, None, params) == 0
    assert workers_needed(raw, out, None, params, full=True) == 2
    assert workers_needed(raw, out, str(tmp_path / "elsewhere.sqlite"), params) == 2


def test_a_one_off_run_uses_the_prestarted_prefect_server(tmp_path):
    """With no API URL, the CLI starts Prefect's temporary server while the flow engine imports and
    hands it to Prefect: the flow run uses it (Prefect starts no second one), stops it at exit, and
    the run is a real flow run with the usual outputs."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_LOGGING_LEVEL="INFO")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(RAW), "--out", str(out), "--verbose", "--progress", "off"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Starting temporary server" not in result.stderr  # Prefect found ours running
    assert "Stopping temporary server" in result.stderr  # and stopped it at exit
    assert "Finished in state Completed" in result.stderr  # a real Prefect flow run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["files_seen"] == len(SEEDS) and report["balance"]["holds"]
