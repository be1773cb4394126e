"""Per-document budgets: a time limit that stops a document whose cleaning spins, and size limits.

The time limit uses ``SIGALRM`` (``signal.setitimer``), so it works in the main thread of a process
on POSIX systems: presswash cleans batches in worker processes whose main thread does the work (see
:mod:`cleaners.runtime.workers`), and :func:`time_limits_available` says whether the calling thread can use it.
Elsewhere (a worker thread, Windows) the block simply runs unbounded, and the supervising process's
hard limit is the only stop.

The exception raised is a :class:`BaseException`, not an :class:`Exception`: libraries that catch
``Exception`` around their own work (trafilatura does, in places) cannot swallow it. If something
swallows it anyway, the alarm fires again every :data:`REFIRE_SECONDS` until the block ends, and the
block raises on exit: a document that overran its budget is never passed on as if nothing happened.

>>> with time_limit(5.0):
...     total = sum(range(1000))
>>> total
499500
>>> try:
...     with time_limit(0.05):
...         while True:
...             pass
... except BudgetExceeded as exc:
...     print(exc)
took longer than the time budget of 0.05 s per document
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

REFIRE_SECONDS = 0.25


class BudgetExceeded(BaseException):
    """The work inside a :func:`time_limit` block ran past its budget."""

    def __init__(self, seconds: float):
        super().__init__(f"took longer than the time budget of {seconds:g} s per document")
        self.seconds = seconds


def time_limits_available() -> bool:
    """True when :func:`time_limit` can interrupt work in the calling thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Alarm:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = True
        self.fired = False

    def handler(self, signum, frame) -> None:
        if not self.active:  # the block is over: a late signal must not hit unrelated code
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        self.fired = True
        raise BudgetExceeded(self.seconds)


_current: _Alarm | None = None


def disarm() -> None:
    """Stop the running alarm, if any. Idempotent; call it where :class:`BudgetExceeded` is caught,
    so that a signal that arrived while the block was unwinding cannot fire again."""
    global _current
    if _current is not None:
        _current.active = False
    if time_limits_available():
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` inside the block once it has run ``seconds``.

    A no-op when ``seconds`` is None or 0, or when the calling thread cannot take signals.
    Not re-entrant: an inner block replaces the outer one's alarm.
    """
    global _current
    if not seconds or seconds <= 0 or not time_limits_available():
        yield
        return
    alarm = _Alarm(seconds)
    previous_handler = signal.signal(signal.SIGALRM, alarm.handler)
    _current = alarm
    signal.setitimer(signal.ITIMER_REAL, seconds, REFIRE_SECONDS)
    try:
        yield
    finally:
        alarm.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        _current = None
    if alarm.fired:  # the exception was raised inside the block and swallowed there
        raise BudgetExceeded(seconds)
