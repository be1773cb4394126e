"""The library as a notebook user calls it: one return type per function, a path where a path is
natural, a clear ValueError for a source without its path."""

from __future__ import annotations

import pytest

from cleaners import Cleaner
from cleaners.corpus import clean_directory
from tests.conftest import RAW, SEEDS


def test_process_file_takes_a_path_or_a_folder_and_a_relative_path():
    (by_path,) = Cleaner().process_file(RAW / SEEDS["004"])
    (by_root,) = Cleaner().process_file(RAW, SEEDS["004"])
    assert by_path.to_json() == by_root.to_json()
    assert by_path.metadata["source"]["path"] == SEEDS["004"]


def test_process_bytes_needs_a_source_with_a_path():
    data = (RAW / SEEDS["004"]).read_bytes()
    with pytest.raises(ValueError, match="needs a source with a 'path'"):
        list(Cleaner().process_bytes(data, {}))
    (doc,) = Cleaner().process_bytes(data, {"path": "notebook.txt"})
    assert doc.metadata["source"]["path"] == "notebook.txt" and doc.metadata["source"]["sha256"]


def test_clean_directory_returns_the_report_on_every_run(raw_copy, tmp_path):
    first = clean_directory(raw_copy, tmp_path / "out")
    again = clean_directory(raw_copy, tmp_path / "out")  # nothing new: the outputs stay as they are
    assert isinstance(first, dict) and isinstance(again, dict)
    assert first["documents"] == again["documents"] == 5
    assert again["incremental"]["unchanged"] == 5
    with pytest.raises(ValueError, match="unknown setting 'batchsize'"):
        clean_directory(raw_copy, tmp_path / "out", batchsize=2)
