"""Format ``parquet``: ``documents.parquet``, the clean corpus as a Parquet file (optional; needs pyarrow).

The same records as ``documents.jsonl``, one row each: ``id``, ``text``, the common metadata fields
as typed columns (``title``, ``url``, ``published``, ``modified``, ``author``, ``site``,
``language``, ``truncated``, ``source_path``, ``source_format``, ``words``), and the whole metadata
object as JSON text in ``metadata`` (nothing lost). Written in row groups as records stream in, so
memory stays flat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cleaners.outputs import Writer
from cleaners.outputs.atomic import OutputSet
from cleaners.outputs.manifest import file_description

DOCUMENTS_PARQUET = "documents.parquet"
ROW_GROUP = 2000


class ParquetUnavailable(RuntimeError):
    pass


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ParquetUnavailable("--format parquet needs pyarrow: pip install 'presswash[parquet]'") from None
    return pa, pq


def check_available() -> None:
    _pyarrow()


class ParquetDocuments:
    """Streams document records into a Parquet file."""

    _STRINGS = ("title", "url", "published", "modified", "author", "site", "language")

    def __init__(self, path: str | Path):
        pa, pq = _pyarrow()
        self._pa = pa
        self.schema = pa.schema(
            [("id", pa.string()), ("text", pa.string())]
            + [(name, pa.string()) for name in self._STRINGS]
            + [("truncated", pa.bool_()), ("source_path", pa.string()), ("source_format", pa.string()), ("words", pa.int64()), ("metadata", pa.string())]
        )
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        meta = record["metadata"]
        row = {"id": record["id"], "text": record["text"]}
        row.update({name: meta.get(name) for name in self._STRINGS})
        row.update(
            truncated=bool(meta.get("truncated")),
            source_path=meta["source"]["path"],
            source_format=meta["source"].get("format"),
            words=(meta.get("counts") or {}).get("words"),
            metadata=json.dumps(meta, ensure_ascii=False),
        )
        self._rows.append(row)
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class ParquetSink:
    """The ``parquet`` format: documents only (duplicates and rejections are in the JSONL files)."""

    def __init__(self, outputs: OutputSet):
        self.path = outputs.path(DOCUMENTS_PARQUET)
        self.table = ParquetDocuments(self.path)
        self.rows = 0

    def document(self, record: dict[str, Any]) -> None:
        self.table.write(record)
        self.rows += 1

    def duplicate(self, line: dict[str, Any]) -> None:
        pass

    def rejection(self, line: dict[str, Any]) -> None:
        pass

    def close(self) -> dict[str, dict[str, Any]]:
        self.table.close()
        return {DOCUMENTS_PARQUET: {**file_description(self.path), "records": self.rows}}


WRITER = Writer("parquet", (DOCUMENTS_PARQUET,), ParquetSink, check_available)
