"""Reading JSON the way scrapers save it: truncated, with raw control characters, several values in a row.

:func:`recover_json` first tries the standard parser (fast); when that fails it runs a tolerant,
non-recursive parser that keeps every value it could read and reports where and why the input stopped
being JSON. Containers that were cut off are reported as incomplete, so a reader can mark the records
inside them ``truncated``.

>>> r = recover_json('{"title": "Hello", "content": "cut here')
>>> r.values, r.problem
([{'title': 'Hello', 'content': 'cut here'}], 'input ends inside a string at line 1, column 40')
>>> r.complete(r.values[0])
False
>>> recover_json('{"a": 1}\\n{"a": 2}\\n').values
[{'a': 1}, {'a': 2}]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 512


class JSONTooDeep(ValueError):
    """The input nests containers deeper than :data:`MAX_DEPTH`; no real document does."""


@dataclass
class Recovered:
    """The top-level values read from a JSON text, and what went wrong, if anything."""

    values: list[Any]
    problem: str | None = None
    _incomplete: set[int] = field(default_factory=set, repr=False)

    def complete(self, container: Any) -> bool:
        """True unless ``container`` (a dict or list from :attr:`values`) was cut off."""
        return id(container) not in self._incomplete

    def records(self) -> list[tuple[Any, bool]]:
        """Each candidate record with its truncated flag, in file order: every top-level value, and
        every item of a top-level list (the last item of a list that was cut off is cut too).

        >>> recover_json('[{"a": 1}, {"a": 2').records()
        [({'a': 1}, False), ({'a': 2}, True)]
        """
        out = []
        for value in self.values:
            items = value if isinstance(value, list) else [value]
            list_cut = isinstance(value, list) and not self.complete(value)
            for i, item in enumerate(items):
                cut = not self.complete(item) if isinstance(item, (dict, list)) else (list_cut and i == len(items) - 1)
                out.append((item, cut))
        return out


def recover_json(text: str, max_depth: int = MAX_DEPTH) -> Recovered:
    """Read every JSON value in ``text`` (one value, JSON Lines, or concatenated values)."""
    try:
        return Recovered([json.loads(text, strict=False)])
    except RecursionError:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            lines = _try_json_lines(text)
            if lines is not None:
                return Recovered(lines)
    return _Parser(text, max_depth).parse_all()


def _try_json_lines(text: str) -> list[Any] | None:
    values = []
    for line in text.splitlines():
        if line.strip():
            try:
                values.append(json.loads(line, strict=False))
            except (json.JSONDecodeError, RecursionError):
                return None
    return values


_WS = re.compile(r"[ \t\n\r\ufeff]*")
_STRING_RUN = re.compile(r'[^"\\]*')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = {"true": True, "false": False, "null": None, "NaN": None, "Infinity": None, "-Infinity": None}


class _Stop(Exception):
    def __init__(self, reason: str, pos: int, partial: Any = None):
        super().__init__(reason)
        self.reason = reason
        self.pos = pos
        self.partial = partial  # a partial string value read before the input ended


class _Parser:
    def __init__(self, text: str, max_depth: int):
        self.text = text
        self.n = len(text)
        self.max_depth = max_depth

    def where(self, pos: int) -> str:
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return f"line {line}, column {column}"

    def skip_ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def parse_all(self) -> Recovered:
        values: list[Any] = []
        incomplete: set[int] = set()
        pos = self.skip_ws(0)
        while pos < self.n:
            stack: list[list[Any]] = []  # [container, pending key]
            try:
                value, pos = self.parse_value(pos, stack)
            except _Stop as stop:
                self._close(stack, stop, values, incomplete)
                return Recovered(values, f"{stop.reason} at {self.where(stop.pos)}", incomplete)
            values.append(value)
            pos = self.skip_ws(pos)
        return Recovered(values, None, incomplete)

    @staticmethod
    def _close(stack, stop: _Stop, values: list, incomplete: set[int]) -> None:
        """The input stopped: keep what was read, mark every open container incomplete."""
        if stack:
            if stop.partial is not None and (isinstance(stack[-1][0], list) or stack[-1][1] is not None):
                _Parser._attach(stack, stop.partial)
            for container, _ in stack:
                incomplete.add(id(container))
            values.append(stack[0][0])
        elif stop.partial is not None:
            values.append(stop.partial)

    def parse_value(self, pos: int, stack: list) -> tuple[Any, int]:
        """Read one top-level value. Containers are attached to their parent as soon as they open,
        so whatever was read before the input stopped is reachable from the root."""
        text = self.text
        root: Any = None
        while True:
            pos = self.skip_ws(pos)
            if pos >= self.n:
                raise _Stop("input ends where a value was expected", pos)
            c = text[pos]
            if c == "{" or c == "[":
                if len(stack) >= self.max_depth:
                    raise JSONTooDeep(f"JSON nested deeper than {self.max_depth} levels")
                container: Any = {} if c == "{" else []
                if stack:
                    self._attach(stack, container)
                else:
                    root = container
                stack.append([container, None])
                pos = self.skip_ws(pos + 1)
                if pos < self.n and text[pos] == ("}" if c == "{" else "]"):
                    stack.pop()
                    pos += 1
                elif c == "{":
                    stack[-1][1], pos = self.parse_key(pos)
                    continue
                else:
                    continue
            else:
                if c == '"':
                    value, pos = self.parse_string(pos + 1)
                elif (m := _NUMBER.match(text, pos)) and m.end() > pos:
                    num = m.group()
                    value = float(num) if any(ch in num for ch in ".eE") else int(num)
                    pos = m.end()
                else:
                    for literal, lit_value in _LITERALS.items():
                        if text.startswith(literal, pos):
                            value, pos = lit_value, pos + len(literal)
                            break
                    else:
                        raise _Stop(f"unexpected {text[pos]!r} where a value was expected", pos)
                if not stack:
                    return value, pos
                self._attach(stack, value)
            # after a value: a separator, or the end of one or more containers
            while True:
                if not stack:
                    return root, pos
                container = stack[-1][0]
                is_dict = isinstance(container, dict)
                pos = self.skip_ws(pos)
                if pos >= self.n:
                    raise _Stop("input ends inside an object" if is_dict else "input ends inside an array", pos)
                c = text[pos]
                if c == ",":
                    pos += 1
                    if is_dict:
                        stack[-1][1], pos = self.parse_key(self.skip_ws(pos))
                    break
                if c == ("}" if is_dict else "]"):
                    stack.pop()
                    pos += 1
                    continue
                raise _Stop(f"expected ',' or {'}' if is_dict else ']'!r} but found {c!r}", pos)

    @staticmethod
    def _attach(stack: list, value: Any) -> None:
        container, key = stack[-1]
        if isinstance(container, list):
            container.append(value)
        else:
            container[key] = value
            stack[-1][1] = None

    def parse_key(self, pos: int) -> tuple[str, int]:
        if pos >= self.n:
            raise _Stop("input ends inside an object", pos)
        if self.text[pos] != '"':
            raise _Stop(f"expected a quoted key but found {self.text[pos]!r}", pos)
        try:
            key, pos = self.parse_string(pos + 1)
        except _Stop as stop:
            raise _Stop("input ends inside a key", stop.pos) from None
        pos = self.skip_ws(pos)
        if pos >= self.n:
            raise _Stop("input ends after a key", pos)
        if self.text[pos] != ":":
            raise _Stop(f"expected ':' after a key but found {self.text[pos]!r}", pos)
        return key, pos + 1

    def parse_string(self, pos: int) -> tuple[str, int]:
        """Read a string body starting after its opening quote; raw control characters are kept."""
        text, n = self.text, self.n
        parts: list[str] = []
        while True:
            m = _STRING_RUN.match(text, pos)
            parts.append(m.group())
            pos = m.end()
            if pos >= n:
                raise _Stop("input ends inside a string", pos, "".join(parts))
            if text[pos] == '"':
                return "".join(parts), pos + 1
            # a backslash escape
            if pos + 1 >= n:
                raise _Stop("input ends inside a string", pos, "".join(parts))
            e = text[pos + 1]
            if e == "u":
                hex_digits = _HEX4.match(text, pos + 2)
                if not hex_digits:
                    if pos + 6 > n:  # cut inside the escape itself
                        raise _Stop("input ends inside a string", pos, "".join(parts))
                    pos += 2  # invalid escape: drop it, keep going
                    continue
                cp = int(hex_digits.group(), 16)
                pos += 6
                if 0xD800 <= cp < 0xDC00:
                    low = _HEX4.match(text, pos + 2) if text.startswith("\\u", pos) else None
                    if low and 0xDC00 <= int(low.group(), 16) < 0xE000:
                        parts.append(chr(0x10000 + ((cp - 0xD800) << 10) + (int(low.group(), 16) - 0xDC00)))
                        pos += 6
                    # a lone high surrogate is dropped
                elif not 0xDC00 <= cp < 0xE000:  # a lone low surrogate is dropped
                    parts.append(chr(cp))
            else:
                parts.append(_ESCAPES.get(e, e))
                pos += 2
