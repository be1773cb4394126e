"""A new reader, tag or output format is one module plus one registry line: a small one of each,
registered here, goes through the real Cleaner or the real run like the bundled ones."""

from __future__ import annotations

import json
from typing import Any, Iterator

from cleaners import Cleaner, outputs
from cleaners.corpus import clean_directory
from cleaners.outputs import Writer
from cleaners.outputs.atomic import OutputSet
from cleaners.readers import REGISTRY as READERS
from cleaners.readers import Reader, ReadContext
from cleaners.record import Document, Rejection, Source, new_document
from cleaners.tags import REGISTRY as TAGS
from cleaners.tags import Tag

# -- a reader of a news API's JSON ({"headline", "body"}), asked before the bundled JSON readers ----


def _claims(text: str, ctx: ReadContext) -> bool:
    return any(isinstance(item, dict) and "headline" in item for item, _ in ctx.json_records(text))


def _read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document | Rejection]:
    for index, (item, _) in enumerate(ctx.json_records(text)):
        yield new_document(dict(source, record=index), item.get("body", ""), title=item["headline"])


NEWS_API = Reader("news-api", "json", _read, _claims)
SENTENCES = Tag("sentences", lambda text, metadata: sum(text.count(mark) for mark in ".!?"))


def test_a_registered_reader_reads_what_it_claims_and_its_records_are_cleaned(tmp_path):
    path = tmp_path / "news.json"
    path.write_text(json.dumps([{"headline": "Harbour vote", "body": "The council met.\n\nShare."}]), encoding="utf-8")
    (doc,) = Cleaner(readers=(NEWS_API, *READERS)).process_file(path)
    assert doc.metadata["source"]["format"] == "news-api" and doc.metadata["title"] == "Harbour vote"
    assert doc.text == "The council met." and doc.metadata["removed"] == [{"rule": "share-prompt", "text": "Share."}]
    # without it, the same file is JSON no bundled reader claims
    (rejection,) = Cleaner().process_file(path)
    assert isinstance(rejection, Rejection) and rejection.error.startswith("JSON without WordPress REST API posts or documents")


def test_a_registered_tag_is_written_after_the_bundled_ones(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("One sentence. Two sentences! Three?", encoding="utf-8")
    (doc,) = Cleaner(tags=(*TAGS, SENTENCES)).process_file(path)
    assert doc.metadata["sentences"] == 3 and list(doc.metadata)[-1] == "sentences"
    assert doc.metadata["counts"]["words"] == 5 and doc.metadata["presswash_version"]


class TitlesSink:
    """A format of one file: the title of every document, one per line."""

    def __init__(self, outputs: OutputSet):
        self.handle = outputs.open("titles.txt")
        self.lines = 0

    def document(self, record: dict[str, Any]) -> None:
        self.handle.write(f"{record['metadata']['title'] or ''}\n")
        self.lines += 1

    def duplicate(self, line: dict[str, Any]) -> None:
        pass

    def rejection(self, line: dict[str, Any]) -> None:
        pass

    def close(self) -> dict[str, dict[str, Any]]:
        self.handle.close()
        return {"titles.txt": {"records": self.lines}}


def test_a_registered_output_format_is_written_with_the_others_and_listed_in_the_manifest(raw_copy, tmp_path, monkeypatch):
    monkeypatch.setitem(outputs.REGISTRY, "titles", Writer("titles", ("titles.txt",), TitlesSink))
    report = clean_directory(raw_copy, tmp_path / "out", formats=["titles"])
    titles = (tmp_path / "out" / "titles.txt").read_text(encoding="utf-8").splitlines()
    assert len(titles) == report["documents"] == 5
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["titles.txt"] == {"records": 5} and "documents.jsonl" in manifest["outputs"]
