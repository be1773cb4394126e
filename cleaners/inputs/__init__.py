"""Bytes to text, before any format: reading a raw file safely, gzip and encodings, format sniffing, tolerant JSON, and the refusals every format shares."""


def size_text(n: int) -> str:
    """A size limit as people read it.

    >>> size_text(64 * 1024 * 1024), size_text(512 * 1024), size_text(1500), size_text(100)
    ('64 MiB', '512 KiB', '1.5 KiB', '100 bytes')
    """
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
