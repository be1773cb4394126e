"""The dedup stage alone at scale: fingerprints, decisions, index size and memory.

Generates N synthetic documents, deterministic for a seed, rich in duplicates: 60% distinct articles
(paragraphs of words drawn with real word frequencies from the eval set's gold texts, so shingles are
as rare as in prose), and 10% each of exact copies, near copies (2% of words changed), truncated
copies (the first 30-80%) and copies wrapped in their site's navigation and footer. Every document
belongs to one of 200 sites. Documents are generated one at a time (memory stays flat), fingerprinted
(the work the parallel batch tasks do) and decided against the on-disk SQLite index (the one place
that decides). Prints documents per second for each step, the index size on disk, peak memory, and
pairwise precision and recall against the generated labels.

    python benchmarks/dedup_scale.py EVAL_DIR [--docs 100000] [--save]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners.config import DedupConfig  # noqa: E402
from cleaners.dedup.fingerprint import fingerprint  # noqa: E402
from cleaners.dedup.index import DedupIndex, IndexedRecord, group_key  # noqa: E402
from cleaners.dedup.policy import Candidate  # noqa: E402

SITES = 200


def vocabulary(eval_dir: Path) -> tuple[list[str], list[int]]:
    gold = json.loads((eval_dir / "article-extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    counts = Counter(w for entry in gold.values() for w in re.findall(r"[A-Za-z']+", entry["articleBody"]))
    words, weights = zip(*counts.most_common())
    return list(words), list(weights)


class Generator:
    def __init__(self, words, weights, seed: int):
        self.words, self.seed = words, seed
        self.cum = []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)

    def article(self, base: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + base)
        paragraphs = []
        for _ in range(rng.randint(4, 12)):
            n = rng.randint(40, 110)
            words = rng.choices(self.words, cum_weights=self.cum, k=n)
            paragraphs.append(" ".join(words).capitalize() + ".")
        return "\n\n".join(paragraphs)

    def chrome(self, site: int) -> tuple[list[str], list[str]]:
        rng = random.Random(self.seed * 7 + site)
        nav = [w.capitalize() for w in rng.choices(self.words[:400], k=6)]
        footer = [" ".join(rng.choices(self.words, cum_weights=self.cum, k=18)).capitalize() + ".", f"© 2024 Site {site}. All rights reserved."]
        return nav, footer

    def document(self, i: int) -> tuple[str, int, str]:
        """(text, base article id, kind) of document i."""
        rng = random.Random(self.seed * 31 + i)
        roll = rng.random()
        if roll < 0.6 or i < 10:
            return self.article(i), i, "base"
        base = rng.randrange(0, i)
        while self._kind(base) != "base":  # variants copy a distinct article
            base = rng.randrange(0, i)
        text = self.article(base)
        if roll < 0.7:
            return text, base, "exact"
        if roll < 0.8:
            words = text.split(" ")
            for j in range(0, len(words), 50):
                words[j] = rng.choice(self.words)
            return " ".join(words), base, "near"
        if roll < 0.9:
            return text[: int(len(text) * rng.uniform(0.3, 0.8))], base, "truncated"
        nav, footer = self.chrome(base % SITES)
        return "\n\n".join(nav + [text] + footer), base, "chrome"

    def _kind(self, i: int) -> str:
        rng = random.Random(self.seed * 31 + i)
        return "base" if rng.random() < 0.6 or i < 10 else "variant"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/dedup_scale.md")
    args = parser.parse_args(argv)

    config = DedupConfig()
    gen = Generator(*vocabulary(args.eval_dir), seed=args.seed)
    work = Path(tempfile.mkdtemp(prefix="presswash-dedup-scale-"))
    index = DedupIndex(work / "state.sqlite", config)
    t_generate = t_fingerprint = t_decide = 0.0
    base_of: list[int] = []
    kinds: Counter[str] = Counter()
    cluster_of: dict[str, str] = {}
    for i in range(args.docs):
        started = time.perf_counter()
        text, base, kind = gen.document(i)
        t_generate += time.perf_counter() - started
        started = time.perf_counter()
        fp = fingerprint(text, config)
        t_fingerprint += time.perf_counter() - started
        words = len(re.findall(r"\w+", text))
        rec = IndexedRecord(f"d{i}", Candidate(f"doc-{i:07d}", 0, False, fp.prose_words, words, 0), group_key(f"site:{base % SITES}"), fp)
        started = time.perf_counter()
        index.insert(rec)
        t_decide += time.perf_counter() - started
        base_of.append(base)
        kinds[kind] += 1
        if (i + 1) % 10_000 == 0:
            index.commit()
            print(f"  {i + 1} documents, {t_decide:.1f} s deciding", file=sys.stderr)
    index.commit()
    for id_, status, dup in index.db.execute("SELECT id, status, duplicate_of FROM records"):
        cluster_of[id_] = id_ if status == "kept" else dup
    counts = index.counts()
    index.close()
    size = sum(p.stat().st_size for p in work.iterdir())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # pairwise quality against the generated labels (pairs counted within each true or predicted group)
    truth: dict[int, list[int]] = defaultdict(list)
    predicted: dict[str, list[int]] = defaultdict(list)
    for i, base in enumerate(base_of):
        truth[base].append(i)
        predicted[cluster_of[f"d{i}"]].append(i)
    tp = sum(1 for members in predicted.values() for a in range(len(members)) for b in range(a + 1, len(members)) if base_of[members[a]] == base_of[members[b]])
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in truth.values())
    predicted_pairs = sum(len(m) * (len(m) - 1) // 2 for m in predicted.values())

    n = args.docs
    lines = [
        f"# Dedup stage at scale: {n} synthetic documents",
        "",
        f"Documents: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; {SITES} sites.",
        "",
        "| step | seconds | documents/s |",
        "|---|---|---|",
        f"| fingerprint (exact key, MinHash 128, containment samples; runs in the parallel batch tasks) | {t_fingerprint:.1f} | {n / t_fingerprint:,.0f} |",
        f"| decide against the SQLite index (one place, in source order) | {t_decide:.1f} | {n / t_decide:,.0f} |",
        f"| (generating the synthetic text, not part of presswash) | {t_generate:.1f} | |",
        "",
        f"Index on disk: {size / 2**20:.1f} MiB ({size / n:,.0f} bytes per document); peak memory of the process: {peak:.0f} MiB.",
        f"Decisions: {counts['kept']} kept, {counts['duplicates']} duplicates; pairwise precision "
        f"{tp / predicted_pairs if predicted_pairs else 1:.4f}, recall {tp / true_pairs if true_pairs else 1:.4f} "
        f"({true_pairs} same-article pairs).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.save:
        (ROOT / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
        (ROOT / "benchmarks" / "results" / "dedup_scale.md").write_text(text + "\n", encoding="utf-8")
    for p in work.iterdir():
        p.unlink()
    work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
