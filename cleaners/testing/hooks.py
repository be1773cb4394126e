"""Test-only hooks: make a run pause at a named point, or make a worker process fail on a named file.

They exist so that the crash tests can kill a real run at a precise moment and check what it left
behind. Both are off unless their environment variable is set; never set them in production.

``PRESSWASH_TEST_PAUSE_AT=POINT`` (with ``PRESSWASH_TEST_PAUSE_FILE=PATH``): when the run reaches
``POINT`` it creates ``PATH`` and sleeps (up to 10 minutes) so that a test can SIGKILL it there.
Points, in run order:

- ``cleaning``: a worker process has cleaned its first file into its shard;
- ``cleaned``: every batch is cleaned, before deduplication and writing;
- ``staged``: the output files are written and flushed in the staging folder, no commit marker yet;
- ``marked``: the commit marker is written, no output renamed yet;
- ``renamed-one``: the first output file has been renamed into place, the others not yet;
- ``published``: the outputs are in place, the final ``report.json`` not yet written.

``PRESSWASH_TEST_FAULT=KIND:NAME[,KIND:NAME...]`` makes the worker process that reaches a raw file whose path
contains ``NAME`` do ``KIND``: ``kill`` (SIGKILL itself, as an out-of-memory kill would), ``hang``
(stop responding with SIGALRM blocked, as code stuck in a C extension would) or ``drop`` (lose the
file's outcomes, as a bug would; the run's accounting check must catch it).
"""

from __future__ import annotations

import os
import signal
import time

PAUSE_AT = "PRESSWASH_TEST_PAUSE_AT"
PAUSE_FILE = "PRESSWASH_TEST_PAUSE_FILE"
FAULT = "PRESSWASH_TEST_FAULT"
POINTS = ("cleaning", "cleaned", "staged", "marked", "renamed-one", "published")


def pause(point: str) -> None:
    """Sleep here if the environment asks to pause at ``point`` (tests only)."""
    if os.environ.get(PAUSE_AT) != point:
        return
    signal_file = os.environ.get(PAUSE_FILE)
    if signal_file:
        with open(signal_file, "w", encoding="utf-8") as handle:
            handle.write(f"{point} {os.getpid()}\n")
    time.sleep(600)


def fault(relpath: str) -> str | None:
    """Act on ``PRESSWASH_TEST_FAULT`` for this raw file; return ``"drop"`` when its outcomes must be lost."""
    specs = os.environ.get(FAULT)
    if not specs:
        return None
    for spec in specs.split(","):
        kind, _, name = spec.partition(":")
        if not name or name not in relpath:
            continue
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif kind == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(600)
        elif kind == "drop":
            return "drop"
    return None
