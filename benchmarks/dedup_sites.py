"""Many pages per site sharing long template blocks, with known identity: a dedup test corpus.

A site's pages share long blocks of text (author boxes, "about us" blocks, newsletter boxes,
footers, menus) that page extraction does not always leave out. Two different short posts of one site
then look alike as wholes, and the same post as a rendered page and as its REST JSON looks less alike.
This module builds, from an eval folder, a raw folder of such sites in which every record's identity
(the article it carries) is known, so that dedup precision, recall and *distinct documents dropped*
can be measured on it. Two parts:

- ``tpl-*`` sites, built: a real page of ``article-extraction/`` or ``fundus/`` is the site's
  template. Its article (found by its gold text) is replaced by other real articles' gold bodies
  (``dragnet/``, ``cleaneval/``, ``fundus/``, ``article-extraction/``); its own chrome stays, and
  real site sections taken from *other* real pages (the text around their articles: about blocks,
  newsletter boxes, related-post teasers, footers) are added to every page of the site: inside the
  article container after the body (where a theme puts its author box, which extraction keeps), in
  the page footer, and, on every fourth site, at the end of the post content itself (a press
  release's "About the company": then the REST post carries it too). A few posts of each site are
  *tiny* (a photo post: a line of own text), the case where extraction returns the site's box
  instead of the post;
- ``host-*`` sites, real: the eval sets' sites with at least ``MIN_HOST_PAGES`` pages (by the page's
  canonical or ``og:url`` host, else ``og:site_name``, else the site name its ``<title>`` ends with),
  their pages as they are.

Every article then appears as

- ``html``: the page;
- ``wp``: a WordPress REST post of the article (its gold body as ``<p>`` paragraphs; link, title);
- ``text``: the whole page flattened to plain text, menus and all (:func:`flatten`);
- ``trunc`` (every other article): the REST post cut off mid-string at 40-90% of its bytes;
- ``rescrape`` (every fourth article): the page text again, in the same folder, with the first and
  last tenth of its paragraphs cut (another day's scrape): copies of one story beside each other, with
  no URL or title to tell, which must not teach dedup that the story is the site's,

laid out as a scraper saves a site: ``<site>/<kind>/<slug>.<ext>``. Identity: the article; on the real
sites, two pages whose gold texts share half their shingles (:func:`same_gold`) are one identity.

Deterministic for a seed; written into the folder given, from ``EVAL_DIR`` (never committed).

    python benchmarks/dedup_sites.py EVAL_DIR OUT_DIR [--seed N]   # writes OUT_DIR/raw and labels.json
"""

from __future__ import annotations

import argparse
import html as htmlmod
import json
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import lxml.html
from lxml import etree

SHINGLE_WORDS = 5
MIN_HOST_PAGES = 3
SITES = 14  # built sites
POSTS_PER_SITE = 18  # real articles per built site
TINY_PER_SITE = 3  # tiny posts per built site
BOX_MIN_WORDS, BOX_MAX_WORDS = 50, 200  # an author / about box: a real run of site prose of this size
FOOTER_MAX_WORDS = 80
MAX_LEFTOVER = 0.1  # a template page keeps at most this share of its own article's shingles
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


# -- gold text comparisons ------------------------------------------------------------------------

def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset:
    """Case-folded ``\\w+`` words, as overlapping k-word shingles (a text shorter than k words is one shingle)."""
    words = _WORD.findall(text.casefold())
    if len(words) < k:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + k]) for i in range(len(words) - k + 1))


def covered(a: frozenset, b: frozenset) -> float:
    """The share of ``a``'s shingles that are in ``b``: how much of document a is still there when only
    b is kept (|A ∩ B| / |A|)."""
    return len(a & b) / len(a) if a else 1.0


def same_gold(a: frozenset, b: frozenset) -> bool:
    """One document: at least half of the smaller one's shingles are in the other."""
    return bool(a) and bool(b) and len(a & b) >= 0.5 * min(len(a), len(b))


def strip_shared(golds: dict[str, str], min_docs: int = 3) -> dict[str, str]:
    """The gold texts without the paragraphs found in at least ``min_docs`` of them: a site's comment
    rules or footer that annotators copied with the article are the site's, not the document's, and
    would make different pages of one site look like one document."""
    seen: dict[str, int] = defaultdict(int)
    for text in golds.values():
        for p in {norm(p) for p in paragraphs(text)}:
            seen[p] += 1
    return {k: "\n\n".join(p for p in paragraphs(t) if seen[norm(p)] < min_docs) for k, t in golds.items()}


# -- HTML helpers ---------------------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "ul", "ol", "dl", "table",
    "blockquote", "pre", "form", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address",
}
_LINE = {"li", "br", "tr", "dt", "dd", "option", "td", "th"}


def parse(data: bytes):
    return lxml.html.document_fromstring(data)


def flatten(data: bytes | str) -> str:
    """The whole page as plain text, menus and all, the way HTML-to-text tools write it: blank lines
    between blocks, one line per list item or table row."""
    root = parse(data) if isinstance(data, bytes) else lxml.html.document_fromstring(data)
    out: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or el.tag is etree.Comment:
            out.append(el.tail or "")
            return
        sep = "\n\n" if tag in _BLOCK else "\n" if tag in _LINE else ""
        out.append(sep)
        out.append(el.text or "")
        for child in el:
            walk(child)
        out.append(sep)
        out.append(el.tail or "")

    body = root.find("body")
    walk(body if body is not None else root)
    title = root.findtext(".//title") or ""
    text = "".join(out)
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return (_SPACE.sub(" ", title).strip() + "\n\n" + text).strip()


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def article_elements(root, gold: str) -> list:
    """The largest elements whose whole text is a run of the gold text (at least 30 characters), top
    down: where the page carries its article."""
    haystack = norm(gold)
    found = []

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            return
        text = norm(el.text_content())
        if len(text) >= 30 and text in haystack and el.tag not in ("body", "html"):
            found.append(el)
            return
        for child in el:
            walk(child)

    body = root.find("body")
    if body is not None:
        walk(body)
    return found


def article_container(root, gold: str):
    """The deepest element holding at least 80% of the page's gold-text elements' characters, and those
    elements; None when the page does not show enough of its gold (less than half of it)."""
    found = article_elements(root, gold)
    total = sum(len(norm(e.text_content())) for e in found)
    if not found or total < 0.5 * len(norm(gold)):
        return None
    weight: dict = defaultdict(int)
    for el in found:
        size = len(norm(el.text_content()))
        for anc in el.iterancestors():
            weight[anc] += size
    best = None
    for el, w in weight.items():
        if w >= 0.8 * total and (best is None or len(list(el.iterancestors())) > len(list(best.iterancestors()))):
            best = el
    if best is None:
        return None
    inside = [e for e in found if best in set(e.iterancestors())]
    return best, inside


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def page_url(root) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and (link.get("href") or "").startswith("http"):
            return link.get("href").strip()
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("og:url", "twitter:url"):
            if (meta.get("content") or "").startswith("http"):
                return meta.get("content").strip()
    return None


def page_site(root, fallback_url: str | None = None) -> str | None:
    """The page's host (canonical or og:url, else the given URL), else its og:site_name, else None."""
    url = page_url(root) or fallback_url
    if url:
        host = urlparse(url).netloc.lower()
        host = host[4:] if host.startswith("www.") else host
        if host and host != "web.archive.org":
            return host
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:site_name" and (meta.get("content") or "").strip():
            return "name:" + norm(meta.get("content"))
    return None


def title_suffix(root) -> str | None:
    title = _SPACE.sub(" ", root.findtext(".//title") or "").strip()
    parts = re.split(r"\s+[-|–—:»]\s+", title)
    return "title:" + parts[-1].casefold() if len(parts) > 1 and len(parts[-1]) >= 4 else None


# -- the records of one article -------------------------------------------------------------------

def rest_post(n: int, title: str, url: str, body_paragraphs: list[str]) -> bytes:
    post = {
        "id": 5000 + n,
        "date_gmt": f"2019-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00",
        "slug": urlparse(url).path.strip("/").rsplit("/", 1)[-1] or f"post-{n}",
        "type": "post",
        "link": url,
        "title": {"rendered": htmlmod.escape(title)},
        "content": {"rendered": "".join(f"<p>{htmlmod.escape(p)}</p>\n" for p in body_paragraphs)},
    }
    return json.dumps(post, ensure_ascii=False).encode("utf-8")


def truncate(data: bytes, rng: random.Random) -> bytes:
    start = data.index(b'"content"')
    return data[: start + int((len(data) - start) * rng.uniform(0.4, 0.9))]


def title_of(body: str) -> str:
    first = paragraphs(body)[0] if paragraphs(body) else "Untitled"
    words = first.split()
    return first if len(words) <= 14 else " ".join(words[:8])


@dataclass
class Article:
    key: str  # "<set>:<id>"
    body: str  # gold text
    title: str


def load_gold(eval_dir: Path, name: str) -> dict[str, dict]:
    """A set's gold, ``{id: {"articleBody", "url"}}``, its shared paragraphs left out (:func:`strip_shared`)."""
    path = eval_dir / name / "ground-truth.json"
    gold = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    own = strip_shared({k: v["articleBody"] for k, v in gold.items()})
    return {k: {**v, "articleBody": own[k]} for k, v in gold.items()}


# -- building -------------------------------------------------------------------------------------

class Corpus:
    """The raw folder being written and what is known of every file in it."""

    def __init__(self, raw: Path, seed: int):
        self.raw = raw
        self.rng = random.Random(seed)
        self.labels: dict[str, dict] = {}  # path -> {"id", "kind", "site", "part"}
        self.gold: dict[str, str] = {}  # identity -> gold text (the article's own text)
        self.sites: dict[str, dict] = {}  # built site -> its template and the words of its added sections
        self.n = 0

    def add(self, rel: str, data: bytes, identity: str, kind: str, site: str, part: str) -> None:
        path = self.raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.labels[rel] = {"id": identity, "kind": kind, "site": site, "part": part}

    def article(self, site: str, slug: str, identity: str, page: bytes, body: str, title: str, url: str, part: str,
                content_extra: list[str] = ()) -> None:
        """An article's html, wp, text and (every other one) trunc records."""
        self.n += 1
        self.add(f"{site}/html/{slug}.html", page, identity, "html", site, part)
        post = rest_post(self.n, title, url, paragraphs(body) + list(content_extra))
        self.add(f"{site}/wp/{slug}.json", post, identity, "wp", site, part)
        text = flatten(page)
        self.add(f"{site}/text/{slug}.txt", text.encode("utf-8"), identity, "text", site, part)
        if self.n % 2 == 0 and len(post) > 600:
            self.add(f"{site}/trunc/{slug}.json", truncate(post, self.rng), identity, "trunc", site, part)
        if self.n % 4 == 1:  # scraped again another day, beside the first: the same page text, its chrome cut otherwise
            lines = text.split("\n\n")
            cut = max(1, len(lines) // 10)
            self.add(f"{site}/text/{slug}-again.txt", "\n\n".join(lines[cut:-cut] or lines).encode("utf-8"), identity, "rescrape", site, part)


def _words(paragraph_list: list[str]) -> int:
    return sum(len(_WORD.findall(p)) for p in paragraph_list)


def _first_words(paragraph_list: list[str], most: int) -> list[str]:
    """The first paragraphs of a run, up to about ``most`` words (at least one paragraph)."""
    taken: list[str] = []
    for p in paragraph_list:
        if taken and _words(taken) + len(_WORD.findall(p)) > most:
            break
        taken.append(p)
    return taken


def _chrome_blocks(root, gold: str) -> list[list[str]]:
    """Runs of consecutive prose paragraphs (at least 8 words each) of a page's text outside its article:
    the page's real site sections."""
    own = {norm(p) for p in paragraphs(gold)}
    haystack = norm(gold)
    runs: list[list[str]] = [[]]
    for p in paragraphs(flatten(etree.tostring(root))):
        n = norm(p)
        if len(_WORD.findall(p)) >= 8 and n not in own and n not in haystack:
            runs[-1].append(p)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if _words(r) >= 25]


def _donors(eval_dir: Path, used: set[str]) -> list[tuple[str, bytes, str]]:
    """Real pages that can be templates or lend their site sections: (key, page bytes, gold); none of
    the real multi-page sites' pages (``used``), so that no built page carries a real page's chrome
    whose site is in the corpus too."""
    found = []
    for name in ("article-extraction", "fundus"):
        gold = load_gold(eval_dir, name)
        for key in sorted(gold):
            page = eval_dir / name / "html" / f"{key}.html"
            if page.exists() and f"{name}:{key}" not in used:
                found.append((f"{name}:{key}", page.read_bytes(), gold[key]["articleBody"]))
    return found


def build_templates(eval_dir: Path, corpus: Corpus, used: set[str], sites: int = SITES, posts: int = POSTS_PER_SITE) -> None:
    rng = corpus.rng
    donors = _donors(eval_dir, used)
    rng.shuffle(donors)
    # real site sections: the chrome of every donor page, to be added to *other* sites
    sections: list[tuple[str, list[str]]] = []
    templates = []
    for key, data, gold in donors:
        try:
            root = parse(data)
        except (etree.ParserError, ValueError):
            continue
        for run in _chrome_blocks(root, gold):
            sections.append((key, run))
        if len(templates) < sites and article_container(root, gold) is not None and _leftover(data, gold) <= MAX_LEFTOVER:
            templates.append((key, data, gold))
    # article bodies: real gold texts, none of them a template, each distinct from all the others
    pool: list[Article] = []
    for name in ("dragnet", "cleaneval", "fundus", "article-extraction"):
        for key, entry in sorted(load_gold(eval_dir, name).items()):
            body = entry["articleBody"]
            n = len(_WORD.findall(body))
            if f"{name}:{key}" not in used and 40 <= n <= 1500:
                pool.append(Article(f"{name}:{key}", body, title_of(body)))
    rng.shuffle(pool)
    chosen: list[Article] = []
    index: dict[tuple, list[int]] = defaultdict(list)
    sh = []
    need = sites * posts
    # short posts are the hard case (their own text is small beside the site's): half of them short
    short = [a for a in pool if len(_WORD.findall(a.body)) <= 200]
    long = [a for a in pool if len(_WORD.findall(a.body)) > 200]
    for a in [x for pair in zip(short, long) for x in pair]:
        s = shingles(a.body)
        hits = defaultdict(int)
        for g in s:
            for j in index[g]:
                hits[j] += 1
        if any(h >= 0.2 * min(len(s), len(sh[j])) for j, h in hits.items()):
            continue  # too close to an article already chosen: identity would be ambiguous
        for g in s:
            index[g].append(len(chosen))
        chosen.append(a)
        sh.append(s)
        if len(chosen) >= need:
            break
    tiny_pool = [a for a in pool if a not in chosen]
    for i, (key, data, gold) in enumerate(templates):
        site = f"tpl-{i:02d}"
        host = f"{site}.example"
        others = [s for s in sections if s[0] != key]
        key_of_box, box = rng.choice([s for s in others if _words(s[1]) >= BOX_MIN_WORDS])
        box = _first_words(box, BOX_MAX_WORDS)  # the author / about box
        footer = _first_words(rng.choice(others)[1], FOOTER_MAX_WORDS)  # a newsletter or footer block
        in_content = i % 4 == 3  # a press release's "About the company": in the post itself
        corpus.sites[site] = {
            "template": key, "box": key_of_box, "box_words": len(_WORD.findall(" ".join(box))),
            "footer_words": len(_WORD.findall(" ".join(footer))), "in_content": in_content,
        }
        for j, art in enumerate(chosen[i * posts : (i + 1) * posts]):
            slug = f"post-{j:02d}"
            page = _render(data, gold, art, box, footer, f"https://{host}/{slug}/", in_content)
            if page is None:
                continue
            corpus.gold[art.key] = art.body
            corpus.article(site, slug, art.key, page, art.body, art.title, f"https://{host}/{slug}/", "built",
                           box if in_content else ())
        for j in range(TINY_PER_SITE):  # a photo post: one short line of its own
            src = tiny_pool.pop()
            words = src.body.split()
            tiny = Article(f"tiny:{site}:{j}", " ".join(words[:6]) + ".", " ".join(words[:5]))
            slug = f"photo-{j:02d}"
            page = _render(data, gold, tiny, box, footer, f"https://{host}/{slug}/", in_content)
            if page is None:
                continue
            corpus.gold[tiny.key] = tiny.body
            corpus.article(site, slug, tiny.key, page, tiny.body, tiny.title, f"https://{host}/{slug}/", "built",
                           box if in_content else ())


def _leftover(data: bytes, gold: str) -> float:
    """How much of the template's own article is still on a page rendered from it (the share of its
    gold shingles in the page's text): paragraphs the gold spells differently stay behind."""
    probe = Article("probe", "x", "x")
    page = _render(data, gold, probe, [], [], "https://probe.example/", False)
    return 1.0 if page is None else covered(shingles(gold), shingles(flatten(page)))


def _render(data: bytes, gold: str, art: Article, box: list[str], footer: list[str], url: str, in_content: bool) -> bytes | None:
    """The template page with its article replaced by ``art``, the site's box after it and its footer
    block at the end of the body."""
    root = parse(data)
    found = article_container(root, gold)
    if found is None:
        return None
    container, inside = found
    first = inside[0]
    parent = first.getparent()
    new = lxml.html.fragment_fromstring(
        "<div class=\"post\"><div class=\"entry-content\">" + "".join(f"<p>{htmlmod.escape(p)}</p>" for p in paragraphs(art.body))
        + ("".join(f"<p>{htmlmod.escape(p)}</p>" for p in box) if in_content else "")
        + "</div>"
        + ("" if in_content else "<div class=\"author-box\">" + "".join(f"<p>{htmlmod.escape(p)}</p>" for p in box) + "</div>")
        + "</div>"
    )
    parent.replace(first, new)
    for el in inside[1:]:
        if el.getparent() is not None:
            el.getparent().remove(el)
    for h1 in root.iter("h1"):
        for child in list(h1):
            h1.remove(child)
        h1.text = art.title
    head = root.find("head")
    if head is not None:
        for el in list(head):
            if el.tag == "title" or (el.tag == "link" and (el.get("rel") or "").lower() == "canonical") or (
                el.tag == "meta" and (el.get("property") or el.get("name") or "").lower() in ("og:url", "twitter:url", "og:title")
            ):
                head.remove(el)
        title = etree.SubElement(head, "title")
        title.text = art.title
        etree.SubElement(head, "link", rel="canonical", href=url)
    body = root.find("body")
    if body is not None:
        foot = lxml.html.fragment_fromstring("<footer class=\"site-footer\">" + "".join(f"<p>{htmlmod.escape(p)}</p>" for p in footer) + "</footer>")
        body.append(foot)
    return lxml.html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")


def build_hosts(eval_dir: Path, corpus: Corpus) -> set[str]:
    """The eval sets' own sites of several pages, pages as they are. Returns the keys used."""
    groups: dict[str, list[tuple[str, bytes, str, str | None]]] = defaultdict(list)
    by_suffix: dict[str, list] = defaultdict(list)
    for name in ("dragnet", "cleaneval", "fundus", "article-extraction"):
        for key, entry in sorted(load_gold(eval_dir, name).items()):
            path = eval_dir / name / "html" / f"{key}.html"
            if not path.exists() or not entry["articleBody"].strip():
                continue
            data = path.read_bytes()
            try:
                root = parse(data)
            except (etree.ParserError, ValueError):
                continue
            item = (f"{name}:{key}", data, entry["articleBody"], entry.get("url"))
            site = page_site(root, entry.get("url"))
            if site:
                groups[site].append(item)
            elif title_suffix(root):
                by_suffix[title_suffix(root)].append(item)
    for suffix, items in by_suffix.items():
        groups[suffix].extend(items)
    used: set[str] = set()
    hosts = sorted((s for s, items in groups.items() if len(items) >= MIN_HOST_PAGES), key=lambda s: (-len(groups[s]), s))
    for h, site in enumerate(hosts):
        items = groups[site]
        # identity: pages whose gold texts are one document are one identity
        sh = [shingles(g) for _, _, g, _ in items]
        ident = list(range(len(items)))
        for a in range(len(items)):
            for b in range(a):
                if same_gold(sh[a], sh[b]):
                    ident[a] = ident[b]
                    break
        name = f"host-{h:02d}"
        for i, (key, data, gold, url) in enumerate(items):
            identity = items[ident[i]][0]
            corpus.gold.setdefault(identity, items[ident[i]][2])
            slug = key.split(":", 1)[1]
            # the REST post links to the page's own URL, as a site's API does; a made-up one if it has none
            link = page_url(parse(data)) or url or f"https://{name}.example/{slug}/"
            corpus.article(name, slug, identity, data, gold, title_of(gold), link, "real")
            used.add(key)
    return used


def build(eval_dir: Path, raw: Path, seed: int = 11) -> Corpus:
    corpus = Corpus(raw, seed)
    used = build_hosts(eval_dir, corpus)
    build_templates(eval_dir, corpus, used)
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    corpus = build(args.eval_dir, args.out_dir / "raw", args.seed)
    (args.out_dir / "labels.json").write_text(
        json.dumps({"labels": corpus.labels, "gold": corpus.gold, "sites": corpus.sites}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    for site, info in corpus.sites.items():
        print(site, info)
    kinds = defaultdict(int)
    for v in corpus.labels.values():
        kinds[(v["part"], v["kind"])] += 1
    print(f"{len(corpus.labels)} files, {len(corpus.gold)} identities: " + ", ".join(f"{p} {k} {n}" for (p, k), n in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
