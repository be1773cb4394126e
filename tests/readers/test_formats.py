"""More input formats (issue 4): WordPress WXR exports, JSON Lines documents from other tools,
gzip, legacy encodings. Each detected by content, never by name."""

from __future__ import annotations

import gzip
import json

import pytest

from cleaners import Cleaner, CleanerConfig, Document, Rejection
from cleaners.inputs.decode import BadCompression, NotText, decode_bytes, decompress
from cleaners.inputs.sniff import sniff_format
from cleaners.readers.wxr import content_to_text
from cleaners.record import record_id
from tests.conftest import FIXTURES


def outcomes(data: bytes, name: str = "file", config: CleanerConfig | None = None) -> list:
    source = {"path": name, "format": None, "sha256": None, "record": None, "encoding": None}
    return list(Cleaner(config).process_bytes(data, source))


WXR_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
)


def wxr_item(title: str, content: str, status: str = "publish", post_type: str = "post") -> str:
    return (
        f"<item><title>{title}</title><content:encoded><![CDATA[{content}]]></content:encoded>"
        f"<wp:status>{status}</wp:status><wp:post_type>{post_type}</wp:post_type></item>"
    )


# -- WordPress WXR ---------------------------------------------------------------------------------

def test_wxr_export_gives_published_posts_and_pages_with_their_metadata():
    data = (FIXTURES / "export.wxr").read_bytes()
    assert sniff_format(data.decode("utf-8")) == "wxr"
    garlic, about, empty = outcomes(data, "export.wxr")

    assert isinstance(garlic, Document)
    meta = garlic.metadata
    assert meta["source"]["format"] == "wordpress-wxr"
    assert meta["title"] == "Planting Garlic in Autumn & Why It Pays"
    assert meta["url"] == "https://garden-diary.example.com/2023/10/planting-garlic/"
    assert meta["author"] == "Ruth Okafor"  # dc:creator is the login; the export's author list names her
    assert meta["published"] == "2023-10-15T08:00:00Z" and meta["modified"] == "2023-10-16T09:30:00Z"
    assert meta["site"] == "garden-diary.example.com"
    assert meta["wordpress"] == {  # record schema v2: every key; an export names terms, gives no term ids
        "id": 11, "slug": "planting-garlic", "type": "post", "status": "publish", "author_id": None, "author_login": "ruth",
        "category_ids": None, "categories": ["Vegetables"], "tag_ids": None, "tags": ["garlic", "autumn"], "text_from": "content",
    }
    # classic-editor content: blank lines are paragraphs, single newlines line breaks, tags go
    assert garlic.text.split("\n\n") == [
        "Garlic planted in October has the whole winter to grow roots, and a head planted now will be twice the size of one planted in spring.",
        "Break the bulbs into cloves the day you plant them.",
        "Keep the papery skin on each clove.",
        "Plant each clove pointed end up, two fingers deep, a hand apart.",
    ]

    # block-editor content: HTML, its newlines are only whitespace
    assert about.metadata["wordpress"]["type"] == "page" and about.metadata["author"] == "Sam Berg"
    assert about.text == "Who writes here\n\nTwo neighbours who share an allotment and too many seeds write this diary."

    # a published post with no text at all is rejected on its own, with a reason
    assert isinstance(empty, Rejection) and empty.source["record"] == 5
    assert empty.error == "WordPress export item 15 has no text (empty content and excerpt)"

    # the draft, the attachment and the menu item are skipped and counted on every record of the file
    for outcome in (garlic, about):
        assert outcome.metadata["source"]["skipped_items"] == {"attachment": 1, "draft": 1, "nav_menu_item": 1}
    assert empty.source["skipped_items"] == {"attachment": 1, "draft": 1, "nav_menu_item": 1}


def test_wxr_skipped_items_are_counted_in_the_run_report(tmp_path):
    from cleaners.corpus.run import clean_directory

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "export.wxr").write_bytes((FIXTURES / "export.wxr").read_bytes())
    (raw / "second.xml").write_text(WXR_HEAD + wxr_item("One", "Some text of the one post.") + wxr_item("Two", "x", status="draft") + "</channel></rss>")
    report = clean_directory(raw, tmp_path / "out")
    assert report["skipped_items"] == {"attachment": 1, "draft": 2, "nav_menu_item": 1}
    assert report["formats"]["wordpress-wxr"] == {"files": 2, "documents": 3, "duplicates": 0, "rejected": 1}


def test_wxr_with_nothing_published_is_rejected_and_says_what_was_skipped():
    data = (WXR_HEAD + wxr_item("Draft", "text", status="draft") + wxr_item("logo.png", "", post_type="attachment", status="inherit") + "</channel></rss>").encode()
    [rejection] = outcomes(data, "drafts.xml")
    assert rejection.error == "WordPress export with 2 items, none a published post or page (skipped: 1 attachment, 1 draft)"
    assert rejection.source["record"] is None


@pytest.mark.parametrize(
    "xml, reason",
    [
        (WXR_HEAD + "<item><title>Cut off", "malformed WordPress export (not well-formed XML"),
        (WXR_HEAD + "<item></channel></rss>", "Opening and ending tag mismatch"),
        ('<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><nochannel/></rss>', "no <channel> element"),
    ],
)
def test_malformed_wxr_is_rejected_with_a_clear_reason(xml, reason):
    [rejection] = outcomes(xml.encode(), "broken.xml")
    assert isinstance(rejection, Rejection) and reason in rejection.error
    assert rejection.source["format"] == "wordpress-wxr"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
    ],
)
def test_wxr_with_entities_is_refused_never_expanded(doctype):
    xml = WXR_HEAD.replace("<rss", doctype + "\n<rss", 1) + wxr_item("&c;", "&secret; &c;") + "</channel></rss>"
    [rejection] = outcomes(xml.encode(), "evil.xml")
    assert isinstance(rejection, Rejection)
    assert "declares a DTD or entities" in rejection.error


def test_wordpress_autop_and_blocks():
    assert content_to_text("one\r\n\r\ntwo\nthree") == "one\n\ntwo\n\nthree"
    assert content_to_text("<!-- wp:paragraph --><p>one\ntwo</p><!-- /wp:paragraph -->") == "one two"
    assert content_to_text("   ") == ""


# -- JSON Lines documents from other tools ---------------------------------------------------------

def test_json_lines_documents_are_recleaned_and_keep_their_metadata():
    ferry, library, bees, not_a_doc, cut = outcomes((FIXTURES / "documents.jsonl").read_bytes(), "documents.jsonl")

    # datatrove shape: metadata nested, URL and date mapped, the rest kept as JSON text in "original_json"
    assert ferry.metadata["source"]["format"] == "json-documents"
    assert ferry.text == (
        "The night ferry to the islands will run again from May, the operator said on Monday.\n\n"
        "Tickets go on sale next week, with a discount for residents of the islands."
    )
    assert ferry.metadata["removed"] == [{"rule": "share-prompt", "text": "Share this:"}]
    assert ferry.metadata["url"] == "https://www.island-news.example.org/ferry-returns"
    assert ferry.metadata["site"] == "island-news.example.org"
    assert ferry.metadata["published"] == "2024-04-02T07:00:00Z"
    original = json.loads(ferry.metadata["original_json"])
    assert original["id"] == "<urn:uuid:6a1e2c>"
    assert original["metadata"]["dump"] == "CC-MAIN-2024-18"
    assert "text" not in original

    # dolma shape: "source" is a dataset name, not a URL, so it is not taken for one
    assert library.metadata["url"] == "https://stadt-bote.example.de/bibliothek-sonntags"
    assert json.loads(library.metadata["original_json"])["source"] == "common-crawl"
    assert library.metadata["language"] == "de"

    # trafilatura --json shape: title and author mapped, the duplicate raw_text dropped
    assert (bees.metadata["title"], bees.metadata["author"]) == ("Bees in the City", "Ana Ruiz")
    assert (bees.metadata["published"], bees.metadata["published_precision"]) == ("2023-06-01T00:00:00Z", "day")  # a bare date
    original = json.loads(bees.metadata["original_json"])
    assert "raw_text" not in original and original["fingerprint"] == "abc123"

    assert isinstance(not_a_doc, Rejection) and not_a_doc.source["record"] == 3
    assert not_a_doc.error == 'record 3 is not a document (a dict without a "text" string)'

    # the file was cut off inside the last document: what is there is kept, marked truncated
    assert cut.metadata["truncated"] is True
    assert cut.text == "This last document was cut off in the middle of its sentence when"
    # presswash's ids, stable per file and record; the tools' own ids stay in "original_json"
    assert [d.id for d in (ferry, library, bees, cut)] == [record_id("documents.jsonl", i) for i in (0, 1, 2, 4)]


def test_a_json_list_of_documents_and_an_html_text_field():
    data = json.dumps([{"text": "<p>First paragraph of it.</p><p>Second &amp; last.</p>", "url": "https://a.example/x"}]).encode()
    [doc] = outcomes(data, "list.json")
    assert doc.text == "First paragraph of it.\n\nSecond & last."
    assert doc.metadata["url"] == "https://a.example/x"


def test_json_that_is_neither_posts_nor_documents_is_rejected():
    [rejection] = outcomes(b'[{"name": "config"}, {"values": [1, 2]}]', "config.json")
    assert "without WordPress REST API posts or documents" in rejection.error


# -- gzip ------------------------------------------------------------------------------------------

def test_gzip_of_every_format_is_read_like_the_original():
    for name in ("article.html", "export.wxr", "documents.jsonl", "flattened-page.txt"):
        plain = (FIXTURES / name).read_bytes()
        expected = outcomes(plain, name)
        got = outcomes(gzip.compress(plain), name + ".gz")
        assert [getattr(o, "text", None) for o in got] == [getattr(o, "text", None) for o in expected], name
        first = got[0].metadata["source"] if isinstance(got[0], Document) else got[0].source
        assert first["compression"] == "gzip" and first["format"] == (expected[0].metadata["source"]["format"])


def test_concatenated_gzip_members_are_all_read():
    data = gzip.compress(b"first part, ") + gzip.compress(b"second part")
    assert decompress(data, max_bytes=1000) == (b"first part, second part", "gzip")


def test_gzip_bomb_stops_at_the_limit_and_is_rejected():
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))  # 4 MiB of zeros in about 4 KiB
    assert len(bomb) < 10_000
    with pytest.raises(BadCompression, match="larger than the 1 MiB limit"):
        decompress(bomb, max_bytes=1024 * 1024)
    [rejection] = outcomes(bomb, "bomb.gz", CleanerConfig(max_file_bytes=1024 * 1024))
    assert isinstance(rejection, Rejection) and "decompression bomb" in rejection.error


def test_truncated_and_corrupt_gzip_are_rejected():
    data = gzip.compress(b"some text that is long enough to be cut " * 20)
    [cut] = outcomes(data[: len(data) // 2], "cut.gz")
    assert cut.error == "truncated gzip data: the file ends before the compressed stream does"
    [bad] = outcomes(data[:10] + b"\xff" * 40, "bad.gz")
    assert bad.error.startswith("corrupt gzip data")


# -- encodings -------------------------------------------------------------------------------------

def test_html_declaring_a_legacy_charset_is_decoded_with_it():
    page = '<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><p>Le café était fermé – «&nbsp;enfin&nbsp;».</p></body></html>'
    text, encoding = decode_bytes(page.encode("cp1252"))
    assert encoding == "cp1252"  # iso-8859-1 means windows-1252 on the web
    assert "Le café était fermé – «" in text
    koi8 = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body>Привет, мир</body></html>'
    assert decode_bytes(koi8.encode("koi8-r")) == (koi8, "koi8-r")


@pytest.mark.parametrize(
    "data, text, encoding",
    [
        ("Grüße aus Köln".encode("utf-16-le"), "Grüße aus Köln", "utf-16-le"),  # no byte-order mark
        ("Grüße aus Köln".encode("utf-16-be"), "Grüße aus Köln", "utf-16-be"),
        ("\ufeffGrüße".encode("utf-16-le"), "Grüße", "utf-16-le"),  # with a byte-order mark
        ("Früh übt sich.".encode("latin-1"), "Früh übt sich.", "cp1252"),
        (b"A long page of text. " * 100 + b"\x00" + b"End.", "A long page of text. " * 100 + "End.", "utf-8"),  # a stray NUL
    ],
)
def test_legacy_encodings_and_debris(data, text, encoding):
    assert decode_bytes(data) == (text, encoding)


def test_mostly_utf8_with_a_broken_byte_stays_utf8_and_says_so():
    data = ("Grüße aus Köln, schöne Straßen und Plätze überall. " * 3).encode("utf-8") + b"\xe9 fin"
    text, encoding = decode_bytes(data)
    assert text.startswith("Grüße aus Köln") and "\ufffd fin" in text
    assert encoding == "utf-8 (1 invalid bytes replaced)"


def test_binary_with_nul_bytes_is_still_refused():
    with pytest.raises(NotText, match="NUL bytes"):
        decode_bytes(bytes(range(256)) * 4)
