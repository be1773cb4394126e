"""Same-article detection across formats, measured on real pages with known identity.

Builds a labelled raw folder from an eval folder's ``article-extraction/`` set, where every article
appears as

- ``html``: its HTML page;
- ``text``: the page flattened to plain text, menus and all (``plaintext-html-text.json``);
- ``wp``: a WordPress REST post wrapping the gold ``articleBody`` as HTML paragraphs;
- ``trunc`` (every other article): that post's JSON cut off mid-string at 40-90% of its bytes;
- ``teaser`` (every third article): its first paragraphs, about 60 words, as plain text;
- ``sibling`` (every third article): hard negatives for precision: the site chrome of another
  article's flattened page (everything before and after that article's text) wrapped around this
  article's body, so it shares all its chrome with a different article,

runs the real ``presswash clean`` command on it, and prints pairwise precision and recall of the
"same article" decision (two records are judged the same when they end up in one dedup cluster),
split by pair kind, with the time taken. For reference, the same run measures the usual peer setting:
MinHash over 5-word shingles (datasketch, 128 permutations) on bare trafilatura output, linking pairs
at Jaccard 0.8 and 0.5.

    python benchmarks/dedup.py EVAL_DIR [--save] [--keep DIR]
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("html", "text", "wp", "trunc", "teaser", "sibling")


def build_set(eval_dir: Path, raw: Path, seed: int = 7) -> dict[str, tuple[str, str]]:
    """Write the labelled raw folder; return {relative path: (article id, kind)}."""
    base = eval_dir / "article-extraction"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    flat = json.loads((base / "plaintext-html-text.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    labels: dict[str, tuple[str, str]] = {}
    for kind in KINDS:
        (raw / kind).mkdir(parents=True, exist_ok=True)
    for n, (key, entry) in enumerate(sorted(gold.items())):
        short = key[:12]
        page = base / "html" / f"{key}.html"
        (raw / "html" / f"{short}.html").write_bytes(page.read_bytes())
        labels[f"html/{short}.html"] = (key, "html")
        text = flat.get(key, {}).get("articleBody") if isinstance(flat.get(key), dict) else flat.get(key)
        if text:
            (raw / "text" / f"{short}.txt").write_text(text, encoding="utf-8")
            labels[f"text/{short}.txt"] = (key, "text")
        body = entry["articleBody"]
        post = {
            "id": 1000 + n,
            "date_gmt": "2019-11-20T10:00:00",
            "slug": f"article-{n}",
            "type": "post",
            "link": entry.get("url"),
            "title": {"rendered": html.escape(body.split("\n", 1)[0][:80])},
            "content": {"rendered": "".join(f"<p>{html.escape(p)}</p>\n" for p in body.split("\n") if p.strip())},
        }
        data = json.dumps(post, ensure_ascii=False).encode("utf-8")
        (raw / "wp" / f"{short}.json").write_bytes(data)
        labels[f"wp/{short}.json"] = (key, "wp")
        if n % 2 == 0:
            start = data.index(b'"content"')
            cut = start + int((len(data) - start) * rng.uniform(0.4, 0.9))
            (raw / "trunc" / f"{short}.json").write_bytes(data[:cut])
            labels[f"trunc/{short}.json"] = (key, "trunc")
        if n % 3 == 0:
            paragraphs, words = [], 0
            for paragraph in (p for p in body.split("\n") if p.strip()):
                paragraphs.append(paragraph)
                words += len(paragraph.split())
                if words >= 60:
                    break
            if words >= 30:
                (raw / "teaser" / f"{short}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
                labels[f"teaser/{short}.txt"] = (key, "teaser")
    keys = sorted(gold)
    for n, key in enumerate(keys):
        if n % 3 != 1:
            continue
        host = keys[(n + 7) % len(keys)]  # another article's page lends its chrome
        chrome = _chrome(flat.get(host), gold[host]["articleBody"])
        if chrome:
            before, after = chrome
            text = before + "\n\n" + gold[key]["articleBody"] + "\n\n" + after
            (raw / "sibling" / f"{key[:12]}-in-{host[:12]}.txt").write_text(text, encoding="utf-8")
            labels[f"sibling/{key[:12]}-in-{host[:12]}.txt"] = (key, "sibling")
    return labels


def _chrome(flat_entry, body: str) -> tuple[str, str] | None:
    """The text of a flattened page before and after its article."""
    text = flat_entry.get("articleBody") if isinstance(flat_entry, dict) else flat_entry
    lines = [p.strip() for p in body.split("\n") if len(p.strip()) >= 40]
    if not text or not lines:
        return None
    start, end = text.find(lines[0][:40]), text.find(lines[-1][-40:])
    if start < 0 or end < 0 or end < start:
        return None
    return text[:start], text[end + 40 :]


def clusters_from_outputs(out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """{record path: cluster id} for every emitted or dropped record, and {path: reason} for rejections."""
    cluster: dict[str, str] = {}
    for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        cluster[doc["metadata"]["source"]["path"]] = doc["id"]
    for line in (out / "duplicates.jsonl").read_text(encoding="utf-8").splitlines():
        dup = json.loads(line)
        cluster[dup["source"]["path"]] = dup["duplicate_of"]
    rejected = {}
    for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines():
        rej = json.loads(line)
        rejected[rej["source"]["path"]] = rej["error"]
    return cluster, rejected


def pair_kind(a: str, b: str) -> str:
    return "~".join(sorted((a, b)))


def score(labels: dict[str, tuple[str, str]], same: callable) -> dict[str, dict[str, float]]:
    """Pairwise TP/FP/FN over all record pairs, overall and per pair kind."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    paths = sorted(labels)
    for a, b in itertools.combinations(paths, 2):
        truth = labels[a][0] == labels[b][0]
        predicted = same(a, b)
        if not truth and not predicted:
            continue
        for key in ("all", pair_kind(labels[a][1], labels[b][1])):
            if truth and predicted:
                counts[key][0] += 1
            elif predicted:
                counts[key][1] += 1
            else:
                counts[key][2] += 1
    result = {}
    for key, (tp, fp, fn) in counts.items():
        result[key] = {
            "pairs": tp + fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "false_links": fp,
        }
    return result


def peer_baseline(raw: Path, labels: dict[str, tuple[str, str]], threshold: float) -> tuple[callable, float]:
    """The usual peer setting: MinHash Jaccard over 5-word shingles of bare trafilatura output."""
    import trafilatura
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    hashes = {}
    for path in sorted(labels):
        data = (raw / path).read_bytes()
        text = trafilatura.extract(data.decode("utf-8", "replace")) if path.endswith(".html") else None
        if text is None:
            raw_text = data.decode("utf-8", "replace")
            if path.endswith(".json"):  # what a peer sees of WordPress JSON: its text, tags stripped
                raw_text = re.sub(r"<[^>]+>", " ", raw_text.encode().decode("unicode_escape", "replace"))
            text = raw_text
        words = re.findall(r"\w+", text.lower())
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
        hashes[path] = m
        lsh.insert(path, m)
    parent = {p: p for p in labels}

    def find(p):
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for path, m in hashes.items():
        for other in lsh.query(m):
            if other != path and hashes[other].jaccard(m) >= threshold:
                parent[find(path)] = find(other)
    return (lambda a, b: find(a) == find(b)), time.perf_counter() - started


def run_cli(raw: Path, out: Path) -> tuple[float, dict]:
    env = dict(os.environ)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "clean", str(raw), "--out", str(out), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"presswash clean failed:\n{result.stderr}")
    return elapsed, json.loads(result.stdout)


def table(rows: list[tuple[str, dict]]) -> str:
    """One line per pair kind, one column per method: precision / recall (same-article pairs)."""
    kinds = ["all"] + sorted({k for _, r in rows for k in r if k != "all"})
    lines = ["| pair kind | same-article pairs | " + " | ".join(name for name, _ in rows) + " |", "|---|---|" + "---|" * len(rows)]
    for k in kinds:
        pairs = next((r[k]["pairs"] for _, r in rows if k in r), 0)
        cells = ["-" if k not in r else f"P {r[k]['precision']:.3f} / R {r[k]['recall']:.3f}" for _, r in rows]
        lines.append(f"| {k} | {pairs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval_dir", type=Path, help="the eval folder (holding article-extraction/)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/dedup.md")
    parser.add_argument("--keep", type=Path, help="build the raw folder and outputs here instead of a temporary folder")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="presswash-dedup-"))
    raw, out = work / "raw", work / "out"
    labels = build_set(args.eval_dir, raw)
    elapsed, report = run_cli(raw, out)
    cluster, rejected = clusters_from_outputs(out)
    ours = score(labels, lambda a, b: a in cluster and b in cluster and cluster[a] == cluster[b])
    peers = []
    for threshold in (0.8, 0.5):
        same, seconds = peer_baseline(raw, labels, threshold)
        peers.append((f"MinHash J>={threshold} on trafilatura output", score(labels, same), seconds))

    by_kind = defaultdict(int)
    for _, kind in labels.values():
        by_kind[kind] += 1
    lines = [
        "# Same-article detection across formats",
        "",
        f"{len(labels)} raw files ({', '.join(f'{n} {k}' for k, n in sorted(by_kind.items()))}) from "
        f"{len({a for a, _ in labels.values()})} articles; pairwise precision (P) and recall (R) of "
        "\"same article\", overall and per pair kind.",
        "",
        table([("presswash clean", ours)] + [(name, result) for name, result, _ in peers]),
        "",
        f"presswash: {report['documents']} documents, {report['duplicates']} duplicates "
        f"({', '.join(f'{k} {v}' for k, v in report['duplicates_by_method'].items())}), {report['rejected']} rejected; "
        f"false links {ours['all']['false_links']}.",
        f"Time: presswash clean {elapsed:.1f} s wall (of which dedup decisions "
        f"{report['timings_seconds'].get('dedup_decide', 0):.2f} s); peer baselines "
        + ", ".join(f"{s:.1f} s" for _, _, s in peers) + " (extraction included).",
    ]
    if rejected:
        lines.append("Rejected: " + "; ".join(f"{p}: {e}" for p, e in sorted(rejected.items())))
    text = "\n".join(lines)
    print(text)
    if args.save:
        results = ROOT / "benchmarks" / "results"
        results.mkdir(parents=True, exist_ok=True)
        (results / "dedup.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
