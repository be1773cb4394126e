"""Progress of a cleaning run, for the person at the terminal or for a log.

The flow reports a few events to the current :class:`Reporter`: the run starts (how many files and
batches), a batch finished (its summary), the run moved on to a stage ("deduplicating and writing"),
the run ended. ``presswash clean`` installs a reporter with :func:`reporting`: a live bar (rich) on a
terminal, plain periodic lines otherwise. The flow always logs plain periodic lines through its run
logger too (they reach the run's log in Prefect, whoever started the run), reporter installed or not.

No Prefect import here: the CLI imports this module before deciding whether to start Prefect.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator

LOG_INTERVAL_SECONDS = 10.0


class Reporter:
    """The events a run reports. The base class ignores them all (``--quiet``)."""

    def waiting(self, message: str) -> None:
        """Before the flow starts (Prefect starting a temporary server can take seconds)."""

    def link(self, message: str) -> None:
        """Where to follow the run (its page in the Prefect UI), once it has started."""

    def start(self, files: int, batches: int, workers: int) -> None:
        """Cleaning starts: ``files`` raw files in ``batches`` batches."""

    def advance(self, summary: dict[str, Any]) -> None:
        """One batch finished (a clean-batch summary: ``files``, ``documents``, ``rejected``...)."""

    def stage(self, message: str) -> None:
        """The run moved on to a stage after cleaning."""

    def close(self) -> None:
        """The run ended (successfully or not)."""


class Tracker:
    """Counts, rate and time left, from the batches done so far.

    >>> clock = iter([0.0, 10.0]).__next__
    >>> t = Tracker(clock=clock)
    >>> t.begin(1000)
    >>> t.add(250)
    >>> t.done, round(t.rate), round(t.eta), t.fraction
    (250, 25, 30, 0.25)
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.total = 0
        self.done = 0
        self.started = 0.0
        self.now = 0.0

    def begin(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = self.now = self.clock()

    def add(self, files: int) -> None:
        self.done += files
        self.now = self.clock()

    @property
    def elapsed(self) -> float:
        return max(0.0, self.now - self.started)

    @property
    def rate(self) -> float | None:
        """Files per second so far (None before the first batch)."""
        return self.done / self.elapsed if self.done and self.elapsed > 0 else None

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before the first batch)."""
        rate = self.rate
        return (self.total - self.done) / rate if rate else None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def format_seconds(seconds: float | None) -> str:
    """``format_seconds(75)`` → ``'1 min 15 s'``.

    >>> format_seconds(4.2), format_seconds(75), format_seconds(7300), format_seconds(None)
    ('4 s', '1 min 15 s', '2 h 1 min', '?')
    """
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _plural(n: int, word: str) -> str:
    """``_plural(2, "batch")`` → ``'2 batches'``."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word}es" if word.endswith(("s", "ch")) else f"{n} {word}s"


class LogReporter(Reporter):
    """Plain lines, at most one every ``interval`` seconds while cleaning, plus the start and the end
    of each stage: for CI logs, Prefect workers and anything that is not a terminal."""

    def __init__(self, emit: Callable[[str], None], interval: float = LOG_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.emit = emit
        self.interval = interval
        self.tracker = Tracker(clock)
        self._last = 0.0
        self._cleaning = False

    def waiting(self, message: str) -> None:
        self.emit(message)

    def link(self, message: str) -> None:
        self.emit(message)

    def start(self, files: int, batches: int, workers: int) -> None:
        self.tracker.begin(files)
        self._last = self.tracker.started
        self._cleaning = True
        self.emit(f"cleaning {_plural(files, 'file')} in {_plural(batches, 'batch')} on {_plural(workers, 'worker process')}")

    def advance(self, summary: dict[str, Any]) -> None:
        t = self.tracker
        t.add(int(summary.get("files", 0)))
        if t.done < t.total and t.now - self._last >= self.interval:
            self._last = t.now
            self.emit(
                f"cleaned {t.done}/{t.total} files ({t.fraction:.0%}), {t.rate or 0:.1f} files/s, "
                f"about {format_seconds(t.eta)} left"
            )

    def _end_cleaning(self) -> None:
        if self._cleaning:
            self._cleaning = False
            t = self.tracker
            rate = f", {t.rate:.1f} files/s" if t.rate else ""
            self.emit(f"cleaned {t.done}/{t.total} files in {format_seconds(t.elapsed)}{rate}")

    def stage(self, message: str) -> None:
        self._end_cleaning()
        self.emit(message)

    def close(self) -> None:
        self._end_cleaning()


class BarReporter(Reporter):
    """A live progress bar on a terminal (rich): files done, files/s, time elapsed and left.
    It disappears when the run ends; the summary printed afterwards says what happened."""

    def __init__(self, stream: IO[str] | None = None, force_terminal: bool | None = None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(file=stream or sys.stderr, force_terminal=force_terminal)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            _counts_column(),
            console=self.console,
            transient=True,
            redirect_stdout=True,  # anything printed meanwhile (Prefect's one-time notices) goes above the bar
            redirect_stderr=True,
        )
        self.task = None
        self.progress.start()

    def waiting(self, message: str) -> None:
        self.task = self.progress.add_task(message, total=None)

    def link(self, message: str) -> None:
        self.progress.console.print(message, highlight=False, soft_wrap=True)  # above the bar, and stays

    def start(self, files: int, batches: int, workers: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("cleaning", total=files)
        self.progress.reset(self.task, total=files, completed=0, description=f"cleaning ({workers} worker{'s' if workers != 1 else ''})")

    def advance(self, summary: dict[str, Any]) -> None:
        if self.task is not None:
            self.progress.advance(self.task, int(summary.get("files", 0)))

    def stage(self, message: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=message)

    def close(self) -> None:
        self.progress.stop()


def _counts_column():
    """Files done, files per second (rich's moving estimate) and time left; nothing while the
    total is unknown. Built here so that importing this module does not import rich."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountsColumn(ProgressColumn):
        def render(self, task) -> Text:
            if task.total is None:
                return Text("")
            text = Text(f"{task.completed:,.0f}/{task.total:,.0f} files", style="progress.download")
            speed = task.finished_speed or task.speed
            if speed:
                text.append(f"  {speed:,.1f} files/s", style="progress.data.speed")
            if not task.finished:
                eta = task.time_remaining
                text.append(f"  ETA {format_seconds(eta) if eta is not None else '?'}", style="progress.remaining")
            return text

    return CountsColumn()


# -- the current reporter -------------------------------------------------------------------------

_CURRENT: Reporter | None = None


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install ``reporter`` for the runs started inside the block (the CLI's bar or log lines)."""
    global _CURRENT
    previous, _CURRENT = _CURRENT, reporter
    try:
        yield reporter
    finally:
        _CURRENT = previous
        reporter.close()


class Both(Reporter):
    """Each event to two reporters: the CLI's (the terminal) and the run's log."""

    def __init__(self, first: Reporter, second: Reporter):
        self.reporters = (first, second)

    def waiting(self, message: str) -> None:
        for r in self.reporters:
            r.waiting(message)

    def link(self, message: str) -> None:
        for r in self.reporters:
            r.link(message)

    def start(self, files: int, batches: int, workers: int) -> None:
        for r in self.reporters:
            r.start(files, batches, workers)

    def advance(self, summary: dict[str, Any]) -> None:
        for r in self.reporters:
            r.advance(summary)

    def stage(self, message: str) -> None:
        for r in self.reporters:
            r.stage(message)

    def close(self) -> None:
        for r in self.reporters:
            r.close()


def current_reporter(log: Callable[[str], None]) -> Reporter:
    """Periodic lines through ``log`` (the flow's run logger: the run's log in Prefect says how far it
    got, whoever started it), and each event also to the reporter the CLI installed, if any."""
    run_log = LogReporter(log)
    return run_log if _CURRENT is None else Both(_CURRENT, run_log)
