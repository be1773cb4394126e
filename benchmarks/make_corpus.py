"""Write a benchmark corpus of N raw documents built from the real pages and texts of an eval folder.

    python benchmarks/make_corpus.py N OUT_DIR --eval EVAL_DIR [--seed S] [--only html]

Every supported format is mixed in, by documents: HTML pages (30%), plain text flattened from
pages with all their menus (20%), WordPress REST JSON single posts (12%) and lists of 2-8 posts
(13%), JSON Lines of documents from other tools (15%, 2-10 per file), HTML fragments (post bodies
saved alone, 5%) and WordPress WXR exports (5%, 2-6 posts each); about 10% of the files are
gzip-compressed.

Distinct documents are really distinct for dedup: each is a real page or text whose prose is
perturbed (half of the words of every long paragraph replaced by other words of the same
source, so its language and word frequencies stay, while two variants share only ~0.1% of their
5-word shingles). The eval folder holds a few hundred real pages and texts, so at 100k documents
each of them is the base of a few hundred variants: more than a real corpus has, which makes the
dedup index's candidate lists grow with the corpus (see benchmarks/results/throughput.md). Short lines (menus, buttons, footers) are left as they are, so every template
still carries its site's chrome. Of the documents, by default, 70% are distinct, 10% exact copies of
an earlier document, 10% near copies (1.5% of the words changed) and 10% truncated copies (a
WordPress file cut off mid-string, or the first 40-75% of the text); copies are of a document of the
same family (an HTML page copies an HTML page).

Deterministic for a given seed; documents are generated and written one at a time (memory stays
flat), and only the integer ids of earlier distinct documents are kept. ``OUT_DIR/.labels.jsonl``
(hidden, so ``presswash clean`` skips it) gives every document's family, role and base document;
``OUT_DIR/.corpus.json`` the counts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAMILIES = {  # share of documents; (min, max) documents per file
    "html": (0.30, (1, 1)),
    "text": (0.20, (1, 1)),
    "wp-single": (0.12, (1, 1)),
    "wp-list": (0.13, (2, 8)),
    "jsonl": (0.15, (2, 10)),
    "fragment": (0.05, (1, 1)),
    "wxr": (0.05, (2, 6)),
}
ROLES = (("distinct", 0.70), ("exact", 0.10), ("near", 0.10), ("truncated", 0.10))
GZIP_SHARE = 0.10
PERTURB = 0.50  # share of the words of a long paragraph replaced in a distinct document
NEAR_EDIT = 0.015  # share of the words changed in a near copy
LONG_WORDS = 8  # paragraphs / text nodes with at least this many words are perturbed
SITES = 60  # synthetic sites for the documents that are not HTML pages

_WORD = re.compile(r"(?<![&#\w])[^\W\d_]{2,}(?![;\w])")
_BWORD = re.compile(rb"(?<![&#\w\x80-\xff])[A-Za-z]{2,}(?![;\w\x80-\xff])")
_SKIP = re.compile(rb"<(script|style|textarea|noscript)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TEXT_NODE = re.compile(rb">([^<>]+)<")


# -- sources --------------------------------------------------------------------------------------

@dataclass
class PageTemplate:
    """A real HTML page cut into fixed bytes and perturbable text nodes, with its own word list."""

    pieces: list[bytes]  # even positions: fixed bytes; odd positions: perturbable text
    vocab: list[bytes]


def _page_template(data: bytes) -> PageTemplate:
    pieces: list[bytes] = []
    vocab: list[bytes] = []
    fixed_start = 0

    def scan(start: int, end: int) -> None:
        nonlocal fixed_start
        for m in _TEXT_NODE.finditer(data, start, end):
            text = m.group(1)
            words = _BWORD.findall(text)
            if len(words) >= LONG_WORDS:
                pieces.append(data[fixed_start : m.start(1)])
                pieces.append(text)
                vocab.extend(words)
                fixed_start = m.end(1)

    pos = 0
    for m in _SKIP.finditer(data):
        scan(pos, m.start() + 1)
        pos = m.end() - 1
    scan(pos, len(data))
    pieces.append(data[fixed_start:])
    return PageTemplate(pieces, vocab or [b"word"])


@dataclass
class TextTemplate:
    title: str
    url: str | None
    paragraphs: list[str]
    vocab: list[str]


def _text_template(title: str, url: str | None, text: str, sep: str) -> TextTemplate:
    paragraphs = [p.strip() for p in text.split(sep) if p.strip()]
    vocab = [w for p in paragraphs for w in _WORD.findall(p)] or ["word"]
    return TextTemplate(title, url, paragraphs, vocab)


class Sources:
    """Everything read from the eval folder, once."""

    def __init__(self, eval_dir: Path):
        ae, bs = eval_dir / "article-extraction", eval_dir / "boilerplate-snippets"
        paths = sorted((ae / "html").glob("*.html")) + sorted((bs / "html").glob("*.html"))
        if not paths:
            raise SystemExit(f"no HTML pages under {eval_dir}: is it the eval folder?")
        self.pages = [_page_template(p.read_bytes()) for p in paths]
        gold = json.loads((ae / "ground-truth.json").read_text(encoding="utf-8"))
        self.articles: list[TextTemplate] = []
        for key in sorted(gold):
            body = gold[key]["articleBody"]
            first = body.strip().split("\n", 1)[0]
            self.articles.append(_text_template(" ".join(first.split()[:9]), gold[key].get("url"), body, "\n"))
        self.flattened: list[TextTemplate] = []
        for name in ("plaintext-html-text.json", "plaintext-inscriptis.json"):
            data = json.loads((ae / name).read_text(encoding="utf-8"))
            for key in sorted(data):
                value = data[key]
                text = value["articleBody"] if isinstance(value, dict) else value
                self.flattened.append(_text_template("", gold.get(key, {}).get("url"), text, "\n"))
        self.posts = [json.loads(line) for line in (eval_dir / "wordpress-rest" / "posts.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        # the real posts' content too becomes article material
        for post in self.posts:
            html = post.get("content", {}).get("rendered", "")
            paragraphs = [re.sub(r"<[^>]+>", " ", p) for p in re.split(r"</p>|<br\s*/?>|\n", html)]
            text = "\n".join(" ".join(p.split()) for p in paragraphs)
            if len(_WORD.findall(text)) > 40:
                self.articles.append(_text_template(post.get("title", {}).get("rendered", ""), post.get("link"), text, "\n"))


# -- perturbation ---------------------------------------------------------------------------------

def _replace_words(text: str, rng: random.Random, share: float, vocab: list[str]) -> str:
    def swap(m: re.Match) -> str:
        if rng.random() >= share:
            return m.group()
        word = rng.choice(vocab)
        return word.capitalize() if m.group()[0].isupper() else word.lower()

    return _WORD.sub(swap, text)


def _replace_bwords(text: bytes, rng: random.Random, share: float, vocab: list[bytes]) -> bytes:
    def swap(m: re.Match) -> bytes:
        if rng.random() >= share:
            return m.group()
        word = rng.choice(vocab)
        return word.capitalize() if m.group()[:1].isupper() else word.lower()

    return _BWORD.sub(swap, text)


def perturb_page(t: PageTemplate, rng: random.Random, share: float) -> bytes:
    out = list(t.pieces)
    for i in range(1, len(out), 2):
        out[i] = _replace_bwords(out[i], rng, share, t.vocab)
    return b"".join(out)


def perturb_paragraphs(t: TextTemplate, rng: random.Random, share: float) -> list[str]:
    return [_replace_words(p, rng, share, t.vocab) if len(p.split()) >= LONG_WORDS else p for p in t.paragraphs]


# -- documents ------------------------------------------------------------------------------------

@dataclass
class Article:
    """A document's content before it is written in its family's format."""

    index: int
    title: str
    paragraphs: list[str]
    url: str
    site: str
    date: str
    author: str
    template: int


def _rng(seed: int, *parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


class Corpus:
    def __init__(self, sources: Sources, seed: int):
        self.sources, self.seed = sources, seed

    # content of distinct document j (recomputed for its copies: nothing is kept)
    def page(self, j: int) -> tuple[bytes, PageTemplate]:
        rng = _rng(self.seed, "page", j)
        template = self.sources.pages[rng.randrange(len(self.sources.pages))]
        return perturb_page(template, rng, PERTURB), template

    def article(self, j: int, family: str) -> Article:
        rng = _rng(self.seed, "article", j)
        pool = self.sources.flattened if family == "text" else self.sources.articles
        t_index = rng.randrange(len(pool))
        t = pool[t_index]
        paragraphs = perturb_paragraphs(t, rng, PERTURB)
        site_n = rng.randrange(SITES)
        site = f"site{site_n:02d}.example"
        words = _replace_words(t.title, rng, 0.5, t.vocab) if t.title else " ".join(rng.choice(t.vocab) for _ in range(6)).capitalize()
        slug = "-".join(_WORD.findall(words.lower())[:6]) or "post"
        date = f"20{rng.randrange(15, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        url = f"https://{site}/{date[:4]}/{date[5:7]}/{slug}-{j}/"
        author = rng.choice(["Ana Lima", "Tom Berg", "Mia Chen", "Ola Nordmann", "Sam Reyes", "Jo Park"])
        return Article(j, words, paragraphs, url, site, date, author, t_index)

    # copies
    @staticmethod
    def near_paragraphs(paragraphs: list[str], rng: random.Random, vocab_source: list[str]) -> list[str]:
        vocab = [w for p in paragraphs for w in _WORD.findall(p)] or vocab_source
        return [_replace_words(p, rng, NEAR_EDIT, vocab) if len(p.split()) >= LONG_WORDS else p for p in paragraphs]

    @staticmethod
    def truncate_paragraphs(paragraphs: list[str], rng: random.Random) -> list[str]:
        keep = max(1, int(len(paragraphs) * rng.uniform(0.40, 0.75)))
        return paragraphs[:keep]

    def variant(self, i: int, role: str, base: int, family: str) -> tuple[Article | bytes, bool]:
        """Document i's content: (an Article or a page's bytes, truncated?)."""
        rng = _rng(self.seed, "copy", i)
        if family == "html":
            page, template = self.page(base)
            if role == "near":
                page = perturb_page(PageTemplate(_page_template(page).pieces, template.vocab), rng, NEAR_EDIT)
            elif role == "truncated":
                page = page[: int(len(page) * rng.uniform(0.55, 0.90))]
            return page, role == "truncated"
        art = self.article(base, family)
        if role == "near":
            art.paragraphs = self.near_paragraphs(art.paragraphs, rng, ["word"])
        elif role == "truncated" and family != "wp-single":  # a single WordPress file is cut in its bytes instead
            art.paragraphs = self.truncate_paragraphs(art.paragraphs, rng)
        return art, role == "truncated"


# -- formats --------------------------------------------------------------------------------------

def _html_paragraphs(paragraphs: list[str]) -> str:
    from html import escape

    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)


def wp_post(art: Article, template: dict) -> dict:
    """A WordPress REST object shaped like a real one (its keys and links), holding the article."""
    post = json.loads(json.dumps(template))  # a deep copy; keeps _links, yoast_meta and the like
    content = _html_paragraphs(art.paragraphs)
    post.update(
        id=100000 + art.index, date=art.date, date_gmt=art.date, modified=art.date, modified_gmt=art.date,
        slug=art.url.rstrip("/").rsplit("/", 1)[-1], link=art.url, type="post", status="publish",
        title={"rendered": art.title}, content={"rendered": content, "protected": False},
        excerpt={"rendered": _html_paragraphs(art.paragraphs[:1]), "protected": False},
    )
    post["guid"] = {"rendered": f"https://{art.site}/?p={100000 + art.index}"}
    post.pop("_embedded", None)
    return post


def jsonl_doc(art: Article) -> dict:
    return {"text": "\n\n".join(art.paragraphs), "url": art.url, "title": art.title, "date": art.date[:10],
            "metadata": {"source": "crawl", "site": art.site}}


def wxr_file(arts: list[Article]) -> bytes:
    from xml.sax.saxutils import escape

    items = []
    for art in arts:
        items.append(
            "<item>"
            f"<title>{escape(art.title)}</title><link>{escape(art.url)}</link>"
            f"<dc:creator><![CDATA[{art.author.split()[0].lower()}]]></dc:creator>"
            f"<content:encoded><![CDATA[{_html_paragraphs(art.paragraphs).replace(']]>', ']] >')}]]></content:encoded>"
            f"<wp:post_id>{100000 + art.index}</wp:post_id><wp:post_date_gmt>{art.date.replace('T', ' ')}</wp:post_date_gmt>"
            f"<wp:post_name>{art.url.rstrip('/').rsplit('/', 1)[-1]}</wp:post_name>"
            "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            "</item>"
        )
    authors = "".join(
        f"<wp:author><wp:author_login>{a.author.split()[0].lower()}</wp:author_login>"
        f"<wp:author_display_name><![CDATA[{a.author}]]></wp:author_display_name></wp:author>"
        for a in arts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><title>Export</title>'
        f"<link>https://{arts[0].site}/</link><wp:wxr_version>1.2</wp:wxr_version>{authors}\n" + "\n".join(items) + "\n</channel></rss>\n"
    ).encode("utf-8")


def text_file(art: Article) -> bytes:
    return ("\n".join(art.paragraphs) + "\n").encode("utf-8")


# -- the corpus -----------------------------------------------------------------------------------

def _pick(rng: random.Random, table) -> str:
    roll, total = rng.random(), 0.0
    for name, share in table:
        total += share
        if roll < total:
            return name
    return table[-1][0]


def generate(sources: Sources, n: int, out: Path, seed: int, only: str | None = None) -> dict[str, Any]:
    """Write n documents under ``out``; return the counts (also written to ``out/.corpus.json``)."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(sources, seed)
    # files are drawn so that the shares hold in documents: a family of k documents per file is drawn 1/k as often
    family_table = [(f, share / ((lo + hi) / 2)) for f, (share, (lo, hi)) in FAMILIES.items() if only is None or f == only]
    total_share = sum(s for _, s in family_table)
    family_table = [(f, s / total_share) for f, s in family_table]
    distinct: dict[str, list[int]] = {f: [] for f in FAMILIES}
    counts: Counter = Counter()
    written_bytes = 0
    doc = file_no = 0
    with open(out / ".labels.jsonl", "w", encoding="utf-8") as labels:
        while doc < n:
            frng = _rng(seed, "file", file_no)
            family = _pick(frng, family_table)
            low, high = FAMILIES[family][1]
            k = min(frng.randint(low, high), n - doc)
            members = []
            for i in range(doc, doc + k):
                rng = _rng(seed, "role", i)
                role = _pick(rng, ROLES)
                pool = distinct[family]
                if role != "distinct" and not pool:
                    role = "distinct"
                base = i if role == "distinct" else pool[rng.randrange(len(pool))]
                if role == "distinct":
                    pool.append(i)
                content, truncated = (corpus.page(i)[0], False) if (family == "html" and role == "distinct") else (
                    (corpus.article(i, family), False) if role == "distinct" else corpus.variant(i, role, base, family))
                members.append((i, role, base, content, truncated))
            data, ext = _render(family, members, sources, frng)
            gz = frng.random() < GZIP_SHARE
            if gz:
                data = gzip.compress(data, compresslevel=6, mtime=0)
                ext += ".gz"
            rel = f"{family}/{file_no // 1000:03d}/{file_no:06d}{ext}"
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written_bytes += len(data)
            for record, (i, role, base, _, _) in enumerate(members):
                labels.write(json.dumps({"doc": i, "path": rel, "record": record, "family": family, "role": role, "base": base}) + "\n")
                counts[f"family.{family}"] += 1
                counts[f"role.{role}"] += 1
            counts["files"] += 1
            counts["gzip_files"] += gz
            doc += k
            file_no += 1
    summary = {"documents": n, "seed": seed, "only": only, "bytes": written_bytes, **dict(sorted(counts.items()))}
    (out / ".corpus.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _render(family: str, members: list, sources: Sources, rng: random.Random) -> tuple[bytes, str]:
    if family == "html":
        return members[0][3], ".html"
    arts = [m[3] for m in members]
    if family == "text":
        return text_file(arts[0]), ".txt"
    if family == "fragment":
        return (_html_paragraphs(arts[0].paragraphs) + "\n").encode("utf-8"), ".html"
    if family == "wxr":
        return wxr_file(arts), ".xml"
    if family == "jsonl":
        return "".join(json.dumps(jsonl_doc(a), ensure_ascii=False) + "\n" for a in arts).encode("utf-8"), ".jsonl"
    template = sources.posts[arts[0].template % len(sources.posts)]
    posts = [wp_post(a, template) for a in arts]
    if family == "wp-single":
        data = json.dumps(posts[0], ensure_ascii=rng.random() < 0.5).encode("utf-8")
        if members[0][4]:  # a truncated copy: the file is cut off mid-content, as scrapers leave them
            content_at = data.find(b'"content"')
            end = data.find(b'"excerpt"', content_at)
            if content_at > 0 and end > content_at:
                data = data[: content_at + int((end - content_at) * rng.uniform(0.40, 0.80))]
        return data, ".json"
    return json.dumps(posts, ensure_ascii=False, indent=None).encode("utf-8"), ".json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--eval", type=Path, required=True, metavar="EVAL_DIR", help="the eval folder (article-extraction/, boilerplate-snippets/, wordpress-rest/)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=sorted(FAMILIES), help="one family only (e.g. html: pages only)")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    started = time.perf_counter()
    sources = Sources(args.eval)
    loaded = time.perf_counter()
    summary = generate(sources, args.n, args.out, args.seed, args.only)
    done = time.perf_counter()
    print(f"{args.n} documents in {summary['files']} files ({summary['bytes'] / 2**20:.1f} MiB) written to {args.out} "
          f"in {done - loaded:.1f} s (+{loaded - started:.1f} s reading the eval folder)", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
