"""Progress on long runs (issue 8): a bar on a terminal, plain periodic lines otherwise, --quiet and
--verbose honoured; and `presswash clean` driven by presswash.toml, writing report.html."""

from __future__ import annotations

import io
import json
import re

import pytest

from cleaners.config import DedupConfig
from cleaners.dedup.index import ConfigMismatch, check_state
from flows.cli import main
from flows.progress import (
    BarReporter,
    LogReporter,
    Reporter,
    Tracker,
    current_reporter,
    format_seconds,
    reporting,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tracker_rate_and_time_left():
    clock = Clock()
    tracker = Tracker(clock)
    tracker.begin(1000)
    assert tracker.rate is None and tracker.eta is None
    clock.now = 10.0
    tracker.add(250)
    assert (tracker.done, tracker.rate, tracker.eta, tracker.fraction) == (250, 25.0, 30.0, 0.25)
    assert [format_seconds(s) for s in (0.4, 59.6, 61, 3600 * 2 + 60)] == ["0 s", "1 min 0 s", "1 min 1 s", "2 h 1 min"]


def test_log_lines_are_periodic():
    clock, lines = Clock(), []
    reporter = LogReporter(lines.append, interval=10.0, clock=clock)
    reporter.waiting("starting Prefect's local server")
    reporter.start(files=1000, batches=10, workers=2)
    for t in (3, 6, 9, 12, 15, 18, 21, 24, 27):  # a batch of 100 files every 3 s
        clock.now = float(t)
        reporter.advance({"files": 100, "documents": 100, "rejected": 0})
    clock.now = 30.0
    reporter.advance({"files": 100})
    reporter.stage("deduplicating and writing the outputs")
    reporter.close()
    assert lines == [
        "starting Prefect's local server",
        "cleaning 1000 files in 10 batches on 2 worker processes",
        "cleaned 400/1000 files (40%), 33.3 files/s, about 18 s left",
        "cleaned 800/1000 files (80%), 33.3 files/s, about 6 s left",
        "cleaned 1000/1000 files in 30 s, 33.3 files/s",
        "deduplicating and writing the outputs",
    ]


def test_bar_on_a_terminal():
    stream = io.StringIO()
    bar = BarReporter(stream, force_terminal=True)
    bar.waiting("starting Prefect's local server")
    bar.progress.refresh()
    bar.start(files=5, batches=3, workers=2)
    bar.advance({"files": 2})
    bar.progress.refresh()
    bar.stage("deduplicating and writing the outputs")
    bar.progress.refresh()
    bar.close()
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    assert "starting Prefect's local server" in screen
    assert "cleaning (2 workers)" in screen and "2/5 files" in screen and "ETA" in screen
    assert "deduplicating and writing the outputs" in screen


def test_the_flow_logs_progress_and_also_reports_to_an_installed_reporter():
    logged: list[str] = []
    assert isinstance(current_reporter(logged.append), LogReporter)
    shown: list[str] = []
    with reporting(LogReporter(shown.append, interval=0.0)):
        progress = current_reporter(logged.append)  # the run's log gets the lines whatever the terminal shows
        progress.start(files=2, batches=2, workers=1)
        progress.advance({"files": 1})
        progress.stage("deduplicating and writing the outputs")
    assert logged[0] == shown[0] == "cleaning 2 files in 2 batches on 1 worker process"
    assert logged[-1] == shown[-1] == "deduplicating and writing the outputs"
    with reporting(Reporter()):  # --quiet: nothing on the terminal, the run's log as always
        current_reporter(logged.append).stage("writing")
    assert logged[-1] == "writing"
    assert isinstance(current_reporter(logged.append), LogReporter)


def test_clean_from_a_configuration_file_with_progress_lines(prefect_api, raw_copy, tmp_path, monkeypatch, capsys):
    project = raw_copy.parent
    (project / "presswash.toml").write_text(
        '[paths]\nraw = "raw"\nout = "corpus"\n[run]\nbatch_size = 2\nworkers = 1\n[dedup]\ncontainment_threshold = 0.75\n'
    )
    monkeypatch.chdir(project)
    assert main(["clean", "--verbose"]) == 0
    captured = capsys.readouterr()
    assert "presswash: 5 files, 5 records -> 5 documents, 0 duplicates, 0 rejected" in captured.out
    assert "  report: corpus/report.html (open it in a browser)" in captured.out
    # (the test's Prefect API is a standing server: its page is announced, and is not a progress line)
    assert re.search(r"^presswash: flow run '[\w-]+': http\S+/runs/flow-run/[0-9a-f-]{36}$", captured.err, re.M), captured.err
    progress = [line for line in captured.err.splitlines() if line.startswith("presswash: ") and not line.startswith("presswash: flow run ")]
    assert progress[:2] == ["presswash: connecting to the Prefect server", "presswash: cleaning 5 files in 3 batches on 1 worker process"]
    # batches of 2, 2 and 1 files finish in any order: a line after each but the last
    assert sum(bool(re.fullmatch(r"presswash: cleaned [1-4]/5 files \(\d+%\), [\d.]+ files/s, about \d+ s left", line)) for line in progress) == 2
    assert re.fullmatch(r"presswash: cleaned 5/5 files in \d+ s(, [\d.]+ files/s)?", progress[-2])
    assert progress[-1] == "presswash: deduplicating and writing the outputs"
    report = json.loads((project / "corpus" / "report.json").read_text())
    assert (report["batch_size"], report["workers"]) == (2, 1)
    assert (project / "corpus" / "report.html").read_text().startswith("<!DOCTYPE html>")
    # the [dedup] settings reached the flow: the index was built with them
    state = project / "corpus" / ".presswash" / "state.sqlite"
    check_state(state, DedupConfig(containment_threshold=0.75))
    with pytest.raises(ConfigMismatch):
        check_state(state, DedupConfig())

    assert main(["clean", "--quiet", "--out", "quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert (project / "quiet" / "report.html").exists()
