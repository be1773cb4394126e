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

Besides precision and recall it counts the **distinct documents dropped**: a dropped record is
distinct from its survivor when less than half of the 5-word shingles of its gold text are in the
survivor's gold text (|S_dropped ∩ S_survivor| / |S_dropped| < 0.5, case-folded ``\w+`` words). The
share is taken of the dropped record, not of the smaller of the two: what is measured is what a
reader of ``documents.jsonl`` has lost, and a full text dropped in favour of a teaser of it is a loss
too (the survivor policy should never do that; the count would show it).

It does so on every set with gold (``--sets``, all by default):

- ``cross-format``: the set above;
- ``sites``: many pages per site sharing long template blocks (:mod:`dedup_sites`): built sites
  (real templates, real articles, real site sections added) and the eval sets' real multi-page
  sites, every article as page, REST post, whole-page text and (every other one) truncated post;
- ``article-extraction``, ``dragnet``, ``cleaneval``, ``fundus``: the set's HTML pages as they are;
  identity: pages whose gold texts share half of the smaller one's shingles are one document (gold
  paragraphs found in three or more gold texts of a set, such as a site's comment rules the
  annotators copied, are left out of every gold text first);
- ``boilerplate-snippets``: its pages as they are; it has no full gold, so its "must keep" snippets
  stand for it: a dropped page is distinct when less than half of its snippets are in its survivor's
  page text (and two pages are one document when half of one's snippets are in the other's page).

    python benchmarks/dedup.py EVAL_DIR [--sets a,b] [--save] [--keep DIR]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedup_sites  # noqa: E402  (the site corpus builder beside this file)
from dedup_sites import covered, same_gold, shingles  # noqa: E402

KINDS = ("html", "text", "wp", "trunc", "teaser", "sibling")
PAGE_SETS = ("article-extraction", "dragnet", "cleaneval", "fundus")
SETS = ("cross-format", "sites", *PAGE_SETS, "boilerplate-snippets")
DISTINCT = 0.5  # below this share of its gold shingles in its survivor's gold, a dropped record is distinct


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


def score(labels: dict[str, tuple[str, str]], cluster: dict[str, str]) -> dict[str, dict[str, float]]:
    """Pairwise TP/FP/FN over all record pairs, overall and per pair kind. ``cluster``: each record's
    dedup cluster (a record missing from it is alone)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_identity: dict[str, list[str]] = defaultdict(list)
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for path, (identity, _) in labels.items():
        by_identity[identity].append(path)
        by_cluster[cluster.get(path, "\0" + path)].append(path)
    pairs = set()
    for group in (*by_identity.values(), *by_cluster.values()):
        pairs.update(itertools.combinations(sorted(group), 2))
    for a, b in pairs:
        truth = labels[a][0] == labels[b][0]
        predicted = cluster.get(a, "\0" + a) == cluster.get(b, "\0" + b)
        for key in ("all", pair_kind(labels[a][1], labels[b][1])):
            counts[key][0 if truth and predicted else 1 if predicted else 2] += 1
    result = {}
    for key, (tp, fp, fn) in counts.items():
        result[key] = {
            "pairs": tp + fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "false_links": fp,
        }
    return result


def peer_baseline(raw: Path, labels: dict[str, tuple[str, str]], threshold: float) -> tuple[dict[str, str], float]:
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
    return {p: find(p) for p in labels}, time.perf_counter() - started


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
        cells = [
            "-" if k not in r
            else f"{r[k]['false_links']} false links" if not r[k]["pairs"]
            else f"P {r[k]['precision']:.3f} / R {r[k]['recall']:.3f}"
            for _, r in rows
        ]
        lines.append(f"| {k} | {pairs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- sets with gold, and what was dropped -------------------------------------------------------

class Labelled:
    """A set to run: its raw folder, each record's identity and kind, and the measure of how much of a
    dropped record its survivor still holds (``coverage(dropped path, survivor path)``)."""

    def __init__(self, name: str, raw: Path, labels: dict[str, tuple[str, str]], coverage: callable, kinds: bool = True):
        self.name, self.raw, self.labels, self.coverage, self.kinds = name, raw, labels, coverage, kinds


def gold_coverage(gold_of: callable) -> callable:
    cache: dict[str, frozenset] = {}

    def sh(path: str) -> frozenset:
        if path not in cache:
            cache[path] = shingles(gold_of(path))
        return cache[path]

    return lambda dropped, survivor: covered(sh(dropped), sh(survivor))


def union(keys: list[str], same: callable, candidates: callable = None) -> dict[str, str]:
    """Each key's group (its smallest member): the transitive closure of ``same(a, b)``, tried on the
    pairs ``candidates(a)`` gives (default: every earlier key)."""
    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, a in enumerate(keys):
        for b in (candidates(a) if candidates else keys[:i]):
            if same(a, b):
                ra, rb = find(a), find(b)
                parent[max(ra, rb)] = min(ra, rb)
    return {k: find(k) for k in keys}


def identities(keys: list[str], sets: dict[str, frozenset]) -> dict[str, str]:
    """Union of the keys whose gold texts are one document (:func:`dedup_sites.same_gold`); candidates
    are the earlier keys sharing a shingle."""
    postings: dict[tuple, list[str]] = defaultdict(list)
    for k in keys:
        for g in sets[k]:
            postings[g].append(k)

    def candidates(a: str) -> set[str]:
        return {b for g in sets[a] for b in postings[g] if b < a}

    return union(keys, lambda a, b: same_gold(sets[a], sets[b]), candidates)


def cross_format_set(eval_dir: Path, work: Path) -> Labelled:
    raw = work / "cross-format"
    labels = build_set(eval_dir, raw)
    gold = json.loads((eval_dir / "article-extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    return Labelled("cross-format", raw, labels, gold_coverage(lambda p: gold[labels[p][0]]["articleBody"]))


def sites_set(eval_dir: Path, work: Path) -> Labelled:
    corpus = dedup_sites.build(eval_dir, work / "sites")
    labels = {p: (v["id"], f"{v['part']}:{v['kind']}") for p, v in corpus.labels.items()}
    return Labelled("sites", corpus.raw, labels, gold_coverage(lambda p: corpus.gold[corpus.labels[p]["id"]]))


def pages_set(eval_dir: Path, name: str) -> Labelled:
    """A set's HTML pages as they are (read in place); identity from the gold texts."""
    gold = dedup_sites.load_gold(eval_dir, name)
    files = {f"{key}.html": entry["articleBody"] for key, entry in gold.items() if (eval_dir / name / "html" / f"{key}.html").exists()}
    sets = {p: shingles(t) for p, t in files.items()}
    ident = identities(sorted(files), sets)
    return Labelled(name, eval_dir / name / "html", {p: (ident[p], "html") for p in files},
                    lambda d, s: covered(sets.get(d, frozenset()), sets.get(s, frozenset())), kinds=False)


def snippets_set(eval_dir: Path) -> Labelled:
    """boilerplate-snippets: the "must keep" snippets stand for the gold (see the module docstring)."""
    base = eval_dir / "boilerplate-snippets"
    data = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    snippets = {v["file"]: [dedup_sites.norm(x) for x in v["with"] if len(x.strip()) >= 20] for v in data.values()}
    snippets = {f: s for f, s in snippets.items() if s and (base / "html" / f).exists()}
    texts = {f: dedup_sites.norm(dedup_sites.flatten((base / "html" / f).read_bytes())) for f in snippets}

    def coverage(dropped: str, survivor: str) -> float:
        wanted = snippets.get(dropped) or []
        return sum(x in texts.get(survivor, "") for x in wanted) / len(wanted) if wanted else 1.0

    files = sorted(snippets)
    ident = union(files, lambda f, g: coverage(f, g) >= DISTINCT or coverage(g, f) >= DISTINCT)
    return Labelled("boilerplate-snippets", base / "html", {f: (ident[f], "html") for f in files}, coverage, kinds=False)


def dropped_records(out: Path) -> list[dict]:
    """Every dropped record: its path, its survivor's path, method, similarity, and both texts' starts."""
    kept = {}
    for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        kept[doc["id"]] = (doc["metadata"]["source"]["path"], doc["text"])
    found = []
    for line in (out / "duplicates.jsonl").read_text(encoding="utf-8").splitlines():
        dup = json.loads(line)
        survivor_path, survivor_text = kept[dup["duplicate_of"]]
        found.append({
            "path": dup["source"]["path"], "survivor": survivor_path, "method": dup["method"],
            "similarity": dup["similarity"], "text": dup["text"], "survivor_text": survivor_text,
        })
    return found


def run_set(item: Labelled, out: Path) -> dict:
    elapsed, report = run_cli(item.raw, out)
    cluster, rejected = clusters_from_outputs(out)
    labels = {p: v for p, v in item.labels.items() if p in cluster}  # rejected files and files without gold leave
    result = score(labels, cluster)
    dropped = [d for d in dropped_records(out) if d["path"] in labels]
    for d in dropped:
        d["coverage"] = item.coverage(d["path"], d["survivor"]) if d["survivor"] in labels else None
    distinct = [d for d in dropped if d["coverage"] is not None and d["coverage"] < DISTINCT]
    return {
        "name": item.name, "files": len(item.labels), "records": len(labels), "identities": len({i for i, _ in labels.values()}),
        "kept": report["documents"], "dropped": len(dropped), "distinct": distinct, "score": result, "report": report,
        "elapsed": elapsed, "rejected": rejected, "kinds": item.kinds,
    }


def cross_format(result: dict, part: str = "") -> tuple[float, float, int]:
    """Precision and recall over the pairs of records of different kinds (page, REST post, page text,
    truncated post), of one part of the set when given (``built``, ``real``): the issue's target pairs."""
    tp = fp = fn = 0
    for key, r in result.items():
        if key == "all":
            continue
        a, b = key.split("~")
        if a == b or (part and not (a.startswith(part + ":") and b.startswith(part + ":"))):
            continue
        if {a.split(":")[-1], b.split(":")[-1]} <= {"html", "wp", "text", "trunc", "rescrape"}:
            found = round(r["recall"] * r["pairs"])
            tp, fn, fp = tp + found, fn + r["pairs"] - found, fp + r["false_links"]
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), tp + fn


def _snippet(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return (text[:n] + "…") if len(text) > n else text


def summary_table(results: list[dict]) -> str:
    lines = [
        "| set | records | identities | dropped | distinct dropped | pairs | P | R | dedup decide | wall |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a = r["score"].get("all", {"pairs": 0, "precision": 1.0, "recall": 1.0})
        lines.append(
            f"| {r['name']} | {r['records']} | {r['identities']} | {r['dropped']} | **{len(r['distinct'])}** | {a['pairs']} | "
            f"{a['precision']:.3f} | {a['recall']:.3f} | {r['report']['timings_seconds'].get('dedup_decide', 0):.2f} s | {r['elapsed']:.0f} s |"
        )
    return "\n".join(lines)


def distinct_table(r: dict, limit: int = 25) -> str:
    rows = sorted(r["distinct"], key=lambda d: (d["survivor"], d["path"]))
    lines = [f"Distinct documents dropped in `{r['name']}` ({len(rows)}):", "",
             "| dropped | survivor | method | similarity | gold shared | dropped text starts |", "|---|---|---|---|---|---|"]
    for d in rows[:limit]:
        lines.append(f"| {d['path']} | {d['survivor']} | {d['method']} | {d['similarity']} | {d['coverage']:.2f} | {_snippet(d['text'])} |")
    if len(rows) > limit:
        lines.append(f"| … {len(rows) - limit} more | | | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval_dir", type=Path, help="the eval folder (article-extraction/, dragnet/, ...)")
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of: {', '.join(SETS)} (default: all)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/dedup.md")
    parser.add_argument("--keep", type=Path, help="build the raw folders and outputs here instead of a temporary folder")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(wanted) - set(SETS)
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    wanted = [s for s in wanted if s in ("cross-format", "sites") or (args.eval_dir / s).is_dir()]

    work = args.keep or Path(tempfile.mkdtemp(prefix="presswash-dedup-"))
    results, peers = [], []
    for name in wanted:
        if name == "cross-format":
            item = cross_format_set(args.eval_dir, work)
        elif name == "sites":
            item = sites_set(args.eval_dir, work)
        elif name == "boilerplate-snippets":
            item = snippets_set(args.eval_dir)
        else:
            item = pages_set(args.eval_dir, name)
        result = run_set(item, work / f"out-{name}")
        results.append(result)
        print(f"{name}: {result['records']} records, {result['dropped']} dropped, {len(result['distinct'])} distinct dropped", file=sys.stderr)
        if name == "cross-format":
            for threshold in (0.8, 0.5):
                same, seconds = peer_baseline(item.raw, item.labels, threshold)
                peers.append((f"MinHash J>={threshold} on trafilatura output", score(item.labels, same), seconds))

    lines = [
        "# Dedup benchmark",
        "",
        "Every set with gold, run through the real `presswash clean`. *distinct dropped*: dropped records of "
        "which less than half of the gold shingles are in their survivor's gold (a distinct document lost from "
        "`documents.jsonl`); *P / R*: pairwise precision and recall of \"same document\" (one dedup cluster). "
        "`python benchmarks/dedup.py EVAL_DIR`.",
        "",
        summary_table(results),
    ]
    for r in results:
        lines += ["", f"## {r['name']}", ""]
        report = r["report"]
        lines.append(
            f"{r['files']} raw files; presswash: {report['documents']} documents, {report['duplicates']} duplicates "
            f"({', '.join(f'{k} {v}' for k, v in report['duplicates_by_method'].items()) or 'none'}), {report['rejected']} rejected."
        )
        if r["name"] == "cross-format":
            lines += ["", table([("presswash clean", r["score"])] + [(n, res) for n, res, _ in peers]),
                      "", "Peer baselines: " + ", ".join(f"{s:.1f} s" for _, _, s in peers) + " (extraction included)."]
        elif r["kinds"]:
            parts = [("built", "built sites"), ("real", "real multi-page sites")] if r["name"] == "sites" else [("", "all")]
            lines += ["", "Cross-format pairs (two records of different kinds, one article; target: R >= 0.97 at P >= 0.995): " + "; ".join(
                "{}: P {:.3f} / R {:.3f} ({} pairs)".format(label, *cross_format(r["score"], part)) for part, label in parts) + "."]
            lines += ["", table([("presswash clean", r["score"])])]
        if r["distinct"]:
            lines += ["", distinct_table(r)]
        if r["rejected"]:
            lines += ["", "Rejected: " + "; ".join(f"{p}: {e}" for p, e in sorted(r["rejected"].items())[:10])]
    text = "\n".join(lines)
    print(text)
    if args.save:
        results_dir = ROOT / "benchmarks" / "results"
        results_dir.mkdir(parents=True, exist_ok=True)
        (results_dir / "dedup.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
