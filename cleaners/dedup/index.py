"""The persistent dedup index: one SQLite file holding every record ever decided.

It keeps, per record, its fingerprint, its place in the survivor policy and its decision (kept, or
duplicate of a kept record), plus the LSH band keys and containment samples that find candidates, and
per-site counts of short paragraphs among kept documents (for learned repeated-line boilerplate).
A later run decides new records against everything decided before. The index records the dedup
configuration it was built with and refuses to be used with another one.

Decisions are made one record at a time, in source order:

- candidates: records with the same exact key, sharing an LSH band, or sharing enough containment
  samples; each is confirmed with :func:`cleaners.dedup.fingerprint.fingerprint.compare`;
- no confirmed match: the record is kept;
- a confirmed match: the record joins the match's cluster (``duplicate_of`` its survivor, ``matched``
  the record it actually matched, with the measured similarity), unless it matches the survivor
  directly and the survivor policy prefers it: then it becomes the survivor and the old survivor and
  its cluster point to it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import xxhash

from cleaners.config import DedupConfig
from cleaners.dedup.fingerprint import Fingerprint, _signed, band_keys, compare
from cleaners.dedup.policy import Candidate, prefer

SCHEMA_VERSION = 1
# When a cluster's survivor does not match a new record, up to this many of the cluster's members
# that turned up as candidates are compared instead.
MAX_MEMBER_CHECKS = 8
# A duplicate gets LSH and sample postings (so that later records can match it) only while its cluster
# has fewer indexed members than this; exact copies never do (the exact key finds them). Otherwise a
# cluster of thousands of copies makes every lookup walk thousands of postings.
MAX_INDEXED_PER_CLUSTER = 16
_METHOD_RANK = {"exact": 3, "near": 2, "containment": 1}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    record INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    prose_words INTEGER NOT NULL,
    words INTEGER NOT NULL,
    richness INTEGER NOT NULL,
    exact BLOB NOT NULL,
    minhash BLOB,
    samples BLOB NOT NULL,
    lines BLOB NOT NULL,
    prefix INTEGER,
    indexed INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('kept', 'duplicate')),
    duplicate_of TEXT,
    matched TEXT,
    method TEXT,
    similarity REAL
);
CREATE INDEX IF NOT EXISTS records_exact ON records (exact);
CREATE INDEX IF NOT EXISTS records_prefix ON records (prefix) WHERE prefix IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_path ON records (path);
CREATE INDEX IF NOT EXISTS records_duplicate_of ON records (duplicate_of);
CREATE INDEX IF NOT EXISTS records_matched ON records (matched);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, rid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS samples (h INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (h, rid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lines (grp INTEGER NOT NULL, h INTEGER NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY (grp, h)) WITHOUT ROWID;
"""


class ConfigMismatch(ValueError):
    """The index was built with another dedup configuration."""


def group_key(group: str) -> int:
    return _signed(xxhash.xxh3_64_intdigest(group.encode("utf-8", "surrogatepass")))


@dataclass
class IndexedRecord:
    """A record as the index sees it: id, survivor-policy facts, site group key, fingerprint."""

    id: str
    candidate: Candidate
    grp: int  # group_key() of the record's site group
    fp: Fingerprint


@dataclass
class Decision:
    status: str  # "kept" or "duplicate"
    duplicate_of: str | None = None
    matched: str | None = None
    method: str | None = None
    similarity: float | None = None
    demoted: list[str] = field(default_factory=list)


@dataclass
class _Row:
    rid: int
    id: str
    candidate: Candidate
    grp: int
    fp: Fingerprint
    status: str
    duplicate_of: str | None


_ROW_COLUMNS = "rid, id, path, record, grp, truncated, prose_words, words, richness, exact, minhash, samples, lines, prefix, status, duplicate_of"


# SQLite stores strict UTF-8. A raw file name that is not UTF-8 reaches us with lone surrogates
# (os.fsdecode's "surrogateescape": byte 0xFF is "\udcff"); in the index each becomes a character of
# the last 128 code points of plane 16 (private use), and back again when read.
_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPED = re.compile("[\U0010ff80-\U0010ffff]")


def _to_db(path: str) -> str:
    return _SURROGATE.sub(lambda m: chr(ord(m.group()) - 0xDC80 + 0x10FF80), path)


def _from_db(path: str) -> str:
    return _ESCAPED.sub(lambda m: chr(ord(m.group()) - 0x10FF80 + 0xDC80), path)


def _row(values: tuple) -> _Row:
    rid, id_, path, record, grp, truncated, prose, words, rich, exact, minhash, samples, lines, prefix, status, dup = values
    fp = Fingerprint(
        exact=bytes(exact),
        prose_words=prose,
        minhash=None if minhash is None else np.frombuffer(minhash, dtype="<u4"),
        samples=np.frombuffer(samples, dtype="<i8"),
        lines=np.frombuffer(lines, dtype="<i8"),
        prefix=prefix,
    )
    return _Row(rid, id_, Candidate(_from_db(path), record, bool(truncated), prose, words, rich), grp, fp, status, dup)


def check_state(path: str | Path, config: DedupConfig) -> None:
    """Raise :class:`ConfigMismatch` if an existing index at ``path`` was built with another config."""
    if not Path(path).exists():
        return
    index = DedupIndex(f"file:{Path(path).absolute()}?mode=ro", config, read_only=True)
    index.close(commit=False)


class DedupIndex:
    """Open (or create) the index at ``path`` for ``config``; ``":memory:"`` for a throw-away one."""

    def __init__(self, path: str | Path, config: DedupConfig, read_only: bool = False):
        self.path = str(path)
        self.config = config
        self.db = sqlite3.connect(self.path, isolation_level=None, uri=read_only)
        if read_only:
            self._check_config(write=False)
            return
        # The index is written on a staged copy that a crash simply discards (see cleaners.outputs.atomic),
        # so durability comes from the atomic swap, not from SQLite's journal.
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-16384")  # 16 MiB: the OS caches the file too; memory stays flat
        self.db.executescript(_SCHEMA)
        self._check_config()
        self.db.execute("BEGIN")
        self._min_shared = max(2, ceil(config.containment_threshold * config.min_samples))

    # -- configuration ---------------------------------------------------------------------
    def _check_config(self, write: bool = True) -> None:
        wanted = self.config.to_json()
        try:
            stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise ConfigMismatch(f"{self.path} is not a presswash dedup index ({exc})") from None
        if "dedup_config" not in stored:
            if not write:
                return
            self.db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("dedup_config", json.dumps(wanted, sort_keys=True))],
            )
            return
        if int(stored.get("schema_version", 0)) != SCHEMA_VERSION:
            raise ConfigMismatch(f"the dedup index {self.path} has schema version {stored.get('schema_version')}, this presswash writes {SCHEMA_VERSION}; use a new state path")
        have = json.loads(stored["dedup_config"])
        if have != wanted:
            changes = ", ".join(f"{k} {have.get(k)!r} -> {wanted.get(k)!r}" for k in sorted(set(have) | set(wanted)) if have.get(k) != wanted.get(k))
            raise ConfigMismatch(
                f"the dedup index {self.path} was built with another dedup configuration ({changes}); "
                "mixing them would give inconsistent decisions: use the same settings, or a new --state / --out to start afresh"
            )

    # -- reading ---------------------------------------------------------------------------
    def _rows(self, where: str, params: Iterable[Any] = ()) -> list[_Row]:
        return [_row(v) for v in self.db.execute(f"SELECT {_ROW_COLUMNS} FROM records WHERE {where}", tuple(params))]

    def _get(self, id_: str) -> _Row | None:
        rows = self._rows("id = ?", (id_,))
        return rows[0] if rows else None

    def decision(self, id_: str) -> Decision | None:
        found = self.db.execute(
            "SELECT status, duplicate_of, matched, method, similarity FROM records WHERE id = ?", (id_,)
        ).fetchone()
        return None if found is None else Decision(*found)

    def cluster(self, survivor_id: str) -> list[dict[str, Any]]:
        """The duplicates of a kept record, in source order."""
        rows = self.db.execute(
            "SELECT id, path, record, matched, method, similarity FROM records WHERE duplicate_of = ? ORDER BY path, record",
            (survivor_id,),
        )
        return [
            {"id": i, "path": _from_db(p), "record": r, "method": m, "similarity": s, **({"matched": x} if x != survivor_id else {})}
            for i, p, r, x, m, s in rows
        ]

    def get_meta(self, key: str) -> str | None:
        found = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else found[0]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def survivors_with_duplicates(self) -> set[str]:
        return {i for (i,) in self.db.execute("SELECT DISTINCT duplicate_of FROM records WHERE duplicate_of IS NOT NULL")}

    def repeated_lines(self) -> set[tuple[int, int]]:
        """(group, line) keys of paragraphs found in at least ``repeated_line_min_docs`` kept documents."""
        rows = self.db.execute("SELECT grp, h FROM lines WHERE docs >= ?", (self.config.repeated_line_min_docs,))
        return set(rows)

    def counts(self) -> dict[str, int]:
        kept, dups = self.db.execute(
            "SELECT COALESCE(SUM(status = 'kept'), 0), COALESCE(SUM(status = 'duplicate'), 0) FROM records"
        ).fetchone()
        return {"records": kept + dups, "kept": kept, "duplicates": dups}

    # -- removing records whose source is processed again --------------------------------------
    def indexed_paths(self) -> Iterator[str]:
        for (path,) in self.db.execute("SELECT DISTINCT path FROM records"):
            yield _from_db(path)

    def remove_paths(self, paths: set[str]) -> list[IndexedRecord]:
        """Forget the records of these raw files (they are about to be decided again).

        Returns the records of *other* files that were linked to a forgotten one (its duplicates, or
        records matched through it): they are forgotten too and must be inserted again, in order.
        """
        indexed = set(self.indexed_paths())
        gone = indexed & paths
        if not gone:
            return []
        if gone == indexed:  # everything is processed again: start from an empty index
            for table in ("records", "bands", "samples", "lines"):
                self.db.execute(f"DELETE FROM {table}")
            return []
        removed_ids: set[str] = set()
        for path in sorted(gone):
            for row in self._rows("path = ?", (_to_db(path),)):
                self._forget(row)
                removed_ids.add(row.id)
        orphans: dict[str, _Row] = {}
        frontier = set(removed_ids)
        while frontier:
            linked: list[_Row] = []
            for id_ in frontier:
                linked.extend(self._rows("duplicate_of = ? OR matched = ?", (id_, id_)))
            frontier = set()
            for row in linked:
                if row.id not in orphans and row.id not in removed_ids:
                    orphans[row.id] = row
                    frontier.add(row.id)
                    self._forget(row)
        return [IndexedRecord(row.id, row.candidate, row.grp, row.fp) for row in sorted(orphans.values(), key=lambda r: r.candidate.order)]

    def _forget(self, row: _Row) -> None:
        if row.fp.minhash is not None:
            self.db.executemany("DELETE FROM bands WHERE key = ? AND rid = ?", [(k, row.rid) for k in band_keys(row.fp.minhash, self.config)])
        self.db.executemany("DELETE FROM samples WHERE h = ? AND rid = ?", [(int(h), row.rid) for h in row.fp.samples])
        if row.status == "kept":
            self._count_lines(row.grp, row.fp.lines, -1)
        self.db.execute("DELETE FROM records WHERE rid = ?", (row.rid,))

    # -- deciding ----------------------------------------------------------------------------
    def insert(self, rec: IndexedRecord) -> Decision:
        """Decide one record against everything in the index, and add it."""
        fp = rec.fp
        bands = band_keys(fp.minhash, self.config) if fp.minhash is not None else []  # once: looked up, then stored
        best: tuple[tuple[int, float], _Row, str, float] | None = None
        compared: dict[int, tuple[str, float] | None] = {}
        for row in self._verified_candidates(fp, bands, compared):
            found = compared[row.rid] if row.rid in compared else compare(fp, row.fp, self.config)
            if found is None:
                continue
            method, similarity = found
            rank = (_METHOD_RANK[method], similarity)
            if best is None or rank > best[0] or (rank == best[0] and row.candidate.order < best[1].candidate.order):
                best = (rank, row, method, similarity)
            if rank == (_METHOD_RANK["exact"], 1.0) and row.status == "kept":
                break
        grp = rec.grp
        if best is None:
            self._store(rec, grp, Decision("kept"), bands)
            return Decision("kept")
        _, matched, method, similarity = best
        survivor = matched if matched.status == "kept" else self._get(matched.duplicate_of)
        if survivor is matched:
            direct = (method, similarity)
        else:
            direct = compared[survivor.rid] if survivor.rid in compared else compare(fp, survivor.fp, self.config)
        if direct is not None and prefer(rec.candidate, survivor.candidate, self.config):
            self._store(rec, grp, Decision("kept"), bands)
            self.db.execute(
                "UPDATE records SET status = 'duplicate', duplicate_of = ?, matched = ?, method = ?, similarity = ? WHERE rid = ?",
                (rec.id, rec.id, direct[0], direct[1], survivor.rid),
            )
            self._count_lines(survivor.grp, survivor.fp.lines, -1)
            moved = [i for (i,) in self.db.execute("SELECT id FROM records WHERE duplicate_of = ? ", (survivor.id,))]
            self.db.execute("UPDATE records SET duplicate_of = ? WHERE duplicate_of = ?", (rec.id, survivor.id))
            return Decision("kept", demoted=[survivor.id, *moved])
        decision = Decision("duplicate", survivor.id, matched.id, method, similarity)
        self._store(rec, grp, decision, bands)
        return decision

    def _verified_candidates(self, fp: Fingerprint, bands: list[int], compared: dict[int, tuple[str, float] | None]) -> Iterator[_Row]:
        """Candidate records to compare with, cluster by cluster: each cluster's survivor first, then
        (only if the survivor does not match) a few of the members that turned up as candidates. A big
        cluster of near-identical copies costs one comparison, not one per copy. Each survivor's
        comparison is kept in ``compared`` (by rid), so the caller does not repeat it."""
        rids = self._candidate_rids(fp, bands)
        if not rids:
            return
        members: dict[str, list[tuple[int, str]]] = {}
        for rid, id_, status, dup in self._in("SELECT rid, id, status, duplicate_of FROM records WHERE rid IN ({})", sorted(rids)):
            members.setdefault(id_ if status == "kept" else dup, []).append((rid, id_))
        survivors = {row.id: row for row in self._rows_in("id", sorted(members))}
        for survivor_id in sorted(members, key=lambda i: survivors[i].candidate.order if i in survivors else ("", 0)):
            survivor = survivors.get(survivor_id)
            if survivor is not None:
                found = compared[survivor.rid] = compare(fp, survivor.fp, self.config)
                yield survivor
                if found is not None:
                    continue
            others = [rid for rid, id_ in members[survivor_id] if id_ != survivor_id][:MAX_MEMBER_CHECKS]
            yield from self._rows_in("rid", others)

    def _in(self, sql: str, values: list) -> Iterator[tuple]:
        for start in range(0, len(values), 30000):
            chunk = values[start : start + 30000]
            yield from self.db.execute(sql.format(",".join("?" * len(chunk))), chunk)

    def _rows_in(self, column: str, values: list) -> list[_Row]:
        return [_row(v) for v in self._in(f"SELECT {_ROW_COLUMNS} FROM records WHERE {column} IN ({{}})", values)]

    def _candidate_rids(self, fp: Fingerprint, keys: list[int]) -> set[int]:
        # one record with the same text is enough: all exact copies are in one cluster
        rids: set[int] = {rid for (rid,) in self.db.execute("SELECT rid FROM records WHERE exact = ? LIMIT 1", (fp.exact,))}
        if fp.prefix is not None:
            rids.update(r for (r,) in self.db.execute("SELECT rid FROM records WHERE prefix = ? AND indexed = 1", (fp.prefix,)))
        if keys:
            rids.update(r for (r,) in self.db.execute(f"SELECT rid FROM bands WHERE key IN ({','.join('?' * len(keys))})", keys))
        if len(fp.samples) >= self.config.min_samples:
            samples = fp.samples.tolist()
            for start in range(0, len(samples), 30000):
                chunk = samples[start : start + 30000]
                rids.update(
                    r
                    for (r,) in self.db.execute(
                        f"SELECT rid FROM samples WHERE h IN ({','.join('?' * len(chunk))}) GROUP BY rid HAVING COUNT(*) >= ?",
                        (*chunk, self._min_shared),
                    )
                )
        return rids

    def _store(self, rec: IndexedRecord, grp: int, decision: Decision, bands: list[int]) -> None:
        fp, cand = rec.fp, rec.candidate
        cursor = self.db.execute(
            "INSERT INTO records (id, path, record, grp, truncated, prose_words, words, richness, exact, minhash, samples, lines,"
            " prefix, status, duplicate_of, matched, method, similarity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.id, _to_db(cand.path), cand.record, grp, int(cand.truncated), cand.prose_words, cand.words, cand.richness,
                fp.exact, None if fp.minhash is None else fp.minhash.astype("<u4").tobytes(),
                fp.samples.astype("<i8").tobytes(), fp.lines.astype("<i8").tobytes(), fp.prefix,
                decision.status, decision.duplicate_of, decision.matched, decision.method, decision.similarity,
            ),
        )
        rid = cursor.lastrowid
        if not self._worth_indexing(decision):
            self.db.execute("UPDATE records SET indexed = 0 WHERE rid = ?", (rid,))
        else:
            if bands:
                self.db.executemany("INSERT OR IGNORE INTO bands (key, rid) VALUES (?, ?)", [(k, rid) for k in bands])
            self.db.executemany("INSERT OR IGNORE INTO samples (h, rid) VALUES (?, ?)", [(h, rid) for h in fp.samples.tolist()])
        if decision.status == "kept":
            self._count_lines(grp, fp.lines, +1)

    def _worth_indexing(self, decision: Decision) -> bool:
        if decision.status == "kept":
            return True
        if decision.method == "exact":
            return False
        indexed = self.db.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE duplicate_of = ? AND indexed = 1 LIMIT ?)",
            (decision.duplicate_of, MAX_INDEXED_PER_CLUSTER),
        ).fetchone()[0]
        return indexed < MAX_INDEXED_PER_CLUSTER

    def _count_lines(self, grp: int, lines: np.ndarray, delta: int) -> None:
        if not len(lines):
            return
        if delta > 0:
            self.db.executemany(
                "INSERT INTO lines (grp, h, docs) VALUES (?, ?, 1) ON CONFLICT (grp, h) DO UPDATE SET docs = docs + 1",
                [(grp, int(h)) for h in lines],
            )
        else:
            self.db.executemany("UPDATE lines SET docs = docs - 1 WHERE grp = ? AND h = ?", [(grp, int(h)) for h in lines])
            self.db.execute("DELETE FROM lines WHERE docs <= 0")

    # -- finishing ---------------------------------------------------------------------------
    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def close(self, commit: bool = True) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT" if commit else "ROLLBACK")
        self.db.close()
