"""Tag ``presswash_version``: the version of presswash that produced the record."""

from __future__ import annotations

from cleaners import __version__
from cleaners.tags import Tag

TAG = Tag("presswash_version", lambda text, metadata: __version__)
