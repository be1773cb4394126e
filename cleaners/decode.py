"""Raw bytes to text: byte-order marks, UTF-8, legacy encodings, and binary data refused.

>>> decode_bytes("café".encode("cp1252"))
('café', 'cp1252')
>>> decode_bytes(b"\\xef\\xbb\\xbfhello")
('hello', 'utf-8-sig')
"""

from __future__ import annotations

import codecs


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


def _control_share(data: bytes) -> float:
    sample = data[:65536]
    if not sample:
        return 0.0
    stripped = sample.translate(None, _CONTROL_BYTES)
    return 1.0 - len(stripped) / len(sample)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; raise :class:`NotText` for binary data.

    Order: a byte-order mark decides; else strict UTF-8; else, if the bytes look like text, cp1252
    (a superset of latin-1 for printable text, and what mislabelled "latin-1" web text usually is),
    with latin-1 as the last resort for the five bytes cp1252 leaves undefined.
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
    if b"\x00" in data[:65536]:
        raise NotText("binary data (NUL bytes and no UTF-16 byte-order mark)")
    if _control_share(data) > 0.02:
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
    if _looks_like_binary(data):
        raise NotText(f"binary data (not valid UTF-8: {utf8_error.reason} at byte {utf8_error.start})")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _looks_like_binary(data: bytes) -> bool:
    """Random bytes are rich in bytes >= 0x80 that no legacy text would use so densely."""
    sample = data[:65536]
    high = len(sample.translate(None, _ASCII))
    return high / len(sample) > 0.30
