"""Publishing a run: decide duplicates for this run's shards against the state index, then write the
outputs as one atomic set, merged with the earlier outputs of the files not read this time.

The output folder is cumulative: it holds the current state of every raw file ever cleaned into it.
A run reads only the new and changed files (the file ledger, :mod:`cleaners.corpus.plan`), replaces
their records and keeps the others, so a later run over new files adds to the corpus and is
deduplicated against it. Dedup decisions and the ledger live in a SQLite index
(``OUT/.presswash/state.sqlite`` by default) that is swapped in together with the outputs and
``manifest.json``.
"""

from __future__ import annotations

import heapq
import json
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator

from cleaners import __version__
from cleaners.config import DedupConfig
from cleaners.corpus.plan import FileLedger, LedgerUpdate
from cleaners.corpus.shards import _item_order, indexed, this_run, this_run_records
from cleaners.dedup.fingerprint import Fingerprint, fingerprint
from cleaners.dedup.index import Decision, DedupIndex, IndexedRecord, group_key
from cleaners.dedup.repeated import line_group, remove_repeated_lines
from cleaners.outputs import DEFAULT_FORMAT, output_files
from cleaners.outputs import REGISTRY as WRITERS
from cleaners.outputs.atomic import (
    DOCUMENTS,
    DUPLICATES,
    REJECTED,
    REPORT,
    REPORT_HTML,
    OutputSet,
    default_state_path,
    read_jsonl,
    write_json_atomic,
)
from cleaners.outputs.htmlreport import write_html_report
from cleaners.outputs.manifest import (
    MANIFEST,
    build_manifest,
    utc_now,
)
from cleaners.outputs.report import RunReport, read_report
from cleaners.record import Document, Rejection
from cleaners.tags.counts import text_counts

# -- publishing: decide, then write ---------------------------------------------------------

class _Previous:
    """The outputs of earlier runs, read back in source order, minus the files processed again."""

    def __init__(self, out_dir: Path, replaced: set[str]):
        self.out_dir = out_dir
        self.replaced = replaced

    def _lines(self, name: str) -> Iterator[dict[str, Any]]:
        path = self.out_dir / name
        if path.exists():
            for line in read_jsonl(path):
                source = line["source"] if "source" in line else line["metadata"]["source"]
                if source["path"] not in self.replaced:
                    yield line

    def documents(self) -> Iterator[Document]:
        """Previously kept and previously dropped documents, each stream in source order."""
        kept = (Document.from_json(line) for line in self._lines(DOCUMENTS))
        dropped = (Document(line["id"], line["text"], line["metadata"]) for line in self._lines(DUPLICATES))
        return heapq.merge(kept, dropped, key=_item_order)

    def rejections(self) -> Iterator[Rejection]:
        return (Rejection.from_json(line) for line in self._lines(REJECTED))


def publish(
    shards: list[str],
    out_dir: str | Path,
    files: list[str],
    dedup: DedupConfig | None = None,
    state_path: str | Path | None = None,
    run_id: str | None = None,
    report: RunReport | None = None,
    *,
    replaced: set[str] | None = None,
    ledger: LedgerUpdate | None = None,
    formats: Iterable[str] = (DEFAULT_FORMAT,),
    settings: dict[str, Any] | None = None,
    extra_shards: list[str] = (),
) -> RunReport:
    """Decide duplicates for this run's shards against the state index, and publish the outputs.

    ``files``: the raw files the outputs must account for (all files seen this run). ``replaced``: the
    files whose earlier records are dropped (the files read this run, and the ones pruned; default
    ``files``). ``ledger``: what to record in the incremental-run ledger. ``formats``: the output
    formats to write (:data:`cleaners.outputs.WRITERS`; ``jsonl`` always). ``settings``: recorded in ``manifest.json``. ``extra_shards``: shards of this
    run besides the batch shards, each in source order (see :func:`_this_run`).

    Phase 1 inserts, in source order, this run's documents plus any earlier record whose decision
    depended on a record being replaced; phase 2 streams the final outputs: this run's outcomes merged
    with the earlier outputs of the files not read this time.
    """
    out = Path(out_dir)
    dedup = dedup or DedupConfig()
    run_id = run_id or uuid.uuid4().hex[:12]
    started_at = utc_now()
    replaced = set(files) if replaced is None else replaced
    report = report or RunReport(files)
    previous = _Previous(out, replaced)
    in_sync = read_report(out).get("state_run")
    with OutputSet(out) as outputs:
        index = DedupIndex(outputs.stage_copy(Path(state_path) if state_path else default_state_path(out)), dedup)
        try:
            in_sync = in_sync is not None and in_sync == index.get_meta("run")
            orphans = index.remove_paths(replaced)
            started = time.perf_counter()
            _decide(index, shards, orphans, None if in_sync else previous, extra_shards)
            report.timings["dedup_decide"] = time.perf_counter() - started
            started = time.perf_counter()
            described = _write(index, outputs, shards, previous, report, formats, extra_shards)
            report.timings["write"] = time.perf_counter() - started
            report.extra["dedup_index"] = index.counts()
            report.extra["state_run"] = run_id
            index.set_meta("run", run_id)
            if ledger is not None:
                FileLedger(index.db).update(ledger.hashes, ledger.cleaning_key, ledger.forget)
        finally:
            index.close()
        report.check()  # raises AccountingError: the staged outputs are discarded, the previous ones stay
        report.timings["total"] = time.perf_counter() - report.started
        with outputs.open(REPORT) as handle:
            json.dump(report.to_json(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        # report.html describes exactly the outputs it is published with: rendered from the staged files.
        write_html_report(outputs.path(REPORT_HTML), report.to_json(), *(outputs.path(n) for n in (DOCUMENTS, DUPLICATES, REJECTED)))
        for name in set(output_files(list(WRITERS))) - set(described):
            outputs.remove(name)  # a stale file of a format not written this time would disagree
        manifest = build_manifest(run_id, started_at, __version__, settings or {"dedup": dedup.to_json()}, report.to_json(), described)
        write_json_atomic(outputs.path(MANIFEST), manifest)
        outputs.commit()
    return report


def publish_unchanged(
    out_dir: str | Path, report_json: dict[str, Any], run_id: str | None = None, settings: dict[str, Any] | None = None,
    formats: Iterable[str] = (DEFAULT_FORMAT,),
) -> dict[str, Any] | None:
    """A run that found nothing new, changed or to prune: the outputs stay as they are (byte for byte);
    only ``report.json`` and ``manifest.json`` say that this run happened. Returns the new report, or
    None when the earlier outputs cannot stand as this run's (incomplete, or another set of formats):
    then run the full publish."""
    out = Path(out_dir)
    previous = read_report(out)
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not previous or not all((out / name).exists() for name in manifest.get("outputs", {})):
        return None
    if set(manifest.get("outputs", {})) != set(output_files(_with_default(formats))):
        return None
    run_id = run_id or uuid.uuid4().hex[:12]
    report = {**previous, **{k: v for k, v in report_json.items() if k in ("incremental", "timings_seconds", "batch_size", "workers", "exact_copies")}}
    with OutputSet(out) as outputs:
        with outputs.open(REPORT) as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        started = manifest.get("finished") or utc_now()
        new = build_manifest(run_id, started, __version__, settings or manifest.get("settings", {}), report, manifest["outputs"], changed=False)
        write_json_atomic(outputs.path(MANIFEST), new)
        outputs.commit()
    return report


def _decide(index: DedupIndex, shards: list[str], orphans: list[IndexedRecord], previous: _Previous | None, extra_shards: Iterable[str] = ()) -> None:
    streams: list[Iterable] = [this_run_records(shards, extra_shards), orphans]
    if previous is not None:  # the index does not match the outputs (lost, or from another run): fill it in
        streams.append(
            indexed(doc, fingerprint(doc.text, index.config)) for doc in previous.documents() if index.decision(doc.id) is None
        )
    for record in heapq.merge(*streams, key=_item_order):
        index.insert(record)
    index.commit()


def _with_default(formats: Iterable[str]) -> list[str]:
    return [DEFAULT_FORMAT] + [f for f in formats if f != DEFAULT_FORMAT]


def _write(index: DedupIndex, outputs: OutputSet, shards: list[str], previous: _Previous, report: RunReport,
           formats: Iterable[str] = (DEFAULT_FORMAT,), extra_shards: Iterable[str] = ()) -> dict[str, Any]:
    """Stream the final outputs in every format; return each file's size, record count and SHA-256
    (for the manifest)."""
    repeated = index.repeated_lines()
    with_duplicates = index.survivors_with_duplicates()
    # this run's documents come with their fingerprints, earlier ones without
    stream = heapq.merge(this_run(shards, extra_shards), previous.documents(), previous.rejections(), key=_item_order)
    wanted = _with_default(formats)
    sinks = [writer.open(outputs) for name, writer in WRITERS.items() if name in wanted]
    described: dict[str, Any] = {}
    try:
        for item in stream:
            if isinstance(item, Rejection):
                report.add_rejection(item)
                line = item.to_json()
                for sink in sinks:
                    sink.rejection(line)
                continue
            fp = None
            if isinstance(item, tuple):
                item, fp = item
            decision = index.decision(item.id)
            if decision is None:
                raise RuntimeError(f"record {item.id} ({item.metadata['source']['path']}) has no dedup decision")
            if decision.status == "kept":
                doc = _finish_kept(item, index, repeated, with_duplicates, fp)
                report.add_document(doc)
                record = doc.to_json()
                for sink in sinks:
                    sink.document(record)
            else:
                line = duplicate_line(item, decision)
                report.add_duplicate(line)
                for sink in sinks:
                    sink.duplicate(line)
    finally:
        for sink in sinks:
            described.update(sink.close())
    return described


def _finish_kept(doc: Document, index: DedupIndex, repeated: set, with_duplicates: set[str], fp: Fingerprint | None = None) -> Document:
    meta = dict(doc.metadata)
    grp = group_key(line_group(meta))
    if fp is not None and not any((grp, key) in repeated for key in fp.lines.tolist()):
        text, removed = doc.text, []  # its fingerprint lists its short paragraphs' keys: none is a learned line
    else:
        text, removed = remove_repeated_lines(doc.text, grp, repeated)
    if removed:
        meta["removed"] = list(meta.get("removed") or []) + removed
        meta["counts"] = text_counts(text)
    meta["dedup"] = {"cluster": doc.id, "duplicates": index.cluster(doc.id)} if doc.id in with_duplicates else None
    return Document(doc.id, text, meta)


def duplicate_line(doc: Document, decision: Decision) -> dict[str, Any]:
    """The line written to ``duplicates.jsonl``: the decision, and the whole dropped record, so that
    nothing is lost and a later run can bring it back if its survivor goes away."""
    line: dict[str, Any] = {"id": doc.id, "duplicate_of": decision.duplicate_of}
    if decision.matched and decision.matched != decision.duplicate_of:
        line["matched"] = decision.matched
    meta = dict(doc.metadata, dedup=None)
    line.update(method=decision.method, similarity=decision.similarity, source=meta["source"], text=doc.text, metadata=meta)
    return line
