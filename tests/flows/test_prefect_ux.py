"""Prefect as its users run it (issue 16, items 5-9): the run's log reaches the Prefect server and the
command prints the run's page; Dask runs are quiet, counted and fail in one sentence; serve refuses a
bad cron expression or an unreachable server in one sentence; the flow runs from a script without a
main guard and from standard input; Ctrl-C during Prefect's start is an interruption; the Prefect API
of a profile is the one used."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SEEDS

INTERRUPTED = "presswash: error: interrupted; the previous outputs are unchanged\n"


def _env(api_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.pop("PREFECT_LOGGING_LEVEL", None)  # the command's own default, as a user runs it
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, also for a script run from elsewhere
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def _cli(*args: str, api_url: str | None, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=_env(api_url, **extra), timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_log(flow_run_id: str, wait_for: str, seconds: float = 30) -> list[str]:
    """The messages of a flow run's log on the server (sent in the background: wait for ``wait_for``)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), sort=LogSort.TIMESTAMP_ASC)
            messages = [log.message for log in logs]
            if any(wait_for in m for m in messages) or time.monotonic() > deadline:
                return messages
            time.sleep(0.5)


def _one_sentence(stderr: str, start: str) -> None:
    assert stderr.count("\n") == 1 and stderr.startswith(start), stderr[-3000:]
    assert "Traceback" not in stderr


# -- 5: the run's log in Prefect, and the run's URL -------------------------------------------------

def test_a_run_sends_its_progress_and_summary_to_prefect_and_prints_its_page(prefect_api, raw_copy, tmp_path):
    """Before: the CLI's log level (CRITICAL) silenced the flow and task run loggers, so the server got no
    log at all ("This run didn't generate logs"), and no URL was printed."""
    result = _cli("clean", str(raw_copy), "--out", str(tmp_path / "out"), "--no-config", "--progress", "log", api_url=prefect_api)
    assert result.returncode == 0, result.stderr[-3000:]
    assert " | INFO " not in result.stderr and "Traceback" not in result.stderr  # the terminal as before: no Prefect logs
    [announced] = re.findall(r"^presswash: flow run '[\w-]+': (http\S+/runs/flow-run/([0-9a-f-]{36}))$", result.stderr, re.M)
    url, flow_run_id = announced
    assert result.stdout.rstrip("\n").endswith(f"\n  flow run: {url}")
    messages = _run_log(flow_run_id, "5 files, 5 records")
    assert "cleaning 5 files in 1 batch on 1 worker process" in messages
    assert "deduplicating and writing the outputs" in messages
    assert any(m.startswith("5 files, 5 records: 5 documents written") for m in messages), messages


def test_no_page_is_printed_for_prefects_temporary_server(tmp_path):
    """The temporary local server serves no UI and stops with the command: a link would be dead."""
    result = _cli("clean", "raw", "--out", str(tmp_path / "out"), "--no-config", "--progress", "log", api_url=None,
                  PREFECT_HOME=str(tmp_path / "prefect-home"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "flow run" not in result.stdout + result.stderr
    assert "presswash: starting Prefect's local server" in result.stderr


def test_the_prefect_api_of_the_active_profile_is_the_one_used(prefect_api, tmp_path):
    """Before: only the environment variable was looked at, so a PREFECT_API_URL set in a Prefect profile
    made serve refuse to start ("needs a Prefect server") and clean announce a local server it did not use."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(f'active = "team"\n\n[profiles.team]\nPREFECT_API_URL = "{prefect_api}"\n')
    result = _cli("serve", "raw", "--out", str(tmp_path / "out"), "--cron", "every hour", "--no-config", api_url=None,
                  PREFECT_HOME=str(home), PREFECT_PROFILE="team", timeout=120)
    assert result.returncode == 2  # past the server checks, refused for its cron expression
    _one_sentence(result.stderr, "presswash: error: --cron 'every hour' is not a cron expression")
    result = _cli("clean", "raw", "--out", str(tmp_path / "out"), "--no-config", "--progress", "log", api_url=None,
                  PREFECT_HOME=str(home), PREFECT_PROFILE="team")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "presswash: connecting to the Prefect server" in result.stderr
    assert re.search(r"^presswash: flow run '[\w-]+': http\S+/runs/flow-run/", result.stderr, re.M), result.stderr


# -- 6: Dask -------------------------------------------------------------------------------------------

def test_a_dask_run_is_quiet_counts_its_workers_and_fails_in_one_sentence(prefect_api, raw_copy, tmp_path):
    """Before: --quiet printed Prefect's INFO lines (prefect-dask was imported before the log settings were
    set), a failed run printed whole tracebacks, and the CLI said "on 0 worker processes"."""
    pytest.importorskip("prefect_dask")
    args = ("--no-config", "--task-runner", "dask", "--workers", "2", "--batch-size", "2")
    quiet = _cli("clean", str(raw_copy), "--out", str(tmp_path / "quiet"), *args, "--quiet", api_url=prefect_api)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    failed = _cli("clean", str(raw_copy), "--out", str(tmp_path / "failed"), *args, "--progress", "log", api_url=prefect_api,
                  PRESSWASH_TEST_FAULT=f"drop:{SEEDS['003']}")  # a batch loses a document: the run fails
    assert failed.returncode == 1
    lines = failed.stderr.splitlines()
    assert "Traceback" not in failed.stderr and not any(" | " in line for line in lines), failed.stderr[-3000:]
    assert lines[-1].startswith("presswash: error: the cleaning run failed: AccountingError: ")
    assert "presswash: cleaning 5 files in 3 batches on 2 worker processes" in lines
    flow_run_id = re.search(r"/runs/flow-run/([0-9a-f-]{36})", failed.stderr).group(1)
    messages = _run_log(flow_run_id, "workers of the task runner")
    assert "the batches run on 2 workers of the task runner" in messages, messages


def test_an_unreachable_dask_scheduler_is_one_sentence_before_the_run(prefect_api, tmp_path):
    """Before: Dask tried for 30 s, then an 80-line traceback."""
    pytest.importorskip("prefect_dask")
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    result = _cli("clean", "raw", "--out", str(tmp_path / "out"), "--no-config", "--task-runner", "dask", "--dask-address", address,
                  api_url=prefect_api)
    assert result.returncode == 2
    _one_sentence(result.stderr, f"presswash: error: cannot reach the Dask scheduler at {address} (")
    assert not (tmp_path / "out" / "documents.jsonl").exists()
    assert time.monotonic() - started < 30  # refused before Dask's own 30 s connect timeout (not a speed assertion)


# -- 7: serve ---------------------------------------------------------------------------------------------

def test_serve_refuses_a_cron_expression_that_is_not_one(prefect_api, tmp_path):
    """Before: a 56-line pydantic traceback and exit 1."""
    result = _cli("serve", "raw", "--out", str(tmp_path / "out"), "--cron", "every hour", "--no-config", api_url=prefect_api, timeout=120)
    assert result.returncode == 2
    _one_sentence(result.stderr, "presswash: error: --cron 'every hour' is not a cron expression: five fields")


def test_serve_with_no_server_at_the_api_url_says_so_in_one_sentence(tmp_path):
    """Before: a 104-line httpx traceback."""
    url = f"http://127.0.0.1:{_free_port()}/api"
    result = _cli("serve", "raw", "--out", str(tmp_path / "out"), "--interval", "60", "--no-config", api_url=url, timeout=120)
    assert result.returncode == 2
    _one_sentence(result.stderr, f"presswash: error: cannot reach the Prefect server at {url} (")


# -- 8: the flow from a script without a main guard, and from standard input ------------------------------

SCRIPT = """\
import json, sys
from cleaners.config import Settings
from flows import clean_corpus
print("script ran", flush=True)
report = clean_corpus(Settings().replace(raw=sys.argv[1], out=sys.argv[2], workers=2, batch_size=2))
print(json.dumps({"documents": report["documents"]}))
"""


@pytest.mark.parametrize("how", ["script", "stdin"])
def test_the_flow_runs_from_a_script_without_a_main_guard_and_from_stdin(prefect_api, raw_copy, tmp_path, how):
    """Before: every spawned worker ran the unguarded script again (a second run, OutputLocked, exit 1);
    from standard input, "a worker process could not start"."""
    out = tmp_path / "out"
    command = [sys.executable, "-"] if how == "stdin" else [sys.executable, str(tmp_path / "unguarded.py")]
    (tmp_path / "unguarded.py").write_text(SCRIPT)
    result = subprocess.run([*command, str(raw_copy), str(out)], input=SCRIPT if how == "stdin" else None, capture_output=True,
                            text=True, cwd=tmp_path, env=_env(prefect_api, PREFECT_LOGGING_LEVEL="WARNING"), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("script ran") == 1  # the worker processes did not run it again
    assert json.loads(result.stdout.splitlines()[-1]) == {"documents": 5}
    assert len((out / "documents.jsonl").read_text().splitlines()) == 5


# -- 9: Ctrl-C during Prefect's start ---------------------------------------------------------------------

# A real SIGINT, sent when Prefect, while it imports, first serializes its settings inside pydantic
# (optionally: only under the given function): the moment a Ctrl-C 2-3 s after the start can land in.
SIGINT_AT = """\
import os, signal, sys
from flows.cli import main
UNDER, SENT = sys.argv[1], sys.argv[2]

def trace(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "_ser_model":
        f = frame
        while UNDER and f is not None and f.f_code.co_name != UNDER:
            f = f.f_back
        if f is not None:
            sys.settrace(None)
            open(SENT, "w").close()
            os.kill(os.getpid(), signal.SIGINT)

if __name__ == "__main__":
    # Ctrl-C as at a terminal: a test run started in the background (a non-interactive shell's "&") has
    # SIGINT ignored, which children inherit, and presswash leaves an ignored SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.settrace(trace)
    sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize("under", ["", "load_logging_config"], ids=["plugins-start", "log-set-up"])
def test_ctrl_c_while_prefect_starts_is_an_interruption(prefect_api, tmp_path, under):
    """Before: at the plugins' start the interruption was lost (a traceback, then the run completed);
    in the log set-up it became "the cleaning run failed: PydanticSerializationError ... KeyboardInterrupt"."""
    (tmp_path / "sigint_at.py").write_text(SIGINT_AT)
    out = tmp_path / "out"
    sent = tmp_path / "sent"
    result = subprocess.run([sys.executable, str(tmp_path / "sigint_at.py"), under, str(sent), "clean", "raw", "--out", str(out), "--no-config",
                             "--progress", "off"], capture_output=True, text=True, cwd=ROOT, env=_env(prefect_api), timeout=300)
    assert sent.exists(), f"the SIGINT was never sent: {result.returncode} {result.stdout[-2000:]} {result.stderr[-2000:]}"
    assert (result.returncode, result.stderr) == (130, INTERRUPTED), result.stdout[-2000:]
    assert not (out / "documents.jsonl").exists()
