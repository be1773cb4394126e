"""Field values the readers share: dates and sites. Unknown values are None, never invented.

>>> iso_utc("2023-01-06T01:19:08")  # WordPress date_gmt carries no offset but is UTC
'2023-01-06T01:19:08Z'
>>> iso_utc("2019-05-03T10:00:00+02:00")
'2019-05-03T08:00:00Z'
>>> iso_utc("2019-05-03")
'2019-05-03'
>>> site_from_url("https://www.Example.com/2023/01/post/")
'example.com'
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_utc(value: str | None, assume_utc: bool = True) -> str | None:
    """An ISO 8601 timestamp in UTC (``...Z``), or a bare date when only a date is known.

    ``assume_utc``: a timestamp without an offset is taken as UTC (true of WordPress ``*_gmt``);
    when false, such a timestamp is returned as None rather than guessed.
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if _DATE_ONLY.fullmatch(value):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        if not assume_utc:
            return None
        parsed = parsed.replace(tzinfo=timezone.utc)
    if parsed.year < 1900 or parsed.year > 2200:  # WordPress writes 0000-00-00 for drafts
        return None
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_from_url(url: str | None) -> str | None:
    """The lower-cased host of ``url`` without a leading ``www.``."""
    if not url or not isinstance(url, str):
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


_WORD = re.compile(r"\w+")
