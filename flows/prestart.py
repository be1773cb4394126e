"""Start the slow parts of a run at once, side by side, before the flow is called.

A one-off ``presswash clean`` used to pay, one after the other: importing Prefect's flow engine,
importing Prefect's server and booting its temporary local server (a separate process: about 2 s
on these machines with an existing Prefect home, more with a new one), then spawning the worker
processes (each imports and warms up the cleaning libraries, about 1 s). None of them needs
another, so :func:`prestart` starts the workers (:func:`cleaners.runtime.workers.prestart`) and, when no
Prefect API URL is set (``PREFECT_API_URL``, in the environment or a profile), Prefect's temporary
server: the very process Prefect's ``SubprocessASGIServer`` would start on the first flow call
(same command, same environment), launched at once and handed to Prefect once it answers, so that
the flow finds it running. It returns the function that waits for it and hands it over. With an API URL set, the flow uses that running server and no server is
started here. The flow run is a real Prefect flow run either way.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from cleaners.config import Settings
from cleaners.outputs.atomic import default_state_path


def _files_at_least(raw_dir: str | Path, count: int) -> int:
    """How many raw files there are, counting no further than ``count`` (hidden ones skipped, as
    :func:`cleaners.corpus.discover.discover.discover` does)."""
    found = 0
    stack = [Path(raw_dir)]
    while stack and found < count:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            else:
                found += 1
    return found


def workers_needed(settings: Settings) -> int:
    """How many worker processes to start ahead of the flow: as many as it will use (see
    ``flows.clean.default_workers``) on a first run; none when the batches go to another task runner
    (Dask), and none when the output folder has a file ledger (an incremental run may read nothing;
    its workers start when a batch needs them)."""
    if settings.run.task_runner != "threads":
        return 0
    state = settings.state_path()
    if not settings.run.full and (Path(state) if state else default_state_path(settings.paths.out)).exists():
        return 0
    if settings.workers() is not None:
        return max(1, settings.workers())
    cores = os.cpu_count() or 1
    batch_size = settings.run.batch_size
    files = _files_at_least(settings.paths.raw, (cores - 1) * batch_size + 1)
    return max(1, min(cores, -(-files // batch_size)))


def _launch_server() -> tuple[subprocess.Popen, int]:
    """The process Prefect's ``SubprocessASGIServer`` would start (the same command and environment),
    started now, without first importing Prefect's server package in this process (1-2 s)."""
    spec = importlib.util.find_spec("prefect")
    app_dir = Path(spec.origin).parent.parent  # prefect.__module_path__.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory", "prefect.server.api.server:create_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    process = subprocess.Popen(command, env=env)
    atexit.register(_stop, process)  # also when the run ends before the server is handed over
    return process, port


def _stop(process: subprocess.Popen) -> None:
    """Stop the server process if it still runs (Prefect's own stop, once it has the server, runs first)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(process: subprocess.Popen, port: int, timeout: float, check: Callable[[], None] = lambda: None) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client() as client:
        while time.monotonic() < deadline and process.poll() is None:
            check()  # the caller's: raises if the run was interrupted meanwhile
            try:
                if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    return False


def _adopt_server(process: subprocess.Popen, port: int, check: Callable[[], None] = lambda: None) -> None:
    """Wait for the server started by :func:`_launch_server` and hand it to Prefect, which then uses
    it for the flow run (``SubprocessASGIServer`` is a singleton and skips starting when it is
    running). If anything differs from what is expected, the process is stopped and the flow call
    starts Prefect's own server as usual (and reports what goes wrong)."""
    try:
        from prefect.server.api.server import SubprocessASGIServer
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        if not _healthy(process, port, float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()), check):
            raise RuntimeError("Prefect's temporary server did not start")
        server = SubprocessASGIServer()
        if server.running or not hasattr(server, "server_process"):
            raise RuntimeError("a temporary server is already running")
        server.port, server.server_process, server.running = port, process, True
        atexit.register(server.stop)
    except Exception:
        process.kill()
        process.wait()


def prestart(workers: int) -> Callable[..., None]:
    """Start ``workers`` worker processes and, with no ``PREFECT_API_URL``, Prefect's temporary
    server; return a function that hands the server to Prefect once it answers (call it after the
    flow's imports, before the flow; it takes a ``check`` called while it waits, which may raise to
    stop waiting: a Ctrl-C held meanwhile). Everything runs in the calling thread: the processes boot
    while it imports, and no import ever runs in two threads at once (Prefect's packages import
    each other in cycles)."""
    from cleaners.runtime.workers import prestart as prestart_workers

    if workers:
        prestart_workers(workers)
    # the settings, not only the variables: a profile or a test harness may set them
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return lambda check=None: None
    process, port = _launch_server()
    return lambda check=lambda: None: _adopt_server(process, port, check)
