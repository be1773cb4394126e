"""The quality benchmark runs end to end on a two-page fixture folder, so it cannot rot.

No score or time is asserted: the benchmark measures, the tests only check that it runs, covers every
section and produces a well-formed table.
"""

from __future__ import annotations

import importlib.util
import re
import sys

from tests.conftest import FIXTURES, ROOT


def load_benchmark():
    spec = importlib.util.spec_from_file_location("quality_benchmark", ROOT / "benchmarks" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_quality_benchmark_smoke(tmp_path, capsys):
    quality = load_benchmark()
    target = tmp_path / "quality.md"
    assert quality.main([str(FIXTURES / "eval-mini"), "--output", str(target)]) == 0
    table = target.read_text(encoding="utf-8")
    assert capsys.readouterr().out == table
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| measure")]
    measures = [row.split(" | ")[0] for row in rows]
    assert measures == [
        "| HTML pages (2): P / R / F1",
        "| HTML time per page, whole pipeline (decode, extraction, metadata, cleaning, language)",
        "| HTML time per page, extraction alone (parse, trafilatura, filters, page metadata)",
        "| Plain text `html-text`, reported half (1): P / R / F1",
        "| Plain text `html-text`, tuning half (1): P / R / F1 (tuned on, not a result)",
        "| Plain text `inscriptis`, reported half (1): P / R / F1",
        "| Plain text `inscriptis`, tuning half (1): P / R / F1 (tuned on, not a result)",
        "| Snippets: must-keep kept (higher is better)",
        "| Snippets: must-drop leaked (lower is better)",
        "| WordPress REST metadata exact (2 posts)",
    ]
    for score in re.findall(r"(\d\.\d{3}) / (\d\.\d{3}) / \*\*(\d\.\d{3})\*\*", table):
        assert all(0.0 <= float(x) <= 1.0 for x in score)
    assert len(re.findall(r"\| \d+\.\d\d× \(\d+\.\d ms\) \| 1\.00× \(\d+\.\d ms\) \|", table)) == 2
    assert "HTML recall without the `tweet-attribution` and `tweet-image-link` rules" in table
    assert "title 2/2, url 2/2, published 2/2, modified 2/2, slug 2/2, id 2/2" in table


def test_metric_matches_the_upstream_definition():
    quality = load_benchmark()
    gold = "One two three four five six"
    assert quality.precision_recall(gold, gold) == (1.0, 1.0)
    assert quality.precision_recall(gold, "") == (1.0, 0.0)  # nothing predicted: precision is vacuous
    p, r = quality.precision_recall(gold, "one two three four five six seven eight")
    assert (round(p, 3), r) == (0.6, 1.0)  # 3 of 5 predicted 4-shingles are right
    score = quality.Score.of([(gold, gold), (gold, "")])
    assert (score.precision, score.recall, round(score.f1, 4)) == (1.0, 0.5, 0.6667)  # F1 of the averages
    tune, report = quality.split_halves(["d", "a", "c", "b"])
    assert (tune, report) == (["a", "c"], ["b", "d"])
