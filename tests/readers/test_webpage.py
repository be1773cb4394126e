"""HTML extraction around trafilatura (issue 4): what it keeps but is not the article, the lead it
skips, and the page metadata."""

from __future__ import annotations

from lxml import html

from cleaners import Cleaner
from cleaners.readers.html.htmlmeta import page_metadata
from cleaners.readers.html.htmltext import Block
from cleaners.readers.webpage import (
    _drop_link_lists,
    _drop_link_tail,
    find_lead,
    is_title,
    link_texts,
    parse_html,
    prune_teaser_articles,
)
from tests.conftest import FIXTURES


def test_teasers_title_and_related_section_are_removed_and_recorded():
    [doc] = Cleaner().process_file(FIXTURES, "teasers.html")
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0].startswith("After two winters of flooding the river board")  # the standfirst
    assert paragraphs[1].startswith("The river board voted on Thursday night")
    assert paragraphs[-1].endswith("while the foundations are poured.")
    assert "Who pays for it" in paragraphs
    for other_story in ("Bridge tolls to rise", "Night buses", "Library extends", "Bakery on Mill Street reopens", "Related posts", "Ferry service resumes"):
        assert other_story not in doc.text, other_story
    removed = doc.metadata["removed"]
    assert {"rule": "page-title", "text": "River Board Approves Flood Wall Along the Old Mill Quarter"} in removed
    assert [r["text"] for r in removed if r["rule"] == "related-section"] == ["Related posts", "Bakery on Mill Street reopens", "Railway bridge closed for repairs"]
    teasers = [r["text"] for r in removed if r["rule"] == "teaser-articles"]
    assert teasers[0] == "Bridge tolls to rise in spring The toll on the old bridge will rise by twenty cents from March, the county said in a short statement."
    assert len(teasers) == 3


def test_page_metadata_from_json_ld_and_canonical_link():
    [doc] = Cleaner().process_file(FIXTURES, "teasers.html")
    meta = doc.metadata
    assert meta["title"] == "River Board Approves Flood Wall Along the Old Mill Quarter"
    assert meta["url"] == "https://valley-courier.example.net/news/flood-wall-approved/"
    assert meta["author"] == "Tomas Lind"
    assert (meta["published"], meta["modified"]) == ("2024-02-02T07:15:00Z", "2024-02-03T10:00:00Z")
    assert meta["site"] == "valley-courier.example.net"


def test_page_metadata_conservative_fallbacks():
    tree = html.document_fromstring(
        "<html><head><title>Spring fair - Hill Gazette</title><meta property='og:site_name' content='Hill Gazette'>"
        "<meta name='date' content='2024-05-01 10:00'></head><body><p class='byline'>By Ada Lee</p>"
        "<article><p>The fair opens on Saturday.</p></article></body></html>"
    )
    meta = page_metadata(tree)
    assert meta.title == "Spring fair"  # the site name dropped from <title>
    assert meta.author == "Ada Lee"  # "By" dropped from the byline
    assert meta.published == "2024-05-01"  # no UTC offset: the date alone, never a guessed time
    assert meta.url is None and meta.modified is None


def test_nested_article_teasers_are_pruned_but_a_single_nested_article_is_content():
    listing = parse_html(
        "<html><body><article><p>" + "Main text. " * 80 + "</p>"
        + "".join(f"<article><h3><a href='/s{i}'>Story {i}</a></h3><p>Teaser {i}.</p></article>" for i in range(3))
        + "</article></body></html>"
    )
    assert prune_teaser_articles(listing) == ["Story 0 Teaser 0.", "Story 1 Teaser 1.", "Story 2 Teaser 2."]
    assert len(listing.findall(".//article")) == 1
    single = parse_html("<html><body><article><article><h2><a href='/x'>Headline</a></h2><p>" + "Body. " * 50 + "</p></article></article></body></html>")
    assert prune_teaser_articles(single) == [] and len(single.findall(".//article")) == 2


def test_link_lists_and_trailing_links_are_dropped_lists_of_text_are_not():
    links = link_texts(parse_html("<html><body><a href='/a'>Ferry service resumes</a><a href='/b'>New school opens</a><a href='/c'>Back to top</a></body></html>"))
    blocks = [
        Block("The article paragraph.", "p", 0),
        Block("Ferry service resumes", "item", 1), Block("New school opens", "item", 1),
        Block("Bring water", "item", 2), Block("Ferry service resumes", "item", 2),
        Block("The last paragraph.", "p", 3),
        Block("Back to top", "p", 4),
    ]
    removed: list[dict] = []
    kept = _drop_link_tail(_drop_link_lists(blocks, links, removed), links, removed)
    assert [b.text for b in kept] == ["The article paragraph.", "Bring water", "Ferry service resumes", "The last paragraph."]
    assert removed == [
        {"rule": "link-list", "text": "Ferry service resumes"}, {"rule": "link-list", "text": "New school opens"},
        {"rule": "link-tail", "text": "Back to top"},
    ]


def test_lead_is_found_from_the_meta_description():
    tree = parse_html((FIXTURES / "teasers.html").read_text(encoding="utf-8"))
    assert find_lead(tree, page_metadata(tree).descriptions).startswith("After two winters of flooding")
    assert find_lead(tree, ["Too short to be a lead."]) is None


def test_is_title():
    assert is_title("River Board Approves Flood Wall", "River Board Approves Flood Wall | Valley Courier")
    assert is_title("river board approves flood wall", "River Board Approves Flood Wall")
    assert not is_title("The river board voted on Thursday", "River Board Approves Flood Wall")


def test_a_listing_page_of_teasers_only_keeps_its_teasers():
    page = (
        "<html><head><title>Archive</title></head><body><main><article><h1>Archive</h1>"
        + "".join(
            f"<article><h2><a href='/p{i}'>Story number {i} about the harbour</a></h2>"
            f"<p>The harbour story number {i} tells of boats, nets and the people who mend them every winter.</p></article>"
            for i in range(4)
        )
        + "</article></main></body></html>"
    )
    [doc] = Cleaner().process_bytes(page.encode(), {"path": "archive.html", "format": None, "sha256": None, "record": None, "encoding": None})
    assert "The harbour story number 2 tells of boats" in doc.text
    assert not [r for r in doc.metadata["removed"] if r["rule"] == "teaser-articles"]
