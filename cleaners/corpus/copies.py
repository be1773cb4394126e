"""Exact copies: a raw file byte for byte equal to another one is cleaned once.

Scrapers save the same page under several names (a URL with and without tracking parameters, the
same post fetched twice). Cleaning is deterministic in the bytes, so a copy's outcomes are its
original's with the copy's own path and record ids: the run cleans the original, then derives the
copies' lines from the original's lines in its shard. Dedup still sees every copy (as an exact
duplicate of the original), so the outputs are the ones cleaning every file would give. (One
exception to "deterministic": a record stopped by the per-document time budget is rejected for its
copies too, where cleaning a copy on a less busy moment might have finished.)

The plan's SHA-256 of each file says which files are copies. A file can change between that hash
and the cleaning: a copy is derived only when its original's outcomes carry the hashed SHA-256
(the bytes cleaned are the bytes hashed); otherwise, and when the original has no lines of its
own in the shard (its worker was lost), the copy is cleaned like any other file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from cleaners.config import DedupConfig
from cleaners.corpus.plan import UNREADABLE
from cleaners.corpus.shards import shard_line
from cleaners.dedup.fingerprint import Fingerprint
from cleaners.outputs.atomic import dumps
from cleaners.record import Document, Rejection, record_id


def split_copies(paths: Iterable[str], hashes: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """``paths`` split into the files to clean and the exact copies, ``{copy: original}``; the
    original is the first file (in ``paths`` order) with the same SHA-256. Files without a usable
    hash (unreadable, or a link the cleaning step must judge) are always cleaned themselves.

    >>> split_copies(["a", "b", "c", "d", "e"], {"a": "1", "b": "2", "c": "1", "d": UNREADABLE, "e": "1"})
    (['a', 'b', 'd'], {'c': 'a', 'e': 'a'})
    """
    first: dict[str, str] = {}
    to_clean: list[str] = []
    copies: dict[str, str] = {}
    for path in paths:
        digest = hashes.get(path)
        if not digest or digest == UNREADABLE:
            to_clean.append(path)
            continue
        original = first.setdefault(digest, path)
        if original == path:
            to_clean.append(path)
        else:
            copies[path] = original
    return to_clean, copies


def copy_outcome(outcome: Document | Rejection, path: str) -> Document | Rejection:
    """The outcome cleaning the same bytes at ``path`` gives: the same, with that path and its id.

    >>> doc = Document(record_id("a.html", 0), "Text.", {"source": {"path": "a.html", "record": 0}})
    >>> twin = copy_outcome(doc, "b.html")
    >>> twin.id == record_id("b.html", 0), twin.metadata["source"]["path"], doc.metadata["source"]["path"]
    (True, 'b.html', 'a.html')
    """
    if isinstance(outcome, Rejection):
        return Rejection(dict(outcome.source, path=path), outcome.error)
    source = dict(outcome.metadata["source"], path=path)
    return Document(record_id(path, source["record"]), outcome.text, dict(outcome.metadata, source=source))


def copy_line(line: dict[str, Any], path: str, dedup: DedupConfig) -> dict[str, Any]:
    """The shard line of the exact copy at ``path`` of the file whose ``line`` this is."""
    if "document" in line:
        return shard_line(copy_outcome(Document.from_json(line["document"]), path), dedup, Fingerprint.from_json(line["dedup"]["fingerprint"]))
    return shard_line(copy_outcome(Rejection.from_json(line["rejected"]), path), dedup)


def _line_sha(line: dict[str, Any]) -> str | None:
    source = line["document"]["metadata"]["source"] if "document" in line else line["rejected"]["source"]
    return source.get("sha256")


def write_copies(
    ranges: dict[str, tuple[str, int, int]], copies: dict[str, str], hashes: dict[str, str], shard_path: str | Path,
    dedup: DedupConfig | None = None,
) -> tuple[int, list[str]]:
    """Write the copies' lines to ``shard_path``, in source order (a shard of their own).

    ``ranges``: for each original, ``(shard, start, end)``, the bytes of its lines in a batch shard.
    ``dedup``: the settings the shards' fingerprints were made with.
    Returns the number of copies written and the copies left to clean themselves (sorted): those
    whose original changed after it was hashed, or has no lines of its own in a shard.
    """
    shard_path = str(shard_path)
    scratch, tmp = f"{shard_path}.unsorted", f"{shard_path}.tmp"
    by_original: dict[str, list[str]] = {}
    for copy, original in copies.items():
        by_original.setdefault(original, []).append(copy)
    blocks: dict[str, tuple[int, int]] = {}
    with open(scratch, "w+b") as out:
        # pass 1, in the originals' order: each copy's block of lines, wherever it falls in the scratch file
        for original in sorted(by_original, key=lambda p: ranges.get(p, ("", 0, 0))):
            where = ranges.get(original)
            if where is None:
                continue
            shard, start, end = where
            with open(shard, "rb") as handle:
                handle.seek(start)
                lines = [json.loads(raw) for raw in handle.read(end - start).splitlines() if raw.strip()]
            if not lines or any(_line_sha(line) != hashes.get(original) for line in lines):
                continue
            for copy in by_original[original]:
                block = ("\n".join(dumps(copy_line(line, copy, dedup or DedupConfig())) for line in lines) + "\n").encode("utf-8")
                blocks[copy] = (out.tell(), len(block))
                out.write(block)
        # pass 2: the blocks in the copies' source order, as every shard is
        out.flush()
        with open(tmp, "wb") as final:
            for copy in sorted(blocks):
                start, length = blocks[copy]
                out.seek(start)
                final.write(out.read(length))
    os.replace(tmp, shard_path)
    os.remove(scratch)
    return len(blocks), sorted(set(copies) - set(blocks))
