"""Hostile and broken input (issue 7): every bad file is explained, every good document still comes out.

All inputs are generated here. Each kind is checked on its own through the library (fast, precise
reasons), then all of them together with the real samples in one run of the real command.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cleaners import Cleaner, CleanerConfig, Document, Rejection
from cleaners.inputs.rawfile import Unusable, read_raw_file
from flows.cli import main
from tests.conftest import FIXTURES, RAW, ROOT, SEEDS

GOOD_TEXT = (
    "The harbour council met on Tuesday evening to discuss the budget for the coming year. "
    "After a long debate it voted to restore the old lighthouse on the northern breakwater."
)
LEGACY_TEXT = "Le café était fermé, mais la terrasse restait ouverte aux passants du quartier – « voilà »."
SECRET = "TOPSECRET-7f3a-never-in-the-output"
FIFTY_MB = 50 * 1024 * 1024


def run_library(raw: Path, config: CleanerConfig | None = None) -> dict[str, list]:
    cleaner = Cleaner(config)
    results: dict[str, list] = {}
    for entry in sorted(os.listdir(raw)):
        results[entry] = list(cleaner.process_file(raw, entry))
    return results


def only(outcomes: list):
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def rejected_with(outcomes: list, reason: str) -> None:
    outcome = only(outcomes)
    assert isinstance(outcome, Rejection), outcome
    assert reason in outcome.error, outcome.error


def wxr(doctype: str, title: str = "&xxe;") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + "\n"
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Blog</title>'
        f"<item><title>{title}</title><wp:post_type>post</wp:post_type><content:encoded><![CDATA["
        f"<p>{GOOD_TEXT}</p><p>{title}</p>]]></content:encoded></item></channel></rss>\n"
    )


def billion_laughs() -> str:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    return wxr(f"<!DOCTYPE rss [{entities}]>", title="&lol9;")


def gzip_bomb(gigabytes: int = 1) -> bytes:
    """1 GiB of zeros per gigabyte in about 1 KiB each: gzip members concatenated."""
    member = gzip.compress(b"\0" * (1 << 20), compresslevel=9, mtime=0)
    return member * (1024 * gigabytes)


def write_hostile_files(raw: Path, outside: Path, fifty_mb_line: bool = True) -> dict[str, tuple[str, str]]:
    """Create every kind of bad input in ``raw``; return what each must give:
    ``{name: ("document", expected text or "") | ("rejected", reason substring)}``."""
    rng = random.Random(7)
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(SECRET + " " + GOOD_TEXT, encoding="utf-8")
    expect: dict[str, tuple[str, str]] = {}

    def put(name: str, data: bytes, outcome: str, what: str = "") -> None:
        (raw / name).write_bytes(data)
        expect[name] = (outcome, what)

    put("random.bin", rng.randbytes(65536), "rejected", "not a text file: binary data")
    put("empty.txt", b"", "rejected", "not a text file: empty file")
    put("blank.txt", b" \n\t\r\n  \n", "rejected", "not a text file: file holds only whitespace")
    put("nul-bytes.txt", GOOD_TEXT.replace("council", "coun\0cil").encode() + b"\0", "document", GOOD_TEXT)
    put("invalid-utf8.txt", ("Déjà vu – a naïve café. " + GOOD_TEXT).encode() + b" \x93stray\x94 \xff", "document",
        "Déjà vu – a naïve café. " + GOOD_TEXT + " “stray” ÿ")
    put("cp1252.txt", LEGACY_TEXT.encode("cp1252"), "document", LEGACY_TEXT)
    put("latin-1.txt", LEGACY_TEXT.replace("–", "-").encode("latin-1"), "document", LEGACY_TEXT.replace("–", "-"))
    put("utf-16-bom.txt", LEGACY_TEXT.encode("utf-16"), "document", LEGACY_TEXT)
    put("utf-16-be-bom.txt", b"\xfe\xff" + LEGACY_TEXT.encode("utf-16-be"), "document", LEGACY_TEXT)
    put("deep.json", b"[" * 100_000 + b"]" * 100_000, "rejected", "unusable JSON: JSON nested deeper than 512 levels")
    put("deep-object.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "rejected", "nested deeper than 512 levels")
    put("deep-fragment.html", b"<p>Start.</p>" + b"<div>" * 100_000 + b"Deep text." + b"</div>" * 100_000,
        "document", "")
    put("deep-page.html", b"<html><body>" + b"<div>" * 100_000 + b"Deep page. " + GOOD_TEXT.encode() + b"</div>" * 100_000
        + b"</body></html>", "document", "Deep page. " + GOOD_TEXT)
    put("bomb.json.gz", gzip_bomb(), "rejected", "gzip data larger than the 64 MiB limit per file once decompressed")
    put("export-xxe.xml", wxr(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{outside / "secret.txt"}">]>').encode(),
        "rejected", "declares a DTD or entities of its own; refused")
    put("export-laughs.xml", billion_laughs().encode(), "rejected", "declares a DTD or entities of its own; refused")
    if fifty_mb_line:
        with open(raw / "line-50mb.txt", "wb") as handle:
            handle.write(b"word " * (FIFTY_MB // 5))
        expect["line-50mb.txt"] = ("rejected", "too large: 52,428,800 characters, over the limit of 5,000,000 for one document")
    os.symlink(outside / "secret.txt", raw / "link-outside.txt")
    expect["link-outside.txt"] = ("rejected", "symbolic link to a file outside the raw folder (not followed)")
    os.symlink(outside, raw / "link-to-folder")
    expect["link-to-folder"] = ("rejected", "symbolic link to a file outside the raw folder (not followed)")
    os.symlink(raw / "no-such-target.txt", raw / "link-broken.txt")
    expect["link-broken.txt"] = ("rejected", "broken symbolic link")
    os.mkfifo(raw / "named-pipe")
    expect["named-pipe"] = ("rejected", "is a named pipe, not a regular file")
    for name in ("with spaces in it.txt", "new\nline.txt", "ünïcødé 日本語.txt"):
        put(name, f"{name!r}: {GOOD_TEXT}".encode(), "document", f"{name!r}: {GOOD_TEXT}")
    odd = os.fsdecode(b"not-utf8-\xff\xfe.txt")
    (raw / odd).write_bytes(f"Odd bytes in the name. {GOOD_TEXT}".encode())
    expect[odd] = ("document", f"Odd bytes in the name. {GOOD_TEXT}")
    return expect


def check_outcomes(results: dict[str, list], expect: dict[str, tuple[str, str]]) -> None:
    for name, (kind, what) in expect.items():
        outcomes = results[name]
        if kind == "rejected":
            outcome = only(outcomes)
            assert isinstance(outcome, Rejection), (name, outcome)
            assert what in outcome.error, (name, outcome.error)
            assert outcome.error.strip() and "\n" not in outcome.error
        else:
            doc = only(outcomes)
            assert isinstance(doc, Document), (name, doc)
            if what:
                assert doc.text == what, (name, doc.text[:200])


# -- each kind through the library ------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    raw = base / "raw"
    raw.mkdir()
    expect = write_hostile_files(raw, base / "outside")
    yield raw, base / "outside", expect
    shutil.rmtree(base, ignore_errors=True)  # the 50 MB line goes at once


def test_every_hostile_file_has_its_outcome_and_reason(hostile):
    raw, _, expect = hostile
    results = run_library(raw)
    check_outcomes(results, expect)
    encodings = {name: only(results[name]).metadata["source"]["encoding"] for name in
                 ("invalid-utf8.txt", "cp1252.txt", "latin-1.txt", "utf-16-bom.txt", "utf-16-be-bom.txt", "nul-bytes.txt")}
    assert encodings == {
        "invalid-utf8.txt": "cp1252", "cp1252.txt": "cp1252", "latin-1.txt": "cp1252",  # (invalid-utf8: ftfy repairs its UTF-8 parts)
        "utf-16-bom.txt": "utf-16-le", "utf-16-be-bom.txt": "utf-16-be", "nul-bytes.txt": "utf-8",
    }
    # the deep fragment keeps its text (each <div> opens a paragraph) and nothing else
    deep = only(results["deep-fragment.html"])
    assert deep.text == "Start.\n\nDeep text."


def test_no_hostile_file_reaches_outside_the_raw_folder(hostile):
    raw, outside, _ = hostile
    results = run_library(raw)
    everything = json.dumps([o.to_json() for outcomes in results.values() for o in outcomes], ensure_ascii=True)
    assert SECRET not in everything
    assert "lollollol" not in everything
    assert len(everything) < 200_000  # nothing expanded: no bomb, no entity, no 50 MB echo


def test_links_outside_are_followed_only_when_allowed(hostile):
    raw, _, _ = hostile
    config = CleanerConfig(follow_outside_links=True)
    doc = only(list(Cleaner(config).process_file(raw, "link-outside.txt")))
    assert isinstance(doc, Document) and doc.text.startswith(SECRET)
    rejected_with(list(Cleaner(config).process_file(raw, "link-to-folder")), "is a folder (reached through a symbolic link), not a regular file")


def test_a_link_inside_the_raw_folder_is_read(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "real.txt").write_text(GOOD_TEXT)
    os.symlink("sub/real.txt", raw / "alias.txt")
    doc = only(list(Cleaner().process_file(raw, "alias.txt")))
    assert isinstance(doc, Document) and doc.text == GOOD_TEXT


def test_limits_are_configurable(tmp_path):
    (tmp_path / "big.txt").write_text(GOOD_TEXT * 10)
    rejected_with(list(Cleaner(CleanerConfig(max_file_bytes=1024)).process_file(tmp_path, "big.txt")), "larger than the 1 KiB limit per file")
    rejected_with(list(Cleaner(CleanerConfig(max_document_chars=100)).process_file(tmp_path, "big.txt")),
                  f"too large: {len(GOOD_TEXT) * 10:,} characters, over the limit of 100 for one document")


# -- unreadable files ------------------------------------------------------------------------------

def _read_as(uid: int | None, root: Path, name: str) -> str:
    """Read a raw file through presswash, as user ``uid`` (in a forked child) or as we are."""
    def attempt() -> str:
        try:
            read_raw_file(root, name)
            return "read"
        except Unusable as exc:
            return str(exc)

    if uid is None:
        return attempt()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child only drops its privileges and reads: no imports, no threads
        try:
            os.close(r)
            os.setgid(uid)
            os.setuid(uid)
            os.write(w, attempt().encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return answer


def test_an_unreadable_file_is_rejected_with_a_reason():
    """chmod 000 blocks reads, except for root: as root the read runs in a child that became 'nobody'."""
    base = Path(tempfile.mkdtemp(prefix="presswash-unreadable-"))
    try:
        base.chmod(0o755)
        (base / "locked.txt").write_text(GOOD_TEXT)
        (base / "locked.txt").chmod(0)
        uid = 65534 if os.geteuid() == 0 else None
        assert _read_as(uid, base, "locked.txt") == "cannot read the file: permission denied"
        rejected_with(list(Cleaner().process_file(base, "locked.txt")) if uid is None else
                      [Rejection({}, _read_as(uid, base, "locked.txt"))], "permission denied")
    finally:
        (base / "locked.txt").chmod(0o644)
        shutil.rmtree(base, ignore_errors=True)


# -- a file that changes while it is read -------------------------------------------------------

def _version(k: int) -> bytes:
    return (f"v{k:05d} " * (300_000 + (k * 37) % 5_000)).encode()


_WRITER = """
import sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
def version(k):
    return (f"v{k:05d} " * (300_000 + (k * 37) % 5_000)).encode()
k, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    k += 1
    data = version(k)
    with open(path, "r+b") as handle:
        handle.truncate(0)
        for i in range(0, len(data), 4096):
            handle.write(data[i : i + 4096])
            handle.flush()
print(k)
"""


def test_a_file_rewritten_while_it_is_read_is_never_torn(tmp_path):
    """Another process rewrites the file over and over (truncate, then write in chunks, as a scraper
    saving a page does); every read gives the file as it was at one instant, or a clear rejection,
    never the start of one version glued to the rest of another."""
    path = tmp_path / "live.txt"
    path.write_bytes(_version(0))
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "2"], stdout=subprocess.PIPE, text=True)
    outcomes: list = []
    try:
        while writer.poll() is None:
            try:
                outcomes.append(read_raw_file(tmp_path, "live.txt"))
            except Unusable as exc:
                outcomes.append(str(exc))
    finally:
        versions = int(writer.communicate(timeout=30)[0])
    assert versions > 10 and len(outcomes) > 10
    for outcome in outcomes:
        if isinstance(outcome, str):
            assert outcome == "the file kept changing while it was read (3 attempts)"
            continue
        # one instant of the file: a version, or the start of one the writer was still writing
        if outcome:
            first = _version(int(outcome[1:6]))
            assert outcome == first[: len(outcome)], f"torn read: {sorted(set(outcome.split()))[:5]}"
    # once the writer has stopped, the file is read normally
    assert read_raw_file(tmp_path, "live.txt") == path.read_bytes()


# -- all of it in one real run of the command ----------------------------------------------------

def test_the_command_survives_a_raw_folder_full_of_hostile_files(prefect_api, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    expect = write_hostile_files(raw, tmp_path / "outside")
    (raw / "unreadable.txt").write_text(GOOD_TEXT + " Unreadable.")
    (raw / "unreadable.txt").chmod(0)
    # a paragraph that makes a (user's) rule backtrack for hours: stopped by --time-budget
    rules = tmp_path / "trap.toml"
    rules.write_text("[[rule]]\nname = \"backtracking-trap\"\npattern = '(a+)+b'\n")
    (raw / "spin-trap.txt").write_text("a" * 40)
    expect["spin-trap.txt"] = ("rejected", "stopped while reading this text: the file took longer than the time budget of 2 s per document")
    out = tmp_path / "clean"
    try:
        code = main(["clean", str(raw), "--out", str(out), "--workers", "2", "--batch-size", "8",
                     "--rules", str(rules), "--time-budget", "2"])
    finally:
        (raw / "unreadable.txt").chmod(0o644)
        (raw / "line-50mb.txt").unlink()
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "Traceback" not in printed.err
    raw_names = sorted(os.listdir(raw)) + ["line-50mb.txt"]
    assert f"presswash: {len(raw_names)} files, " in printed.out
    assert "balance: " in printed.out and ": holds" in printed.out

    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    dups = [json.loads(line) for line in (out / "duplicates.jsonl").read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    by_path = {d["metadata"]["source"]["path"]: d for d in docs}
    # several hostile files hold the same sample text: those are (near-)duplicates, with their text
    by_path.update({d["source"]["path"]: d for d in dups})
    reasons = {r["source"]["path"]: r["error"] for r in rejected}

    # every good document came out: the five samples, and the hostile files that are text after all
    for name in SEEDS.values():
        assert name in by_path
    for name, (kind, what) in expect.items():
        if kind == "rejected":
            assert what in reasons[name], (name, reasons.get(name))
        elif what:
            assert by_path[name]["text"] == what, name
        else:
            assert name in by_path, name
    if os.geteuid() == 0:  # root reads a chmod 000 file: it is simply a document
        assert by_path["unreadable.txt"]["text"] == GOOD_TEXT + " Unreadable."
    else:
        assert reasons["unreadable.txt"] == "cannot read the file: permission denied"
    # each raw file exactly once across the three outputs
    paths = sorted([d["metadata"]["source"]["path"] for d in docs] + [d["source"]["path"] for d in dups] + list(reasons))
    assert paths == sorted(raw_names)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["balance"]["holds"] is True and report["files_seen"] == len(raw_names)
    assert SECRET not in (out / "documents.jsonl").read_text(encoding="utf-8")


def test_hashing_raw_files_for_the_ledger_never_blocks_or_reads_outside(hostile):
    """Incremental runs hash every raw file first: a named pipe must not block, a link outside or to
    a device must not be read (the cleaning step then rejects them with the reason)."""
    from cleaners.corpus.plan import UNREADABLE, hash_files

    raw, outside, _ = hostile
    os.symlink("/dev/zero", raw.parent / "zero-link")
    try:
        names = ["named-pipe", "link-outside.txt", "link-to-folder", "empty.txt"]
        hashes = hash_files(raw, names)
        assert [hashes[n] for n in names[:3]] == [UNREADABLE] * 3
        assert hashes["empty.txt"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        assert hash_files(raw.parent, ["zero-link"]) == {"zero-link": UNREADABLE}
    finally:
        (raw.parent / "zero-link").unlink()


def test_a_file_name_that_is_not_utf8_survives_the_dedup_index_across_runs(tmp_path):
    """SQLite stores strict UTF-8; the index maps the name's undecodable bytes and back, and a second
    run (which replaces the file's records in the index) finds them again."""
    from cleaners.corpus.run import clean_directory

    raw = tmp_path / "raw"
    raw.mkdir()
    odd = os.fsdecode(b"caf\xe9-\xff.txt")
    (raw / odd).write_text(f"Odd bytes in the name. {GOOD_TEXT}")
    (raw / "copy.txt").write_text(f"Odd bytes in the name. {GOOD_TEXT}")
    for full in (False, True):  # the second run reads the files again (they did not change)
        report = clean_directory(raw, tmp_path / "out", full=full)
        assert report["balance"]["holds"] and (report["documents"], report["duplicates"]) == (1, 1)
    [dup] = [json.loads(line) for line in (tmp_path / "out" / "duplicates.jsonl").read_text().splitlines()]
    [doc] = [json.loads(line) for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    assert {doc["metadata"]["source"]["path"], dup["source"]["path"]} == {odd, "copy.txt"}


_BOUNDED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB of address space, the libraries included
from cleaners import Cleaner
cleaner = Cleaner()
print(json.dumps({name: [o.to_json() for o in cleaner.process_file(sys.argv[1], name)] for name in sys.argv[2:]}))
"""


def test_bombs_are_refused_within_bounded_memory(hostile):
    """A gzip bomb (1 GiB of zeros), entity expansion, a 50 MB line and deep nesting, cleaned in a
    process that cannot map more than 1 GiB: each is refused with its reason, none by running out
    of memory (which would show as an internal error, or kill the process)."""
    raw, _, expect = hostile
    names = ["bomb.json.gz", "export-laughs.xml", "export-xxe.xml", "line-50mb.txt", "deep.json", "deep-page.html"]
    result = subprocess.run([sys.executable, "-c", _BOUNDED, str(raw), *names], capture_output=True, text=True,
                            cwd=ROOT, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr[-2000:]
    outcomes = json.loads(result.stdout)
    for name in names:
        [outcome] = outcomes[name]
        if expect[name][0] == "rejected":
            assert "internal error" not in outcome["error"] and expect[name][1] in outcome["error"], (name, outcome)
        else:
            assert outcome["text"].endswith(expect[name][1])


FUZZ_FINDINGS = FIXTURES / "fuzz"


@pytest.mark.parametrize("name", sorted(p.name for p in FUZZ_FINDINGS.iterdir()))
def test_inputs_the_fuzzer_found_are_handled(name):
    """Inputs benchmarks/fuzz_readers.py found (each once made a reader raise); kept as regressions."""
    data = (FUZZ_FINDINGS / name).read_bytes()
    outcomes = list(Cleaner().process_bytes(data, {"path": name, "format": None, "sha256": None, "record": None, "encoding": None}))
    assert outcomes
    for outcome in outcomes:
        assert isinstance(outcome, Document) or "internal error" not in outcome.error, outcome.error
    assert any(isinstance(outcome, Document) for outcome in outcomes)
