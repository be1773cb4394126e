"""The evaluation sets, one loader per shape: what a benchmark or a training script reads from EVAL_DIR.

:func:`discover` looks at every folder of the evaluation folder and recognises it by its shape, not by
its name (so a held-out copy with other folder names is found the same way):

``gold-text``
    ``ground-truth.json`` (``{id: {"articleBody", "url"}}``) and ``html/<id>.html``; optional
    ``metadata.json`` (``{id: {title, authors, publishing_date, url}}``), ``excluded.json`` (ids left
    out) and ``plaintext-*.json`` (the pages already flattened by a tool). article-extraction,
    dragnet, cleaneval, fundus.
``snippets``
    ``evaldata.json`` (``{url: {"file", "with", "without"}}``) and ``html/``. boilerplate-snippets.
``goose3``
    ``cases.jsonl`` (``id, html, url, expected``): weak gold, goose3's own regression outputs;
    ``cleaned_text`` is only the start of the text.
``newspaper4k``
    ``index.jsonl`` (``id, html, txt, metadata``): weak gold, newspaper4k's own outputs.
``lines``
    ``<lang>-*.json``: lists of ``{"text": [lines], "labels": ["0"|"1"]}`` (1 = main text). oscar-lines.
``wordpress-rest``
    ``.json``/``.jsonl`` files holding WordPress REST API post or page objects (their own fields are
    the metadata gold). wordpress-rest, wordpress-rest-more.
``wxr``
    WordPress export files (``.xml`` with the ``wordpress.org/export/`` namespace).

Nothing here imports presswash: the loaders only read the files.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Page:
    """One HTML page of a set and whatever gold it has (None where the set has none)."""

    id: str
    path: Path
    text: str | None = None  # the gold main text
    prefix: bool = False  # the gold text is only the start of the main text (score its recall only)
    keep: list[str] = field(default_factory=list)  # snippets that must survive
    drop: list[str] = field(default_factory=list)  # snippets that must go
    metadata: dict | None = None  # gold: title, authors (list), published (str), url; only what is known

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass
class EvalSet:
    name: str  # the folder's name: the source
    shape: str
    weak: bool = False  # the gold is another tool's output: regressions only, not a quality score
    pages: list[Page] = field(default_factory=list)  # HTML shapes
    flattened: dict[str, dict[str, str]] = field(default_factory=dict)  # gold-text: tool -> {id: text}
    lines: dict[str, list[tuple[list[str], list[str]]]] = field(default_factory=dict)  # lines: lang -> docs
    files: list[Path] = field(default_factory=list)  # wordpress-rest, wxr


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _nonempty(value):
    if isinstance(value, str):
        value = value.strip()
        return value if value and value != "None" else None
    if isinstance(value, list):
        value = [v for v in (_nonempty(x) for x in value) if v]
        return value or None
    return value


def _gold_metadata(title=None, authors=None, published=None, url=None) -> dict | None:
    found = {"title": _nonempty(title), "authors": _nonempty(authors), "published": _nonempty(published), "url": _nonempty(url)}
    found = {k: v for k, v in found.items() if v is not None}
    return found or None


# -- one loader per shape -----------------------------------------------------------------------

def load_gold_text(folder: Path) -> EvalSet:
    gold = _json(folder / "ground-truth.json")
    excluded = set(_json(folder / "excluded.json")) if (folder / "excluded.json").is_file() else set()
    meta = _json(folder / "metadata.json") if (folder / "metadata.json").is_file() else {}
    pages = []
    for page_id in sorted(gold):
        path = folder / "html" / f"{page_id}.html"
        if page_id in excluded or not path.is_file():
            continue
        m = meta.get(page_id) or {}
        pages.append(Page(page_id, path, text=gold[page_id].get("articleBody") or "",
                          metadata=_gold_metadata(m.get("title"), m.get("authors"), m.get("publishing_date"), m.get("url"))))
    flattened = {}
    for path in sorted(folder.glob("plaintext-*.json")):
        texts = _json(path)
        flattened[path.stem.removeprefix("plaintext-")] = {k: v["articleBody"] if isinstance(v, dict) else v for k, v in texts.items()}
    return EvalSet(folder.name, "gold-text", pages=pages, flattened=flattened)


def load_snippets(folder: Path) -> EvalSet:
    pages = []
    for url, entry in sorted(_json(folder / "evaldata.json").items()):
        path = folder / "html" / entry["file"]
        if path.is_file():
            pages.append(Page(Path(entry["file"]).stem, path, keep=list(entry.get("with") or []), drop=list(entry.get("without") or [])))
    return EvalSet(folder.name, "snippets", pages=pages)


def load_goose3(folder: Path) -> EvalSet:
    pages = []
    for line in (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        path = folder / case["html"]
        expected = case.get("expected") or {}
        if not path.is_file() or not expected:
            continue
        published = expected.get("publish_datetime_utc") or expected.get("publish_date")
        pages.append(Page(case["id"], path, text=_nonempty(expected.get("cleaned_text")), prefix=True,
                          metadata=_gold_metadata(expected.get("title"), expected.get("authors"), published, expected.get("final_url"))))
    return EvalSet(folder.name, "goose3", weak=True, pages=pages)


def load_newspaper4k(folder: Path) -> EvalSet:
    pages = []
    for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        path = folder / entry["html"] if entry.get("html") else None
        if path is None or not path.is_file() or not (entry.get("txt") or entry.get("metadata")):
            continue
        text = (folder / entry["txt"]).read_text(encoding="utf-8") if entry.get("txt") else None
        m = _json(folder / entry["metadata"]) if entry.get("metadata") else {}
        pages.append(Page(entry["id"], path, text=text,
                          metadata=_gold_metadata(m.get("title"), m.get("authors"), m.get("publish_date"), m.get("url"))))
    return EvalSet(folder.name, "newspaper4k", weak=True, pages=pages)


def _labelled_docs(path: Path):
    try:
        docs = _json(path)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(docs, list) or not docs or not all(isinstance(d, dict) and isinstance(d.get("text"), list) and isinstance(d.get("labels"), list) for d in docs):
        return None
    return [(d["text"], [str(label) for label in d["labels"]]) for d in docs]


def load_lines(folder: Path) -> EvalSet:
    lines: dict[str, list] = {}
    for path in sorted(folder.glob("*.json")):
        docs = _labelled_docs(path)
        if docs:
            lines.setdefault(path.stem.split("-")[0], []).extend(docs)
    return EvalSet(folder.name, "lines", lines=lines)


def load_wordpress_rest(folder: Path) -> EvalSet:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".json", ".jsonl") and wordpress_posts(p))
    files += sorted(p for p in folder.iterdir() if p.suffix in (".json", ".jsonl") and p not in files)  # the rest: read, not gold
    return EvalSet(folder.name, "wordpress-rest", files=files)


def load_wxr(folder: Path) -> EvalSet:
    return EvalSet(folder.name, "wxr", files=sorted(p for p in folder.iterdir() if p.suffix == ".xml"))


# -- WordPress gold -----------------------------------------------------------------------------

def _is_post(obj) -> bool:
    title = obj.get("title")
    return isinstance(title, dict) and "rendered" in title and "content" in obj and "id" in obj


def _posts_in(obj, found: list) -> list:
    if isinstance(obj, dict):
        if _is_post(obj):
            found.append(obj)
        else:
            for value in obj.values():
                _posts_in(value, found)
    elif isinstance(obj, list):
        for value in obj:
            _posts_in(value, found)
    return found


def _has_text(post: dict) -> bool:
    content = post.get("content")
    content = content.get("rendered") if isinstance(content, dict) else content
    content = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", content or "")  # a PayPal button is not text
    return bool(re.sub(r"<[^>]+>|&nbsp;|\s", "", content))


def wordpress_posts(path: Path) -> list[dict]:
    """The post and page objects (``type`` post or page, or no type in a one-line-per-post file) with
    text in one raw REST file, in file order: what a reader must turn into documents. Revisions,
    autosaves, media, users, taxonomies and route indexes are not gold."""
    try:
        text = path.read_text(encoding="utf-8")
        parsed = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" else json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return []
    posts = _posts_in(parsed, [])
    # a revision or an autosave has no type but a parent
    return [p for p in posts if (p.get("type") in ("post", "page") or ("type" not in p and "parent" not in p)) and _has_text(p)]


def wordpress_gold(post: dict) -> dict:
    title = post.get("title")
    title = title.get("rendered") if isinstance(title, dict) else title
    title = re.sub(r"<[^>]+>", "", title or "")
    return {
        "title": " ".join(html_lib.unescape(title).split()) or None,
        "url": post.get("link"),
        "published": f"{post['date_gmt']}Z" if post.get("date_gmt") else None,
        "modified": f"{post['modified_gmt']}Z" if post.get("modified_gmt") else None,
        "slug": post.get("slug"),
        "id": post.get("id"),
    }


# -- finding the sets ---------------------------------------------------------------------------

def shape_of(folder: Path) -> str | None:
    """The shape of one folder, or None when it is none this module knows."""
    if (folder / "ground-truth.json").is_file() and (folder / "html").is_dir():
        return "gold-text"
    if (folder / "evaldata.json").is_file() and (folder / "html").is_dir():
        return "snippets"
    if (folder / "cases.jsonl").is_file():
        return "goose3"
    if (folder / "index.jsonl").is_file() and (folder / "metadata").is_dir():
        return "newspaper4k"
    children = [p for p in folder.iterdir() if p.is_file()]
    if any(p.suffix == ".xml" and "wordpress.org/export/" in p.read_text(encoding="utf-8", errors="replace")[:8192] for p in children):
        return "wxr"
    jsons = [p for p in children if p.suffix in (".json", ".jsonl")]
    if any(p.suffix == ".json" and _labelled_docs(p) for p in jsons):
        return "lines"
    if any(wordpress_posts(p) for p in jsons):
        return "wordpress-rest"
    return None


LOADERS = {
    "gold-text": load_gold_text,
    "snippets": load_snippets,
    "goose3": load_goose3,
    "newspaper4k": load_newspaper4k,
    "lines": load_lines,
    "wordpress-rest": load_wordpress_rest,
    "wxr": load_wxr,
}


def discover(eval_dir: Path) -> list[EvalSet]:
    """Every set under ``eval_dir`` whose shape is known, in folder-name order."""
    found = []
    for folder in sorted(p for p in Path(eval_dir).iterdir() if p.is_dir()):
        shape = shape_of(folder)
        if shape:
            found.append(LOADERS[shape](folder))
    return found
