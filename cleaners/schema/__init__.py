"""The record JSON Schemas, installed with the package: ``records-v2.schema.json`` (the records this
version writes) and ``records-v1.schema.json`` (kept for outputs written before version 2).

>>> load_schema()["$id"], load_schema(1)["$id"]
('presswash/records/v2', 'presswash/records/v1')
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from cleaners.record import SCHEMA_VERSION

VERSIONS = (1, 2)


def schema_file(version: int = SCHEMA_VERSION) -> str:
    """The schema's file name inside this package."""
    if version not in VERSIONS:
        raise ValueError(f"no record schema version {version!r} (there are {', '.join(map(str, VERSIONS))})")
    return f"records-v{version}.schema.json"


def load_schema(version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """The record schema of ``version`` (default: the one this presswash writes), as a dict; its
    ``$defs`` are ``document``, ``duplicate`` and ``rejected``."""
    return json.loads((resources.files(__name__) / schema_file(version)).read_text(encoding="utf-8"))
