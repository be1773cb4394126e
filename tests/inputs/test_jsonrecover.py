"""The tolerant JSON reader on the broken shapes scrapers save."""

from __future__ import annotations

import json

import pytest

from cleaners.inputs.jsonrecover import JSONTooDeep, recover_json
from tests.conftest import RAW, SEEDS


def test_valid_json_takes_the_fast_path():
    r = recover_json('{"a": [1, 2.5, true, null], "b": "x"}')
    assert r.values == [{"a": [1, 2.5, True, None], "b": "x"}]
    assert r.problem is None and not any(cut for _, cut in r.records())


def test_raw_control_characters_inside_strings():
    r = recover_json('{"content": "line one\nline two\ttab"}')
    assert r.values == [{"content": "line one\nline two\ttab"}]


def test_json_lines_and_concatenated_values():
    assert recover_json('{"a": 1}\n{"a": 2}\n\n{"a": 3}').values == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert recover_json('{"a": 1}{"a": 2}').values == [{"a": 1}, {"a": 2}]


def test_truncated_list_keeps_complete_items_and_marks_the_cut_one():
    r = recover_json('[{"id": 1, "t": "done"}, {"id": 2, "t": "cut')
    first, second = r.values[0]
    assert first == {"id": 1, "t": "done"} and r.complete(first)
    assert second == {"id": 2, "t": "cut"} and not r.complete(second)
    assert "ends inside a string" in r.problem


def test_surrogate_pairs_join_and_lone_surrogates_drop():
    r = recover_json('{"a": "\\ud83c\\udde8\\ud83c\\uddf3 flag", "b": "lone \\ud83c')
    assert r.values[0]["a"] == "\U0001F1E8\U0001F1F3 flag"
    assert r.values[0]["b"] == "lone "


def test_cut_inside_an_escape_leaves_no_debris():
    for cut in ('{"a": "caf\\u00', '{"a": "caf\\', '{"a": "caf\\u'):
        r = recover_json(cut)
        assert r.values == [{"a": "caf"}], cut


def test_syntax_error_keeps_what_came_before_and_says_where():
    r = recover_json('{"a": 1, "b": [1, 2}, "c": 3}')
    assert r.values == [{"a": 1, "b": [1, 2]}]
    assert "line 1, column 20" in r.problem


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(JSONTooDeep):
        recover_json("[" * 100_000)
    with pytest.raises(JSONTooDeep):
        recover_json("[" * 100_000 + "]" * 100_000)


def test_the_seed_post_recovers_every_field_it_holds():
    text = (RAW / SEEDS["001"]).read_text(encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text, strict=False)
    r = recover_json(text)
    post = r.values[0]
    assert list(post)[:12] == ["id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "type", "link", "title", "content"]
    assert not r.complete(post)
    assert post["content"]["rendered"].endswith("pic.twitter.com/0bAoPAC8FX</a></p>\n")


def test_every_prefix_of_the_seed_parses_without_error():
    """Truncation at any byte: never an exception, and fields read are real prefixes of the originals."""
    text = (RAW / SEEDS["001"]).read_text(encoding="utf-8")
    full = recover_json(text).values[0]
    for cut in range(0, len(text), 7):
        r = recover_json(text[:cut])
        if r.values and isinstance(r.values[0], dict):
            for key, value in r.values[0].items():
                if isinstance(value, str):
                    assert full[key].startswith(value), (cut, key)
