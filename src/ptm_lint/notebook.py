"""A notebook's JSON as stored: its code cells, and where each cell's `source` sits in the raw text.

Shared by the scanner (which cells are code), the fixer (which byte range of the file to rewrite)
and the SARIF/GitHub reporters (which line of the .ipynb a cell position is on). The raw text is
walked, never re-serialised: positions are offsets into the file exactly as it is. The walk is
iterative, so outputs nested arbitrarily deep cannot overflow the stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ATOM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_WS = " \t\r\n"
_WS_RUN = re.compile(r"[ \t\r\n]*")  # one C call over nbformat's indentation
_SPECIAL = re.compile(r'["\[\]{}]')


class NotebookFormatError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CodeCell:
    """A code cell of a parsed notebook: its index among all cells and its source text."""

    index: int
    source: str | None  # None when the cell cannot be read (see `problem`)
    problem: str | None = None


def code_cells(cells: list[Any]) -> Iterator[CodeCell]:
    """The code cells of a notebook's `cells` list (nbformat 4: `source` is a string or a list of lines)."""
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            yield CodeCell(index, None, "the cell is not a JSON object")
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if isinstance(source, str):
            yield CodeCell(index, source)
        else:
            yield CodeCell(index, None, "the cell has a malformed 'source'")


# -- the raw JSON text --------------------------------------------------------------------------
def _ws(s: str, i: int) -> int:
    return _WS_RUN.match(s, i).end()  # type: ignore[union-attr]  # matches the empty string too


_DECODER = json.JSONDecoder()


def skip_value(s: str, i: int) -> int:
    """End index of the JSON value starting at s[i] (after whitespace)."""
    i = _ws(s, i)
    if i >= len(s):
        raise NotebookFormatError("unexpected end of JSON")
    try:  # the C decoder is several times faster than walking outputs in Python
        return _DECODER.raw_decode(s, i)[1]
    except json.JSONDecodeError as exc:
        raise NotebookFormatError(exc.msg) from None
    except RecursionError:
        return _walk_value(s, i)  # nested deeper than the C decoder goes: the iterative walk


def _walk_value(s: str, i: int) -> int:
    ch = s[i]
    if ch == '"':
        m = _STRING.match(s, i)
        if not m:
            raise NotebookFormatError("unterminated string")
        return m.end()
    if ch in "[{":
        depth = 0
        while True:
            special = _SPECIAL.search(s, i)  # jump over numbers, commas, literals in one C call
            if special is None:
                raise NotebookFormatError("unbalanced brackets")
            i = special.start()
            ch = s[i]
            if ch == '"':
                m = _STRING.match(s, i)
                if not m:
                    raise NotebookFormatError("unterminated string")
                i = m.end()
                continue
            if ch in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    m = _ATOM.match(s, i)
    if not m:
        raise NotebookFormatError(f"unexpected character {ch!r}")
    return m.end()


def members(s: str, start: int) -> list[tuple[str, int, int]]:
    """(key, value start, value end) of the object starting at s[start] == '{'."""
    out = []
    i = _ws(s, start + 1)
    if i < len(s) and s[i] == "}":
        return out
    while True:
        i = _ws(s, i)
        m = _STRING.match(s, i)
        if not m:
            raise NotebookFormatError("expected a key")
        key = json.loads(m.group())
        i = _ws(s, m.end())
        if i >= len(s) or s[i] != ":":
            raise NotebookFormatError("expected ':'")
        v_start = _ws(s, i + 1)
        v_end = skip_value(s, v_start)
        out.append((key, v_start, v_end))
        i = _ws(s, v_end)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "}":
            return out
        raise NotebookFormatError("expected ',' or '}'")


def items(s: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the array starting at s[start] == '['."""
    out = []
    i = _ws(s, start + 1)
    if i < len(s) and s[i] == "]":
        return out
    while True:
        v_start = _ws(s, i)
        v_end = skip_value(s, v_start)
        out.append((v_start, v_end))
        i = _ws(s, v_end)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "]":
            return out
        raise NotebookFormatError("expected ',' or ']'")


def cell_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each element of the notebook's `cells` array in the raw JSON text.

    A repeated key counts as json.loads counts it (the last one), so the indexes are the scanner's.
    """
    top = _ws(text, 1 if text.startswith("\ufeff") else 0)
    if top >= len(text) or text[top] != "{":
        raise NotebookFormatError("a notebook is a JSON object")
    cells: list[tuple[int, int]] = []
    for key, v_start, _ in members(text, top):
        if key == "cells":
            cells = items(text, v_start) if text[v_start] == "[" else []
    return cells


def source_span(text: str, cell: tuple[int, int]) -> tuple[int, int] | None:
    """(start, end) of the `source` value of one element of `cells`, None when it has none."""
    if text[cell[0]] != "{":
        return None
    found = None
    for key, s_start, s_end in members(text, cell[0]):
        if key == "source":
            found = (s_start, s_end)
    return found


def source_spans(text: str) -> dict[int, tuple[int, int]]:
    """cell index -> (start, end) of that cell's `source` value in the raw JSON text."""
    spans = {}
    for index, cell in enumerate(cell_spans(text)):
        span = source_span(text, cell)
        if span is not None:
            spans[index] = span
    return spans


def source_strings(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(raw offset, decoded text) of each JSON string a `source` value is made of (one, or a list)."""
    if text[start] == '"':
        return [(start, json.loads(text[start:end]))]
    if text[start] != "[":
        return []
    return [(a, json.loads(text[a:b])) for a, b in items(text, start) if text[a] == '"']


def string_offsets(token: str) -> list[int]:
    """For a JSON string token (quotes included): raw offset of each decoded char, plus the end."""
    offsets: list[int] = []
    i, end = 1, len(token) - 1
    while i < end:
        offsets.append(i)
        if token[i] != "\\":
            i += 1
        elif token[i + 1] != "u":
            i += 2
        elif (
            0xD800 <= int(token[i + 2 : i + 6], 16) < 0xDC00
            and token[i + 6 : i + 8] == "\\u"
            and 0xDC00 <= int(token[i + 8 : i + 12], 16) < 0xE000
        ):
            i += 12  # a surrogate pair decodes to one code point
        else:
            i += 6
    offsets.append(end)
    return offsets
