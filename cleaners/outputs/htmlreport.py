"""``report.html``: one self-contained page about a run, for people.

Built by a pure function from the run report (``report.json``'s data) and the output JSONL files,
which it streams: memory stays bounded whatever the corpus size (tables list at most a few thousand
rows and say how many more the JSONL files hold). Charts are inline SVG drawn here; the page loads
nothing (no script, no font, no CDN) and its Content-Security-Policy forbids loading anything, so it
opens the same offline, in a mail attachment or from a CI artifact.

Every string that comes from the input (titles, paths, URLs, removed lines, error messages) is
hostile: it is HTML-escaped everywhere, links to the original pages are only made for http(s) URLs,
and element ids are derived from record ids by a reversible, id-safe encoding.

>>> page = render_html({"files_seen": 1, "records": 1, "documents": 1}, title="<b>run</b>")
>>> "<b>run</b>" in page, "&lt;b&gt;run&lt;/b&gt;" in page
(False, True)
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from cleaners import __version__

MAX_DUPLICATE_ROWS = 1000
MAX_REJECTED_ROWS = 1000
MAX_DOCUMENT_ROWS = 500
MAX_REASON_GROUPS = 200
CHART_ROWS = 15

COLORS = {"documents": "#2f6f9f", "duplicates": "#d08b1c", "rejected": "#b83b3b", "neutral": "#5b7083"}

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# -- escaping -----------------------------------------------------------------------------------

def esc(value: Any) -> str:
    """HTML-escape any value for text or a quoted attribute; lone surrogates (undecodable file
    names) become visible ``\\udcxx`` escapes instead of breaking the UTF-8 page."""
    text = "" if value is None else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return html.escape(text, quote=True)


_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def anchor(kind: str, record_id: Any) -> str:
    """An element id for a record: safe in HTML and in a URL fragment, distinct for distinct ids.

    >>> anchor("doc", "48038361d7894493"), anchor("doc", 'x"><script>')
    ('doc-48038361d7894493', 'doc-x.22..3e..3c.script.3e.')
    """
    return f"{kind}-" + _UNSAFE_ID.sub(lambda m: f".{ord(m.group()):x}.", str(record_id))


def _short(text: Any, limit: int) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(v: Any) -> str:
    return f"{v:.2f}" if isinstance(v, (int, float)) and v < 10 else f"{v:.1f}" if isinstance(v, (int, float)) else str(v)


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


# -- charts (inline SVG) ----------------------------------------------------------------------------

def hbar_chart(rows: list[tuple[str, float]], label: str, color: str = COLORS["neutral"], label_chars: int = 26, left: int = 180) -> str:
    """A horizontal bar chart: one labelled bar per row, the value at its end."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    row_h, width, right = 22, 520 - left, 50
    height = row_h * len(rows) + 8
    peak = max(v for _, v in rows) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {left + width + right} {height}" width="100%" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        y = 4 + i * row_h
        w = max(1.0, width * value / peak) if value else 0
        parts.append(
            f'<g class="bar"><title>{esc(name)}: {esc(_fmt(value))}</title>'
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{esc(_short(name, label_chars))}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" rx="2" fill="{color}"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="value">{esc(_fmt(value))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(rows: list[tuple[str, dict[str, float]]], series: list[str], label: str) -> str:
    """Horizontal stacked bars (e.g. documents / duplicates / rejected per format) with a legend."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    row_h, left, width, right, legend_h = 22, 130, 360, 50, 24
    height = legend_h + row_h * len(rows) + 8
    peak = max(sum(parts.get(s, 0) for s in series) for _, parts in rows) or 1
    out = [
        f'<svg class="chart" viewBox="0 0 {left + width + right} {height}" width="100%" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
    ]
    x = left
    for s in series:
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLORS.get(s, COLORS["neutral"])}"/>'
                   f'<text x="{x + 16}" y="15">{esc(s)}</text>')
        x += 24 + 9 * len(s)
    for i, (name, parts) in enumerate(rows):
        y = legend_h + 4 + i * row_h
        out.append(f'<g class="bar"><text x="{left - 8}" y="{y + 15}" text-anchor="end">{esc(_short(name, 20))}</text>')
        x = float(left)
        for s in series:
            value = parts.get(s, 0)
            if value:
                w = max(1.0, width * value / peak)
                out.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" '
                           f'fill="{COLORS.get(s, COLORS["neutral"])}"><title>{esc(name)}, {esc(s)}: {esc(_fmt(value))}</title></rect>')
                x += w
        total = sum(parts.get(s, 0) for s in series)
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}" class="value">{esc(_fmt(total))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def column_chart(rows: list[tuple[str, float]], label: str, color: str = COLORS["documents"]) -> str:
    """Vertical bars (a histogram), labels under the bars."""
    if not rows or not any(v for _, v in rows):
        return '<p class="empty">Nothing to show.</p>'
    width, gap, top, bottom, height = 540, 8, 20, 40, 220
    col_w = (width - gap) / len(rows) - gap
    plot_h = height - top - bottom
    peak = max(v for _, v in rows) or 1
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
        f'<line x1="0" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" class="axis"/>'
    ]
    for i, (name, value) in enumerate(rows):
        x = gap + i * (col_w + gap)
        h = plot_h * value / peak if value else 0
        if value:
            h = max(h, 1.5)
        out.append(
            f'<g class="bar"><title>{esc(name)} characters: {esc(_fmt(value))} documents</title>'
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{col_w:.1f}" height="{h:.1f}" rx="2" fill="{color}"/>'
            f'<text x="{x + col_w / 2:.1f}" y="{top + plot_h - h - 5:.1f}" text-anchor="middle" class="value">{esc(_fmt(value)) if value else ""}</text>'
            f'<text x="{x + col_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{esc(name)}</text></g>'
        )
    out.append(f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle" class="tick">characters of clean text</text></svg>')
    return "".join(out)


# -- reading the outputs ------------------------------------------------------------------------------

def _jsonl(path: str | Path | None) -> Iterator[dict[str, Any]]:
    if path is None or not Path(path).exists():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


_ID_PREFIX = re.compile(r'\{"id":"((?:[^"\\]|\\.)*)"')


def _documents(path: str | Path | None, wanted: set[str], first: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``first`` documents plus every document whose id is in ``wanted``, and the count.
    Only those lines are parsed in full (the id is read off the start of each line), and kept
    without their text."""
    rows: list[dict[str, Any]] = []
    total = 0
    if path is None or not Path(path).exists():
        return rows, total
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            total += 1
            if total > first:
                if not wanted:
                    continue
                m = _ID_PREFIX.match(line)
                if m is not None and json.loads(f'"{m.group(1)}"') not in wanted:
                    continue
            doc = json.loads(line)
            if total <= first or str(doc.get("id")) in wanted:
                doc.pop("text", None)  # the table shows metadata only; up to 1,500 texts would be held
                rows.append(doc)
    return rows, total


def _duplicate_row(dup: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a duplicates.jsonl line (which may carry the whole dropped record)."""
    meta = dup.get("metadata") if isinstance(dup.get("metadata"), dict) else {}
    row = {k: dup.get(k) for k in ("id", "duplicate_of", "matched", "method", "similarity", "source")}
    row["title"] = dup.get("title", meta.get("title"))
    return row


_DIGITS = re.compile(r"\d+")


def reason_group(error: str) -> str:
    """A rejection reason without its particulars, for grouping.

    >>> reason_group("record 12 is not a WordPress post (a list without title/content fields)")
    'record N is not a WordPress post'
    >>> reason_group("not a text file: empty file")
    'not a text file: empty file'
    """
    head = error.split(" (", 1)[0]
    return _short(_DIGITS.sub("N", head), 90)


# -- the page --------------------------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light; --ink:#1d2733; --muted:#5b6b7b; --line:#d9e0e7; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#1f3a52; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; }
header p { margin:0; color:#c9d7e3; }
nav { padding:8px 32px; background:#fff; border-bottom:1px solid var(--line); position:sticky; top:0; z-index:1; }
nav a { margin-right:16px; color:#1f5f8f; text-decoration:none; }
main { padding:16px 32px 48px; max-width:1400px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:16px 0; }
h2 { margin:0 0 12px; font-size:18px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { flex:1 1 140px; background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
.card .n { font-size:26px; font-weight:600; }
.card .l { color:var(--muted); }
.card.documents .n { color:#2f6f9f; } .card.duplicates .n { color:#a86b0c; } .card.rejected .n { color:#b83b3b; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(460px, 1fr)); gap:16px; }
.grid section { margin:0; }
svg.chart { display:block; max-width:640px; font-size:12px; fill:var(--ink); }
svg.chart .value, svg.chart .tick { fill:var(--muted); }
svg.chart .axis { stroke:var(--line); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef2f6; position:sticky; top:38px; }
td.num, th.num { text-align:right; white-space:nowrap; }
td.text { max-width:640px; overflow-wrap:anywhere; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
.rule { display:inline-block; padding:0 6px; border-radius:10px; background:#eef2f6; font-size:12px; }
.meter { display:inline-block; height:8px; background:#8aa7c0; border-radius:4px; vertical-align:middle; }
.empty, .note { color:var(--muted); }
.ok { color:#2b7a3d; } .bad { color:#b83b3b; font-weight:600; }
tr:target { background:#fff4cc; }
"""


def render_html(
    report: dict[str, Any],
    documents: str | Path | None = None,
    duplicates: str | Path | None = None,
    rejected: str | Path | None = None,
    *,
    title: str = "presswash run report",
) -> str:
    """The whole page as one string (see :func:`iter_html` to stream it)."""
    return "".join(iter_html(report, documents, duplicates, rejected, title=title))


def iter_html(
    report: dict[str, Any],
    documents: str | Path | None = None,
    duplicates: str | Path | None = None,
    rejected: str | Path | None = None,
    *,
    title: str = "presswash run report",
) -> Iterator[str]:
    """The page in chunks, from the run report and the paths of the three JSONL outputs."""
    # Duplicates first: the survivors they point to are the documents the page must anchor.
    dup_rows: list[dict[str, Any]] = []
    dup_total = 0
    for dup in _jsonl(duplicates):
        dup_total += 1
        if len(dup_rows) < MAX_DUPLICATE_ROWS:
            dup_rows.append(_duplicate_row(dup))
    survivors: dict[str, list[str]] = {}
    for dup in dup_rows:
        survivors.setdefault(str(dup.get("duplicate_of")), []).append(str(dup.get("id")))
    doc_rows, doc_total = _documents(documents, set(survivors), MAX_DOCUMENT_ROWS)
    listed = {str(d.get("id")) for d in doc_rows}

    rej_rows: list[dict[str, Any]] = []
    rej_total = 0
    reasons: Counter[str] = Counter()
    for rej in _jsonl(rejected):
        rej_total += 1
        group = reason_group(str(rej.get("error", "")))
        if group in reasons or len(reasons) < MAX_REASON_GROUPS:
            reasons[group] += 1
        else:
            reasons["(other reasons)"] += 1
        if len(rej_rows) < MAX_REJECTED_ROWS:
            rej_rows.append(rej)

    yield (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n"
    )
    yield (
        f"<header><h1>{esc(title)}</h1><p>presswash {esc(__version__)} · "
        f"{esc(_fmt(report.get('files_seen', 0)))} raw files · {esc(_fmt(report.get('records', 0)))} records</p></header>\n"
        '<nav><a href="#summary">Summary</a><a href="#charts">Charts</a><a href="#removed">Removed lines</a>'
        '<a href="#duplicates">Duplicates</a><a href="#rejected">Rejected</a><a href="#documents">Documents</a></nav>\n<main>\n'
    )
    yield from _summary(report)
    yield from _charts(report, reasons)
    yield from _removed_lines(report)
    yield from _duplicates_table(dup_rows, dup_total, listed)
    yield from _rejected_table(rej_rows, rej_total)
    yield from _documents_table(doc_rows, doc_total, survivors)
    yield "</main></body></html>\n"


def _summary(report: dict[str, Any]) -> Iterator[str]:
    cards = [
        ("files", "raw files", report.get("files_seen", 0)),
        ("records", "records", report.get("records", 0)),
        ("documents", "documents written", report.get("documents", 0)),
        ("duplicates", "duplicates dropped", report.get("duplicates", 0)),
        ("rejected", "rejected", report.get("rejected", 0)),
    ]
    yield '<section id="summary"><h2>Summary</h2><div class="cards">'
    for cls, name, n in cards:
        yield f'<div class="card {cls}"><div class="n">{esc(_fmt(n))}</div><div class="l">{esc(name)}</div></div>'
    yield "</div>"
    records = report.get("records", 0)
    parts = sum(report.get(k, 0) for k in ("documents", "duplicates", "rejected"))
    unaccounted = report.get("unaccounted_files") or []
    if parts == records and not unaccounted:
        yield (f'<p class="ok">Every record is accounted for: {esc(_fmt(report.get("documents", 0)))} documents + '
               f'{esc(_fmt(report.get("duplicates", 0)))} duplicates + {esc(_fmt(report.get("rejected", 0)))} rejected = '
               f'{esc(_fmt(records))} records in the output folder; this run read {esc(_fmt(report.get("files_seen", 0)))} raw files.</p>')
    else:
        yield f'<p class="bad">Accounting mismatch: {esc(len(unaccounted))} raw files appear in no output.</p>'
    timings = report.get("timings_seconds") or {}
    if timings:
        yield '<p class="note">Time: ' + ", ".join(f"{esc(k.replace('_', ' '))} {esc(_seconds(v))} s" for k, v in timings.items()) + "</p>"
    yield "</section>\n"


def _charts(report: dict[str, Any], reasons: Counter[str]) -> Iterator[str]:
    formats = report.get("formats") or {}
    format_rows = [
        (fmt, {k: counts.get(k, 0) for k in ("documents", "duplicates", "rejected")})
        for fmt, counts in sorted(formats.items(), key=lambda kv: -sum(kv[1].get(k, 0) for k in ("documents", "duplicates", "rejected")))
    ]
    sites = report.get("sites") or {}
    site_rows = [(s.get("site") or "(site unknown)", s.get("documents", 0)) for s in (sites.get("top") or [])[:CHART_ROWS]]
    shown = sum(v for _, v in site_rows)
    if report.get("documents", 0) > shown and site_rows:
        site_rows.append((f"{max(0, sites.get('distinct', 0) - len(site_rows))} other sites", report.get("documents", 0) - shown))
    lengths = [(_bin_label(b), b.get("documents", 0)) for b in (report.get("length_histogram") or [])]
    while lengths and lengths[-1][1] == 0 and len(lengths) > 1:
        lengths.pop()
    methods = sorted((report.get("duplicates_by_method") or {}).items(), key=lambda kv: -kv[1])
    rules = list((report.get("removed_by_rule") or {}).items())[:CHART_ROWS]
    reason_rows = reasons.most_common(CHART_ROWS)

    yield '<div id="charts" class="grid">\n'
    yield _chart_section("chart-formats", "Records per format", stacked_chart(format_rows, ["documents", "duplicates", "rejected"], "Records per format"),
                         "Each raw record ends up as a document, a duplicate or a rejection.")
    note = f"{_fmt(sites.get('distinct', 0))} distinct sites." if sites else ""
    yield _chart_section("chart-sites", "Documents per site", hbar_chart(site_rows, "Documents per site", COLORS["documents"]), note)
    yield _chart_section("chart-lengths", "Text length distribution", column_chart(lengths, "Text length distribution"),
                         "Documents by characters of clean text.")
    yield _chart_section("chart-duplicates", "Duplicates by method", hbar_chart(methods, "Duplicates by method", COLORS["duplicates"]),
                         "" if methods else "No duplicates in this run.")
    yield _chart_section("chart-rules", "Removals by rule", hbar_chart(rules, "Removals by rule", COLORS["neutral"]),
                         "Boilerplate removed from the written documents, by rule (see presswash rules).")
    yield _chart_section("chart-rejections", "Rejections by reason", hbar_chart(reason_rows, "Rejections by reason", COLORS["rejected"], label_chars=40, left=270),
                         "" if reason_rows else "Nothing was rejected.")
    yield "</div>\n"


def _bin_label(b: dict[str, Any]) -> str:
    low, high = b.get("min_chars", 0), b.get("max_chars")

    def k(n: int) -> str:
        return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)

    return f"{k(low)}+" if high is None else f"{k(low)}–{k(high + 1)}"


def _chart_section(ident: str, heading: str, chart: str, note: str = "") -> str:
    if note and chart.startswith('<p class="empty">'):
        chart = ""  # the note says why there is nothing to draw
    note_html = f'<p class="note">{esc(note)}</p>' if note else ""
    return f'<section id="{ident}" class="chart-box"><h2>{esc(heading)}</h2>{chart}{note_html}</section>\n'


def _removed_lines(report: dict[str, Any]) -> Iterator[str]:
    lines = report.get("removed_lines") or []
    yield '<section id="removed"><h2>Most frequent removed lines</h2>'
    if not lines:
        yield '<p class="empty">No boilerplate was removed from the written documents.</p></section>\n'
        return
    peak = max(line.get("count", 0) for line in lines) or 1
    yield '<table><thead><tr><th class="num">times</th><th></th><th>rule</th><th>removed text</th></tr></thead><tbody>'
    for line in lines:
        n = line.get("count", 0)
        yield (f'<tr><td class="num">{esc(_fmt(n))}</td><td><span class="meter" style="width:{max(2, round(80 * n / peak))}px"></span></td>'
               f'<td><span class="rule">{esc(line.get("rule"))}</span></td><td class="text">{esc(line.get("text"))}</td></tr>')
    yield "</tbody></table>"
    if report.get("removed_lines_approximate"):
        yield '<p class="note">This run removed very many distinct lines; counts of the rarest were dropped along the way, so these counts are lower bounds.</p>'
    yield "</section>\n"


def _more(shown: int, total: int, filename: str) -> str:
    if total <= shown:
        return ""
    return f'<p class="note">Showing the first {esc(_fmt(shown))} of {esc(_fmt(total))}; all of them are in <code>{esc(filename)}</code>.</p>'


def _source_path(source: Any) -> str:
    if not isinstance(source, dict):
        return ""
    path = source.get("path") or ""
    record = source.get("record")
    return f"{path} #{record}" if record not in (None, 0) else str(path)


def _duplicates_table(rows: list[dict[str, Any]], total: int, listed: set[str]) -> Iterator[str]:
    yield f'<section id="duplicates"><h2>Duplicates ({esc(_fmt(total))})</h2>'
    if not rows:
        yield '<p class="empty">No duplicates in this run.</p></section>\n'
        return
    yield ('<p class="note">Each dropped record links to the document that was kept in its place.</p>'
           '<table><thead><tr><th>dropped record</th><th>title</th><th>source</th><th>method</th>'
           '<th class="num">similarity</th><th>kept document</th></tr></thead><tbody>')
    for dup in rows:
        survivor = str(dup.get("duplicate_of"))
        if survivor in listed:
            kept = f'<a class="survivor" href="#{esc(anchor("doc", survivor))}"><code>{esc(survivor)}</code></a>'
        else:
            kept = f'<code>{esc(survivor)}</code> <span class="note">(not in this run\'s documents.jsonl)</span>'
        similarity = dup.get("similarity")
        sim = f"{similarity:.3f}" if isinstance(similarity, (int, float)) else ""
        yield (f'<tr id="{esc(anchor("dup", dup.get("id")))}"><td><code>{esc(dup.get("id"))}</code></td>'
               f'<td class="text">{esc(_short(dup.get("title"), 120))}</td><td class="text mono">{esc(_source_path(dup.get("source")))}</td>'
               f'<td><span class="rule">{esc(dup.get("method"))}</span></td><td class="num">{esc(sim)}</td><td>{kept}</td></tr>')
    yield "</tbody></table>" + _more(len(rows), total, "duplicates.jsonl") + "</section>\n"


def _rejected_table(rows: list[dict[str, Any]], total: int) -> Iterator[str]:
    yield f'<section id="rejected"><h2>Rejected ({esc(_fmt(total))})</h2>'
    if not rows:
        yield '<p class="empty">Nothing was rejected.</p></section>\n'
        return
    yield '<table><thead><tr><th>raw file</th><th class="num">record</th><th>format</th><th>reason</th></tr></thead><tbody>'
    for rej in rows:
        source = rej.get("source") if isinstance(rej.get("source"), dict) else {}
        record = source.get("record")
        yield (f'<tr><td class="text mono">{esc(source.get("path"))}</td><td class="num">{esc("" if record is None else record)}</td>'
               f'<td>{esc(source.get("format") or "unknown")}</td><td class="text">{esc(rej.get("error"))}</td></tr>')
    yield "</tbody></table>" + _more(len(rows), total, "rejected.jsonl") + "</section>\n"


def _safe_url(url: Any) -> str | None:
    if isinstance(url, str) and re.match(r"https?://[^\s<>\"']+$", url, re.IGNORECASE):
        return url
    return None


def _documents_table(rows: list[dict[str, Any]], total: int, survivors: dict[str, list[str]]) -> Iterator[str]:
    yield f'<section id="documents"><h2>Documents ({esc(_fmt(total))})</h2>'
    if not rows:
        yield '<p class="empty">No documents were written.</p></section>\n'
        return
    yield ('<table><thead><tr><th>id</th><th>title</th><th>site</th><th>format</th><th>source</th>'
           '<th class="num">chars</th><th>lang</th><th class="num">removed</th><th>duplicates dropped</th></tr></thead><tbody>')
    for doc in rows:
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        source = meta.get("source") if isinstance(meta.get("source"), dict) else {}
        doc_id = str(doc.get("id"))
        title = esc(_short(meta.get("title"), 120)) or '<span class="note">(no title)</span>'
        url = _safe_url(meta.get("url"))
        if url:
            title = f'<a href="{esc(url)}" rel="noopener noreferrer">{title}</a>'
        chars = (meta.get("counts") or {}).get("chars") if isinstance(meta.get("counts"), dict) else None
        dups = " ".join(f'<a href="#{esc(anchor("dup", d))}"><code>{esc(d)}</code></a>' for d in survivors.get(doc_id, ()))
        yield (f'<tr id="{esc(anchor("doc", doc_id))}"><td><code>{esc(doc_id)}</code></td><td class="text">{title}</td>'
               f'<td>{esc(meta.get("site") or "")}</td><td>{esc(source.get("format") or "")}</td>'
               f'<td class="text mono">{esc(_source_path(source))}</td><td class="num">{esc(_fmt(chars) if chars is not None else "")}</td>'
               f'<td>{esc(meta.get("language") or "")}</td><td class="num">{esc(len(meta.get("removed") or []))}</td><td>{dups}</td></tr>')
    yield "</tbody></table>"
    if total > len(rows):
        yield (f'<p class="note">Listed: the first {esc(_fmt(min(total, MAX_DOCUMENT_ROWS)))} documents, and every document '
               f'that a listed duplicate points to ({esc(_fmt(len(rows)))} of {esc(_fmt(total))}); all are in <code>documents.jsonl</code>.</p>')
    yield "</section>\n"


def write_html_report(
    path: str | Path,
    report: dict[str, Any],
    documents: str | Path | None,
    duplicates: str | Path | None,
    rejected: str | Path | None,
) -> None:
    """Stream the page to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in iter_html(report, documents, duplicates, rejected):
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


__all__ = ["render_html", "iter_html", "write_html_report", "esc", "anchor", "reason_group"]
