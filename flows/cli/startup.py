"""What ``clean`` and ``serve`` do around Prefect's start: its log settings, Ctrl-C and SIGTERM held while
it imports, the Prefect API in use (environment or profile), and the quick probes that turn a server or
a Dask scheduler that does not answer into one sentence before anything starts.

Nothing here imports Prefect at module level: the log settings must be in the environment first.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

from cleaners.corpus.discover import (
    UsageError,  # internal module of cleaners (issue 13 may move it)
)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt, so that the run unwinds:
    staged outputs discarded, lock released, worker processes and Prefect's server stopped."""


class PrefectLogging:
    """Prefect's log settings for a run. The run's own log (the flow and task run loggers: its progress
    lines and its summary) always goes to the Prefect API, so the UI and ``prefect flow-run logs`` show
    it; the terminal shows Prefect's logs only with --verbose (without, a failed run is one sentence from
    the command). Set as environment variables before anything imports Prefect, which reads them once,
    and which the processes the run starts inherit (Dask workers, Prefect's temporary server); then, by
    :meth:`apply` once Prefect is imported, on its live loggers, which an earlier run in the same
    process may have set otherwise. Defaults only: a variable the user set wins. Undone afterwards.

    (Prefect's logging.yml leaves ``prefect.flow_runs`` and ``prefect.task_runs`` at NOTSET: with the
    root ``prefect`` logger at CRITICAL, their INFO records were dropped before the API handler.)"""

    def __init__(self, verbose: bool):
        self.wanted = {
            "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "CRITICAL",  # Prefect's own loggers
            "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
            "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "INFO",
            # the run loggers propagate to the console handler too: silent unless --verbose
            "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "NOTSET" if verbose else "CRITICAL",
        }
        self.added: list[str] = []
        self.undo: list[tuple[Any, int]] = []

    def __enter__(self) -> "PrefectLogging":
        self.added = [key for key in self.wanted if key not in os.environ]
        os.environ.update({key: self.wanted[key] for key in self.added})
        return self

    def apply(self) -> None:
        from prefect.logging.handlers import PrefectConsoleHandler

        targets = {
            "PREFECT_LOGGING_LEVEL": [logging.getLogger("prefect")],
            "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": [logging.getLogger("prefect.flow_runs")],
            "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": [logging.getLogger("prefect.task_runs")],
            "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)],
        }
        for key in self.added:
            for target in targets[key]:
                self.undo.append((target, target.level))
                target.setLevel(self.wanted[key])

    def __exit__(self, *exc_info) -> None:
        for target, level in reversed(self.undo):
            target.setLevel(level)
        for key in self.added:
            os.environ.pop(key, None)


class HeldSignals:
    """Ctrl-C (SIGINT) and SIGTERM held while Prefect imports and starts, then raised in this code:
    KeyboardInterrupt or :class:`Terminated`. Raised inside Prefect's start they are lost or disguised:
    Prefect builds its settings while it imports, running Python code inside pydantic, which turns the
    exception into a ``ValidationError`` or ``PydanticSerializationError``; Prefect's plugin start-up
    logs that one and goes on, and its log set-up lets it through as a failed run. :meth:`check`
    raises a held signal at once, from a place of ours (the wait for the server); a second Ctrl-C is
    raised at once, wherever it lands. The cost: a first Ctrl-C waits for the imports to end (1-3 s).
    A signal the caller ignores (nohup, a background job) stays ignored."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.pending: list[int] = []
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> "HeldSignals":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) in (signal.SIG_IGN, None):
                    continue
                self.previous[signum] = signal.signal(signum, self._hold)
        return self

    def _hold(self, signum, frame) -> None:
        self.pending.append(signum)
        if len(self.pending) > 1:  # a second one: stop waiting (if Prefect loses this one, __exit__ raises again)
            self.check()

    def check(self) -> None:
        if self.pending:
            self._restore()
            raise Terminated() if self.pending[0] == signal.SIGTERM else KeyboardInterrupt()

    def _restore(self) -> None:
        for signum, previous in self.previous.items():
            signal.signal(signum, previous)
        self.previous = {}

    def __exit__(self, *exc_info) -> None:
        self._restore()
        self.check()


def interruption(exc: BaseException | None) -> BaseException | None:
    """The Ctrl-C (KeyboardInterrupt) or SIGTERM (:class:`Terminated`) behind ``exc``, if any:
    pydantic-core turns an exception raised in a Python serializer (Prefect's settings' ``_ser_model``),
    a KeyboardInterrupt included, into ``PydanticSerializationError`` with the original as its cause."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (KeyboardInterrupt, Terminated)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def prefect_api_url() -> str | None:
    """The Prefect API the run will use: ``PREFECT_API_URL`` from the environment, a ``.env`` or
    ``prefect.toml`` file or the active Prefect profile (as Prefect itself resolves it); None for
    Prefect's temporary local server. Imports Prefect's settings: set :class:`PrefectLogging` first."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def without_credentials(url: str) -> str:
    """``https://user:secret@host/api`` → ``https://host/api``: never print credentials.

    >>> without_credentials("https://user:secret@prefect.example.org/api")
    'https://prefect.example.org/api'
    """
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def check_server() -> None:
    """The Prefect server at the API URL answers, or the command stops at once, with one sentence."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise UsageError(f"cannot reach the Prefect server at {without_credentials(prefect_api_url() or '')} "
                         f"({type(problem).__name__}: {problem}); start it (prefect server start) or fix PREFECT_API_URL")


def check_dask_address(address: str, timeout: float = 5.0) -> None:
    """A Dask scheduler that does not answer stops the run at once, in one sentence (Dask itself tries
    for 30 s, then raises through the flow). Only TCP transports (tcp://, tls://) are probed."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UsageError(f"--dask-address {address!r} is not an address like tcp://HOST:8786") from None
    if parts.scheme not in ("tcp", "tls") or not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UsageError(f"cannot reach the Dask scheduler at {address} ({reason}); start one (dask scheduler) "
                         "or fix --dask-address (run.dask_address)") from None
