"""Which raw files a run must read: the file ledger of incremental runs.

The ledger (a table in the state index) remembers, for every raw file whose records are in the
outputs, the SHA-256 of the bytes that produced them. A run hashes each raw file and compares:

- **new**: not in the ledger; **changed**: other bytes, or the cleaning settings changed since;
  both are read and cleaned, their records replace the earlier ones;
- **unchanged**: skipped (a hash and a lookup, nothing more); their records stay as they are;
- **deleted**: in the ledger, gone from the raw folder; their records stay, unless the run prunes.

>>> import sqlite3
>>> ledger = FileLedger(sqlite3.connect(":memory:"))
>>> ledger.update({"a.txt": "aa", "b.txt": "bb"}, cleaning_key="v1")
>>> plan = ledger.plan({"a.txt": "aa", "b.txt": "BB", "c.txt": "cc"}, cleaning_key="v1")
>>> plan.new, plan.changed, plan.unchanged, plan.deleted
(['c.txt'], ['b.txt'], ['a.txt'], [])
>>> ledger.plan({"a.txt": "aa"}, cleaning_key="v2").changed  # new settings: everything is read again
['a.txt']
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from cleaners import __version__
from cleaners.config import CleanerConfig
from cleaners.dedup.index import _from_db, _to_db
from cleaners.outputs.atomic import default_state_path
from cleaners.outputs.report import read_report

# -- the whole job without Prefect ------------------------------------------------------------

def plan_run(raw_dir: str | Path, out_dir: str | Path, files: list[str], config: CleanerConfig, state_path: str | Path | None = None, full: bool = False) -> tuple[Plan, dict[str, str], str]:
    """Which raw files this run must read: hash them all and compare with the ledger of the state
    index. Everything is read when ``full`` is set, when there is no ledger yet, or when the ledger and
    the outputs do not belong to the same run (outputs deleted or replaced by hand).
    Returns the plan, the hashes and the cleaning key to record."""
    key = cleaning_key(__version__, {k: v for k, v in vars(config).items() if k != "rules_files"}, config.rules_files)
    hashes = hash_files(raw_dir, files)
    ledger = None if full else read_ledger(Path(state_path) if state_path else default_state_path(out_dir))
    try:
        if ledger is None or not ledger.in_sync_with(read_report(Path(out_dir)).get("state_run")):
            return Plan(new=sorted(files)), hashes, key
        return ledger.plan(hashes, key), hashes, key
    finally:
        if ledger is not None:
            ledger.db.close()

UNREADABLE = "unreadable"
HASH_SLICE = 1024  # files hashed per round of the thread pool

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


@dataclass
class Plan:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def to_read(self) -> list[str]:
        return sorted(self.new + self.changed)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": len(self.unchanged), "deleted": len(self.deleted)}


class FileLedger:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        for statement in _SCHEMA:  # one by one: executescript would commit the caller's transaction
            self.db.execute(statement)

    def known(self) -> dict[str, str]:
        return {_from_db(p): h for p, h in self.db.execute("SELECT path, sha256 FROM files")}

    def cleaning_key(self) -> str | None:
        found = self.db.execute("SELECT value FROM ledger_meta WHERE key = 'cleaning'").fetchone()
        return None if found is None else found[0]

    def plan(self, hashes: dict[str, str], cleaning_key: str) -> Plan:
        """Sort the raw files (path -> SHA-256) into new, changed, unchanged; list the deleted ones."""
        known = self.known()
        same_settings = self.cleaning_key() == cleaning_key
        plan = Plan()
        for path in sorted(hashes):
            before = known.get(path)
            if before is None:
                plan.new.append(path)
            elif before != hashes[path] or not same_settings:
                plan.changed.append(path)
            else:
                plan.unchanged.append(path)
        plan.deleted = sorted(set(known) - set(hashes))
        return plan

    def in_sync_with(self, run_id: str | None) -> bool:
        return run_id is not None and self.db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone() == (run_id,)

    def update(self, processed: dict[str, str], cleaning_key: str, forget: Iterable[str] = ()) -> None:
        """Record the files read by a run (path -> SHA-256) and drop the ones pruned."""
        self.db.executemany(
            "INSERT OR REPLACE INTO files (path, sha256) VALUES (?, ?)", [(_to_db(p), h) for p, h in processed.items() if h != UNREADABLE]
        )
        self.db.executemany("DELETE FROM files WHERE path = ?", [(_to_db(p),) for p in forget])
        self.db.execute("INSERT OR REPLACE INTO ledger_meta (key, value) VALUES ('cleaning', ?)", (cleaning_key,))


def read_ledger(state_path: str | Path) -> FileLedger | None:
    """The ledger of an existing state file, read-only; None when there is no state yet."""
    if not Path(state_path).exists():
        return None
    db = sqlite3.connect(f"file:{Path(state_path).absolute()}?mode=ro", uri=True)
    try:
        db.execute("SELECT 1 FROM files LIMIT 1")
    except sqlite3.OperationalError:  # a state from before incremental runs: every file is new
        return None
    ledger = FileLedger.__new__(FileLedger)
    ledger.db = db
    return ledger


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a regular file's bytes, or None if it cannot or should not be read here (the cleaning
    step will say why): a named pipe must not block the run, a device must not be read forever."""
    digest = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest.hexdigest()


def hash_files(root: str | Path, paths: list[str], threads: int = 4) -> dict[str, str]:
    """SHA-256 of every raw file; an unreadable file gets a marker the ledger never stores, so it is
    read (and rejected with its reason) on every run. A path that leads outside ``root`` (a link) is
    not read here either: whether it may be read at all is the cleaning step's decision."""
    root = Path(root)
    real_root = os.path.realpath(root)

    def digest(relpath: str) -> str | None:
        real = os.path.realpath(root / relpath)
        if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
            return None
        return file_sha256(Path(real))

    hashes: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        # a slice at a time: Executor.map submits every path at once, and 100k pending futures took
        # over 100 MiB that the process kept for the rest of the run
        for start in range(0, len(paths), HASH_SLICE):
            part = paths[start : start + HASH_SLICE]
            hashes.update((p, d or UNREADABLE) for p, d in zip(part, pool.map(digest, part)))
    return hashes


def cleaning_key(version: str, settings: dict, rules_files: Iterable[str] = ()) -> str:
    """What the cleaning of a file depends on besides its bytes: presswash's version, the settings,
    and the contents of the extra rules files. A change means every file is read again."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"version": version, "settings": settings}, sort_keys=True, default=str).encode())
    for path in rules_files:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(f"missing:{os.fspath(path)}".encode())
    return digest.hexdigest()[:32]


@dataclass
class LedgerUpdate:
    """What a run tells the ledger when it publishes: the files it read, the ones it pruned."""

    hashes: dict[str, str]
    cleaning_key: str
    forget: list[str] = field(default_factory=list)
