"""Outputs are replaced as a whole: a crash leaves the previous complete set, or the next run finishes it."""

from __future__ import annotations

import json

import pytest

from cleaners.outputs.atomic import OutputSet, recover


def _publish(out, content: str, crash_before_commit: bool = False):
    with OutputSet(out) as outputs:
        for name in ("documents.jsonl", "rejected.jsonl"):
            with outputs.open(name) as handle:
                handle.write(content + "\n")
        if crash_before_commit:
            raise RuntimeError("crash")
        outputs.commit()


def test_commit_replaces_every_file(tmp_path):
    _publish(tmp_path, "one")
    _publish(tmp_path, "two")
    assert (tmp_path / "documents.jsonl").read_text() == "two\n"
    assert (tmp_path / "rejected.jsonl").read_text() == "two\n"
    assert not (tmp_path / ".presswash" / "staging").exists()


def test_failure_before_commit_leaves_previous_outputs(tmp_path):
    _publish(tmp_path, "good")
    with pytest.raises(RuntimeError):
        _publish(tmp_path, "bad", crash_before_commit=True)
    assert (tmp_path / "documents.jsonl").read_text() == "good\n"
    assert not (tmp_path / ".presswash" / "staging").exists()


def test_killed_before_the_marker_is_discarded_after_it_rolled_forward(tmp_path):
    _publish(tmp_path, "good")
    staging = tmp_path / ".presswash" / "staging"
    # a run killed while writing: staged files, no marker
    staging.mkdir()
    (staging / "documents.jsonl").write_text("half")
    assert recover(tmp_path) == "discarded the partial outputs of an interrupted run"
    assert (tmp_path / "documents.jsonl").read_text() == "good\n"
    # a run killed between renames: marker written, one file already moved
    staging.mkdir()
    (staging / "rejected.jsonl").write_text("new\n")
    (staging / "COMMIT").write_text(json.dumps([[str(staging / n), str(tmp_path / n)] for n in ("documents.jsonl", "rejected.jsonl")]))
    (tmp_path / "documents.jsonl").write_text("new\n")
    assert recover(tmp_path) == "finished publishing the outputs of an interrupted run"
    assert (tmp_path / "rejected.jsonl").read_text() == "new\n"
    assert not staging.exists()
