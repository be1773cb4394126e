"""One module per input format, under one contract, and the registry that picks one.

A reader module defines ``READER = Reader(format, reads, read, claims)``:

``format``
    what ``metadata.source.format`` of its records says (``wordpress-json``, ``html``, ...);
``reads``
    the kind of text it takes, as :func:`cleaners.inputs.sniff.sniff_format` names it (``json``,
    ``html``, ``html-fragment``, ``wxr``, ``text``);
``read(text, source, ctx)``
    yields one :class:`~cleaners.record.Document` (text not yet cleaned) or
    :class:`~cleaners.record.Rejection` per record, in file order; ``source`` is the file's
    :class:`~cleaners.record.Source`, ``ctx`` a :class:`ReadContext`;
``claims(text, ctx)``
    for kinds several readers share (JSON): whether this reader reads that text; None means always.

:data:`REGISTRY` lists the readers in the order they are asked; the first that reads the sniffed kind
and claims the text reads it. A new format is one module plus one line in :data:`READERS`. Text no reader claims is
rejected with the reason :data:`UNCLAIMED` gives for its kind.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cleaners.inputs.jsonrecover import JSONTooDeep, Recovered, recover_json
from cleaners.record import Outcome, Rejection, Source

if TYPE_CHECKING:
    from cleaners.readers.lines import LineClassifier


class ReadError(ValueError):
    """The text cannot be read as the kind it was sniffed as; the message is the rejection's reason."""


@dataclass
class ReadContext:
    """What a reader may use besides the text: the sniffed kind, the JSON once parsed (shared by the
    JSON readers' ``claims`` and ``read``), the plain-text line classifier, and whether to keep a
    trace of what reading did (``explain``)."""

    kind: str
    lines: "LineClassifier"
    explain: bool = False
    _json: Recovered | None = field(default=None, repr=False)

    def json(self, text: str) -> Recovered:
        """The JSON values of ``text``, recovered once; :class:`ReadError` when it is unusable."""
        if self._json is None:
            try:
                self._json = recover_json(text)
            except JSONTooDeep as exc:
                raise ReadError(f"unusable JSON: {exc}") from None
        return self._json

    def json_records(self, text: str) -> list[tuple[Any, bool]]:
        """Each candidate record of the JSON (a value, or an item of a list) with its truncated flag."""
        return self.json(text).records()


@dataclass(frozen=True)
class Reader:
    format: str
    reads: str
    read: Callable[[str, Source, ReadContext], Iterator[Outcome]]
    claims: Callable[[str, ReadContext], bool] | None = None


def _unclaimed_json(text: str, ctx: ReadContext) -> str:
    problem = ctx.json(text).problem
    return ("JSON without WordPress REST API posts or documents: no object has title/content/excerpt fields or a "
            f'"text" string{f" ({problem})" if problem else ""}')


UNCLAIMED: dict[str, Callable[[str, ReadContext], str]] = {
    "json": _unclaimed_json,
    "xml": lambda text, ctx: "XML feeds other than WordPress exports (WXR) are not supported yet",
}


# The readers, in the order they are asked: cleaners.readers.<name>.READER for each name.
READERS = (
    "wordpress",
    "jsondocs",
    "wxr",
    "webpage",
    "fragment",
    "plaintext",
)
REGISTRY: tuple[Reader, ...] = tuple(importlib.import_module(f"cleaners.readers.{name}").READER for name in READERS)


def kind_format(kind: str, registry: tuple[Reader, ...] = REGISTRY) -> str:
    """The format a file of this kind is reported as before a reader has read it: the format of the
    only reader of that kind, else the kind itself (``json``: two readers share it)."""
    formats = {r.format for r in registry if r.reads == kind}
    return formats.pop() if len(formats) == 1 else kind


def read(text: str, source: Source, ctx: ReadContext, registry: tuple[Reader, ...] = REGISTRY) -> Iterator[Outcome]:
    """Every outcome of a text of kind ``ctx.kind``, read by the first reader of the registry that
    reads that kind and claims it. Sets ``source["format"]`` to that reader's format."""
    source["format"] = kind_format(ctx.kind, registry)  # what it is until a reader claims it
    try:
        reader = next((r for r in registry if r.reads == ctx.kind and (r.claims is None or r.claims(text, ctx))), None)
    except ReadError as exc:
        yield Rejection(source, str(exc))
        return
    if reader is None:
        unclaimed = UNCLAIMED.get(ctx.kind)
        yield Rejection(source, unclaimed(text, ctx) if unclaimed else f"no reader for {ctx.kind} input")
        return
    source["format"] = reader.format
    yield from reader.read(text, source, ctx)
