"""Raw bytes to text: byte-order marks, UTF-8, legacy encodings, and binary data refused.

>>> decode_bytes("café".encode("cp1252"))
('café', 'cp1252')
>>> decode_bytes(b"\\xef\\xbb\\xbfhello")
('hello', 'utf-8-sig')
>>> decode_bytes("naïve ".encode() * 3 + b"cut \\xe2\\x80")  # a file cut inside its last character
('naïve naïve naïve cut ', 'utf-8')
>>> decode_bytes("naïve ".encode() * 3 + b"\\x93quoted\\x94")  # UTF-8 with stray cp1252 bytes
('naïve naïve naïve “quoted”', 'utf-8+cp1252')
>>> decode_bytes("Grüße".encode("utf-16-le"))  # UTF-16 without a byte-order mark
('Grüße', 'utf-16-le')
"""

from __future__ import annotations

import codecs
import threading

SAMPLE_BYTES = 65536


class NotText(ValueError):
    """The bytes are not text in any encoding presswash reads (binary data, or nothing at all)."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control bytes that never appear in real text (TAB, LF, FF, CR and ESC excluded).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_ASCII = bytes(range(128))
# Text may hold a few stray control bytes (a NUL pasted in by a broken scraper); binary data is full of them.
MAX_CONTROL_SHARE = 0.02


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    stripped = sample.translate(None, _CONTROL_BYTES)
    return 1.0 - len(stripped) / len(sample)


def _cp1252(chunk: bytes) -> str:
    """cp1252 for each byte, latin-1 for the five bytes cp1252 leaves undefined."""
    return "".join(chr(b) if 0x80 <= b < 0xA0 and bytes([b]).decode("cp1252", "replace") == "\ufffd"
                   else bytes([b]).decode("cp1252", "replace") for b in chunk)


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is NUL, as in UTF-16 text in a Latin script."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes, encoding: str) -> str:
    if len(data) % 2:  # cut in the middle of a code unit: drop the half
        data = data[:-1]
    return data.decode(encoding)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; raise :class:`NotText` for binary data.

    Order: a byte-order mark decides; UTF-16 without a mark is recognised by its NUL bytes; else
    strict UTF-8 (a last character cut off by truncation is dropped); else UTF-8 with a few stray
    cp1252 bytes (``utf-8+cp1252``: mixed files are common in scraped text); else, if the bytes look
    like text, cp1252 (a superset of latin-1 for printable text, and what mislabelled "latin-1" web
    text usually is), with latin-1 for the five bytes cp1252 leaves undefined.
    """
    if not data.strip():
        raise NotText("empty file" if not data else "file holds only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                body = data[len(bom):]
                text = _decode_utf16(body, encoding) if encoding.startswith("utf-16") else body.decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise NotText(f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason} at byte {exc.start + len(bom)}") from None
            if not text.strip():
                raise NotText("file holds only whitespace")
            return text, encoding
    sample = data[:SAMPLE_BYTES]
    if b"\x00" in sample:
        encoding = _utf16_without_bom(sample)
        if encoding is not None:
            try:
                text = _decode_utf16(data, encoding)
            except UnicodeDecodeError:
                text = None
            if text is not None and text.strip() and _text_control_share(text[:SAMPLE_BYTES]) <= MAX_CONTROL_SHARE:
                return text, encoding
        if _control_share(sample) > MAX_CONTROL_SHARE:
            raise NotText("binary data (NUL bytes and no UTF-16 byte-order mark)")
    if _control_share(sample) > MAX_CONTROL_SHARE:
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
    if _looks_like_binary(sample):
        raise NotText(f"binary data (not valid UTF-8: {utf8_error.reason} at byte {utf8_error.start})")
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed, "utf-8+cp1252"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return _cp1252(data), "cp1252"


_counts = threading.local()


def _stray_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the invalid bytes as cp1252 and count them."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    _counts.invalid += len(bad)
    return _cp1252(bad), exc.end


codecs.register_error("presswash-stray-cp1252", _stray_cp1252)


def _decode_mixed(data: bytes) -> str | None:
    """UTF-8 text with a minority of stray legacy bytes, each decoded as cp1252; None when the
    invalid bytes are not a clear minority (then the whole file is in a legacy encoding)."""
    _counts.invalid = 0
    text = data.decode("utf-8", "presswash-stray-cp1252")
    invalid = _counts.invalid
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    valid_multibyte = non_ascii - invalid
    if invalid == 0 or valid_multibyte <= invalid:
        return None
    return text


def _text_control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\x0c\r\x1b")
    return controls / len(text)


def _looks_like_binary(sample: bytes) -> bool:
    """Random bytes are rich in bytes >= 0x80 that no legacy text would use so densely."""
    high = len(sample.translate(None, _ASCII))
    return high / len(sample) > 0.30
