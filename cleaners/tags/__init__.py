"""Tags: values derived from a document's clean text and written into its metadata after cleaning.

A tag module defines ``TAG = Tag(key, compute)``: ``compute(text, metadata)`` returns the value of
``metadata[key]`` (``metadata`` holds what the reader found and the tags before it). :data:`TAGS`
lists them in the order they run; a new tag is one module plus one line there. A tag whose key is not
in :data:`cleaners.record.METADATA_KEYS` is written after the listed keys.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Tag:
    key: str
    compute: Callable[[str, dict[str, Any]], Any]


# The tags, in the order they run: cleaners.tags.<name>.TAG for each name.
TAGS = (
    "language",
    "counts",
    "version",
)
REGISTRY: tuple[Tag, ...] = tuple(importlib.import_module(f"cleaners.tags.{name}").TAG for name in TAGS)


def apply_tags(text: str, metadata: dict[str, Any], registry: tuple[Tag, ...] = REGISTRY) -> None:
    """Fill in every tag of ``registry`` for a document whose clean text is ``text``."""
    for tag in registry:
        metadata[tag.key] = tag.compute(text, metadata)
