"""Fuzz the format sniffing and the readers: mutated inputs through decode → sniff → reader → cleaning.

    python benchmarks/fuzz_readers.py --minutes 5                  # atheris if installed, else built-in
    python benchmarks/fuzz_readers.py --minutes 5 --engine builtin # the dependency-free mutator
    pip install -e ".[fuzz]"                                       # atheris (coverage-guided, libFuzzer)

Seeds: the samples in ``raw/``, ``tests/fixtures/`` and generated hostile shapes (truncated and
deeply nested JSON, WordPress JSON Lines, HTML pages and fragments, XML with entities, UTF-16,
cp1252, gzip bytes). Every input goes through ``Cleaner.process_bytes`` under a per-document budget
of ``--budget`` seconds, and through ``recover_json`` and ``sniff_format``. What counts as a finding
(the input is saved under ``--out``, default ``fuzz-findings/``, and reported):

- any exception escaping ``process_bytes`` (it must turn every problem into a Rejection);
- a Rejection saying "internal error" (a reader or cleaner raised: a bug, even though it was contained);
- a Rejection saying the time budget was exceeded (a slow path: an input that makes a reader spin);
- a Document whose text is empty, holds control or invisible characters, or unbalanced whitespace;
- ``recover_json`` raising anything but ``JSONTooDeep``, or ``sniff_format`` answering an unknown format.

The built-in engine prints how many inputs it ran and the outcomes it saw; atheris prints libFuzzer's
statistics (``#N DONE ... exec/s``).
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
FORMATS = {"json", "html", "html-fragment", "wxr", "xml", "text"}


class Finding(Exception):
    pass


def seeds() -> list[bytes]:
    found = [p.read_bytes() for folder in (ROOT / "raw", ROOT / "tests" / "fixtures") if folder.exists()
             for p in sorted(folder.iterdir()) if p.is_file()]
    post = {"id": 7, "date_gmt": "2023-01-06T01:19:08", "slug": "s", "link": "https://example.com/p/",
            "title": {"rendered": "Caf&#233; &amp; \u201cmore\u201d"},
            "content": {"rendered": "<p>Russia\u2019s war<\/span></p>\n<h2>Head</h2><p>Body <b>bold</b> &amp; more</p>"}}
    wp = json.dumps([post, post]).replace("/", "\\/").encode()
    found += [
        wp, wp[: len(wp) // 2], wp[:-7],
        b"\n".join(json.dumps(post).encode() for _ in range(3)),
        b"[" * 600 + b"]" * 600, b'{"a":' * 300 + b'"x"' + b"}" * 300,
        b"<html><head><title>T</title><meta property='article:published_time' content='2024-03-14T08:30:00Z'></head>"
        b"<body><article><h1>Title</h1><p>" + b"Words of a paragraph. " * 20 + b"</p></article></body></html>",
        b"<p>One</p><p>Two <a href='x'>link</a></p><p>Three</p><div>" * 5,
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><item>'
        b"<title>&b;</title></item></channel></rss>",
        b'<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>'
        b"<title>T</title><content:encoded><![CDATA[<p>Body</p>]]></content:encoded></item></channel></rss>",
        "Grüße aus Köln – “quoted”".encode("utf-16"), "Grüße aus Köln – “quoted”".encode("cp1252"),
        "naïve café ".encode() * 5 + b"\x93x\x94\xe2\x80",
        gzip.compress(b"<p>compressed</p>" * 10, mtime=0),
        b'<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>T</title><wp:post_type>post'
        b"</wp:post_type><wp:status>publish</wp:status><content:encoded><![CDATA[<p>" + b"Body words here. " * 10
        + b"</p>]]></content:encoded></item><item><wp:post_type>attachment</wp:post_type></item></channel></rss>",
        b'{"id": "a", "text": "A document from another tool.", "metadata": {"url": "https://example.com/a"}}\n' * 3,
        b"Read Time:7 Minute, 0 Second\n\nThe drills.However it went on.\n\nShare.\n\nExit mobile version",
    ]
    return found


TOKENS = [b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u", b"\\u20", b"\\ud83d", b"<\\/", b"</p>", b"<div>", b"<p>", b"<!--",
          b"-->", b"<!DOCTYPE html>", b"<!DOCTYPE x [<!ENTITY e \"ee\">]>", b"<html>", b"<body>", b"&amp;", b"&#", b"&#x",
          b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80", b"\n\n", b"\r\n", b"\t", b"\u200b".decode("unicode_escape").encode(),
          b'"content":{"rendered":"', b'"title":', b"null", b"true", b"1e999", b"-", b"<![CDATA[", b"]]>"]


def mutate(data: bytes, pool: list[bytes], rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(8)
        pos = rng.randint(0, len(data))
        if op == 0 and data:
            data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[pos:pos] = bytes([rng.randrange(256)])
        elif op == 2 and data:
            del data[pos : pos + rng.randint(1, 16)]
        elif op == 3:
            data[pos:pos] = rng.choice(TOKENS)
        elif op == 4 and data:
            end = min(len(data), pos + rng.randint(1, 64))
            data[pos:pos] = data[pos:end] * rng.randint(1, 8)
        elif op == 5:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            data[pos:pos] = other[start : start + rng.randint(1, 512)]
        elif op == 6:
            data = data[: rng.randint(0, len(data))]
        else:
            data[pos:pos] = rng.choice(TOKENS) * rng.randint(2, 200)
    return bytes(data[: 1 << 20])


def make_checker(budget: float):
    from cleaners import Cleaner, CleanerConfig, Document, Rejection
    from cleaners.inputs.jsonrecover import JSONTooDeep, recover_json
    from cleaners.inputs.sniff import sniff_format

    cleaner = Cleaner(CleanerConfig(document_seconds=budget))

    def check(data: bytes) -> str:
        source = {"path": "fuzz", "format": None, "sha256": None, "record": None, "encoding": None}
        try:
            outcomes = list(cleaner.process_bytes(data, source))
        except BaseException as exc:
            raise Finding(f"process_bytes raised {type(exc).__name__}: {exc}") from exc
        if not outcomes:
            raise Finding("no outcome at all")
        kinds = []
        for outcome in outcomes:
            if isinstance(outcome, Rejection):
                if "internal error" in outcome.error:
                    raise Finding(outcome.error)
                if "time budget" in outcome.error:
                    raise Finding(f"slow: {outcome.error}")
                kinds.append("rejected:" + (outcome.source.get("format") or "none"))
            elif isinstance(outcome, Document):
                text = outcome.text
                if not text or _FORBIDDEN.search(text) or text != text.strip() or "\n\n\n" in text or "  " in text:
                    raise Finding(f"bad document text: {text[:200]!r}")
                if any("\n" in p or p != p.strip() for p in text.split("\n\n")):
                    raise Finding(f"unbalanced whitespace: {text[:200]!r}")
                kinds.append("document:" + outcome.metadata["source"]["format"])
            else:
                raise Finding(f"unknown outcome {outcome!r}")
        text = codecs.decode(data, "utf-8", "replace")
        if sniff_format(text) not in FORMATS:
            raise Finding(f"sniff_format gave {sniff_format(text)!r}")
        try:
            recover_json(text[:200_000])
        except JSONTooDeep:
            pass
        except BaseException as exc:
            raise Finding(f"recover_json raised {type(exc).__name__}: {exc}") from exc
        return kinds[0] if len(kinds) == 1 else f"{len(kinds)} outcomes"

    return check


def save(out: Path, data: bytes, why: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"finding-{hashlib.sha256(data).hexdigest()[:16]}"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(why + "\n", encoding="utf-8")
    return path


def run_builtin(minutes: float, budget: float, out: Path, seed: int) -> int:
    rng = random.Random(seed)
    pool = seeds()
    check = make_checker(budget)
    for data in pool:
        check(data)
    outcomes: Counter[str] = Counter()
    findings: dict[str, Path] = {}
    runs = 0
    started = time.monotonic()
    deadline = started + minutes * 60
    next_report = started + 30
    while time.monotonic() < deadline:
        data = mutate(rng.choice(pool), pool, rng)
        runs += 1
        try:
            outcomes[check(data)] += 1
        except Finding as finding:
            key = str(finding)[:80]
            if key not in findings:
                findings[key] = save(out, data, str(finding))
                print(f"finding: {finding} -> {findings[key]}", flush=True)
        if rng.random() < 0.01 and len(pool) < 500:
            pool.append(data)  # keep some mutants as seeds, for deeper mutations
        if time.monotonic() >= next_report:
            print(f"  {runs} inputs, {runs / (time.monotonic() - started):.0f}/s, {len(findings)} findings", flush=True)
            next_report += 30
    elapsed = time.monotonic() - started
    print(f"builtin engine: {runs} inputs in {elapsed:.0f} s ({runs / elapsed:.0f}/s), {len(findings)} distinct findings")
    for kind, n in outcomes.most_common(12):
        print(f"  {n:8d}  {kind}")
    return 1 if findings else 0


def run_atheris(minutes: float, budget: float, out: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["cleaners"]):
        check = make_checker(budget)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for data in seeds():
        (corpus / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)

    def one_input(data: bytes) -> None:
        check(data)

    argv = [sys.argv[0], str(corpus), f"-max_total_time={int(minutes * 60)}", f"-artifact_prefix={out}/",
            "-max_len=65536", "-rss_limit_mb=4096", f"-timeout={int(budget * 4 + 10)}", "-print_final_stats=1"]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--engine", choices=("auto", "atheris", "builtin"), default="auto")
    parser.add_argument("--budget", type=float, default=5.0, help="per-document time budget in seconds (default 5)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "builtin"
    if engine == "atheris":
        run_atheris(args.minutes, args.budget, args.out)
        return 0
    return run_builtin(args.minutes, args.budget, args.out, args.seed)


if __name__ == "__main__":
    sys.exit(main())
