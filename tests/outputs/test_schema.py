"""The published record schema (cleaners/schema/records-v2.schema.json) holds for real output."""

from __future__ import annotations

import json
import shutil
import pytest
from jsonschema import Draft202012Validator

from cleaners.corpus.run import clean_directory
from cleaners.schema import load_schema
from tests.conftest import FIXTURES, RAW, SEEDS


def validator(kind: str) -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator({**schema, "$ref": f"#/$defs/{kind}"})


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(RAW, raw, dirs_exist_ok=True)
    shutil.copy(RAW / SEEDS["004"], raw / "copy-of-004.txt")
    shutil.copy(FIXTURES / "article.html", raw / "page.html")
    (raw / "noise.bin").write_bytes(bytes(range(256)) * 10)
    out = tmp_path_factory.mktemp("out")
    clean_directory(raw, out)
    return out


@pytest.mark.parametrize("name, kind", [("documents.jsonl", "document"), ("duplicates.jsonl", "duplicate"), ("rejected.jsonl", "rejected")])
def test_every_output_line_matches_the_schema(output, name, kind):
    lines = [json.loads(line) for line in (output / name).read_text(encoding="utf-8").splitlines()]
    assert lines, name
    check = validator(kind)
    for line in lines:
        errors = [f"{list(e.path)}: {e.message}" for e in check.iter_errors(line)]
        assert errors == [], errors


def test_the_schema_catches_a_wrong_record(output):
    doc = json.loads((output / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    check = validator("document")
    broken = json.loads(json.dumps(doc))
    broken["metadata"]["counts"]["words"] = "many"
    del broken["metadata"]["title"]
    broken["metadata"]["published"] = "last Tuesday"
    messages = " | ".join(e.message for e in check.iter_errors(broken))
    assert "'title' is a required property" in messages
    assert "'many' is not of type 'integer'" in messages
    assert "'last Tuesday' does not match" in messages
