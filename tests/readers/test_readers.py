"""Reading each input format, detected by content; bad files are rejected with a reason."""

from __future__ import annotations

import json

import pytest

from cleaners import Cleaner, Document, Rejection
from cleaners.inputs.decode import NotText, decode_bytes
from cleaners.inputs.sniff import sniff_format
from cleaners.readers.plaintext import split_text_paragraphs
from tests.conftest import FIXTURES, RAW, SEEDS


def outcomes(data: bytes, name: str = "file") -> list:
    return list(Cleaner().process_bytes(data, {"path": name, "format": None, "sha256": None, "record": None, "encoding": None}))


# -- bytes to text ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "data, text, encoding",
    [
        ("naïve café".encode("utf-8"), "naïve café", "utf-8"),
        ("naïve café – “quotes”".encode("cp1252"), "naïve café – “quotes”", "cp1252"),
        ("Grüße".encode("utf-16"), "Grüße", "utf-16-le"),
        (b"\xef\xbb\xbfBOM text", "BOM text", "utf-8-sig"),
    ],
)
def test_decode(data, text, encoding):
    assert decode_bytes(data) == (text, encoding)


def test_utf8_cut_inside_a_character_is_still_utf8():
    data = "Der Bär lief über die Straße und sagte: “Grüße”".encode("utf-8")
    assert decode_bytes(data[:-2]) == ("Der Bär lief über die Straße und sagte: “Grüße", "utf-8")


@pytest.mark.parametrize("data", [b"", b"   \n\t ", bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"])
def test_not_text(data):
    with pytest.raises(NotText):
        decode_bytes(data)


# -- format sniffing -------------------------------------------------------------------------

def test_format_is_sniffed_from_content_not_name():
    assert sniff_format((RAW / SEEDS["001"]).read_text(encoding="utf-8")) == "json"  # a .txt file
    assert sniff_format((FIXTURES / "article.html").read_text(encoding="utf-8")) == "html"
    assert sniff_format("<p>One</p><p>Two</p><p>Three <a href='x'>link</a></p>") == "html-fragment"
    assert sniff_format("if a < b and c > d then say <hello>") == "text"


# -- plain text ------------------------------------------------------------------------------

def test_wrapped_plain_text_is_joined_line_per_paragraph_text_is_not():
    wrapped = (
        "The council met on Tuesday to discuss the harbour budget, and\n"
        "after three hours of debate it voted to restore the old well-\n"
        "known lighthouse on the northern breakwater this coming year.\n"
    )
    assert split_text_paragraphs(wrapped) == [
        "The council met on Tuesday to discuss the harbour budget, and after three hours of debate it "
        "voted to restore the old well-known lighthouse on the northern breakwater this coming year."
    ]
    lines = "Previous post A title that is long enough to be wrapped maybe\nNext post Another title here\n"
    assert split_text_paragraphs(lines) == ["Previous post A title that is long enough to be wrapped maybe", "Next post Another title here"]
    assert split_text_paragraphs("5 Star\n4 Star\n3 Star") == ["5 Star", "4 Star", "3 Star"]


def test_legacy_encoding_is_decoded_and_recorded():
    [doc] = outcomes("Le café était fermé, mais la terrasse restait ouverte aux passants du quartier.".encode("cp1252"))
    assert "café était fermé" in doc.text
    assert doc.metadata["source"]["encoding"] == "cp1252"
    assert doc.metadata["language"] == "fr"


# -- HTML pages ------------------------------------------------------------------------------

def test_html_page_main_text_and_metadata():
    [doc] = outcomes((FIXTURES / "article.html").read_bytes(), "article.html")
    meta = doc.metadata
    assert meta["source"]["format"] == "html"
    assert meta["title"] == "Harbour Town Votes to Restore Its Old Lighthouse"
    assert meta["url"] == "https://coastal-ledger.example.org/2024/03/harbour-town-lighthouse/"
    assert meta["published"] == "2024-03-14T08:30:00Z"
    assert meta["modified"] == "2024-03-15T17:05:12Z"
    assert meta["author"] == "Maren Holt"
    assert meta["site"] == "coastal-ledger.example.org"
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0].startswith("The town council of Harbour Town voted seven to two")
    assert paragraphs[-1].endswith("would watch the budget closely.")
    assert "A tower with a long memory" in paragraphs and "What happens next" in paragraphs
    assert "“Everyone here has a story about that tower,”" in doc.text
    for chrome in ("Skip to content", "Share this", "Leave a Reply", "Recent Posts", "Privacy Policy", "not text", "Subscribe"):
        assert chrome not in doc.text, chrome


# -- WordPress REST JSON ---------------------------------------------------------------------

def _post(i: int, body: str) -> dict:
    return {
        "id": i,
        "date_gmt": "2024-01-0%dT10:00:00" % i,
        "modified_gmt": "2024-02-0%dT10:00:00" % i,
        "slug": f"post-{i}",
        "link": f"https://news.example.com/post-{i}/",
        "title": {"rendered": f"Post &#8220;{i}&#8221;"},
        "content": {"rendered": body},
        "author": 3,
        "categories": [4],
        "tags": [],
    }


def test_wordpress_list_with_truncated_last_post():
    posts = [_post(1, "<p>First post body.</p>"), _post(2, "<p>Second post body, which is cut off here</p>")]
    data = json.dumps(posts).encode()[:-60]
    first, second = outcomes(data, "posts.json")
    assert first.metadata["title"] == "Post “1”" and first.metadata["truncated"] is False
    assert first.metadata["wordpress"] == {  # record schema v2: ids from the REST API; names only when embedded
        "id": 1, "slug": "post-1", "type": None, "status": None, "author_id": 3, "author_login": None,
        "category_ids": [4], "categories": None, "tag_ids": [], "tags": None, "text_from": "content",
    }
    assert isinstance(second, Document) and second.metadata["truncated"] is True
    assert second.text.startswith("Second post body")
    assert "<" not in second.text
    assert [first.metadata["source"]["record"], second.metadata["source"]["record"]] == [0, 1]


def test_wordpress_json_lines_and_a_non_post_record():
    data = "\n".join(json.dumps(x) for x in [_post(1, "<p>One body.</p>"), {"unrelated": True}, _post(2, "<p>Two body.</p>")])
    a, b, c = outcomes(data.encode(), "posts.jsonl")
    assert isinstance(a, Document) and isinstance(c, Document)
    assert isinstance(b, Rejection) and b.source["record"] == 1 and "not a WordPress post" in b.error


def test_wordpress_post_cut_before_its_content_is_rejected_with_a_reason():
    data = json.dumps(_post(1, "<p>Body</p>")).encode()
    cut = data[: data.index(b'"content"')]
    [rejection] = outcomes(cut, "cut.json")
    assert isinstance(rejection, Rejection)
    assert "cut off before its content" in rejection.error


def test_json_that_is_not_wordpress_is_rejected():
    [rejection] = outcomes(b'{"name": "config", "values": [1, 2, 3]}', "config.json")
    assert isinstance(rejection, Rejection) and "without WordPress REST API posts" in rejection.error


# -- unusable files --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty file"), (b"  \n ", "only whitespace"), (bytes(range(256)) * 40, "binary data")],
)
def test_unusable_files_are_rejected(data, reason):
    [rejection] = outcomes(data)
    assert isinstance(rejection, Rejection) and reason in rejection.error
    assert rejection.source["record"] is None and rejection.source["sha256"]


def test_a_file_that_is_all_boilerplate_is_rejected_with_the_reason():
    [rejection] = outcomes(b"Share.\nExit mobile version\nLeave a Reply\n")
    assert isinstance(rejection, Rejection)
    assert rejection.error == "no text left after cleaning: all 3 paragraphs were boilerplate"


def test_symlink_outside_the_raw_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("a private file outside the raw folder", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "link.txt").symlink_to(secret)
    [rejection] = Cleaner().process_file(raw, "link.txt")
    assert isinstance(rejection, Rejection) and "outside the raw folder" in rejection.error
