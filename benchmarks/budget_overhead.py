"""What the per-document time budget costs: the same documents cleaned with and without it.

    python benchmarks/budget_overhead.py [--rounds 30]

Cleans the bundled samples (raw/) and generated short documents in this process's main thread, where
the budget is enforced with SIGALRM (see cleaners/budget.py), alternating runs with the budget on and
off, and prints the median time per document of each and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import Cleaner, CleanerConfig  # noqa: E402
from cleaners.runtime.budget import time_limit  # noqa: E402


def per_document(cleaner: Cleaner, folder: Path, names: list[str]) -> float:
    started = time.perf_counter()
    for name in names:
        for _ in cleaner.process_file(folder, name):
            pass
    return (time.perf_counter() - started) / len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    short = Path(tempfile.mkdtemp(prefix="presswash-bench-"))
    for i in range(50):
        (short / f"{i:02d}.txt").write_text(f"Short note number {i} about the harbour council's vote.\n")
    suites = {"samples (raw/)": (ROOT / "raw", sorted(p.name for p in (ROOT / "raw").iterdir())),
              "short notes": (short, sorted(p.name for p in short.iterdir()))}
    on, off = Cleaner(CleanerConfig(document_seconds=30.0)), Cleaner(CleanerConfig(document_seconds=None))
    for label, (folder, names) in suites.items():
        per_document(on, folder, names)  # warm-up
        with_budget, without = [], []
        for _ in range(args.rounds):
            with_budget.append(per_document(on, folder, names))
            without.append(per_document(off, folder, names))
        a, b = statistics.median(with_budget), statistics.median(without)
        print(f"{label:16} with budget {a * 1e3:7.3f} ms/doc   without {b * 1e3:7.3f} ms/doc   "
              f"difference {(a - b) * 1e6:+7.1f} µs/doc ({(a - b) / b:+.1%})")
    n = 100_000
    started = time.perf_counter()
    for _ in range(n):
        with time_limit(30.0):
            pass
    print(f"one time_limit block (arm + disarm): {(time.perf_counter() - started) / n * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
