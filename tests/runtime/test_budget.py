"""The per-document time and size budget, and worker processes that die or hang (issue 7).

A document that makes the cleaning spin is stopped and rejected with that reason; the run goes on.
The spinning here is real: a user rule with a catastrophically backtracking pattern, and the
tolerant JSON parser on a large broken file. Worker deaths and hangs use the test-only fault hook
(``cleaners.testing.hooks``), in real spawned processes.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from cleaners import Cleaner, CleanerConfig, Document, Rejection
from cleaners.corpus.shards import read_shards
from cleaners.runtime.budget import BudgetExceeded, time_limit
from cleaners.runtime.workers import WorkerPool
from cleaners.testing.hooks import FAULT

BODY = "The harbour council met on Tuesday evening and voted to restore the old lighthouse. "

# fullmatch of (a+)+b against a run of a's with no b backtracks exponentially (in C, but the re
# module checks for signals while it does, so the budget can stop it)
SPIN_RULES = """
[[rule]]
name = "backtracking-trap"
pattern = '(a+)+b'
"""


def spin_config(tmp_path, seconds: float = 0.3) -> CleanerConfig:
    rules = tmp_path / "spin.toml"
    rules.write_text(SPIN_RULES)
    return CleanerConfig(rules_files=(str(rules),), document_seconds=seconds)


def write_raw(tmp_path, files: dict[str, str]):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    return raw


# -- the time limit itself -----------------------------------------------------------------------

def test_a_swallowed_budget_exception_still_ends_the_block():
    with pytest.raises(BudgetExceeded):
        with time_limit(0.05):
            try:
                while True:
                    pass
            except BaseException:  # code that swallows everything: the block still fails on exit
                pass


def test_no_late_alarm_after_the_block():
    with time_limit(0.05):
        pass
    time.sleep(0.4)  # past the budget and several re-fire periods: nothing fires


def test_outside_the_main_thread_the_block_runs_unbounded():
    errors = []

    def work():
        try:
            with time_limit(0.01):
                time.sleep(0.1)
        except BaseException as exc:  # pragma: no cover - would be the failure
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []


# -- in the cleaner ----------------------------------------------------------------------------------

def test_a_document_that_spins_is_stopped_and_the_file_goes_on(tmp_path):
    raw = write_raw(tmp_path, {
        "trap.txt": "a" * 40 + "\n\n" + BODY,
        "fine.txt": BODY + "A second, ordinary file.",
    })
    posts = [{"id": i, "title": {"rendered": f"Post {i}"}, "content": {"rendered": f"<p>{text}</p>"}}
             for i, text in enumerate([BODY + "First post.", "a" * 40, BODY + "Third post."])]
    (raw / "posts.json").write_text(json.dumps(posts))
    cleaner = Cleaner(spin_config(tmp_path))
    started = time.monotonic()
    [trap] = cleaner.process_file(raw, "trap.txt")
    [fine] = cleaner.process_file(raw, "fine.txt")
    first, spinning, third = cleaner.process_file(raw, "posts.json")
    assert isinstance(trap, Rejection)
    # (plain text is cleaned by rules as it is read: the reader is the one stopped, and the file is one record)
    assert trap.error == "stopped while reading this text: the file took longer than the time budget of 0.3 s per document"
    assert isinstance(fine, Document) and fine.text == BODY + "A second, ordinary file."
    # in a file of several records only the spinning one is lost
    assert isinstance(first, Document) and isinstance(third, Document)
    assert isinstance(spinning, Rejection) and spinning.source["record"] == 1 and "time budget of 0.3 s" in spinning.error
    assert time.monotonic() - started < 30  # stopped, not finished: the trap alone would run for hours


def test_a_reader_that_spins_rejects_the_file_with_the_reason(tmp_path):
    # many small values (fields a post carries besides its text) make a 2 MB file slow to parse (~0.8 s)
    # while decoding it takes a millisecond: the budget stops the reader, nothing else
    meta = [1, 2, 3, [4, 5, {"k": [6, 7]}]] * 20
    posts = [{"id": i, "title": {"rendered": f"Post {i}"}, "content": {"rendered": f"<p>{BODY}{i}</p>"}, "meta": meta}
             for i in range(2500)]
    data = json.dumps(posts)[:-3000]  # broken: the tolerant parser (Python) has to read it
    raw = write_raw(tmp_path, {"big-broken.json": data})
    [rejection] = Cleaner(CleanerConfig(document_seconds=0.1)).process_file(raw, "big-broken.json")
    assert isinstance(rejection, Rejection) and rejection.source["record"] is None
    assert rejection.error == "stopped while reading this json: the file took longer than the time budget of 0.1 s per document"
    # with the default budget the same file is read whole
    outcomes = list(Cleaner().process_file(raw, "big-broken.json"))
    assert len(outcomes) == len(json.loads(data[: data.rindex("}, {") + 1] + "]")) + 1


# -- in worker processes -------------------------------------------------------------------------

def shard_outcomes(path) -> list:
    return [item if isinstance(item, Rejection) else item[0] for item in read_shards([path])]


def test_the_budget_works_in_worker_processes(tmp_path):
    raw = write_raw(tmp_path, {"a.txt": BODY + "A.", "trap.txt": "a" * 40, "z.txt": BODY + "Z."})
    with WorkerPool(1) as pool:
        summary = pool.run_batch(str(raw), ["a.txt", "trap.txt", "z.txt"], str(tmp_path / "shard.jsonl"), spin_config(tmp_path))
        assert pool.deaths == 0  # the worker stopped the document itself
    a, trap, z = shard_outcomes(tmp_path / "shard.jsonl")
    assert (summary.documents, summary.rejected) == (2, 1)
    assert a.text == BODY + "A." and z.text == BODY + "Z."
    assert trap.error == "stopped while reading this text: the file took longer than the time budget of 0.3 s per document"


def test_a_dying_or_hanging_worker_costs_one_file_and_nothing_else(tmp_path, monkeypatch):
    names = [f"{i:02d}-{kind}.txt" for i, kind in enumerate(["ok", "ok", "dies", "ok", "hangs", "ok"])]
    raw = write_raw(tmp_path, {name: f"{BODY}File {name}." for name in names})
    monkeypatch.setenv(FAULT, "kill:dies,hang:hangs")
    with WorkerPool(1, hard_seconds=2) as pool:
        summary = pool.run_batch(str(raw), names, str(tmp_path / "shard.jsonl"), CleanerConfig())
        deaths = pool.deaths
    outcomes = shard_outcomes(tmp_path / "shard.jsonl")
    # every file once, in order
    paths = [o.metadata["source"]["path"] if isinstance(o, Document) else o.source["path"] for o in outcomes]
    assert paths == names
    assert (summary.files, summary.documents, summary.rejected) == (6, 4, 2)
    assert deaths == 3  # the file that kills its worker is tried twice, the hanging one is stopped once
    by_name = dict(zip(names, outcomes))
    assert by_name["02-dies.txt"].error == (
        "the worker process cleaning this file died 2 times (it was killed by SIGKILL (the system may have run "
        "out of memory)); the file was set aside"
    )
    assert by_name["04-hangs.txt"].error == (
        "stopped: the worker sent no progress for 2 s while cleaning this file (the hard limit; the per-document "
        "budget of 30 s could not interrupt it); the worker process was replaced"
    )
    for name in names:
        if "ok" in name:
            assert by_name[name].text == f"{BODY}File {name}."
