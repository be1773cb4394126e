"""The README's samples of command output are the real output (issue 16, item 13)."""

from __future__ import annotations

import re

from flows.cli import main
from tests.conftest import ROOT


def readme_sample(command: str) -> list[str]:
    """The lines the README shows under ``$ COMMAND`` in a ``text`` block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"```text\n\$ {re.escape(command)}\n(.*?)```", readme, re.S)
    assert block, f"no sample of {command!r} in the README"
    return block.group(1).rstrip("\n").split("\n")


def matches(sample: list[str], real: list[str]) -> bool:
    """Each sample line equals a real line, in order: a line ``...`` stands for any lines, ``[...]``
    inside a line for any text."""
    if not sample:
        return not real
    head, rest = sample[0], sample[1:]
    if head.strip() == "...":
        return any(matches(rest, real[i:]) for i in range(len(real) + 1))
    pattern = ".*".join(re.escape(part) for part in head.split("[...]"))
    return bool(real) and re.fullmatch(pattern, real[0]) is not None and matches(rest, real[1:])


def test_the_inspect_sample_is_what_inspect_prints(capsys, monkeypatch):
    """Before: the README showed the tweet link cut out inline ([-...-]{tweet-image-link}), where the real
    output lists it under "removed while reading", before cleaning."""
    monkeypatch.chdir(ROOT)
    assert main(["inspect", "tests/fixtures/inspect-sample.txt", "--color", "never"]) == 0
    real = capsys.readouterr().out.rstrip("\n").split("\n")
    sample = readme_sample("presswash inspect tests/fixtures/inspect-sample.txt")
    assert matches(sample, real), "\n".join(real)


def test_the_matcher_needs_every_line_in_order():
    real = ["a", "b long line", "c"]
    assert matches(["a", "...", "c"], real) and matches(["a", "b [...]", "c"], real)
    assert not matches(["a", "c"], real) and not matches(["b [...]", "a", "..."], real) and not matches(["a", "x", "..."], real)
