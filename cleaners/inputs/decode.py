"""Raw bytes to text: gzip, byte-order marks, UTF-8, declared and legacy encodings; binary refused.

>>> decode_bytes("café".encode("cp1252"))
('café', 'cp1252')
>>> decode_bytes(b"\\xef\\xbb\\xbfhello")
('hello', 'utf-8-sig')
>>> decode_bytes('<html><head><meta charset="iso-8859-2"></head><body>Łódź</body></html>'.encode("iso-8859-2"))[1]
'iso8859-2'
>>> decompress(gzip.compress(b"hello"), max_bytes=100)
(b'hello', 'gzip')
"""

from __future__ import annotations

import codecs
import gzip  # noqa: F401 (the doctests use it)
import re
import zlib

from cleaners.inputs import size_text


class NotText(ValueError):
    """The bytes are not text in any encoding presswash reads (binary data, or nothing at all)."""


class BadCompression(ValueError):
    """Compressed data that cannot be used: corrupt, truncated, or too large once decompressed."""


# -- compression --------------------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def decompress(data: bytes, max_bytes: int) -> tuple[bytes, str | None]:
    """Gunzip ``data`` if it is gzip (by its magic bytes, not its name); return ``(bytes, "gzip")``.

    Stops as soon as the output would exceed ``max_bytes`` (a decompression bomb costs at most that
    much memory) and raises :class:`BadCompression`. Concatenated gzip members are all read.
    Anything else is returned unchanged with ``None``.
    """
    if not data.startswith(GZIP_MAGIC):
        return data, None
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = rest
        try:
            while chunk:
                out += inflater.decompress(chunk, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise BadCompression(f"gzip data larger than the {size_text(max_bytes)} limit per file once decompressed (a decompression bomb?)")
                chunk = inflater.unconsumed_tail
            out += inflater.flush()
        except zlib.error as exc:
            raise BadCompression(f"corrupt gzip data: {exc}") from None
        if not inflater.eof:
            raise BadCompression("truncated gzip data: the file ends before the compressed stream does")
        if len(out) > max_bytes:
            raise BadCompression(f"gzip data larger than the {size_text(max_bytes)} limit per file once decompressed (a decompression bomb?)")
        rest = inflater.unused_data.lstrip(b"\x00")  # members may be padded with NULs
        if rest and not rest.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member: ignored, as gzip(1) does
    return bytes(out), "gzip"


# -- encodings ----------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control bytes that never appear in real text (TAB, LF, FF, CR and ESC excluded; NUL apart).
_CONTROL_BYTES = bytes(b for b in range(1, 32) if b not in (9, 10, 12, 13, 27))
_ASCII = bytes(range(128))
SAMPLE = 65536
# A few NUL bytes in otherwise clean text are debris (a scraper's padding), not binary data.
MAX_STRAY_NUL_SHARE = 0.001
STRAY_NULS = 8  # ... or a handful in a short file (the control-byte share still catches binary data)
# Valid UTF-8 with a handful of broken bytes is still UTF-8: at least this many valid multi-byte
# characters per invalid byte.
MIN_UTF8_EVIDENCE = 10

_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)
_WEB_CP1252 = ("iso8859-1", "latin-1", "ascii")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    return 1.0 - len(sample.translate(None, _CONTROL_BYTES)) / len(sample)


def declared_encoding(data: bytes) -> str | None:
    """The encoding an HTML ``<meta charset>`` / ``http-equiv`` or an XML declaration names, if
    Python knows it (canonical codec name)."""
    match = _DECLARED.search(data[:4096])
    if not match:
        return None
    try:
        return codecs.lookup((match.group(1) or match.group(2)).decode("ascii")).name
    except LookupError:
        return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark: every other byte NUL for Latin text."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; raise :class:`NotText` for binary data.

    Order: a byte-order mark decides; UTF-16 without a mark is recognised by its NUL pattern; strict
    UTF-8; the encoding the document declares (``<meta charset>``, ``<?xml encoding?>``); UTF-8 with a
    few broken bytes (replaced, and said so in the encoding); then, if the bytes look like text,
    cp1252 (a superset of latin-1 for printable text, and what mislabelled "latin-1" web text usually
    is), with latin-1 as the last resort for the five bytes cp1252 leaves undefined.
    """
    if not data.strip():
        raise NotText("empty file" if not data else "file holds only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise NotText(f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason} at byte {exc.start + len(bom)}") from None
            if not text.strip():
                raise NotText("file holds only whitespace")
            return text, encoding
    sample = data[:SAMPLE]
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            try:
                return data.decode(utf16), utf16
            except UnicodeDecodeError:
                pass
        if sample.count(0) > max(MAX_STRAY_NUL_SHARE * len(sample), STRAY_NULS) or _control_share(sample) > 0.02:
            raise NotText("binary data (NUL bytes and no UTF-16 byte-order mark)")
        data = data.replace(b"\x00", b"")
        sample = data[:SAMPLE]
    if _control_share(sample) > 0.02:
        raise NotText("binary data (too many control bytes for text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if utf8_error.reason == "unexpected end of data" and len(data) - utf8_error.start < 4:
        # cut off inside a multi-byte character: UTF-8 if what comes before is UTF-8 with non-ASCII
        # characters in it (a lone accented byte at the end of ASCII text is more likely cp1252)
        head = data[: utf8_error.start]
        if not head.isascii():
            return head.decode("utf-8"), "utf-8"
    declared = declared_encoding(data)
    if declared in _WEB_CP1252:
        declared = "cp1252"  # as browsers do (WHATWG Encoding Standard): these labels mean windows-1252
    if declared and declared not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    invalid = len(data) - len(data.decode("utf-8", errors="ignore").encode("utf-8"))
    if len(_UTF8_MULTIBYTE.findall(data)) >= MIN_UTF8_EVIDENCE * max(invalid, 1):
        return data.decode("utf-8", errors="replace"), f"utf-8 ({invalid} invalid bytes replaced)"
    if _looks_like_binary(data):
        raise NotText(f"binary data (not valid UTF-8: {utf8_error.reason} at byte {utf8_error.start})")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _looks_like_binary(data: bytes) -> bool:
    """Random bytes are rich in bytes >= 0x80 that no legacy text would use so densely."""
    sample = data[:SAMPLE]
    high = len(sample.translate(None, _ASCII))
    return high / len(sample) > 0.30
