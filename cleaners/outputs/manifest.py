"""``OUT/manifest.json``: what a consumer needs to know about the outputs of the last run.

Written with the outputs (atomically, as part of the same output set): the run id and times, the
presswash version, the settings, the counts, what the run read (new, changed, unchanged, deleted
files), each output file with its size, line count and SHA-256, so a downstream tool can tell
whether anything changed without reading the corpus, and the version of the record schema the files
follow (with how an empty output looks).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from cleaners.record import SCHEMA_VERSION

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2  # 2: "schema" is an object (the record schema's version, id and file), "empty_outputs"

# What the manifest says about the record schema the outputs follow, and about empty outputs.
SCHEMA = {
    "version": SCHEMA_VERSION,
    "id": f"presswash/records/v{SCHEMA_VERSION}",
    "file": f"cleaners/schema/records-v{SCHEMA_VERSION}.schema.json",
    "defs": {"documents.jsonl": "#/$defs/document", "duplicates.jsonl": "#/$defs/duplicate", "rejected.jsonl": "#/$defs/rejected"},
}
EMPTY_OUTPUTS = (
    "an output with no record has records 0: a .jsonl file is then empty (0 bytes, no line to infer a schema "
    "from), a .parquet file has every column typed and no row"
)


class HashingWriter:
    """A text file wrapper that counts lines and bytes and hashes what is written, as it is written
    (the outputs are never read back just to describe them)."""

    def __init__(self, handle: IO[str]):
        self.handle = handle
        self._sha = hashlib.sha256()
        self.bytes = 0
        self.lines = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self._sha.update(data)
        self.bytes += len(data)
        self.lines += text.count("\n")
        return self.handle.write(text)

    def describe(self) -> dict[str, Any]:
        return {"sha256": self._sha.hexdigest(), "bytes": self.bytes, "records": self.lines}

    def __enter__(self) -> "HashingWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.handle.close()


def file_description(path: str | Path) -> dict[str, Any]:
    """Size and SHA-256 of a file written another way (a Parquet file)."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "bytes": size}


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_manifest(
    run_id: str,
    started: str,
    version: str,
    settings: dict[str, Any],
    report: dict[str, Any],
    outputs: dict[str, dict[str, Any]],
    changed: bool = True,
) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "started": started,
        "finished": utc_now(),
        "presswash_version": version,
        "outputs_changed": changed,
        "settings": settings,
        "counts": {k: report.get(k) for k in ("files_seen", "records", "documents", "duplicates", "rejected")},
        "incremental": report.get("incremental"),
        "outputs": outputs,
        "schema": SCHEMA,
        "empty_outputs": EMPTY_OUTPUTS,
    }
