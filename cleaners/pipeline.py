"""One raw file in, its clean Documents (or Rejections) out: inputs -> a reader -> text steps -> tags.

This is the per-document work; it knows nothing about orchestration. Use it from a notebook::

    from cleaners import Cleaner
    for outcome in Cleaner().process_file("raw/001_90ec0177be3c75fe.txt"):
        print(outcome)

The sequence: the raw bytes are read safely and decoded (:mod:`cleaners.inputs`), the text's kind is
sniffed and screened (size limit, refused DOCTYPEs), the first reader of :data:`cleaners.readers.REGISTRY`
that claims it reads its records (:mod:`cleaners.readers`), each record is cleaned
(:func:`cleaners.text.clean.clean`) and tagged (:data:`cleaners.tags.REGISTRY`).

Every raw file yields at least one outcome: a file that yields no record at all yields a Rejection
that says why. No exception escapes :meth:`Cleaner.process_file`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterator

from cleaners.config import CleanerConfig
from cleaners.inputs.decode import BadCompression, NotText, decode_bytes, decompress
from cleaners.inputs.rawfile import Unusable, read_raw_file
from cleaners.inputs.safety import screen
from cleaners.inputs.sniff import sniff_format
from cleaners.readers import REGISTRY as READERS
from cleaners.readers import ReadContext, Reader, kind_format, read
from cleaners.readers.html.htmltext import fragment_to_paragraphs
from cleaners.readers.lines import LineClassifier
from cleaners.readers.webpage import html_page_document
from cleaners.readers.wxr import wxr_records
from cleaners.record import Document, Outcome, Rejection, Source, new_source
from cleaners.runtime.budget import BudgetExceeded, disarm, time_limit
from cleaners.tags import REGISTRY as TAGS
from cleaners.tags import Tag, apply_tags
from cleaners.tags.language import detect_language
from cleaners.text.boilerplate import RuleSet
from cleaners.text.clean import clean, clean_text


class Cleaner:
    """Reads raw files of any supported format and turns each record into a clean Document.

    ``readers`` and ``tags``: the registries to use (default: every reader and tag presswash has).
    ``explain``: attach to each Document a ``trace`` of what reading and cleaning did (for
    :mod:`cleaners.explain`; it costs a little memory per document).
    """

    def __init__(self, config: CleanerConfig | None = None, *, readers: tuple[Reader, ...] = READERS,
                 tags: tuple[Tag, ...] = TAGS, explain: bool = False):
        self.config = config or CleanerConfig()
        self.rules = RuleSet.load(*self.config.rules_files)
        self.lines = LineClassifier.default(self.rules)
        self.readers = readers
        self.tags = tags
        self.explain = explain
        if self.config.document_seconds:
            warm_up()  # lazy loads (the language model...) must not count against the first document's budget

    # -- reading ---------------------------------------------------------------------------
    def process_file(self, path: str | Path, relpath: str | None = None) -> Iterator[Outcome]:
        """Every outcome of one raw file: ``process_file("raw/a.txt")``, or ``process_file(root, relpath)``
        when the file's path in ``source.path`` must be relative to a raw folder ``root``."""
        root, relpath = (Path(path).parent, Path(path).name) if relpath is None else (path, relpath)
        source = new_source(relpath)
        try:
            data = read_raw_file(root, relpath, self.config)
        except Unusable as exc:
            yield Rejection(source, str(exc))
            return
        yield from self.process_bytes(data, source)

    def process_bytes(self, data: bytes, source: Source | dict[str, Any]) -> Iterator[Outcome]:
        """Every outcome of one raw file's bytes; ``source`` says where they come from and needs at least
        its ``path`` (see :class:`cleaners.record.Source`; :class:`ValueError` otherwise). Each outcome
        (reading a record and cleaning it) runs under the time budget; a record over budget is rejected
        with that reason and the file goes on (or, when the reader itself was stopped, the rest of the
        file is rejected with the record)."""
        if not isinstance(source, dict) or "path" not in source:
            raise ValueError("process_bytes needs a source with a 'path': the raw file's path relative to the raw folder, e.g. {'path': 'a.txt'}")
        source = {**new_source(source["path"]), **source}
        seconds = self.config.document_seconds
        source["sha256"] = hashlib.sha256(data).hexdigest()
        try:
            with time_limit(seconds):
                data, compression = decompress(data, self.config.max_file_bytes)
        except BadCompression as exc:
            yield Rejection(source, str(exc))
            return
        except BudgetExceeded as exc:
            disarm()
            yield Rejection(source, f"stopped while decompressing: it {exc}")
            return
        if compression:
            source["compression"] = compression
        try:
            with time_limit(seconds):
                text, encoding = decode_bytes(data)
        except NotText as exc:
            yield Rejection(source, f"not a text file: {exc}")
            return
        except BudgetExceeded as exc:
            disarm()
            yield Rejection(source, f"stopped while decoding: it {exc}")
            return
        del data
        source["encoding"] = encoding
        produced = 0
        reader = self._read(text, source)
        while True:
            step = "reading"
            outcome: Outcome | None = None
            try:
                with time_limit(seconds):
                    outcome = next(reader, None)
                    if outcome is None:
                        break
                    if isinstance(outcome, Document):
                        step = "cleaning"
                        outcome = self._finish(outcome)
            except BudgetExceeded as exc:
                disarm()
                if step == "cleaning":  # the reader is intact: reject this record, go on with the next
                    outcome = Rejection(outcome.metadata["source"], f"stopped while cleaning: this record {exc}")
                else:  # the reader was interrupted: this record and the rest of the file are lost
                    where = f"record {produced} and the rest of the file" if produced else "the file"
                    outcome = Rejection(dict(source, record=produced if produced else None),
                                        f"stopped while reading this {source['format'] or 'file'}: {where} {exc}")
                    produced += 1
                    yield outcome
                    return
            except Exception as exc:  # a reader bug must cost one file, never the run
                yield Rejection(dict(source, record=produced if produced else None),
                                f"internal error while reading this {source['format'] or 'file'}: {type(exc).__name__}: {exc}")
                return
            produced += 1
            yield outcome
        if produced == 0:
            yield Rejection(source, f"no records found in this {source['format']} file")

    def _read(self, text: str, source: Source) -> Iterator[Outcome]:
        kind = sniff_format(text)
        text, refused = screen(text, kind, self.config.max_document_chars)
        if refused:
            source["format"] = kind_format(kind, self.readers)
            yield Rejection(source, refused)
            return
        yield from read(text, source, ReadContext(kind, self.lines, self.explain), self.readers)

    # -- cleaning --------------------------------------------------------------------------
    def _finish(self, doc: Document) -> Outcome:
        try:
            return self.clean_document(doc)
        except Exception as exc:  # one bad record must not take its file down
            return Rejection(doc.metadata["source"], f"internal error while cleaning: {type(exc).__name__}: {exc}")

    def clean_document(self, doc: Document) -> Outcome:
        """Clean the text a reader produced (normalize, remove boilerplate, repair) and tag the document."""
        limit = self.config.max_document_chars
        if limit and len(doc.text) > limit:
            return Rejection(doc.metadata["source"], f"too large: {len(doc.text):,} characters, over the limit of {limit:,} for one document")
        cleaned = clean(doc.text, self.rules, trace=self.explain)
        reader_removed = list(doc.metadata.get("removed") or [])
        removed = reader_removed + cleaned.removed  # the reader's removals come first
        trace = {**(doc.trace or {}), "reader_removed": reader_removed, "passes": cleaned.passes} if self.explain else None
        if not cleaned.text:
            why = f"all {len(removed)} paragraphs were boilerplate" if removed else "it holds no text"
            return Rejection(doc.metadata["source"], f"no text left after cleaning: {why}", trace)
        metadata = doc.metadata
        metadata["removed"] = removed
        apply_tags(cleaned.text, metadata, self.tags)
        return Document(doc.id, cleaned.text, metadata, trace)


_warm = False


def warm_up() -> None:
    """Load what the readers and cleaners load lazily on first use (once per process)."""
    global _warm
    if _warm:
        return
    _warm = True
    words = "Warm up the extractor, the cleaner and the language model. " * 5
    source = {"path": "warm-up", "format": None, "sha256": None, "record": 0, "encoding": None}
    try:
        html_page_document(f"<html><head><title>Warm</title></head><body><article><p>{words}</p></article></body></html>", dict(source))
        list(wxr_records('<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
                         'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>W</title>'
                         f"<wp:post_type>post</wp:post_type><wp:status>publish</wp:status><content:encoded><![CDATA[<p>{words}</p>]]>"
                         "</content:encoded></item></channel></rss>", dict(source)))
        clean_text(fragment_to_paragraphs(f"<p>{words}</p>")[0])
        detect_language(words)
    except Exception:  # warming up is an optimisation; the real input will meet any problem itself
        pass
