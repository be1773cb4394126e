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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from . import __version__
from .boilerplate import RuleSet
from .decode import BadCompression, NotText, decode_bytes, decompress
from .htmltext import fragment_to_paragraphs
from .jsondocs import FORMAT as DOCUMENTS_FORMAT
from .jsondocs import document_text, is_tool_document, mapped_metadata
from .jsonrecover import JSONTooDeep, recover_json
from .lines import LineClassifier
from .metadata import detect_language, text_counts
from .normalize import join_paragraphs, normalize_text, repair_text, split_paragraphs
from .plaintext import split_text_paragraphs
from .record import Document, Rejection, empty_metadata, record_id
from .sniff import sniff_format
from .webpage import html_page_document
from .wordpress import FORMAT as WORDPRESS_FORMAT
from .wordpress import is_wordpress_post, records, wordpress_document
from .wxr import FORMAT as WXR_FORMAT
from .wxr import wxr_records

Outcome = Document | Rejection

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CleanerConfig:
    """What a Cleaner needs besides the input.

    ``rules_files``: boilerplate rules files added to the bundled ones. ``max_file_bytes``: larger raw
    files are rejected unread. ``follow_outside_links``: read symbolic links that point outside the
    raw folder (off by default: a link must not let a raw folder reach other files).
    """

    rules_files: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    follow_outside_links: bool = False


def clean_text(text: str, rules: RuleSet | None = None) -> tuple[str, list[dict]]:
    """Normalize, remove boilerplate and repair ``text``; return it with the removals.

    Idempotent: ``clean_text(clean_text(t)[0])[0] == clean_text(t)[0]``.

    >>> clean_text("Read Time:7 Minute, 0 Second\\n\\nThe drills.However it   went on.\\n\\nShare.")
    ('The drills. However it went on.', [{'rule': 'read-time', 'text': 'Read Time:7 Minute, 0 Second'}, {'rule': 'share-prompt', 'text': 'Share.'}])
    """
    rules = rules or RuleSet.default()
    paragraphs = split_paragraphs(normalize_text(text))
    kept, removed = rules.apply(paragraphs)
    repaired = [repair_text(p) for p in kept]
    return join_paragraphs(repaired), removed


class Cleaner:
    """Reads raw files of any supported format and turns each record into a clean Document."""

    def __init__(self, config: CleanerConfig | None = None):
        self.config = config or CleanerConfig()
        self.rules = RuleSet.load(*self.config.rules_files)
        self.lines = LineClassifier.default(self.rules)

    # -- reading ---------------------------------------------------------------------------
    def process_file(self, root: str | Path, relpath: str) -> Iterator[Outcome]:
        """Every outcome of one raw file, ``relpath`` being relative to ``root``."""
        source: dict[str, Any] = {"path": relpath, "format": None, "sha256": None, "record": None, "encoding": None}
        path = Path(root) / relpath
        if path.is_symlink() and not self.config.follow_outside_links:
            target = path.resolve()
            if not target.is_relative_to(Path(root).resolve()):
                yield Rejection(source, "symbolic link to a file outside the raw folder (not followed)")
                return
        try:
            data = _read_bytes(path, self.config.max_file_bytes)
        except _Unusable as exc:
            yield Rejection(source, str(exc))
            return
        yield from self.process_bytes(data, source)

    def process_bytes(self, data: bytes, source: dict[str, Any]) -> Iterator[Outcome]:
        source["sha256"] = hashlib.sha256(data).hexdigest()
        try:
            data, compression = decompress(data, self.config.max_file_bytes)
        except BadCompression as exc:
            yield Rejection(source, str(exc))
            return
        if compression:
            source["compression"] = compression
        try:
            text, encoding = decode_bytes(data)
        except NotText as exc:
            yield Rejection(source, f"not a text file: {exc}")
            return
        source["encoding"] = encoding
        produced = 0
        try:
            for outcome in self._read(text, source):
                produced += 1
                yield self._finish(outcome) if isinstance(outcome, Document) else outcome
        except Exception as exc:  # a reader bug must cost one file, never the run
            yield Rejection(dict(source, record=produced), f"internal error while reading this {source['format'] or 'file'}: {type(exc).__name__}: {exc}")
            return
        if produced == 0:
            yield Rejection(source, f"no records found in this {source['format']} file")

    def _read(self, text: str, source: dict[str, Any]) -> Iterator[Outcome]:
        kind = sniff_format(text)
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


class _Unusable(Exception):
    """The raw file cannot be read at all (missing, unreadable, a directory, too large)."""


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise _Unusable("is a directory, not a file") from None
    except PermissionError:
        raise _Unusable("cannot read the file: permission denied") from None
    except FileNotFoundError:
        raise _Unusable("the file disappeared before it could be read") from None
    except OSError as exc:
        raise _Unusable(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _Unusable(f"larger than the {max_bytes // (1024 * 1024)} MiB limit per file")
    return data
