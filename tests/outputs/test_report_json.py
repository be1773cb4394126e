"""report.json is written like the JSONL outputs: a raw file name that is not UTF-8 (its characters are
lone surrogates once decoded) cannot fail the publish (issue 16, item 12)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from cleaners.corpus.run import clean_directory
from tests.conftest import RAW, SEEDS


def test_a_file_name_that_is_not_utf8_with_a_removal_is_published(tmp_path):
    """Before: the removal's sample in report.json carries the file name, and json.dump into a UTF-8 file
    raised UnicodeEncodeError ("surrogates not allowed"): the run failed and published nothing."""
    raw = tmp_path / "raw"
    raw.mkdir()
    try:
        target = os.fsencode(raw) + b"/caf\xe9.txt"  # latin-1 bytes: not UTF-8
        shutil.copy(RAW / SEEDS["003"], target)  # seed 003 ends in "Share.": a removal, sampled in report.json
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses file names that are not UTF-8")
    out = tmp_path / "out"
    report = clean_directory(raw, out)
    name = os.fsdecode(b"caf\xe9.txt")  # 'caf\udce9.txt'
    assert report["documents"] == 1
    written = json.loads((out / "report.json").read_text(encoding="utf-8"))  # valid UTF-8 and valid JSON
    assert written["rule_samples"]["share-prompt"][0]["path"] == name  # the same name, escaped as \udce9
    assert "\\udce9" in (out / "report.json").read_text(encoding="utf-8")
    [doc] = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert doc["metadata"]["source"]["path"] == name
