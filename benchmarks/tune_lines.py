"""Fit the plain-text line classifier (``cleaners/rules/lines.toml``) on the tuning half.

Usage::

    python benchmarks/tune_lines.py EVAL_DIR [--write]

Reads ``article-extraction/plaintext-*.json`` and ``ground-truth.json`` from ``EVAL_DIR`` and uses
only the tuning half of the pages (ids in sorted order, even positions: the split
``benchmarks/quality.py`` reports the other half of). Each line of a flattened page is labelled
article or not by its overlap with the gold ``articleBody``; a logistic regression over the features
of :mod:`cleaners.readers.lines` is fitted (L2-regularised gradient descent, numpy), and the decoding
thresholds are chosen by repeated three-fold cross-validation over the pages of the tuning half. ``--write``
stores the weights and thresholds in ``cleaners/rules/lines.toml`` (the chrome vocabulary there is
kept as it is).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import PLAINTEXT_FILES, precision_recall, shingles, split_halves  # noqa: E402

from cleaners.readers.lines import (  # noqa: E402
    FEATURES,
    LineClassifier,
    LineModel,
    _default_model,
    line_features,
)
from cleaners.readers.plaintext import split_text_paragraphs  # noqa: E402
from cleaners.tags.language import detect_language  # noqa: E402
from cleaners.text.boilerplate import RuleSet  # noqa: E402

LINES_TOML = ROOT / "cleaners" / "rules" / "lines.toml"
_TOKEN = re.compile(r"\w+")


def label_lines(lines: list[str], gold: str) -> list[int]:
    """1 for a line of the article: most of its 4-token shingles are in the gold text; a short line
    (under 4 tokens) when its tokens occur in the gold text and it lies between the first and the
    last long article line (so a menu word that also occurs in the article is not article text)."""
    gold_shingles = shingles(gold)
    gold_tokens = " " + " ".join(_TOKEN.findall(gold.lower())) + " "
    labels: list[int | None] = []
    for line in lines:
        tokens = _TOKEN.findall(line.lower())
        if len(tokens) >= 4:
            own = shingles(line)
            labels.append(int(sum((own & gold_shingles).values()) >= 0.5 * sum(own.values())))
        else:
            labels.append(None)
    long_hits = [i for i, y in enumerate(labels) if y == 1]
    first, last = (long_hits[0], long_hits[-1]) if long_hits else (len(lines), -1)
    out = []
    for i, (line, y) in enumerate(zip(lines, labels)):
        if y is None:
            tokens = _TOKEN.findall(line.lower())
            y = int(bool(tokens) and first <= i <= last and (" " + " ".join(tokens) + " ") in gold_tokens)
        out.append(y)
    return out


def load_documents(eval_dir: Path) -> list[dict]:
    folder = eval_dir / "article-extraction"
    gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    rules = RuleSet.default()
    chrome = _default_model().chrome_pattern
    docs = []
    for name in PLAINTEXT_FILES:
        flattened = json.loads((folder / name).read_text(encoding="utf-8"))
        ids = [i for i in flattened if i in gold]
        tune, _reported = split_halves(ids)
        for doc_id in tune:
            text = flattened[doc_id]["articleBody"] if isinstance(flattened[doc_id], dict) else flattened[doc_id]
            lines, _ = rules.apply([" ".join(p.split()) for p in split_text_paragraphs(text)])  # as strip_chrome does
            language = detect_language("\n".join(lines))
            rows = line_features(lines, language, rules, chrome)
            docs.append({
                "id": doc_id,
                "file": name,
                "lines": lines,
                "language": language,
                "gold": gold[doc_id]["articleBody"],
                "X": np.array([[row[f] for f in FEATURES] for row in rows], dtype=float),
                "y": np.array(label_lines(lines, gold[doc_id]["articleBody"]), dtype=float),
            })
    return docs


def fit(docs: list[dict], l2: float = 1.0, iterations: int = 25) -> tuple[float, np.ndarray]:
    """L2-regularised logistic regression by Newton's method; lines weighted by their length, so the
    model cares about the text a line holds more than about the number of lines."""
    X = np.vstack([d["X"] for d in docs])
    X = np.hstack([np.ones((len(X), 1)), X])
    y = np.concatenate([d["y"] for d in docs])
    s = np.concatenate([np.log1p([len(_TOKEN.findall(line)) for line in d["lines"]]) + 1.0 for d in docs])
    s = s / s.mean()
    beta = np.zeros(X.shape[1])
    penalty = l2 * np.eye(X.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ beta, -40, 40)))
        gradient = X.T @ (s * (p - y)) + penalty @ beta
        hessian = (X * (s * p * (1 - p))[:, None]).T @ X + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return float(beta[0]), beta[1:]


def model_of(bias: float, weights: np.ndarray, region: float, keep: float, smoothing: float, relative: float) -> LineModel:
    current = _default_model()
    return LineModel(
        bias=float(bias),
        weights={f: float(w) for f, w in zip(FEATURES, weights)},
        region_threshold=region,
        keep_threshold=keep,
        chrome_probability=current.chrome_probability,  # the clean-text gate is set by design, not fitted
        min_chrome_lines=current.min_chrome_lines,
        smoothing=smoothing,
        relative=relative,
        chrome_pattern=_default_model().chrome_pattern,
    )


def f1_of(docs: list[dict], model: LineModel) -> float:
    classifier = LineClassifier(model)
    w = np.array([model.weights[f] for f in FEATURES])
    scores = []
    for name in PLAINTEXT_FILES:
        ps, rs = [], []
        for d in (d for d in docs if d["file"] == name):
            probs = 1.0 / (1.0 + np.exp(-(d["X"] @ w + model.bias)))
            kept, _ = classifier.decode(d["lines"], list(probs)) if len(d["lines"]) >= 3 else (d["lines"], [])
            p, r = precision_recall(d["gold"], "\n".join(kept))
            ps.append(p)
            rs.append(r)
        if ps:
            P, R = statistics.fmean(ps), statistics.fmean(rs)
            scores.append(2 * P * R / (P + R) if P + R else 0.0)
    return statistics.fmean(scores)


GRID = {
    "region": (0.3, 0.4, 0.5, 0.6),
    "keep": (0.2, 0.3, 0.4, 0.5),
    "smoothing": (0.0, 0.25, 0.5),
    "relative": (0.5, 0.7, 1.0),
    "l2": (0.1, 1.0, 10.0),
}


CV_REPEATS, CV_FOLDS = 3, 3


def cv_folds(ids: list[str]) -> list[set[str]]:
    """Repeated k-fold over pages: a few deterministic shuffles, each cut into k folds (one split of
    a handful of pages is too noisy to choose thresholds by)."""
    folds = []
    for repeat in range(CV_REPEATS):
        order = sorted(ids, key=lambda i: hashlib.sha256(f"{repeat}:{i}".encode()).hexdigest())
        folds += [set(order[k::CV_FOLDS]) for k in range(CV_FOLDS)]
    return folds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--write", action="store_true", help="store the fitted model in cleaners/rules/lines.toml")
    args = parser.parse_args(argv)
    docs = load_documents(args.eval_dir)
    ids = sorted({d["id"] for d in docs})
    folds = cv_folds(ids)
    print(f"{len(ids)} tuning pages, {sum(len(d['lines']) for d in docs)} lines, {int(sum(d['y'].sum() for d in docs))} labelled article")

    best = None
    for l2 in GRID["l2"]:
        fitted = [fit([d for d in docs if d["id"] not in fold], l2=l2) for fold in folds]
        for decoding in itertools.product(GRID["region"], GRID["keep"], GRID["smoothing"], GRID["relative"]):
            cv = statistics.fmean(
                f1_of([d for d in docs if d["id"] in fold], model_of(*fitted[k], *decoding))
                for k, fold in enumerate(folds)
            )
            if best is None or cv > best[0]:
                best = (cv, l2, decoding)
    cv, l2, decoding = best
    names = ("region", "keep", "smoothing", "relative")
    print(f"cross-validated F1 on the tuning half: {cv:.4f} (l2={l2}, " + ", ".join(f"{n}={v}" for n, v in zip(names, decoding)) + ")")
    bias, weights = fit(docs, l2=l2)
    model = model_of(bias, weights, *decoding)
    print(f"F1 on the whole tuning half with the final fit: {f1_of(docs, model):.4f}")
    for f, w in sorted(zip(FEATURES, weights), key=lambda x: -abs(x[1])):
        print(f"  {f:20s} {w:+.3f}")
    if args.write:
        write_model(model)
        print(f"written to {LINES_TOML.relative_to(ROOT)}")
    return 0


def write_model(model: LineModel) -> None:
    text = LINES_TOML.read_text(encoding="utf-8")
    head = text[: text.index("\n[model]\n") + 1]
    body = [
        "[model]",
        f"bias = {model.bias:.4f}",
        f"region_threshold = {model.region_threshold}",
        f"keep_threshold = {model.keep_threshold}",
        f"chrome_probability = {model.chrome_probability}",
        f"min_chrome_lines = {model.min_chrome_lines}",
        f"smoothing = {model.smoothing}",
        f"relative = {model.relative}",
        "",
        "[model.weights]",
    ] + [f"{name} = {model.weights[name]:.4f}" for name in FEATURES]
    LINES_TOML.write_text(head + "\n".join(body) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
