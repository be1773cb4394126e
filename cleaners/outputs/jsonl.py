"""Format ``jsonl`` (always written): ``documents.jsonl``, ``duplicates.jsonl``, ``rejected.jsonl``,
one JSON object per line, each hashed and counted as it is written (for ``manifest.json``), each in
the shape of the record schema (:func:`cleaners.record.conform`). An output with no record is an
empty file (0 bytes): no line, so nothing a tool could infer a schema from; the ``parquet`` format
writes the same outputs typed, empty or not."""

from __future__ import annotations

from typing import Any

from cleaners.outputs import Writer
from cleaners.outputs.atomic import DOCUMENTS, DUPLICATES, REJECTED, OutputSet, dumps
from cleaners.outputs.manifest import HashingWriter
from cleaners.record import conform


class JsonlSink:
    def __init__(self, outputs: OutputSet):
        self.files = {name: HashingWriter(outputs.open(name)) for name in (DOCUMENTS, DUPLICATES, REJECTED)}

    def document(self, record: dict[str, Any]) -> None:
        self.files[DOCUMENTS].write(dumps(conform(record)) + "\n")

    def duplicate(self, line: dict[str, Any]) -> None:
        self.files[DUPLICATES].write(dumps(conform(line)) + "\n")

    def rejection(self, line: dict[str, Any]) -> None:
        self.files[REJECTED].write(dumps(conform(line)) + "\n")

    def close(self) -> dict[str, dict[str, Any]]:
        for handle in self.files.values():
            handle.handle.close()
        return {name: handle.describe() for name, handle in self.files.items()}


WRITER = Writer("jsonl", (DOCUMENTS, DUPLICATES, REJECTED), JsonlSink)
