"""One raw file in, its clean Documents (or Rejections) out: reading, cleaning, metadata.

This is the per-document work; it knows nothing about orchestration. Use it from a notebook::

    from cleaners import Cleaner
    for outcome in Cleaner().process_file("raw", "001_90ec0177be3c75fe.txt"):
        print(outcome)

Every raw file yields at least one outcome: a file that yields no record at all yields a Rejection
that says why. No exception escapes :meth:`Cleaner.process_file`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterator

from cleaners import __version__
from cleaners.config import CleanerConfig
from cleaners.inputs.decode import BadCompression, NotText, decode_bytes, decompress
from cleaners.inputs.jsonrecover import JSONTooDeep, recover_json
from cleaners.inputs.rawfile import Unusable, read_raw_file
from cleaners.inputs.safety import _NOT_XML, declares_entities
from cleaners.inputs.sniff import sniff_format
from cleaners.readers.html.htmltext import fragment_to_paragraphs
from cleaners.readers.jsondocs import FORMAT as DOCUMENTS_FORMAT
from cleaners.readers.jsondocs import document_text, is_tool_document, mapped_metadata
from cleaners.readers.lines import LineClassifier
from cleaners.readers.plaintext import split_text_paragraphs
from cleaners.readers.webpage import html_page_document
from cleaners.readers.wordpress import FORMAT as WORDPRESS_FORMAT
from cleaners.readers.wordpress import is_wordpress_post, records, wordpress_document
from cleaners.readers.wxr import FORMAT as WXR_FORMAT
from cleaners.readers.wxr import wxr_records
from cleaners.record import Document, Rejection, empty_metadata, record_id
from cleaners.runtime.budget import BudgetExceeded, disarm, time_limit
from cleaners.tags.counts import text_counts
from cleaners.tags.language import detect_language
from cleaners.text.boilerplate import RuleSet
from cleaners.text.clean import clean_text

Outcome = Document | Rejection
HTML_CHARS_PER_TEXT_CHAR = 4  # a page's markup is several times its text: its limit is this multiple


class Cleaner:
    """Reads raw files of any supported format and turns each record into a clean Document."""

    def __init__(self, config: CleanerConfig | None = None):
        self.config = config or CleanerConfig()
        self.rules = RuleSet.load(*self.config.rules_files)
        self.lines = LineClassifier.default(self.rules)
        if self.config.document_seconds:
            warm_up()  # lazy loads (the language model...) must not count against the first document's budget

    # -- reading ---------------------------------------------------------------------------
    def process_file(self, root: str | Path, relpath: str) -> Iterator[Outcome]:
        """Every outcome of one raw file, ``relpath`` being relative to ``root``."""
        source: dict[str, Any] = {"path": relpath, "format": None, "sha256": None, "record": None, "encoding": None}
        try:
            data = read_raw_file(root, relpath, self.config)
        except Unusable as exc:
            yield Rejection(source, str(exc))
            return
        yield from self.process_bytes(data, source)

    def process_bytes(self, data: bytes, source: dict[str, Any]) -> Iterator[Outcome]:
        """Every outcome of one raw file's bytes. Each outcome (reading a record and cleaning it) runs
        under the time budget; a record over budget is rejected with that reason and the file goes on
        (or, when the reader itself was stopped, the rest of the file is rejected with the record)."""
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

    def _read(self, text: str, source: dict[str, Any]) -> Iterator[Outcome]:
        kind = sniff_format(text)
        limit = self.config.max_document_chars * (HTML_CHARS_PER_TEXT_CHAR if kind == "html" else 1)
        if limit and kind in ("text", "html-fragment", "html") and len(text) > limit:
            # one document per file: refuse it before a reader spends time (and memory) on it
            source["format"] = kind
            yield Rejection(source, f"too large: {len(text):,} characters, over the limit of {limit:,} for "
                            f"{'an HTML page' if kind == 'html' else 'one document'}")
            return
        if kind in ("html", "html-fragment", "wxr"):
            # characters XML forbids (C0 controls but tab and line breaks, U+FFFE/U+FFFF) are never text;
            # lxml keeps them while parsing but refuses them when a reader edits the tree
            text = _NOT_XML.sub("", text)
        if kind != "wxr" and declares_entities(text):  # (the WXR reader refuses DTDs itself, in its words)
            source["format"] = "xml" if kind == "xml" else kind
            yield Rejection(source, "refused: a DOCTYPE that declares entities (<!ENTITY ...>), the form of "
                            "XML external-entity and entity-expansion attacks; presswash never expands or fetches entities")
            return
        if kind == "json":
            yield from self._read_json(text, source)
        elif kind == "html":
            source["format"] = "html"
            yield html_page_document(text, dict(source, record=0))
        elif kind == "html-fragment":
            source["format"] = "html-fragment"
            yield self._document(source, 0, "\n\n".join(fragment_to_paragraphs(text)))
        elif kind == "wxr":
            source["format"] = WXR_FORMAT
            yield from wxr_records(text, source)
        elif kind == "xml":
            source["format"] = "xml"
            yield Rejection(source, "XML feeds other than WordPress exports (WXR) are not supported yet")
        else:
            source["format"] = "text"
            yield self._plain_text_document(source, 0, text)

    def _read_json(self, text: str, source: dict[str, Any]) -> Iterator[Outcome]:
        source["format"] = "json"
        try:
            recovered = recover_json(text)
        except JSONTooDeep as exc:
            yield Rejection(source, f"unusable JSON: {exc}")
            return
        candidates = list(records(recovered))
        if any(is_wordpress_post(item) for item, _ in candidates):
            source["format"] = WORDPRESS_FORMAT
            for index, (item, truncated) in enumerate(candidates):
                record_source = dict(source, record=index)
                if is_wordpress_post(item):
                    yield wordpress_document(item, record_source, truncated)
                else:
                    yield Rejection(record_source, f"record {index} is not a WordPress post (a {type(item).__name__} without title/content fields)")
        elif any(is_tool_document(item) for item, _ in candidates):
            source["format"] = DOCUMENTS_FORMAT
            for index, (item, truncated) in enumerate(candidates):
                if is_tool_document(item):
                    yield self._tool_document(dict(source, record=index), item, truncated)
                else:
                    yield Rejection(dict(source, record=index), f'record {index} is not a document (a {type(item).__name__} without a "text" string)')
        else:
            problem = f" ({recovered.problem})" if recovered.problem else ""
            yield Rejection(source, f'JSON without WordPress REST API posts or documents: no object has title/content/excerpt fields or a "text" string{problem}')

    def _tool_document(self, source: dict[str, Any], obj: dict, truncated: bool) -> Document:
        """A document another tool wrote: its text cleaned again, its metadata kept."""
        text = document_text(obj) or ""
        if sniff_format(text) in ("html", "html-fragment"):
            doc = self._document(source, source["record"], "\n\n".join(fragment_to_paragraphs(text)))
        else:
            doc = self._plain_text_document(source, source["record"], text)
        doc.metadata.update(mapped_metadata(obj), truncated=truncated)
        return doc

    def _plain_text_document(self, source: dict[str, Any], index: int, text: str) -> Document:
        """Plain text: paragraphs, then the named rules and the line classifier take out site chrome."""
        kept, removed = self.lines.strip_chrome(split_text_paragraphs(text))
        doc = self._document(source, index, "\n\n".join(kept))
        doc.metadata["removed"] = removed
        return doc

    @staticmethod
    def _document(source: dict[str, Any], index: int, text: str) -> Document:
        record_source = dict(source, record=index)
        metadata = empty_metadata()
        metadata["source"] = record_source
        return Document(id=record_id(source["path"], index), text=text, metadata=metadata)

    # -- cleaning --------------------------------------------------------------------------
    def _finish(self, doc: Document) -> Outcome:
        try:
            return self.clean_document(doc)
        except Exception as exc:  # one bad record must not take its file down
            return Rejection(doc.metadata["source"], f"internal error while cleaning: {type(exc).__name__}: {exc}")

    def clean_document(self, doc: Document) -> Outcome:
        """Normalize, remove boilerplate, repair, and fill in the derived metadata."""
        limit = self.config.max_document_chars
        if limit and len(doc.text) > limit:
            return Rejection(doc.metadata["source"], f"too large: {len(doc.text):,} characters, over the limit of {limit:,} for one document")
        text, removed = clean_text(doc.text, self.rules)
        removed = list(doc.metadata.get("removed") or []) + removed  # the reader's removals come first
        if not text:
            why = f"all {len(removed)} paragraphs were boilerplate" if removed else "it holds no text"
            return Rejection(doc.metadata["source"], f"no text left after cleaning: {why}")
        metadata = doc.metadata
        metadata["removed"] = removed
        metadata["language"] = detect_language(text)
        metadata["counts"] = text_counts(text)
        metadata["presswash_version"] = __version__
        return Document(doc.id, text, metadata)


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
