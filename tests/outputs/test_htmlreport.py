"""OUT/report.html (issue 8): one self-contained page, charts, duplicates linked to their survivors,
and nothing from the input can inject markup or script."""

from __future__ import annotations

import html
import json
import shutil
from html.parser import HTMLParser

import pytest

from cleaners.corpus.run import clean_directory
from cleaners.outputs.htmlreport import (
    MAX_DOCUMENT_ROWS,
    MAX_DUPLICATE_ROWS,
    render_html,
)
from tests.conftest import SEEDS

HOSTILE_TITLE = '</title><script>alert("title")</script><img src=x onerror=alert(1)>'
HOSTILE_NAME = "zz <img src=x onerror=alert(2)> 'q\" copy.txt"

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "nav", "a", "main", "section", "div",
    "svg", "g", "text", "rect", "line", "table", "thead", "tbody", "tr", "th", "td", "code", "span",
}


class Page(HTMLParser):
    """Every element and attribute the browser would see."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.data.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def hrefs(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a"]


@pytest.fixture
def hostile_run(raw_copy, tmp_path):
    post = {
        # WordPress titles are rendered HTML: entities come out as the characters they stand for
        "id": 7, "title": {"rendered": html.escape(HOSTILE_TITLE)}, "link": "javascript:alert(3)",
        "content": {"rendered": "<p>A real paragraph about the city budget, long enough to be kept as text.</p><p>Share.</p>"},
    }
    (raw_copy / "hostile.json").write_text(json.dumps(post))
    shutil.copy(raw_copy / SEEDS["003"], raw_copy / HOSTILE_NAME)
    (raw_copy / "empty <b>.txt").write_bytes(b"")
    out = tmp_path / "clean"
    clean_directory(raw_copy, out)
    return out


def test_report_html_is_part_of_every_run_and_self_contained(hostile_run):
    text = (hostile_run / "report.html").read_text(encoding="utf-8")
    assert not list((hostile_run / ".presswash").glob("staging*"))
    page = Page(text)
    tags = {t for t, _ in page.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert not [(t, k) for t, a in page.tags for k in a if k.startswith("on")]  # no event handlers
    assert not [a for _, a in page.tags if a.get("src")]  # nothing loaded
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    for href in page.hrefs():
        assert href.startswith("#") or href.startswith(("http://", "https://")), href


def test_hostile_strings_are_shown_as_text(hostile_run):
    page = Page((hostile_run / "report.html").read_text(encoding="utf-8"))
    text = "".join(page.data)
    assert HOSTILE_TITLE in text  # the title is displayed, as text
    assert HOSTILE_NAME in text
    assert "empty <b>.txt" in text
    assert "javascript:" not in " ".join(page.hrefs())  # the hostile post's link is not made clickable


def test_charts_and_survivor_links(hostile_run):
    page = Page((hostile_run / "report.html").read_text(encoding="utf-8"))
    ids = page.ids()
    for chart in ("chart-formats", "chart-sites", "chart-lengths", "chart-duplicates", "chart-rules", "chart-rejections"):
        assert chart in ids
    charts = [t for t, a in page.tags if t == "svg"]
    assert len(charts) == 6
    assert sum(1 for t, a in page.tags if t == "rect") >= 15
    # every in-page link lands on an element of the page
    internal = [h[1:] for h in page.hrefs() if h.startswith("#")]
    assert internal and all(target in ids for target in internal), set(internal) - ids
    # the duplicate links to the document kept in its place
    dup = json.loads((hostile_run / "duplicates.jsonl").read_text().splitlines()[0])
    survivor_links = [a["href"] for t, a in page.tags if t == "a" and a.get("class") == "survivor"]
    assert survivor_links == [f"#doc-{dup['duplicate_of']}"]
    assert f"dup-{dup['id']}" in ids
    text = "".join(page.data)
    assert "Every record is accounted for: 6 documents + 1 duplicates + 1 rejected = 8 records in the output folder; this run read 8 raw files." in text
    assert "not a text file: empty file" in text


def test_large_outputs_are_capped_and_links_still_land(tmp_path):
    """Tables are capped, but every listed duplicate's survivor is listed, even far down the file."""
    n_docs, n_dups = MAX_DOCUMENT_ROWS * 4, MAX_DUPLICATE_ROWS + 500
    docs = tmp_path / "documents.jsonl"
    with open(docs, "w") as f:
        for i in range(n_docs):
            f.write(json.dumps({"id": f"d{i}", "text": "x", "metadata": {"title": f"Doc {i}", "source": {"path": f"{i}.txt", "format": "text"}}}) + "\n")
    dups = tmp_path / "duplicates.jsonl"
    with open(dups, "w") as f:
        for i in range(n_dups):
            f.write(json.dumps({"id": f"x{i}", "duplicate_of": f"d{n_docs - 1 - i % 7}", "method": "exact", "similarity": 1.0,
                                "source": {"path": f"x{i}.txt"}, "title": None, "url": None}) + "\n")
    report = {"files_seen": n_docs + n_dups, "records": n_docs + n_dups, "documents": n_docs, "duplicates": n_dups, "rejected": 0,
              "duplicates_by_method": {"exact": n_dups}}
    page_text = render_html(report, docs, dups, tmp_path / "no-rejected.jsonl")
    page = Page(page_text)
    ids = page.ids()
    doc_rows = [a["id"] for t, a in page.tags if t == "tr" and a.get("id", "").startswith("doc-")]
    assert len(doc_rows) == MAX_DOCUMENT_ROWS + 7
    assert f"doc-d{n_docs - 1}" in doc_rows
    assert all(h[1:] in ids for h in page.hrefs() if h.startswith("#"))
    text = "".join(page.data)
    assert f"Showing the first {MAX_DUPLICATE_ROWS:,} of {n_dups:,}; all of them are in duplicates.jsonl." in text
    assert len(page_text) < 2_000_000


def test_an_empty_run(tmp_path):
    (tmp_path / "raw").mkdir()
    clean_directory(tmp_path / "raw", tmp_path / "out")
    text = "".join(Page((tmp_path / "out" / "report.html").read_text()).data)
    assert "No documents were written." in text and "Nothing was rejected." in text and "No duplicates in this run." in text
