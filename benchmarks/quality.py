"""Quality benchmark: presswash against the gold of every evaluation source, trafilatura alongside.

Usage::

    python benchmarks/quality.py EVAL_DIR [--save] [--only NAME ...] [--limit N] [--grid-limit N]
                                          [--profile N] [--pages-out FILE]

Every set under ``EVAL_DIR`` whose shape is known is found by its shape (``benchmarks/evalsets.py``:
gold-text pages, snippets, goose3, newspaper4k, labelled lines, WordPress REST files, WXR exports) and
scored in one run. Three systems run in the same process on the same bytes of every HTML page, in an
order that rotates from page to page:

- ``presswash``: ``Cleaner().process_bytes(data, source)``, the path of ``presswash clean`` (decode,
  sniff, reader, extraction and its checks, normalization, rules, repairs, metadata, language);
- ``trafilatura``: bare ``trafilatura.extract(data)``, its defaults;
- ``trafilatura fast``: ``trafilatura.extract(data, fast=True, include_comments=False)``.

Measures:

- HTML main text, per source and macro-averaged over the sources with real gold: the
  article-extraction-benchmark metric as its evaluate.py has it: case-sensitive ``\\w+`` tokens,
  multisets of 4-token shingles, precision and recall per page, each averaged over the pages where it
  is defined (precision over pages with output, recall over pages with gold text), F1 of the two
  averages. CPU per page of each system: ``time.process_time`` around each call.
- Plain text: every page of the gold-text sets flattened to text, menus and all, by a plain
  HTML-to-text tool (``html-text``; ``--flatten inscriptis`` for the other), cleaned by presswash as a
  plain-text file and scored with the same metric; the untouched dump's score beside it.
  article-extraction also ships two such dumps: scored as before, on the half of the pages the line
  classifier was not tuned on (sorted ids, odd positions) and, apart, on the tuning half.
- Labelled lines (oscar-lines): each document's lines written as one text file and cleaned; a line of
  three words or more counts as kept when its words (``\\w+`` tokens after ftfy and NFKC on both
  sides, so repairs of encoding, spacing and punctuation do not count as a loss) appear in that order
  in the output. Kept share of main-text lines, leaked share of chrome lines, per language.
- Snippets: must-keep snippets kept, must-drop snippets leaked (whitespace-normalised substrings).
- Metadata, exact match where the gold has a value: title (whitespace-normalised), author (the set of
  names, case-insensitive), published day (the gold's day in its own offset or in UTC), url (host and
  path: scheme, query, fragment and a final slash ignored). presswash's, and trafilatura's own
  (``extract_metadata``) beside it. goose3 and newspaper4k are **weak gold** (those tools' own
  outputs): regressions, not a score; so is their text, shown apart and out of the macro.
- WordPress REST (every post or page object with text in the files: title, url, published, modified,
  slug, id) and WXR exports (posts read, items skipped, files rejected).
- Leave-one-source-out (``benchmarks/loso.py``) over the main-text sources (their F1) and the snippets
  (the mean of kept and not leaked): which of the three systems, and which of a grid of trafilatura
  options (``fast``, ``favor_precision``, ``favor_recall``, comments left out; ``--grid-limit`` pages
  per source), a choice made on the other sources picks, and its score on the source left out.
- ``--profile N``: presswash's CPU on N HTML pages split into its parts (cProfile, cumulative).

``html-text`` and ``inscriptis`` are benchmark tools, not presswash dependencies: install them in the
benchmark's environment (``pip install html-text inscriptis``). One page that breaks a system costs
that page (its output counts as empty and the error is counted), never the run. ``--save`` writes
``benchmarks/results/quality.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import html as html_lib
import importlib.metadata
import importlib.util
import json
import platform
import pstats
import re
import statistics
import sys
import time
import unicodedata
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import ftfy  # noqa: E402
import trafilatura  # noqa: E402
from trafilatura.utils import decode_file  # noqa: E402

from cleaners import Cleaner, Document, RuleSet, __version__  # noqa: E402
from evalsets import EvalSet, Page, discover, wordpress_gold, wordpress_posts  # noqa: E402
from loso import LosoResult, leave_one_source_out  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "quality.md"
PARTS = ("html", "plaintext", "lines", "wordpress", "wxr", "grid")
PRESSWASH = "presswash"
SYSTEMS = {PRESSWASH: None, "trafilatura": {}, "trafilatura fast": {"fast": True, "include_comments": False}}
# trafilatura options as variants: its defaults, then comments left out (as presswash does) with fast or
# not and favor_precision, favor_recall or neither; the simplest first (ties go to the first)
GRID = {"defaults": {}} | {
    f"{'fast' if fast else 'full'}{'+' + mode.removeprefix('favor_') if mode else ''}": dict(
        {"fast": fast, "include_comments": False}, **({mode: True} if mode else {}))
    for mode in (None, "favor_precision", "favor_recall") for fast in (True, False)
}
TWEET_RULES = ("tweet-attribution", "tweet-image-link")
WORDPRESS_FIELDS = ("title", "url", "published", "modified", "slug", "id")
META_FIELDS = ("title", "author", "published", "url")
MIN_LINE_WORDS = 3

# -- the metric (article-extraction-benchmark's evaluate.py) -------------------------------------

_TOKEN = re.compile(r"\w+")


def shingles(text: str | None, n: int = 4) -> Counter:
    """The multiset of ``n``-token shingles; a text of fewer tokens is one shorter shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def match(gold: str | None, predicted: str | None) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of one page, in shingles."""
    truth, guess = shingles(gold), shingles(predicted)
    tp = sum((truth & guess).values())
    return tp, sum(guess.values()) - tp, sum(truth.values()) - tp


@dataclass
class Score:
    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @classmethod
    def of(cls, counts: list[tuple[int, int, int]]) -> "Score":
        """Per-page precision averaged over the pages with output, recall over the pages with gold."""
        ps = [tp / (tp + fp) for tp, fp, fn in counts if tp + fp]
        rs = [tp / (tp + fn) for tp, fp, fn in counts if tp + fn]
        return cls(statistics.fmean(ps) if ps else 0.0, statistics.fmean(rs) if rs else 0.0, len(counts))

    def __str__(self) -> str:
        return f"{self.precision:.3f} / {self.recall:.3f} / **{self.f1:.3f}**"


def split_halves(ids) -> tuple[list[str], list[str]]:
    """The tuning / reporting split of article-extraction's plain-text pages: sorted ids, even / odd."""
    ordered = sorted(ids)
    return ordered[0::2], ordered[1::2]


# -- running the systems --------------------------------------------------------------------------

@dataclass
class Output:
    text: str = ""
    cpu: float = 0.0  # seconds of process CPU
    metadata: dict | None = None  # presswash's Document metadata
    format: str | None = None  # the format presswash read the input as
    error: str | None = None  # a system that raised, or presswash's rejection


def source_for(name: str) -> dict:
    return {"path": name, "format": None, "sha256": None, "record": None, "encoding": None}


def presswash_documents(cleaner: Cleaner, data: bytes, name: str) -> list:
    return list(cleaner.process_bytes(data, source_for(name)))


def run_presswash(cleaner: Cleaner, data: bytes, name: str) -> Output:
    outcomes = presswash_documents(cleaner, data, name)
    doc = next((o for o in outcomes if isinstance(o, Document)), None)
    if doc is None:
        first = outcomes[0] if outcomes else None
        return Output(format=first.source.get("format") if first else None, error=first.error if first else "no outcome")
    return Output(doc.text, metadata=doc.metadata, format=doc.metadata["source"].get("format"))


def run_system(system: str, data: bytes, name: str, cleaner: Cleaner, options: dict | None = None) -> Output:
    """One system on one page's bytes, timed in process CPU; an exception costs the page, not the run."""
    started = time.process_time()
    try:
        if system == PRESSWASH:
            out = run_presswash(cleaner, data, name)
        else:
            out = Output(trafilatura.extract(data, **(options if options is not None else SYSTEMS[system])) or "")
    except Exception as exc:  # noqa: BLE001 - the benchmark must go on
        out = Output(error=f"{type(exc).__name__}: {exc}")
    out.cpu = time.process_time() - started
    return out


def flatten(data: bytes, tool: str) -> str:
    """The whole page as plain text, menus and all, by a plain HTML-to-text tool."""
    text = decode_file(data)
    if tool == "inscriptis":
        from inscriptis import get_text
        return get_text(text)
    import html_text
    return html_text.extract_text(text)


# -- metadata comparison ------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")  # soft hyphens and zero-width characters


def _space(text) -> str:
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", html_lib.unescape(str(text or "")))).split())


def _names(value) -> set[str]:
    parts = value if isinstance(value, list) else re.split(r"\s*(?:;|,|\band\b|&|\bund\b)\s*", str(value or ""))
    return {_space(p).casefold() for p in parts if _space(p)}


def _days(value) -> set[str]:
    """The day a date is on, in its own offset and in UTC (either may be the one a tool reports)."""
    text = str(value or "").strip()
    if not text:
        return set()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            from dateutil import parser as date_parser
            with warnings.catch_warnings():  # "EDT identified but not understood": the day is all we need
                warnings.simplefilter("ignore")
                moment = date_parser.parse(text)
        except (ValueError, OverflowError, ImportError):
            return {text[:10]}
    days = {moment.date().isoformat()}
    if moment.tzinfo is not None:
        days.add(moment.astimezone(timezone.utc).date().isoformat())
    return days


def _url_key(value) -> tuple[str, str] | None:
    if not value:
        return None
    parts = urlsplit(str(value).strip())
    return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/")


def metadata_matches(gold: dict, found: dict) -> dict[str, bool]:
    """For each field the gold has: whether ``found`` (title, author, published, url) matches it."""
    result = {}
    if "title" in gold:
        result["title"] = _space(found.get("title")) == _space(gold["title"])
    if "authors" in gold:
        result["author"] = bool(found.get("author")) and _names(found["author"]) == _names(gold["authors"])
    if "published" in gold:
        result["published"] = bool(found.get("published")) and str(found["published"])[:10] in _days(gold["published"])
    if "url" in gold:
        result["url"] = _url_key(found.get("url")) == _url_key(gold["url"])
    return result


def trafilatura_metadata(data: bytes) -> dict:
    tree = trafilatura.load_html(data)
    meta = trafilatura.extract_metadata(tree) if tree is not None else None
    if meta is None:
        return {}
    return {"title": meta.title, "author": meta.author, "published": meta.date, "url": meta.url}


# -- results --------------------------------------------------------------------------------------

@dataclass
class PageResult:
    source: str
    id: str
    system: str
    cpu: float
    counts: tuple[int, int, int] | None = None  # shingles tp, fp, fn (gold-text pages)
    kept: int = 0  # snippets
    leaked: int = 0
    format: str | None = None
    error: str | None = None
    empty: bool = False


class Run:
    """Everything measured in one run, kept per page so any table can be made from it."""

    def __init__(self):
        self.pages: list[PageResult] = []
        self.rows: list[tuple[str, ...]] = []  # the main table: measure, source, n, three systems, reference
        self.notes: list[str] = []
        self.loso: list[tuple[str, dict, LosoResult]] = []
        self.grid_cpu: dict[str, tuple[float, float]] = {}  # variant -> ms per page, ratio to bare trafilatura
        self.profile: list[tuple[str, float, float]] = []
        self.meta: dict[str, dict[str, Counter]] = {}  # source -> who -> field -> matches / total

    def add(self, measure: str, source: str, n, *cells: str) -> None:
        cells = list(cells) + ["—"] * (4 - len(cells))
        self.rows.append((measure, source, str(n), *cells))

    def select(self, source: str | None = None, system: str | None = None) -> list[PageResult]:
        return [p for p in self.pages if (source is None or p.source == source) and (system is None or p.system == system)]

    def score(self, source: str, system: str) -> Score:
        return Score.of([p.counts for p in self.select(source, system) if p.counts is not None])

    def snippet_shares(self, source: str, system: str, totals: tuple[int, int]) -> tuple[float, float]:
        pages = self.select(source, system)
        keep, drop = totals
        return (sum(p.kept for p in pages) / keep if keep else 0.0, sum(p.leaked for p in pages) / drop if drop else 0.0)


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(f"[quality {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _share(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f}%)" if total else "—"


def _rotated(names: list[str], i: int) -> list[str]:
    k = i % len(names)
    return names[k:] + names[:k]


def _limited(items: list, limit: int | None) -> list:
    return items[:limit] if limit else items


# -- HTML pages: main text, snippets, metadata, CPU -----------------------------------------------

def _score_page(run: Run, s: EvalSet, page: Page, system: str, out: Output) -> None:
    result = PageResult(s.name, page.id, system, out.cpu, format=out.format, error=out.error, empty=not out.text.strip())
    if page.text is not None:
        tp, fp, fn = match(page.text, out.text)
        result.counts = (tp, 0, fn) if page.prefix else (tp, fp, fn)  # a prefix gold scores recall only
    if page.keep or page.drop:
        result.kept, result.leaked = snippet_counts(page, out.text)
    run.pages.append(result)


def snippet_counts(page: Page, text: str) -> tuple[int, int]:
    """How many of the page's must-keep snippets, and of its must-drop ones, are in ``text``."""
    text = " ".join(text.split())
    return sum(" ".join(x.split()) in text for x in page.keep), sum(" ".join(x.split()) in text for x in page.drop)


def run_html_sets(sets: list[EvalSet], cleaner: Cleaner, run: Run, grid: dict | None, grid_limit: int | None) -> None:
    html_sets = [s for s in sets if s.pages]
    if not html_sets:
        return
    warm = html_sets[0].pages[0].read()
    for system in SYSTEMS:  # loading models and stoplists is a once-per-process cost, not a page's
        run_system(system, warm, "warm-up.html", cleaner)
    systems = list(SYSTEMS)
    extra = {name: options for name, options in (grid or {}).items() if options not in SYSTEMS.values()}
    for s in html_sets:
        log(f"{s.name}: {len(s.pages)} HTML pages")
        meta = run.meta.setdefault(s.name, {PRESSWASH: Counter(), "trafilatura": Counter(), "total": Counter()})
        for i, page in enumerate(s.pages):
            data = page.read()
            outputs = {system: run_system(system, data, page.path.name, cleaner) for system in _rotated(systems, i)}
            for system in systems:
                _score_page(run, s, page, system, outputs[system])
            if grid is not None and (grid_limit is None or i < grid_limit):
                for name in _rotated(list(extra), i):
                    _score_page(run, s, page, f"grid:{name}", run_system(name, data, page.path.name, cleaner, extra[name]))
            if page.metadata:
                ours = outputs[PRESSWASH].metadata or {}
                try:
                    theirs = trafilatura_metadata(data)
                except Exception:  # noqa: BLE001
                    theirs = {}
                for field, ok in metadata_matches(page.metadata, ours).items():
                    meta[PRESSWASH][field] += ok
                    meta["total"][field] += 1
                for field, ok in metadata_matches(page.metadata, theirs).items():
                    meta["trafilatura"][field] += ok
    # grid variants that equal one of the three systems share its run
    for name, options in (grid or {}).items():
        same = next((system for system, o in SYSTEMS.items() if o == options), None)
        if same:
            for s in html_sets:
                limit = len(s.pages) if grid_limit is None else grid_limit
                ids = {p.id for p in s.pages[:limit]}
                run.pages += [PageResult(**dict(vars(p), system=f"grid:{name}")) for p in run.select(s.name, same) if p.id in ids]


def report_html(sets: list[EvalSet], run: Run) -> None:
    gold = [s for s in sets if s.shape == "gold-text" and s.pages]
    systems = list(SYSTEMS)
    for s in gold:
        run.add("HTML main text: P / R / F1", s.name, len(s.pages), *(str(run.score(s.name, x)) for x in systems))
    if gold:
        f1 = {x: statistics.fmean(run.score(s.name, x).f1 for s in gold) for x in systems}
        run.add("HTML main text: macro F1", f"{len(gold)} sources", sum(len(s.pages) for s in gold), *(f"**{f1[x]:.3f}**" for x in systems))
    for s in [s for s in sets if s.shape == "snippets" and s.pages]:
        keep, drop = sum(len(p.keep) for p in s.pages), sum(len(p.drop) for p in s.pages)
        for label, attr, total in (("must-keep kept (higher is better)", "kept", keep), ("must-drop leaked (lower is better)", "leaked", drop)):
            run.add(f"Snippets: {label}", s.name, len(s.pages), *(_share(sum(getattr(p, attr) for p in run.select(s.name, x)), total) for x in systems))
    for s in [s for s in sets if s.weak and s.pages]:
        texts = [p for p in s.pages if p.text]
        if not texts:
            continue
        if all(p.prefix for p in texts):
            cells = [f"{run.score(s.name, x).recall:.3f}" for x in systems]
            run.add("Weak gold, text: recall of the expected start of the text", s.name, len(texts), *cells)
        else:
            run.add("Weak gold, text: P / R / F1", s.name, len(texts), *(str(run.score(s.name, x)) for x in systems))
    html_sets = [s for s in sets if s.pages]
    base = {s.name: sum(p.cpu for p in run.select(s.name, "trafilatura")) for s in html_sets}
    for s in html_sets + [None]:
        chosen = html_sets if s is None else [s]
        n = sum(len(x.pages) for x in chosen)
        bare = sum(base[x.name] for x in chosen)
        cells = []
        for system in systems:
            cpu = sum(p.cpu for x in chosen for p in run.select(x.name, system))
            cells.append(f"{1000 * cpu / n:.1f} ms ({cpu / bare:.2f}×)" if bare else f"{1000 * cpu / n:.1f} ms")
        run.add("HTML CPU per page (× bare trafilatura)", "all HTML pages" if s is None else s.name, n, *cells)
    for s in html_sets:
        for system in systems:
            pages = run.select(s.name, system)
            errors = Counter((p.error or "")[:60] for p in pages if p.error and system != PRESSWASH)
            if errors:
                run.notes.append(f"{s.name}: {system} raised on {sum(errors.values())} pages ({', '.join(errors)})")
    formats = {s.name: Counter(p.format for p in run.select(s.name, PRESSWASH)) for s in html_sets}
    odd = {name: c for name, c in formats.items() if set(c) - {"html"}}
    if odd:
        run.notes.append("Formats presswash read the HTML pages as (sniffing), where not all `html`: " + "; ".join(
            f"{name} " + ", ".join(f"{k or 'rejected'} {v}" for k, v in c.most_common()) for name, c in odd.items()))
    empties = {s.name: [sum(p.empty for p in run.select(s.name, x)) for x in systems] for s in gold}
    run.notes.append("Pages with an empty output (counted in recall, not in precision, as upstream), presswash / trafilatura / fast: "
                     + "; ".join(f"{name} {'/'.join(map(str, c))}" for name, c in empties.items()))


def report_metadata(sets: list[EvalSet], run: Run) -> None:
    for s in sets:
        meta = run.meta.get(s.name)
        if not meta or not meta["total"]:
            continue
        label = "Metadata exact (weak gold)" if s.weak else "Metadata exact"
        for field in META_FIELDS:
            total = meta["total"][field]
            if total:
                run.add(f"{label}: {field}", s.name, total, _share(meta[PRESSWASH][field], total), _share(meta["trafilatura"][field], total))


def run_tweet_note(sets: list[EvalSet], cleaner: Cleaner, run: Run) -> None:
    """What the two rules that remove gold text cost on article-extraction (kept from the earlier benchmark)."""
    s = next((s for s in sets if s.name == "article-extraction" and s.pages), None)
    if s is None:
        return
    without = Cleaner()
    without.rules = RuleSet([r for r in without.rules.rules if r.name not in TWEET_RULES])
    score = Score.of([match(p.text, run_system(PRESSWASH, p.read(), p.path.name, without).text) for p in s.pages])
    ours, bare = run.score(s.name, PRESSWASH), run.score(s.name, "trafilatura")
    run.notes.append(
        f"article-extraction recall without the `tweet-attribution` and `tweet-image-link` rules (they remove the \"— Name (@handle) date\" "
        f"line and the pic.twitter.com link of embedded tweets, which the gold keeps): {score.recall:.4f}, against "
        f"{ours.recall:.4f} with them and {bare.recall:.4f} for bare trafilatura (P {score.precision:.3f}, F1 {score.f1:.3f}).")


# -- plain text -------------------------------------------------------------------------------------

def run_plaintext(sets: list[EvalSet], cleaner: Cleaner, run: Run, tool: str) -> None:
    gold = [s for s in sets if s.shape == "gold-text" and s.pages]
    flattened = gold + [s for s in sets if s.shape == "snippets" and s.pages]
    if flattened and importlib.util.find_spec(tool.replace("-", "_")) is None:
        run.notes.append(f"Plain text of the HTML sets not measured: `{tool}` is not installed (`pip install {tool}`: a benchmark tool, not a presswash dependency).")
        flattened = []
    f1 = {"presswash": [], "untouched": []}
    lost = Counter()
    label = f"Plain text, whole-page `{tool}` dumps"
    later = []  # the snippet rows, after the macro
    for s in flattened:
        log(f"{s.name}: {len(s.pages)} pages as plain text ({tool})")
        ours, raw, snippets = [], [], Counter()
        for page in s.pages:
            try:
                dump = flatten(page.read(), tool)
            except Exception as exc:  # noqa: BLE001
                dump = ""
                lost[f"{s.name}: {tool} failed ({type(exc).__name__})"] += 1
            out = run_system(PRESSWASH, dump.encode("utf-8"), f"{page.id}.txt", cleaner)
            if out.error:
                lost[f"{s.name}: {out.error[:70]}"] += 1
            if s.shape == "gold-text":
                ours.append(match(page.text, out.text))
                raw.append(match(page.text, dump))
            else:
                for who, text in (("presswash", out.text), ("untouched", dump)):
                    kept, leaked = snippet_counts(page, text)
                    snippets[f"{who} kept"] += kept
                    snippets[f"{who} leaked"] += leaked
        if s.shape == "gold-text":
            a, b = Score.of(ours), Score.of(raw)
            f1["presswash"].append(a.f1)
            f1["untouched"].append(b.f1)
            run.add(f"{label}: P / R / F1", s.name, len(s.pages), str(a), "—", "—", str(b))
        else:
            keep, drop = sum(len(p.keep) for p in s.pages), sum(len(p.drop) for p in s.pages)
            for what, total in (("kept", keep), ("leaked", drop)):
                later.append((f"{label}: snippets must-{'keep' if what == 'kept' else 'drop'} {what}", s.name, len(s.pages),
                        _share(snippets[f"presswash {what}"], total), "—", "—", _share(snippets[f"untouched {what}"], total)))
    if f1["presswash"]:
        run.add(f"{label}: macro F1", f"{len(f1['presswash'])} sources", sum(len(s.pages) for s in gold),
                f"**{statistics.fmean(f1['presswash']):.3f}**", "—", "—", f"**{statistics.fmean(f1['untouched']):.3f}**")
    for row in later:
        run.add(*row)
    if lost:
        run.notes.append("Plain-text dumps lost (the flattening failed, or presswash rejected the dump): " + "; ".join(f"{k} ×{v}" for k, v in lost.most_common()))
    for s in gold:  # the dumps shipped with the set, on the halves the line classifier was and was not tuned on
        for name, dumps in s.flattened.items():
            pages = {p.id: p for p in s.pages}
            ids = [i for i in dumps if i in pages]
            cleaned = {i: run_system(PRESSWASH, dumps[i].encode("utf-8"), f"{i}.txt", cleaner).text for i in ids}
            tune, report = split_halves(ids)
            for half, which in ((report, "reported half"), (tune, "tuning half (tuned on, not a result)")):
                run.add(f"Plain text, shipped `{name}` dumps, {which}: P / R / F1", s.name, len(half),
                        str(Score.of([match(pages[i].text, cleaned[i]) for i in half])), "—", "—",
                        str(Score.of([match(pages[i].text, dumps[i]) for i in half])))


# -- labelled lines ---------------------------------------------------------------------------------

def line_key(text: str) -> str:
    """A line's words, as compared between input and output: ftfy, NFKC, ``\\w+`` tokens."""
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFKC", ftfy.fix_text(text))))


def kept_lines(lines: list[str], output: str) -> list[bool]:
    """Which input lines appear, word for word, in presswash's output of their document."""
    haystack = f" {line_key(output)} "
    return [f" {line_key(line)} " in haystack if line_key(line) else False for line in lines]


def run_lines(sets: list[EvalSet], cleaner: Cleaner, run: Run, limit: int | None) -> None:
    for s in [s for s in sets if s.shape == "lines"]:
        totals = Counter()
        shares = []
        for lang, docs in sorted(s.lines.items()):
            c = Counter()
            for i, (lines, labels) in enumerate(_limited(docs, limit)):
                out = run_system(PRESSWASH, "\n".join(lines).encode("utf-8"), f"{lang}-{i}.txt", cleaner)
                for line, label, kept in zip(lines, labels, kept_lines(lines, out.text)):
                    if len(line.split()) < MIN_LINE_WORDS:
                        continue
                    c[f"{label}-all"] += 1
                    c[f"{label}-kept"] += kept
            totals.update(c)
            kept, leaked = c["1-kept"] / max(1, c["1-all"]), c["0-kept"] / max(1, c["0-all"])
            shares.append((kept, leaked))
            run.add("Lines: main-text kept / chrome leaked", f"{s.name} {lang}", f"{c['1-all']}+{c['0-all']} lines",
                    f"{kept:.3f} / {leaked:.3f}", "—", "—", "1.000 / 1.000")
        if shares:
            run.add("Lines: main-text kept / chrome leaked, macro", f"{s.name}, {len(shares)} languages", f"{totals['1-all']}+{totals['0-all']} lines",
                    f"**{statistics.fmean(k for k, _ in shares):.3f} / {statistics.fmean(x for _, x in shares):.3f}**", "—", "—", "1.000 / 1.000")


# -- WordPress --------------------------------------------------------------------------------------

def run_wordpress(sets: list[EvalSet], cleaner: Cleaner, run: Run, limit: int | None) -> None:
    for s in [s for s in sets if s.shape == "wordpress-rest"]:
        matches, total, read, stray, rejected = Counter(), 0, 0, 0, Counter()
        for path in _limited(s.files, limit):
            posts = wordpress_posts(path)
            outcomes = presswash_documents(cleaner, path.read_bytes(), path.name)
            docs = defaultdict(list)  # one id may be in a file twice (a collection and its items)
            for o in outcomes:
                if isinstance(o, Document):
                    docs[(o.metadata.get("wordpress") or {}).get("id")].append(o)
                else:
                    rejected[o.error.split(":")[0][:50]] += 1
            for post in posts:
                total += 1
                same = docs.get(post.get("id"))
                doc = same.pop(0) if same else None
                read += doc is not None
                found = {}
                if doc is not None:
                    m, wp = doc.metadata, doc.metadata.get("wordpress") or {}
                    found = {"title": m.get("title"), "url": m.get("url"), "published": m.get("published"),
                             "modified": m.get("modified"), "slug": wp.get("slug"), "id": wp.get("id")}
                expected = wordpress_gold(post)
                for key in WORDPRESS_FIELDS:
                    matches[key] += found.get(key) == expected[key]
            stray += sum(map(len, docs.values()))
        if not total:
            continue
        summary = ", ".join(f"{key} {matches[key]}/{total}" for key in WORDPRESS_FIELDS)
        run.add("WordPress REST metadata exact (every post/page with text)", s.name, f"{total} posts",
                f"{'100%' if sum(matches.values()) == total * len(WORDPRESS_FIELDS) else 'not all'}: {summary}; read {read}/{total}")
        others = "; ".join(f"{k} ×{v}" for k, v in rejected.most_common(4))
        run.notes.append(f"{s.name}: {len(s.files)} files; {stray} documents from objects that are not posts or pages with text; rejections: {others or 'none'}")


def run_wxr(sets: list[EvalSet], cleaner: Cleaner, run: Run) -> None:
    for s in [s for s in sets if s.shape == "wxr"]:
        documents = rejected_files = rejected_items = 0
        skipped: Counter = Counter()
        malformed = []
        for path in s.files:
            outcomes = presswash_documents(cleaner, path.read_bytes(), path.name)
            for outcome in outcomes:
                if isinstance(outcome, Document):
                    documents += 1
                elif outcome.source.get("record") is None:
                    rejected_files += 1
                    if "malformed" in outcome.error:
                        malformed.append(path.name)
                else:
                    rejected_items += 1
            first = outcomes[0].metadata["source"] if isinstance(outcomes[0], Document) else outcomes[0].source
            skipped.update(first.get("skipped_items") or {})
        skipped_text = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
        run.add("WordPress WXR exports", s.name, f"{len(s.files)} files",
                f"{documents} posts/pages; skipped {skipped_text or 'none'}; {rejected_items} items without text and "
                f"{rejected_files} files rejected ({len(malformed)} malformed)")


# -- leave one source out ---------------------------------------------------------------------------

def loso_scores(sets: list[EvalSet], run: Run, variants: list[str]) -> dict[str, dict[str, float]]:
    """``scores[variant][source]``: F1 on each main-text source, mean of kept and not leaked on snippets."""
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    for s in sets:
        if s.weak or not s.pages:
            continue
        for variant in variants:
            pages = run.select(s.name, variant)
            if not pages:
                continue
            if s.shape == "gold-text":
                scores[variant][s.name] = run.score(s.name, variant).f1
            elif s.shape == "snippets":
                ids = {p.id for p in pages}
                chosen = [p for p in s.pages if p.id in ids]
                kept, leaked = run.snippet_shares(s.name, variant, (sum(len(p.keep) for p in chosen), sum(len(p.drop) for p in chosen)))
                scores[variant][s.name] = (kept + 1 - leaked) / 2
    return dict(scores)


def report_loso(sets: list[EvalSet], run: Run, grid: bool) -> None:
    systems = ["trafilatura", "trafilatura fast", PRESSWASH]  # ties go to the first: the simplest
    run.loso.append(("the three systems", loso_scores(sets, run, systems), None))
    if grid:
        names = [f"grid:{name}" for name in GRID]
        run.loso.append(("trafilatura options", loso_scores(sets, run, names), None))
        html_sets = [s.name for s in sets if s.pages]
        bare = [p for p in run.pages if p.system == "trafilatura" and p.source in html_sets]
        for name in names:
            pages = [p for p in run.pages if p.system == name]
            ids = {(p.source, p.id) for p in pages}
            base = sum(p.cpu for p in bare if (p.source, p.id) in ids)
            run.grid_cpu[name] = (1000 * sum(p.cpu for p in pages) / max(1, len(pages)), sum(p.cpu for p in pages) / base if base else 0.0)
    run.loso = [(label, scores, leave_one_source_out(scores)) for label, scores, _ in run.loso]


# -- profile ----------------------------------------------------------------------------------------

# (label, file name ends with, function): the parts of presswash's HTML path, cumulative
PROFILE_PARTS = (
    ("whole `process_bytes`", "pipeline.py", "process_bytes"),
    ("decode bytes", "decode.py", "decode_bytes"),
    ("sniff format", "sniff.py", "sniff_format"),
    ("HTML reader (parse, checks, extraction, page metadata)", "webpage.py", "html_page_document"),
    ("  lxml parse (presswash's)", "webpage.py", "parse_html"),
    ("  trafilatura `bare_extraction`", "core.py", "bare_extraction"),
    ("  page metadata (htmlmeta)", "htmlmeta.py", "page_metadata"),
    ("  lead paragraph search", "webpage.py", "find_lead"),
    ("  link texts", "webpage.py", "link_texts"),
    ("  teaser articles", "webpage.py", "prune_teaser_articles"),
    ("  blocks from trafilatura's tree", "htmltext.py", "extracted_blocks"),
    ("fragment reader (BeautifulSoup: pages sniffed as fragments; extraction's fallback)", "htmltext.py", "fragment_to_paragraphs"),
    ("plain-text reader (rules, line classifier)", "lines.py", "strip_chrome"),
    ("text cleaning (normalize, rules, repairs)", "text/clean.py", "clean"),
    ("  normalize_text", "normalize.py", "normalize_text"),
    ("    ftfy (fix_encoding)", "normalize.py", "fix_encoding"),
    ("  boilerplate rules", "boilerplate.py", "judge"),
    ("language id", "language.py", "detect_language"),
    ("text counts", "counts.py", "text_counts"),
)


def run_profile(sets: list[EvalSet], cleaner: Cleaner, run: Run, n: int) -> None:
    pools = [s.pages for s in sets if s.shape == "gold-text" and s.pages]
    pages = [pool[i] for i in range(max(map(len, pools), default=0)) for pool in pools if i < len(pool)][:n]
    if not pages:
        return
    data = [(p.read(), p.path.name) for p in pages]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for raw, name in data:
        presswash_documents(cleaner, raw, name)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = None
    for label, filename, function in PROFILE_PARTS:
        cum = sum(v[3] for (f, _, fn), v in stats.items() if fn == function and f.replace("\\", "/").endswith(filename))
        total = total or cum
        run.profile.append((label, 1000 * cum / len(pages), cum / total if total else 0.0))
    run.notes.append(f"Profile: {len(pages)} pages taken in turn from the main-text sources, cProfile (which slows small calls more than large ones).")


# -- output -----------------------------------------------------------------------------------------

def render(run: Run, versions: str) -> str:
    lines = [
        f"# presswash quality benchmark ({versions})",
        "",
        f"Produced by `python benchmarks/quality.py EVAL_DIR --save` on {datetime.now(timezone.utc).date().isoformat()}. "
        "All systems run in the same process on the same bytes; CPU is process time per page, and its ratio to",
        "bare trafilatura's on the same pages is what carries from machine to machine. Metric: the article-extraction-benchmark's",
        "(case-sensitive `\\w+` tokens, 4-token shingles, per-page precision over pages with output and recall over pages",
        "with gold, macro-averaged, F1 of the averages). Weak gold (goose3, newspaper4k: those tools' own outputs) is",
        "for regressions, not a score, and out of every macro. The measures are described in the benchmark's docstring.",
        "",
        "| measure | source | n | presswash | trafilatura | trafilatura fast, no comments | reference (untouched / keep all) |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in run.rows]
    for label, scores, result in run.loso:
        if not result.rows:
            continue
        variants = list(scores)
        lines += ["", f"## Leave one source out: {label}", "",
                  "Chosen on the other sources by their mean score (F1 on a main-text source; the mean of kept and not leaked on snippets),",
                  "scored on the source left out. The left-out macro is the number later decisions report.", "",
                  "| left out | chosen on the others | its left-out score | best on that source | its score | " + " | ".join(variants) + " |",
                  "|---|---|---|---|---|" + "---|" * len(variants)]
        for row in result.rows:
            lines.append(f"| {row.left_out} | {row.chosen} | **{row.score:.3f}** | {row.best} | {row.best_score:.3f} | "
                         + " | ".join(f"{scores[v][row.left_out]:.3f}" for v in variants) + " |")
        means = {v: statistics.fmean(scores[v][s] for s in result.sources) for v in variants}
        lines.append(f"| **left-out macro** | {', '.join(f'{k} ×{v}' for k, v in result.picks.items())} | **{result.macro:.3f}** | | | "
                     + " | ".join(f"{means[v]:.3f}" for v in variants) + " |")
        if label.startswith("trafilatura options") and run.grid_cpu:
            options = "; ".join(f"`{name.removeprefix('grid:')}` = {GRID[name.removeprefix('grid:')]}" for name in variants if name in run.grid_cpu)
            cpu = ", ".join(f"{name.removeprefix('grid:')} {ms:.1f} ms ({ratio:.2f}×)" for name, (ms, ratio) in run.grid_cpu.items())
            lines += ["", f"Variants: {options}. CPU per page (× bare trafilatura on the same pages): {cpu}."]
    if run.profile:
        lines += ["", "## presswash's CPU per HTML page, by part", "", "| part | ms per page (profiled) | share |", "|---|---|---|"]
        lines += [f"| {label} | {ms:.1f} | {share:.0%} |" for label, ms, share in run.profile]
    if run.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in run.notes]
    return "\n".join(lines) + "\n"


def _versions() -> str:
    found = [f"presswash {__version__}", f"trafilatura {trafilatura.__version__}"]
    for name in ("html-text", "inscriptis"):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(found + [f"Python {platform.python_version()}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="presswash quality benchmark against the gold of every evaluation source")
    parser.add_argument("eval_dir", type=Path, help="the evaluation folder")
    parser.add_argument("--save", action="store_true", help=f"also write the report to {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"a set (its folder name) or a part ({', '.join(PARTS)}); repeatable")
    parser.add_argument("--limit", type=int, help="at most N pages (documents, files) per set")
    parser.add_argument("--grid-limit", type=int, help="at most N pages per set for the trafilatura option grid")
    parser.add_argument("--flatten", choices=("html-text", "inscriptis"), default="html-text", help="the HTML-to-text tool of the plain-text part")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile presswash on N HTML pages")
    parser.add_argument("--pages-out", type=Path, help="write every page's result as JSON Lines (for looking at the worst pages)")
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)  # tests write elsewhere
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        parser.error(f"evaluation folder {str(args.eval_dir)!r} does not exist")
    sets = discover(args.eval_dir)
    names = [x for x in args.only if x not in PARTS]
    unknown = set(names) - {s.name for s in sets}
    if unknown:
        parser.error(f"no set named {', '.join(sorted(unknown))} in {args.eval_dir}")
    parts = [x for x in args.only if x in PARTS] or list(PARTS)
    sets = [s for s in sets if not names or s.name in names]
    for s in sets:
        s.pages = _limited(s.pages, args.limit)
    cleaner = Cleaner()
    run = Run()
    if "html" in parts or "grid" in parts:
        run_html_sets(sets, cleaner, run, GRID if "grid" in parts else None, args.grid_limit)
        report_html(sets, run)
        report_metadata(sets, run)
        run_tweet_note(sets, cleaner, run)
        report_loso(sets, run, "grid" in parts)
    if "plaintext" in parts:
        run_plaintext(sets, cleaner, run, args.flatten)
    if "lines" in parts:
        run_lines(sets, cleaner, run, args.limit)
    if "wordpress" in parts:
        run_wordpress(sets, cleaner, run, args.limit)
    if "wxr" in parts:
        run_wxr(sets, cleaner, run)
    if args.profile:
        run_profile(sets, cleaner, run, args.profile)
    report = render(run, _versions())
    print(report, end="")
    if args.pages_out:
        with args.pages_out.open("w", encoding="utf-8") as f:
            for p in run.pages:
                f.write(json.dumps(vars(p), ensure_ascii=False) + "\n")
    if args.save or args.output:
        target = args.output or RESULTS
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
