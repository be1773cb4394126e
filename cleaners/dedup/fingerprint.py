"""Deduplication: exact, near (MinHash Jaccard) and containment duplicates of clean text.

What is compared is the *prose* of a document: its paragraphs of at least ``prose_min_words`` words,
case-folded, as overlapping ``shingle_words``-word shingles. Menus, buttons and one-line chrome
rarely reach that length, so a flattened page full of navigation still compares by its article.

Three tests, one fingerprint per document (computed where the document is cleaned, in parallel):

- **exact**: a 128-bit hash of the whole text, case and whitespace folded;
- **near**: MinHash (datasketch) over the shingles, candidates found with LSH bands
  (``bands`` x ``rows`` = ``num_perm``), confirmed when the estimated Jaccard similarity is at least
  ``jaccard_threshold``;
- **containment**: the shingles whose 64-bit hash is divisible by ``sample_modulus`` form a sample
  that is consistent across documents, so when document A is contained in B, A's sample is contained
  in B's sample. Containment of the smaller in the larger is estimated as shared samples / smaller
  sample size and confirmed at ``containment_threshold`` (when the smaller sample has at least
  ``min_samples`` members). This is what links a teaser, a partial download, or an article to the
  flattened page that carries it plus all its chrome: Jaccard is low for those pairs, containment is
  near 1. Truncated copies too short for that many samples are caught by their first
  ``prefix_words`` prose words: the same opening, and every sample of the shorter one found in the
  longer, is a containment duplicate.

Which record survives is a policy (:func:`prefer`), ``complete`` by default: a complete text beats a
truncated one; a clear partial (a teaser) loses to the full text; among versions of comparable
completeness the richer metadata wins (a WordPress post over a scraped page over a plain-text dump),
then the cleaner, longer prose, then source order.

>>> config = DedupConfig()
>>> text = "The council voted on Tuesday to restore the old lighthouse on the north breakwater. " * 3
>>> a, b = fingerprint(text, config), fingerprint(text.upper(), config)
>>> compare(a, b, config)
('exact', 1.0)
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash

from cleaners.config import DedupConfig

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
# Paragraphs longer than this are never counted as repeated lines (see cleaners.dedup.fingerprint.repeated).
LINE_MAX_CHARS = 500


def _signed(h: int) -> int:
    """SQLite integers are signed 64-bit."""
    return h - (1 << 64) if h >= (1 << 63) else h


def exact_key(text: str) -> bytes:
    """Fingerprint of a text for exact matching: case-folded, whitespace collapsed, 128-bit BLAKE2b."""
    canonical = _SPACES.sub(" ", text.casefold()).strip()
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).digest()


def line_key(paragraph: str) -> int:
    """Hash of one paragraph for repeated-line counting (case-folded, whitespace collapsed)."""
    return _signed(xxhash.xxh3_64_intdigest(_SPACES.sub(" ", paragraph.casefold()).strip().encode("utf-8")))


def prose_words(text: str, min_words: int) -> list[str]:
    """The case-folded words of the paragraphs that have at least ``min_words`` words."""
    words: list[str] = []
    for paragraph in text.split("\n\n"):
        found = _WORD.findall(paragraph.casefold())
        if len(found) >= min_words:
            words.extend(found)
    return words


@lru_cache(maxsize=8)
def _minhash_template(num_perm: int, seed: int):
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, hashfunc=xxhash.xxh32_intdigest)


@dataclass
class Fingerprint:
    """What dedup needs of a document; small enough to store per record in the state index."""

    exact: bytes
    prose_words: int
    minhash: np.ndarray | None  # uint32 x num_perm; None when the prose is shorter than one shingle
    samples: np.ndarray  # sorted unique int64
    lines: np.ndarray  # int64 keys of the short paragraphs, for repeated-line counting
    prefix: int | None = None  # hash of the first prefix_words prose words

    def to_json(self) -> dict[str, Any]:
        return {
            "exact": self.exact.hex(),
            "prose_words": self.prose_words,
            "minhash": None if self.minhash is None else base64.b64encode(self.minhash.astype("<u4").tobytes()).decode(),
            "samples": base64.b64encode(self.samples.astype("<i8").tobytes()).decode(),
            "lines": base64.b64encode(self.lines.astype("<i8").tobytes()).decode(),
            "prefix": self.prefix,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Fingerprint":
        minhash = obj.get("minhash")
        return cls(
            exact=bytes.fromhex(obj["exact"]),
            prose_words=obj["prose_words"],
            minhash=None if minhash is None else np.frombuffer(base64.b64decode(minhash), dtype="<u4").astype(np.uint32),
            samples=np.frombuffer(base64.b64decode(obj["samples"]), dtype="<i8").astype(np.int64),
            lines=np.frombuffer(base64.b64decode(obj["lines"]), dtype="<i8").astype(np.int64),
            prefix=obj.get("prefix"),
        )


def fingerprint(text: str, config: DedupConfig) -> Fingerprint:
    words = prose_words(text, config.prose_min_words)
    k = config.shingle_words
    shingles = [" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)]
    minhash = None
    if shingles:
        m = _minhash_template(config.num_perm, config.seed).copy()
        m.update_batch(shingles)
        minhash = m.hashvalues.astype(np.uint32)
    hashes = [xxhash.xxh3_64_intdigest(s) for s in shingles]
    samples = np.unique(np.array([_signed(h) for h in hashes if h % config.sample_modulus == 0], dtype=np.int64))
    lines = np.unique(np.array([line_key(p) for p in text.split("\n\n") if len(p) <= LINE_MAX_CHARS], dtype=np.int64))
    prefix = None
    if len(words) >= config.prefix_words:
        prefix = _signed(xxhash.xxh3_64_intdigest(" ".join(words[: config.prefix_words]).encode("utf-8")))
    return Fingerprint(exact_key(text), len(words), minhash, samples, lines, prefix)


def band_keys(minhash: np.ndarray, config: DedupConfig) -> list[int]:
    """One LSH key per band: a hash of the band's rows, seeded with the band number."""
    raw = minhash.astype("<u4").tobytes()
    width = 4 * config.rows
    return [_signed(xxhash.xxh3_64_intdigest(raw[i * width : (i + 1) * width], seed=i)) for i in range(config.bands)]


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    if a.minhash is None or b.minhash is None:
        return 0.0
    return float(np.count_nonzero(a.minhash == b.minhash)) / len(a.minhash)


def containment(a: Fingerprint, b: Fingerprint) -> tuple[float, int]:
    """Estimated share of the smaller document's shingles found in the larger, and the smaller sample size."""
    smaller = min(len(a.samples), len(b.samples))
    if smaller == 0:
        return 0.0, 0
    shared = len(np.intersect1d(a.samples, b.samples, assume_unique=True))
    return shared / smaller, smaller


def compare(a: Fingerprint, b: Fingerprint, config: DedupConfig) -> tuple[str, float] | None:
    """``(method, similarity)`` when ``a`` and ``b`` are duplicates, else None."""
    if a.exact == b.exact:
        return "exact", 1.0
    j = jaccard(a, b)
    if j >= config.jaccard_threshold:
        return "near", round(j, 4)
    c, smaller = containment(a, b)
    if smaller >= config.min_samples and c >= config.containment_threshold:
        return "containment", round(c, 4)
    if a.prefix is not None and a.prefix == b.prefix:
        if smaller == 0:
            return "containment", 1.0  # the same opening, and nothing else sampled to contradict it
        if c >= config.containment_threshold:
            return "containment", round(c, 4)
    return None
