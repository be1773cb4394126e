"""Starting a run side by side (issue 6): worker processes started ahead of time, the worker count
the CLI predicts, and the per-file work time the workers report."""

from __future__ import annotations

import time

from cleaners.config import CleanerConfig, Settings
from cleaners.runtime import workers
from cleaners.runtime.workers import WorkerPool
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
    settings = Settings().replace(raw=raw, out=out, batch_size=100)
    assert workers_needed(settings) == 1  # one batch: one worker
    assert workers_needed(settings.replace(workers=3)) == 3  # asked for
    assert workers_needed(settings.replace(task_runner="dask")) == 0  # batches go to Dask
    for i in range(100):
        (raw / "sub" / f"{i}.txt").write_text("x")
    assert workers_needed(settings) == 2  # 101 files: two batches
    assert workers_needed(settings.replace(batch_size=1000)) == 1
    # an output with a file ledger: the run may be incremental and read nothing, workers start on demand
    (out / ".presswash").mkdir(parents=True)
    (out / ".presswash" / "state.sqlite").write_bytes(b"")
    assert workers_needed(settings) == 0
    assert workers_needed(settings.replace(full=True)) == 2
    assert workers_needed(settings.replace(state=str(tmp_path / "elsewhere.sqlite"))) == 2


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


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    import os

    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:
                found.add(int(name))
    return found


def test_sigterm_stops_the_run_and_its_processes_and_keeps_the_previous_outputs(tmp_path):
    """A supervisor's SIGTERM during a one-off run: the command says so and exits 143, the earlier
    outputs are untouched, and neither Prefect's temporary server nor a worker process is left behind."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "out"
    out.mkdir()
    (out / "documents.jsonl").write_text('{"id": "earlier"}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "clean", str(RAW), "--out", str(out), "--progress", "off"],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    children: set[int] = set()
    while len(children) < 2 and time.monotonic() < deadline and proc.poll() is None:  # the server and a worker
        children |= _children(proc.pid)
        time.sleep(0.1)
    assert len(children) >= 2, "the run did not start its server and worker"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr[-2000:]
    assert "terminated; the previous outputs are unchanged" in stderr
    assert (out / "documents.jsonl").read_text(encoding="utf-8") == '{"id": "earlier"}\n'
    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except OSError:
            return False

    deadline = time.monotonic() + 15
    while any(map(running, children)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if running(pid)], "left running after the run ended"
