"""Records downstream tools can load (issue 16, items 1-4): one mixed output from every reader (REST
JSON, WXR, HTML, plain text, JSON Lines documents, gzip) loaded with pyarrow, pandas, HuggingFace
datasets and DuckDB, the type each infers for every field checked, every record validated against the
record schema; the Parquet files typed by their schema, empty or not, dates as UTC timestamps.

Before record schema v2, pyarrow refused the mixed output (``metadata.wordpress.categories`` held
numbers and strings), HuggingFace typed the whole ``metadata`` column as an opaque ``Json`` (a foreign
``original`` object, keys present in some records only), DuckDB typed ``published`` as text when one
source gave only a date, and an empty output had no typed form at all.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator

from cleaners import Cleaner
from cleaners.corpus import clean_directory
from cleaners.schema import load_schema
from tests.conftest import FIXTURES, RAW, SEEDS

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local files only; and HF's caches in a temporary home
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="presswash-test-hf-"))
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pj = pytest.importorskip("pyarrow.json")
pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")
datasets = pytest.importorskip("datasets")
datasets.disable_progress_bars()

REST_POST = {
    "id": 41, "date_gmt": "2023-02-01T10:00:00", "modified_gmt": "2023-02-02T10:00:00", "slug": "council-meets", "type": "post",
    "status": "publish", "author": 3, "categories": [5, 9], "tags": [12], "link": "https://news.example.org/council-meets/",
    "title": {"rendered": "Council meets"},
    "content": {"rendered": "<p>The council met on Tuesday and talked about the new budget for a long time without deciding anything.</p>"
                            "<p>Residents may comment on the plans until the next meeting in March, the mayor said afterwards.</p>"},
    "_embedded": {"wp:term": [[{"id": 5, "name": "Local", "taxonomy": "category"}, {"id": 9, "name": "Budget", "taxonomy": "category"}],
                              [{"id": 12, "name": "council", "taxonomy": "post_tag"}]]},
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """One output folder from every reader, in JSONL and Parquet: documents, duplicates (an exact copy,
    gzip-compressed) and rejections (a binary file, a line that is no document, an empty WXR item)."""
    raw = tmp_path_factory.mktemp("raw")
    (raw / "rest.json").write_text(json.dumps([REST_POST]))                          # wordpress-json
    shutil.copy(FIXTURES / "export.wxr", raw / "export.wxr")                         # wordpress-wxr
    shutil.copy(FIXTURES / "article.html", raw / "article.html")                     # html
    shutil.copy(RAW / SEEDS["003"], raw / "plain.txt")                               # text
    shutil.copy(FIXTURES / "documents.jsonl", raw / "documents.jsonl")               # json-documents
    (raw / "seed.txt.gz").write_bytes(gzip.compress((RAW / SEEDS["000"]).read_bytes()))  # gzip, kept
    (raw / "article-copy.html.gz").write_bytes(gzip.compress((FIXTURES / "article.html").read_bytes()))  # gzip, a duplicate
    (raw / "noise.bin").write_bytes(bytes(range(256)) * 8)                           # rejected
    out = tmp_path_factory.mktemp("out")
    clean_directory(raw, out, formats=["jsonl", "parquet"])
    return out


@pytest.fixture(scope="module")
def lone(tmp_path_factory):
    """An output with no duplicate and no rejection: two of its outputs are empty."""
    raw = tmp_path_factory.mktemp("raw-lone")
    shutil.copy(RAW / SEEDS["001"], raw / "one.txt")
    out = tmp_path_factory.mktemp("out-lone")
    clean_directory(raw, out, formats=["jsonl", "parquet"])
    return out


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _first_by_format(out) -> dict[str, dict]:
    """The metadata of the first document of each format."""
    found: dict[str, dict] = {}
    for doc in _lines(out / "documents.jsonl"):
        found.setdefault(doc["metadata"]["source"]["format"], doc["metadata"])
    return found


# -- the types: one per field, whatever the reader --------------------------------------------------

# Every field of a document line, the kind of value it holds, and a reader's record that holds a value
# (so that no column is typed from nulls alone). "[]" is a list's items.
S, I, F, B, T = "string", "int", "float", "bool", "timestamp"
DOCUMENT_FIELDS = {
    "id": S, "text": S,
    "metadata.source.path": S, "metadata.source.format": S, "metadata.source.sha256": S, "metadata.source.record": I,
    "metadata.source.encoding": S, "metadata.source.compression": S,
    "metadata.source.skipped_items.[].reason": S, "metadata.source.skipped_items.[].count": I,
    "metadata.title": S, "metadata.url": S, "metadata.published": T, "metadata.published_precision": S,
    "metadata.modified": T, "metadata.modified_precision": S, "metadata.author": S, "metadata.site": S, "metadata.language": S,
    "metadata.counts.chars": I, "metadata.counts.words": I, "metadata.counts.paragraphs": I, "metadata.truncated": B,
    "metadata.removed.[].rule": S, "metadata.removed.[].text": S,
    "metadata.wordpress.id": I, "metadata.wordpress.slug": S, "metadata.wordpress.type": S, "metadata.wordpress.status": S,
    "metadata.wordpress.author_id": I, "metadata.wordpress.author_login": S,
    "metadata.wordpress.category_ids.[]": I, "metadata.wordpress.categories.[]": S,
    "metadata.wordpress.tag_ids.[]": I, "metadata.wordpress.tags.[]": S, "metadata.wordpress.text_from": S,
    "metadata.original_json": S,
    "metadata.dedup.cluster": S, "metadata.dedup.duplicates.[].id": S, "metadata.dedup.duplicates.[].path": S,
    "metadata.dedup.duplicates.[].record": I, "metadata.dedup.duplicates.[].method": S, "metadata.dedup.duplicates.[].similarity": F,
    "metadata.presswash_version": S,
}
ARROW = {S: "string", I: "int64", F: "double", B: "bool", T: "timestamp[s]"}  # pyarrow.json: ISO strings become timestamps (no zone)
HF = {S: "string", I: "int64", F: "float64", B: "bool", T: "timestamp[s]"}  # datasets reads JSON with pyarrow
DUCKDB = {S: "VARCHAR", I: "BIGINT", F: "DOUBLE", B: "BOOLEAN", T: "TIMESTAMP WITH TIME ZONE"}
PYTHON = {S: str, I: int, F: float, B: bool, T: str}  # pandas keeps nested values as Python objects


def _arrow_leaf(schema, path: str):
    kind = schema
    for part in path.split("."):
        kind = kind.value_type if part == "[]" else (kind.field(part).type if isinstance(kind, pa.Schema) else kind.field(part).type)
    return kind


def _hf_leaf(features, path: str):
    feature = features
    for part in path.split("."):
        feature = feature.feature if part == "[]" else feature[part]
    return feature


def _duckdb_expression(path: str) -> str:
    return "".join("[1]" if part == "[]" else (f'"{part}"' if i == 0 else f'."{part}"') for i, part in enumerate(path.split(".")))


def _values(records: list[dict], path: str) -> list:
    values = records
    for part in path.split("."):
        if part == "[]":
            values = [item for value in values if isinstance(value, list) for item in value]
        else:
            values = [value.get(part) for value in values if isinstance(value, dict)]
    return [v for v in values if v is not None]


def test_every_field_holds_a_value_somewhere_in_the_mixed_output(mixed):
    """The fixture is what it claims: every reader, and no field null in every record (a column typed from
    nulls alone would say nothing)."""
    docs = _lines(mixed / "documents.jsonl")
    formats = {d["metadata"]["source"]["format"] for d in docs}
    assert formats == {"wordpress-json", "wordpress-wxr", "html", "text", "json-documents"}
    assert {d["metadata"]["source"]["compression"] for d in docs} == {None, "gzip"}
    assert [path for path in DOCUMENT_FIELDS if not _values(docs, path)] == []


def test_pyarrow_reads_the_mixed_output_with_one_type_per_field(mixed):
    schema = pj.read_json(mixed / "documents.jsonl").schema
    found = {path: str(_arrow_leaf(schema, path)) for path in DOCUMENT_FIELDS}
    assert found == {path: ARROW[kind] for path, kind in DOCUMENT_FIELDS.items()}
    for name in ("duplicates.jsonl", "rejected.jsonl"):
        assert pj.read_json(mixed / name).num_rows == len(_lines(mixed / name)) > 0


def test_huggingface_datasets_types_every_field_and_nothing_as_json(mixed, tmp_path):
    docs = datasets.load_dataset("json", data_files=str(mixed / "documents.jsonl"), split="train", cache_dir=str(tmp_path))
    found = {path: _hf_leaf(docs.features, path).dtype for path in DOCUMENT_FIELDS}
    assert found == {path: HF[kind] for path, kind in DOCUMENT_FIELDS.items()}
    for name in ("duplicates.jsonl", "rejected.jsonl"):
        loaded = datasets.load_dataset("json", data_files=str(mixed / name), split="train", cache_dir=str(tmp_path / name))
        assert "Json" not in repr(loaded.features), loaded.features
    assert "Json" not in repr(docs.features)
    record = docs[0]
    assert json.loads(json.dumps(record, default=str))["id"] == _lines(mixed / "documents.jsonl")[0]["id"]


def test_duckdb_types_every_field(mixed):
    expressions = ", ".join(f"typeof({_duckdb_expression(path)})" for path in DOCUMENT_FIELDS)
    [found] = duckdb.sql(f"SELECT {expressions} FROM read_json_auto('{mixed / 'documents.jsonl'}') LIMIT 1").fetchall()
    assert dict(zip(DOCUMENT_FIELDS, found)) == {path: DUCKDB[kind] for path, kind in DOCUMENT_FIELDS.items()}
    wxr = duckdb.sql(f"SELECT metadata.wordpress.categories, metadata.wordpress.category_ids FROM read_json_auto('{mixed / 'documents.jsonl'}') "
                     "WHERE metadata.source.format = 'wordpress-wxr' ORDER BY metadata.source.record").fetchall()
    assert wxr == [(["Vegetables"], None), ([], None)]
    [(dates,)] = duckdb.sql(f"SELECT count(*) FROM read_json_auto('{mixed / 'duplicates.jsonl'}') WHERE method = 'exact'").fetchall()
    assert dates == 1


def test_pandas_reads_every_record_with_one_python_type_per_field(mixed):
    frame = pd.read_json(mixed / "documents.jsonl", lines=True, dtype=False)
    records = frame.to_dict("records")
    assert len(records) == len(_lines(mixed / "documents.jsonl"))
    for path, kind in DOCUMENT_FIELDS.items():
        kinds = {type(v) for v in _values(records, path)}
        assert kinds == {PYTHON[kind]} or (kind == I and kinds <= {int}), (path, kinds)
    assert pd.to_datetime(frame["metadata"].map(lambda m: m["published"]), utc=True).notna().any()


# -- the record schema -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [("documents.jsonl", "document"), ("duplicates.jsonl", "duplicate"), ("rejected.jsonl", "rejected")])
def test_every_record_of_the_mixed_output_matches_the_schema(mixed, name, kind):
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator({**schema, "$ref": f"#/$defs/{kind}"})
    lines = _lines(mixed / name)
    assert lines
    for line in lines:
        assert [f"{list(e.path)}: {e.message}" for e in check.iter_errors(line)] == []
        metadata = line.get("metadata")
        if metadata:  # a date and its precision are null together
            for key in ("published", "modified"):
                assert (metadata[key] is None) == (metadata[f"{key}_precision"] is None), metadata


def test_ids_and_names_are_separate_fields_of_one_type(mixed):
    by_format = _first_by_format(mixed)
    rest, wxr = by_format["wordpress-json"]["wordpress"], by_format["wordpress-wxr"]["wordpress"]
    assert (rest["category_ids"], rest["categories"], rest["tag_ids"], rest["tags"]) == ([5, 9], ["Local", "Budget"], [12], ["council"])
    assert (rest["author_id"], rest["author_login"]) == (3, None)
    assert (wxr["category_ids"], wxr["categories"], wxr["tag_ids"], wxr["tags"]) == (None, ["Vegetables"], None, ["garlic", "autumn"])
    assert (wxr["author_id"], wxr["author_login"]) == (None, "ruth")
    assert by_format["text"]["wordpress"] is None and by_format["text"]["original_json"] is None
    original = json.loads(by_format["json-documents"]["original_json"])
    assert original["metadata"]["dump"] == "CC-MAIN-2024-18"


def test_a_broken_rest_post_cannot_give_a_field_another_type():
    post = {**REST_POST, "id": "not-a-number", "author": "3", "categories": ["Local", 9, True], "tags": "12", "slug": 7, "_embedded": None}
    [doc] = Cleaner().process_bytes(json.dumps(post).encode(), {"path": "broken.json"})
    wordpress = doc.metadata["wordpress"]
    assert (wordpress["id"], wordpress["author_id"], wordpress["slug"]) == (None, 3, None)
    assert (wordpress["category_ids"], wordpress["categories"], wordpress["tag_ids"], wordpress["tags"]) == ([9], None, None, None)


def test_dates_are_utc_timestamps_with_their_precision(mixed):
    by_format = _first_by_format(mixed)
    rest = by_format["wordpress-json"]
    assert (rest["published"], rest["published_precision"]) == ("2023-02-01T10:00:00Z", "second")
    bees = next(d["metadata"] for d in _lines(mixed / "documents.jsonl") if d["metadata"]["title"] == "Bees in the City")
    assert (bees["published"], bees["published_precision"]) == ("2023-06-01T00:00:00Z", "day")  # the source gives a date only


# -- Parquet: typed by the schema, dates as timestamps, empty or not ----------------------------------

PARQUET_TYPES = {
    "documents.parquet": {"id": "string"},
    "duplicates.parquet": {"id": "string", "duplicate_of": "string", "matched": "string", "method": "string", "similarity": "double"},
    "rejected.parquet": {"source_path": "string", "source_format": "string", "source_record": "int64", "source_sha256": "string",
                         "source_encoding": "string", "source_compression": "string", "error": "string"},
}
RECORD_COLUMNS = {"text": "string", "title": "string", "url": "string", "published": "timestamp[us, tz=UTC]", "modified": "timestamp[us, tz=UTC]",
                  "author": "string", "site": "string", "language": "string", "truncated": "bool", "source_path": "string",
                  "source_format": "string", "words": "int64", "metadata": "string"}
for _name in ("documents.parquet", "duplicates.parquet"):
    PARQUET_TYPES[_name] = {**PARQUET_TYPES[_name], **RECORD_COLUMNS}
DUCKDB_OF_ARROW = {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN", "timestamp[us, tz=UTC]": "TIMESTAMP WITH TIME ZONE"}
PANDAS_OF_ARROW = {"string": "str", "int64": "int64", "double": "float64", "bool": "bool", "timestamp[us, tz=UTC]": "datetime64[us, UTC]"}


def _parquet_types(path) -> dict[str, str]:
    return {field.name: str(field.type) for field in pq.read_schema(path)}


@pytest.mark.parametrize("name", list(PARQUET_TYPES))
def test_parquet_files_are_typed_and_hold_the_jsonl_records(mixed, name, tmp_path):
    path = mixed / name
    assert _parquet_types(path) == PARQUET_TYPES[name]
    table = pq.read_table(path)
    jsonl = _lines(mixed / name.replace(".parquet", ".jsonl"))
    assert table.num_rows == len(jsonl) > 0
    described = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
    assert described == {column: DUCKDB_OF_ARROW[kind] for column, kind in PARQUET_TYPES[name].items()}
    frame = pd.read_parquet(path)
    with_nulls = {"int64": "float64", "bool": "object"}  # pandas' own rule for a column with nulls (README)
    assert {column: str(dtype) for column, dtype in frame.dtypes.items()} == {
        column: with_nulls.get(kind, PANDAS_OF_ARROW[kind]) if frame[column].isna().any() else PANDAS_OF_ARROW[kind]
        for column, kind in PARQUET_TYPES[name].items()}
    nullable = pd.read_parquet(path, dtype_backend="numpy_nullable")
    assert all(str(nullable[column].dtype) in ("Int64", "boolean", "string", "Float64", "datetime64[us, UTC]")
               for column in nullable.columns), nullable.dtypes
    loaded = datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(tmp_path))
    assert {column: feature.dtype for column, feature in loaded.features.items()} == {
        column: {"double": "float64"}.get(kind, kind) for column, kind in PARQUET_TYPES[name].items()}
    if name != "rejected.parquet":
        assert [json.loads(m) for m in table.column("metadata").to_pylist()] == [line["metadata"] for line in jsonl]


def test_parquet_dates_are_utc_timestamps_a_bare_date_at_midnight(mixed):
    rows = pq.read_table(mixed / "documents.parquet").to_pylist()
    rest = next(r for r in rows if r["source_format"] == "wordpress-json")
    assert rest["published"] == datetime(2023, 2, 1, 10, 0, tzinfo=timezone.utc)
    assert rest["modified"] == datetime(2023, 2, 2, 10, 0, tzinfo=timezone.utc)
    bees = next(r for r in rows if r["title"] == "Bees in the City")
    assert bees["published"] == datetime(2023, 6, 1, tzinfo=timezone.utc) and json.loads(bees["metadata"])["published_precision"] == "day"
    [(first,)] = duckdb.sql(f"SELECT min(published) FROM read_parquet('{mixed / 'documents.parquet'}')").fetchall()
    assert first.utcoffset().total_seconds() == 0


def test_an_empty_output_is_an_empty_typed_table(lone):
    """Before: duplicates.jsonl of 0 bytes was the only form of an empty result, which HuggingFace could
    not load (StopIteration) and DuckDB read as one column of type json."""
    for name in ("duplicates", "rejected"):
        assert (lone / f"{name}.jsonl").read_bytes() == b""
        path = lone / f"{name}.parquet"
        table = pq.read_table(path)
        assert table.num_rows == 0 and {f.name: str(f.type) for f in table.schema} == PARQUET_TYPES[path.name]
        described = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
        assert described == {column: DUCKDB_OF_ARROW[kind] for column, kind in PARQUET_TYPES[path.name].items()}
        assert list(pd.read_parquet(path).columns) == list(PARQUET_TYPES[path.name])
        dataset = datasets.Dataset(table)  # HuggingFace's load_dataset refuses every empty split; this is the way (README)
        assert dataset.num_rows == 0 and list(dataset.features) == list(PARQUET_TYPES[path.name])
    manifest = json.loads((lone / "manifest.json").read_text())
    assert manifest["outputs"]["duplicates.jsonl"] == {"sha256": manifest["outputs"]["duplicates.jsonl"]["sha256"], "bytes": 0, "records": 0}
    assert manifest["outputs"]["duplicates.parquet"]["records"] == 0
    assert "0 bytes" in manifest["empty_outputs"] and "typed" in manifest["empty_outputs"]
    assert manifest["schema"] == {"version": 2, "id": "presswash/records/v2", "file": "cleaners/schema/records-v2.schema.json",
                                  "defs": {"documents.jsonl": "#/$defs/document", "duplicates.jsonl": "#/$defs/duplicate",
                                           "rejected.jsonl": "#/$defs/rejected"}}
