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
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from . import __version__
from .boilerplate import RuleSet
from .budget import BudgetExceeded, disarm, time_limit
from .decode import BadCompression, NotText, decode_bytes, decompress
from .htmltext import fragment_to_paragraphs
from .jsondocs import FORMAT as DOCUMENTS_FORMAT
from .jsondocs import document_text, is_tool_document, mapped_metadata
from .jsonrecover import JSONTooDeep, recover_json
from .lines import LineClassifier
from .metadata import detect_language, text_counts
from .normalize import MAX_PASSES, join_paragraphs, normalize_text, normalize_whitespace, remove_invisible, repair_text, split_paragraphs
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
DEFAULT_MAX_DOCUMENT_CHARS = 5_000_000
DEFAULT_DOCUMENT_SECONDS = 30.0
HTML_CHARS_PER_TEXT_CHAR = 4  # a page's markup is several times its text: its limit is this multiple
READ_ATTEMPTS = 3
# A DOCTYPE with an internal subset declaring entities: no feed, export or page presswash reads needs one,
# and it is how XXE (file or network reads) and "billion laughs" (exponential expansion) are written.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Only the first DOCTYPE in the head is examined (XML allows one, before the root element): linear time.
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(r"<!DOCTYPE[^>\[]*\[[^\]]*?<!ENTITY", re.IGNORECASE | re.DOTALL)
DOCTYPE_SCAN_CHARS = 1 << 16
ENTITY_SCAN_CHARS = 1 << 20


def declares_entities(text: str) -> bool:
    """True when the document's DOCTYPE declares entities.

    >>> declares_entities('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    True
    >>> declares_entities('<!DOCTYPE html><html><body>&amp;</body></html>')
    False
    """
    doctype = _DOCTYPE.search(text, 0, DOCTYPE_SCAN_CHARS)
    return doctype is not None and _ENTITY_DECLARATION.match(text, doctype.start(), doctype.start() + ENTITY_SCAN_CHARS) is not None


@dataclass(frozen=True)
class CleanerConfig:
    """What a Cleaner needs besides the input.

    ``rules_files``: boilerplate rules files added to the bundled ones. ``max_file_bytes``: larger raw
    files are rejected unread. ``follow_outside_links``: read symbolic links that point outside the
    raw folder (off by default: a link must not let a raw folder reach other files).
    ``max_document_chars``: a record whose text is longer is rejected before cleaning (the size budget).
    ``document_seconds``: the time budget for reading and cleaning one record; a record that takes
    longer is stopped and rejected (enforced where :func:`cleaners.budget.time_limits_available`;
    None switches it off).
    """

    rules_files: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    follow_outside_links: bool = False
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS
    document_seconds: float | None = DEFAULT_DOCUMENT_SECONDS


def clean_text(text: str, rules: RuleSet | None = None) -> tuple[str, list[dict]]:
    """Normalize, remove boilerplate and repair ``text``; return it with the removals.

    Idempotent: ``clean_text(clean_text(t)[0])[0] == clean_text(t)[0]``.

    >>> clean_text("Read Time:7 Minute, 0 Second\\n\\nThe drills.However it   went on.\\n\\nShare.")
    ('The drills. However it went on.', [{'rule': 'read-time', 'text': 'Read Time:7 Minute, 0 Second'}, {'rule': 'share-prompt', 'text': 'Share.'}])
    """
    rules = rules or RuleSet.default()
    removed_all: list[dict] = []
    for _ in range(MAX_PASSES):
        paragraphs = split_paragraphs(normalize_text(text))
        kept, removed = rules.apply(paragraphs)
        removed_all += removed
        # a cut can leave a zero-width joiner at a paragraph's edge, where it is debris: tidy again
        repaired = [normalize_whitespace(remove_invisible(repair_text(p))) for p in kept]
        text = join_paragraphs([p for p in repaired if p])
        if not set(kept).difference(paragraphs):  # no paragraph was cut inside: done
            break
        # a cut inside a paragraph changes what is left around the rest, and ftfy judges mojibake by
        # its context ("— Jane Doe (@jd) May 5, 2023aÄ¡" keeps "Ä¡"; "aÄ¡" alone becomes "aġ"): again
    return text, removed_all


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


class Unusable(Exception):
    """The raw file cannot be read at all; the message says why, in one sentence."""


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_raw_file(root: str | Path, relpath: str, config: CleanerConfig | None = None) -> bytes:
    """The bytes of one raw file, read safely; raise :class:`Unusable` with the reason otherwise.

    - A path that resolves outside ``root`` (through a symbolic link) is refused unless
      ``config.follow_outside_links``; a broken link is refused.
    - Only regular files are read: a named pipe, socket or device is refused without blocking.
    - Files over ``config.max_file_bytes`` are refused unread.
    - A file that changes while it is read is read again (up to :data:`READ_ATTEMPTS` times), so the
      bytes are never half of one version and half of another; one that keeps changing is refused.
    """
    config = config or CleanerConfig()
    path = os.path.join(os.fspath(root), relpath)
    real = os.path.realpath(path)
    if os.path.islink(path) and not os.path.exists(path):
        raise Unusable("broken symbolic link (its target does not exist)")
    if not config.follow_outside_links and not _inside(real, os.path.realpath(root)):
        raise Unusable("symbolic link to a file outside the raw folder (not followed)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except PermissionError:
        raise Unusable("cannot read the file: permission denied") from None
    except FileNotFoundError:
        raise Unusable("the file disappeared before it could be read") from None
    except OSError as exc:
        raise Unusable(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        for attempt in range(READ_ATTEMPTS):
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                link = " (reached through a symbolic link)" if os.path.islink(path) else ""
                raise Unusable(f"is {_kind(before.st_mode)}{link}, not a regular file")
            if before.st_size > config.max_file_bytes:
                raise Unusable(f"larger than the {config.max_file_bytes // (1024 * 1024)} MiB limit per file")
            try:
                data = _read_all(fd, config.max_file_bytes + 1)
            except OSError as exc:
                raise Unusable(f"cannot read the file: {exc.strerror or exc}") from None
            if len(data) > config.max_file_bytes:
                raise Unusable(f"larger than the {config.max_file_bytes // (1024 * 1024)} MiB limit per file")
            after = os.fstat(fd)
            if _same_version(before, after) and len(data) == after.st_size:
                return data
            time.sleep(0.05 * (attempt + 1))
        raise Unusable(f"the file kept changing while it was read ({READ_ATTEMPTS} attempts)")
    finally:
        os.close(fd)


def _same_version(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns, a.st_ino) == (b.st_size, b.st_mtime_ns, b.st_ctime_ns, b.st_ino)


def _read_all(fd: int, limit: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
