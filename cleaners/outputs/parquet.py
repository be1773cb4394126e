"""Format ``parquet``: ``documents.parquet``, ``duplicates.parquet`` and ``rejected.parquet``, the three
record outputs as Parquet files (optional; needs pyarrow).

The same records as the JSONL files, one row each, every column typed by a fixed Arrow schema (the
one below, which follows the record schema, ``cleaners/schema/records-v2.schema.json``), whatever the
rows hold: a file with no row still has every column with its type, so an empty result loads as an
empty, typed table (pyarrow, pandas, DuckDB; HuggingFace ``load_dataset`` refuses any empty split, see
the README). Documents and duplicates: the common metadata fields as columns (``published`` and
``modified`` as UTC timestamps; a bare date is midnight UTC, ``metadata`` says which), and the whole
metadata object as JSON text in ``metadata`` (nothing lost, whatever fields it gains). Written in row
groups as records stream in, so memory stays flat.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cleaners.outputs import Writer
from cleaners.outputs.atomic import OutputSet
from cleaners.outputs.manifest import file_description
from cleaners.record import conform, json_text

DOCUMENTS_PARQUET = "documents.parquet"
DUPLICATES_PARQUET = "duplicates.parquet"
REJECTED_PARQUET = "rejected.parquet"
ROW_GROUP = 2000
TIMESTAMP_UNIT = "us"  # the most widely read unit (pandas, DuckDB, Spark); the values are whole seconds


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


# The columns of each file, by type name: string, timestamp, bool, int64, float64.
_RECORD_COLUMNS = (
    ("text", "string"), ("title", "string"), ("url", "string"), ("published", "timestamp"), ("modified", "timestamp"),
    ("author", "string"), ("site", "string"), ("language", "string"), ("truncated", "bool"),
    ("source_path", "string"), ("source_format", "string"), ("words", "int64"), ("metadata", "string"),
)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    DOCUMENTS_PARQUET: (("id", "string"),) + _RECORD_COLUMNS,
    DUPLICATES_PARQUET: (("id", "string"), ("duplicate_of", "string"), ("matched", "string"), ("method", "string"),
                         ("similarity", "float64")) + _RECORD_COLUMNS,
    REJECTED_PARQUET: (("source_path", "string"), ("source_format", "string"), ("source_record", "int64"),
                       ("source_sha256", "string"), ("source_encoding", "string"), ("source_compression", "string"),
                       ("error", "string")),
}


def arrow_schema(name: str):
    """The Arrow schema of one of the Parquet files (``documents.parquet``...)."""
    pa, _ = _pyarrow()
    types = {"string": pa.string(), "timestamp": pa.timestamp(TIMESTAMP_UNIT, tz="UTC"), "bool": pa.bool_(),
             "int64": pa.int64(), "float64": pa.float64()}
    return pa.schema([(column, types[kind]) for column, kind in COLUMNS[name]])


def _timestamp(value: Any) -> datetime | None:
    """``2023-01-06T01:19:08Z`` (the records' one date format) as an aware UTC datetime."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _record_columns(text: str, meta: dict[str, Any]) -> dict[str, Any]:
    source = meta.get("source") or {}
    return {
        "text": text,
        **{name: meta.get(name) for name in ("title", "url", "author", "site", "language")},
        "published": _timestamp(meta.get("published")),
        "modified": _timestamp(meta.get("modified")),
        "truncated": bool(meta.get("truncated")),
        "source_path": source.get("path"),
        "source_format": source.get("format"),
        "words": (meta.get("counts") or {}).get("words"),
        "metadata": json_text(meta),
    }


def document_row(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], **_record_columns(record["text"], record["metadata"])}


def duplicate_row(line: dict[str, Any]) -> dict[str, Any]:
    decision = {key: line.get(key) for key in ("id", "duplicate_of", "matched", "method", "similarity")}
    return {**decision, **_record_columns(line["text"], line["metadata"])}


def rejected_row(line: dict[str, Any]) -> dict[str, Any]:
    source = line.get("source") or {}
    row = {f"source_{key}": source.get(key) for key in ("path", "format", "record", "sha256", "encoding", "compression")}
    row["error"] = line.get("error")
    return row


def _valid_text(value: Any) -> Any:
    """Strings UTF-8 cannot hold (lone surrogates from undecodable file names) with those characters as
    ``\\udcXX`` escapes, as the JSON outputs spell them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


class ParquetTable:
    """Streams rows into one Parquet file typed by :func:`arrow_schema`. With no row written, the file
    holds the schema and no row group (a row group of 0 rows makes HuggingFace's Parquet reader fail
    with "BatchSize must be greater than 0"; its ``load_dataset`` refuses an empty split either way)."""

    def __init__(self, path: str | Path, name: str):
        pa, pq = _pyarrow()
        self._pa = pa
        self.schema = arrow_schema(name)
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        self.rows += 1
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        try:
            table = self._pa.Table.from_pylist(self._rows, schema=self.schema)
        except (UnicodeEncodeError, self._pa.ArrowInvalid):  # the rare row with a lone surrogate
            table = self._pa.Table.from_pylist([{k: _valid_text(v) for k, v in row.items()} for row in self._rows], schema=self.schema)
        self._writer.write_table(table)
        self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class ParquetSink:
    """The ``parquet`` format: one file per record output, each typed whether or not it has rows."""

    def __init__(self, outputs: OutputSet):
        self.paths = {name: outputs.path(name) for name in COLUMNS}
        self.tables = {name: ParquetTable(path, name) for name, path in self.paths.items()}

    def document(self, record: dict[str, Any]) -> None:
        self.tables[DOCUMENTS_PARQUET].write(document_row(conform(record)))

    def duplicate(self, line: dict[str, Any]) -> None:
        self.tables[DUPLICATES_PARQUET].write(duplicate_row(conform(line)))

    def rejection(self, line: dict[str, Any]) -> None:
        self.tables[REJECTED_PARQUET].write(rejected_row(conform(line)))

    def close(self) -> dict[str, dict[str, Any]]:
        described = {}
        for name, table in self.tables.items():
            table.close()
            described[name] = {**file_description(self.paths[name]), "records": table.rows}
        return described


WRITER = Writer("parquet", tuple(COLUMNS), ParquetSink, check_available)
