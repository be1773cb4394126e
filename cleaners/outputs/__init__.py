"""What a run writes: the records in every output format, then the run's own files, as one atomic set.

A record writer module defines ``WRITER = Writer(name, files, open)``: ``open(outputs)`` (an
:class:`~cleaners.outputs.atomic.OutputSet`) returns a :class:`Sink` that takes every record of the
run in source order and, closed, describes the files it wrote (for ``manifest.json``). :data:`WRITERS`
lists the formats; ``jsonl`` (documents, duplicates and rejections) is always written, the others when
asked for (``--format NAME``, ``output.formats``). A new format is one module plus one line there.

After the records, the run writes ``report.json`` (:mod:`~cleaners.outputs.report`), ``report.html``
(:mod:`~cleaners.outputs.htmlreport`) and ``manifest.json`` (:mod:`~cleaners.outputs.manifest`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from cleaners.outputs.atomic import OutputSet


class Sink(Protocol):
    def document(self, record: dict[str, Any]) -> None: ...

    def duplicate(self, line: dict[str, Any]) -> None: ...

    def rejection(self, line: dict[str, Any]) -> None: ...

    def close(self) -> dict[str, dict[str, Any]]:
        """Each file written, by name: its ``sha256``, ``bytes`` and ``records``."""


@dataclass(frozen=True)
class Writer:
    name: str
    files: tuple[str, ...]
    open: Callable[["OutputSet"], Sink]
    # raises with one sentence when the format cannot be written here (a missing package)
    check: Callable[[], None] = lambda: None


DEFAULT_FORMAT = "jsonl"
# The output formats: cleaners.outputs.<name>.WRITER for each name.
WRITERS = (
    "jsonl",
    "parquet",
)
REGISTRY: dict[str, Writer] = {name: importlib.import_module(f"cleaners.outputs.{name}").WRITER for name in WRITERS}


def output_files(formats: list[str]) -> list[str]:
    """The record files these formats write, in registry order."""
    return [file for name, writer in REGISTRY.items() if name in formats for file in writer.files]
