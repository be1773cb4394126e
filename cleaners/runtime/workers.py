"""Cleaning batches in worker processes that may die or hang, without losing a file.

A :class:`WorkerPool` keeps up to N spawned worker processes. :meth:`WorkerPool.run_batch` (thread-safe,
blocking: one call per batch, from as many threads as you like) hands a batch to an idle worker and
follows it file by file over a pipe:

- the worker cleans in its **main thread**, so the per-document time budget
  (:mod:`cleaners.runtime.budget`, SIGALRM) stops a document that spins in Python code, and the worker
  rejects it and goes on;
- the parent kills a worker that has sent nothing for ``hard_seconds`` (code stuck where signals
  cannot reach it, in a C extension) and rejects the file it was on;
- a worker that dies (a crash, the out-of-memory killer) costs nothing but time: the shard keeps the
  files finished before, the file it was on is tried once more in a fresh worker, and rejected with
  the reason if that worker dies too; the rest of the batch goes on in a fresh worker.

Every file of the batch therefore ends up in the shard, as outcomes or as a rejection. Only paths,
configurations and counts cross the pipe; documents go to the shard file.

The pool has no Prefect dependency: the flow in ``flows/clean.py`` uses it, and so can a script::

    with WorkerPool(2) as pool:
        summary = pool.run_batch("raw", ["a.txt", "b.json"], "shard-0.jsonl", CleanerConfig())
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import signal
import threading
import time
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any, Iterable

from cleaners.config import CleanerConfig, DedupConfig
from cleaners.corpus.shards import FileRanges, ShardSummary, clean_files
from cleaners.outputs.atomic import dumps
from cleaners.record import Rejection, new_source

STARTUP_SECONDS = 180.0  # a spawned worker imports the cleaning libraries first (slow on a busy machine)
RETRIES_AFTER_DEATH = 1
TRIM_AFTER_SECONDS = 0.02  # a file that took longer was big: return the memory it freed (~0.2 ms)


def default_hard_seconds(config: CleanerConfig) -> float | None:
    """Silence after which a worker is killed: well past the soft budget, which should fire first."""
    if not config.document_seconds:
        return None
    return config.document_seconds * 2 + 30.0


class WorkerFailed(OSError):
    """A worker could not be started or reported an unexpected error (transient: retry the batch)."""


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped responding"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (the system may have run out of memory)" if -code == signal.SIGKILL else ""
        return f"it was killed by {name}{hint}"
    return f"it exited with code {code}"


# -- spawning without the caller's main module --------------------------------------------------
# A spawned process normally runs the parent's main script again (as __mp_main__) before its target,
# so that functions defined there can be unpickled. A worker's target and everything it is sent live
# in this package, so a worker needs none of that; and running the script again breaks two common
# cases: a script without an ``if __name__ == "__main__":`` guard would start a second run in every
# worker (which then fails: the output is locked), and code read from standard input
# (``python - <<EOF``, main file "<stdin>") cannot be run again at all. Workers are therefore started
# without the main module: multiprocessing's preparation data for a process named WORKER_NAME leaves
# out ``init_main_from_path`` / ``init_main_from_name``; every other process is left as it was.
WORKER_NAME = "presswash-worker"


def _install_spawn_without_main() -> None:
    from multiprocessing import spawn

    original = getattr(spawn, "get_preparation_data", None)
    if original is None or getattr(original, "presswash", False):  # another Python: as it was; or done
        return

    def get_preparation_data(name):
        data = original(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data.presswash = True
    spawn.get_preparation_data = get_preparation_data


_install_spawn_without_main()


def _worker_main(conn: Connection) -> None:
    """A worker process: clean the batches it is sent, report progress, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # Libraries log extraction trouble (trafilatura: "discarding data"); with no handler Python would
    # print it on the run's stderr. What matters reaches the parent as outcomes and rejections.
    logging.getLogger().addHandler(logging.NullHandler())
    send = conn.send

    def progress(*message) -> None:
        send(message)
        if message[0] == "done" and message[5] > TRIM_AFTER_SECONDS:
            _trim()  # a big page's parse trees are freed: give the memory back, so workers stay small

    try:
        _warm_up()
        send(("ready", os.getpid()))
        while True:
            message = conn.recv()
            if message is None:
                return
            _, raw_dir, paths, start, shard_tmp, offset, config, dedup = message
            try:
                mode = "r+b" if offset else "wb"
                with open(shard_tmp, mode) as handle:
                    handle.seek(offset)
                    handle.truncate()
                    clean_files(raw_dir, paths, handle, config, dedup, start, progress)
                send(("end",))
            except (BrokenPipeError, EOFError):
                raise
            except Exception as exc:  # I/O on the shard, or a bug outside the per-file guard
                send(("error", f"{type(exc).__name__}: {exc}"))
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        return  # the parent is gone


def _load_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_malloc_trim = _load_trim()


def _trim() -> None:
    """Return freed heap memory to the system (glibc ``malloc_trim``). Parsing a page of a few MB
    takes tens of MB for a moment; without this the worker keeps that high-water mark."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _warm_up() -> None:
    """Load what the first document would otherwise load (the extractor, the language model, the
    MinHash library), so that a worker started ahead of time (:func:`prestart`) is ready to go."""
    from cleaners.dedup.fingerprint import fingerprint
    from cleaners.pipeline import warm_up

    warm_up()
    try:
        fingerprint("warm up the dedup fingerprint with a few words of prose " * 3, DedupConfig())
    except Exception:  # an optimisation only
        pass


_prestarted: list["_Worker"] = []
_prestarted_lock = threading.Lock()


def prestart(workers: int) -> None:
    """Start ``workers`` worker processes now, for the next :class:`WorkerPool` to adopt.

    A spawned worker takes a second or more to import and warm up the cleaning libraries; started
    before a slow step that does not need them (the CLI starts them before Prefect's local server
    boots), that time overlaps it. Workers a pool does not adopt are stopped when it is created, or at exit.
    """
    ctx = get_context("spawn")
    with _prestarted_lock:
        while len(_prestarted) < workers:
            _prestarted.append(_Worker(ctx))


def _adopt(limit: int) -> list["_Worker"]:
    with _prestarted_lock:
        taken, rest = _prestarted[:limit], _prestarted[limit:]
        _prestarted.clear()
    for worker in rest:  # not needed after all (fewer batches than workers): they hold nothing yet
        worker.kill()
    return [w for w in taken if w.alive()]


@atexit.register
def _stop_prestarted() -> None:
    _adopt(0)


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child,), name=WORKER_NAME, daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> int | None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        try:
            self.conn.close()
        except OSError:
            pass
        return self.process.exitcode

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        self.kill()


class _Lost(Exception):
    """The worker died or went silent while on a file."""

    def __init__(self, index: int, timed_out: bool, exitcode: int | None):
        self.index, self.timed_out, self.exitcode = index, timed_out, exitcode


class WorkerPool:
    """Up to ``workers`` spawned processes cleaning batches; see the module docstring."""

    def __init__(self, workers: int = 1, hard_seconds: float | None | str = "default"):
        self.size = max(1, workers)
        self.hard_seconds = hard_seconds
        self._ctx = get_context("spawn")  # never fork: the parent runs threads (Prefect)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._closed = False
        self.deaths = 0  # workers lost (killed or crashed) over the pool's life
        for worker in _adopt(self.size):  # started ahead of time by prestart()
            self._live.add(worker)
            self._idle.put(worker)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- workers ---------------------------------------------------------------------------
    def _checkout(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    if self._closed:
                        raise WorkerFailed("the worker pool is closed") from None
                    if len(self._live) < self.size:
                        worker = _Worker(self._ctx)
                        self._live.add(worker)
                        return worker
                try:  # all busy: wait for one, re-checking now and then in case one was discarded
                    worker = self._idle.get(timeout=0.5)
                except queue.Empty:
                    continue
            if worker.alive():
                return worker
            self._discard(worker)

    def _checkin(self, worker: _Worker) -> None:
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> int | None:
        code = worker.kill()
        with self._lock:
            self._live.discard(worker)
        return code

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.stop()

    # -- batches ---------------------------------------------------------------------------
    def run_batch(
        self, raw_dir: str, paths: list[str], shard_path: str, config: CleanerConfig | None = None, dedup: DedupConfig | None = None,
        ranges_for: Iterable[str] = (),
    ) -> ShardSummary:
        """Clean ``paths`` into ``shard_path`` in worker processes; every file ends up in the shard. The
        summary says where the lines of the files in ``ranges_for`` are (those a worker finished)."""
        config = config or CleanerConfig()
        dedup = dedup or DedupConfig()
        hard = default_hard_seconds(config) if self.hard_seconds == "default" else self.hard_seconds
        started = time.perf_counter()
        tmp = f"{shard_path}.tmp"
        documents = rejected = offset = index = 0
        work = 0.0
        deaths: dict[int, int] = {}
        ranges = FileRanges(paths, ranges_for)
        while index < len(paths):
            worker = self._checkout()
            try:
                ranges.offset = offset
                index, offset, d, r, w = self._drive(worker, raw_dir, paths, index, tmp, offset, (config, dedup), hard, ranges)
                documents += d
                rejected += r
                work += w
                self._checkin(worker)
                break
            except _Lost as lost:
                documents += lost.documents
                rejected += lost.rejected
                work += lost.work
                offset = lost.offset
                code = self._discard(worker)
                self.deaths += 1
                i = lost.index
                if i >= len(paths):  # lost after its last file was safely in the shard: nothing to redo
                    break
                deaths[i] = deaths.get(i, 0) + 1
                if lost.timed_out:
                    budget = f"the per-document budget of {config.document_seconds:g} s" if config.document_seconds else "no per-document budget"
                    reason = (f"stopped: the worker sent no progress for {hard:g} s while cleaning this file (the hard "
                              f"limit; {budget} could not interrupt it); the worker process was replaced")
                elif deaths[i] > RETRIES_AFTER_DEATH:
                    reason = (f"the worker process cleaning this file died {deaths[i]} times "
                              f"({_describe_exit(code if code is not None else lost.exitcode)}); the file was set aside")
                else:
                    index = i  # try this file once more, in a fresh worker
                    continue
                offset = self._append_rejection(tmp, offset, paths[i], reason)
                rejected += 1
                index = i + 1
            except BaseException:
                self._discard(worker)
                raise
        if not paths:
            open(tmp, "wb").close()
        os.replace(tmp, shard_path)
        return ShardSummary(shard_path, len(paths), documents, rejected, time.perf_counter() - started, work, ranges.found)

    def _drive(self, worker: _Worker, raw_dir, paths, start, tmp, offset, settings, hard, ranges: FileRanges) -> tuple[int, int, int, int, float]:
        """Send one batch (from ``start``) to ``worker`` and follow it to the end; raise :class:`_Lost`."""
        progress = _Progress(start, offset)
        if not worker.ready:
            message = self._await(worker, STARTUP_SECONDS, progress, startup=True)
            if message[0] != "ready":
                raise WorkerFailed(f"a worker process sent {message[0]!r} before it was ready")
            worker.ready = True
        try:
            worker.conn.send(("batch", raw_dir, paths, start, tmp, offset, *settings))
        except OSError:
            raise progress.lost(worker, timed_out=False) from None
        while True:
            message = self._await(worker, hard, progress)  # every message restarts the silence clock
            kind = message[0]
            if kind == "file":
                progress.current = message[1]
            elif kind == "done":
                _, i, progress.offset, d, r, seconds = message
                ranges.done(i, progress.offset)
                progress.documents += d
                progress.rejected += r
                progress.work += seconds
                progress.current = i + 1
            elif kind == "end":
                return len(paths), progress.offset, progress.documents, progress.rejected, progress.work
            elif kind == "error":
                raise WorkerFailed(f"a worker process failed: {message[1]}")

    def _await(self, worker: _Worker, timeout: float | None, progress: "_Progress", startup: bool = False) -> tuple[Any, ...]:
        """The worker's next message; raise :class:`_Lost` if it dies or stays silent past ``timeout``
        (:class:`WorkerFailed` if that happens before it was ready: then it is not the input's fault)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
            try:
                if worker.conn.poll(wait):
                    return worker.conn.recv()
                gone = not worker.alive()
            except (EOFError, OSError):
                gone = True
            if gone:
                if startup:
                    raise WorkerFailed(f"a worker process could not start: {_describe_exit(worker.kill())}")
                raise progress.lost(worker, timed_out=False)
            if deadline is not None and time.monotonic() >= deadline:
                if startup:
                    raise WorkerFailed(f"a worker process did not start within {timeout:g} s")
                raise progress.lost(worker, timed_out=True)

    @staticmethod
    def _append_rejection(tmp: str, offset: int, relpath: str, reason: str) -> int:
        source = new_source(relpath)
        line = (dumps({"rejected": Rejection(source, reason).to_json()}) + "\n").encode("utf-8")
        with open(tmp, "r+b" if os.path.exists(tmp) else "wb") as handle:
            handle.seek(offset)
            handle.truncate()
            handle.write(line)
            return handle.tell()


class _Progress:
    """What the parent knows of a batch in flight: the file being cleaned and the last whole-file offset."""

    def __init__(self, start: int, offset: int):
        self.current = start
        self.offset = offset
        self.documents = 0
        self.rejected = 0
        self.work = 0.0

    def lost(self, worker: _Worker, timed_out: bool) -> _Lost:
        lost = _Lost(self.current, timed_out, worker.process.exitcode)
        lost.offset, lost.documents, lost.rejected, lost.work = self.offset, self.documents, self.rejected, self.work
        return lost
