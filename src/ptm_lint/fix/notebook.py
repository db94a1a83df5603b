"""Rewrite notebook cell sources in place: only the changed cells' `source` values change.

The notebook's JSON text is not re-serialised. The byte range of each changed cell's `source`
value is found by scanning the raw JSON, and only that range is replaced, in the style the file
already uses (a string, or an array of lines laid out like the original array; `\\u` hex
escapes only when the file uses them). Outputs, metadata, key order, indentation and the final
newline stay byte-for-byte as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ATOM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_WS = " \t\r\n"


class NotebookFormatError(ValueError):
    pass


def _ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def _skip(s: str, i: int) -> int:
    """End index of the JSON value starting at i (iterative: deep outputs cannot overflow)."""
    i = _ws(s, i)
    if i >= len(s):
        raise NotebookFormatError("unexpected end of JSON")
    ch = s[i]
    if ch == '"':
        m = _STRING.match(s, i)
        if not m:
            raise NotebookFormatError("unterminated string")
        return m.end()
    if ch in "[{":
        depth = 0
        while i < len(s):
            ch = s[i]
            if ch == '"':
                m = _STRING.match(s, i)
                if not m:
                    raise NotebookFormatError("unterminated string")
                i = m.end()
                continue
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise NotebookFormatError("unbalanced brackets")
    m = _ATOM.match(s, i)
    if not m:
        raise NotebookFormatError(f"unexpected character {ch!r}")
    return m.end()


def _members(s: str, start: int) -> list[tuple[str, int, int]]:
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
        v_end = _skip(s, v_start)
        out.append((key, v_start, v_end))
        i = _ws(s, v_end)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "}":
            return out
        raise NotebookFormatError("expected ',' or '}'")


def _items(s: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the array starting at s[start] == '['."""
    out = []
    i = _ws(s, start + 1)
    if i < len(s) and s[i] == "]":
        return out
    while True:
        v_start = _ws(s, i)
        v_end = _skip(s, v_start)
        out.append((v_start, v_end))
        i = _ws(s, v_end)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "]":
            return out
        raise NotebookFormatError("expected ',' or ']'")


def source_spans(text: str) -> dict[int, tuple[int, int]]:
    """cell index -> (start, end) of that cell's `source` value in the raw JSON text."""
    top = _ws(text, 0)
    if top >= len(text) or text[top] != "{":
        raise NotebookFormatError("a notebook is a JSON object")
    spans = {}
    for key, v_start, _ in _members(text, top):
        if key != "cells" or text[v_start] != "[":
            continue
        for index, (c_start, _) in enumerate(_items(text, v_start)):
            if text[c_start] != "{":
                continue
            for ckey, s_start, s_end in _members(text, c_start):
                if ckey == "source":
                    spans[index] = (s_start, s_end)
    return spans


def _dump(value: str, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def render_source(original: str, new_source: str, ascii_only: bool) -> str:
    """The JSON text for `new_source`, laid out like the `original` JSON value."""
    if original.startswith('"'):
        return _dump(new_source, ascii_only)
    lines = new_source.splitlines(keepends=True)
    items = _items(original, 0)
    if not items:
        return json.dumps(lines, ensure_ascii=ascii_only)
    lead = original[1 : items[0][0]]
    tail = original[items[-1][1] : -1]
    sep = original[items[0][1] : items[1][0]] if len(items) >= 2 else "," + lead
    if not lines:
        return "[]"
    return "[" + lead + sep.join(_dump(line, ascii_only) for line in lines) + tail + "]"


def replace_sources(text: str, new_sources: Mapping[int, str]) -> str:
    """`text` (a notebook's JSON) with the given cells' sources replaced, nothing else touched."""
    if not new_sources:
        return text
    spans = source_spans(text)
    ascii_only = text.isascii() and bool(re.search(r"\\u[0-9a-fA-F]{4}", text))
    missing = [index for index in new_sources if index not in spans]
    if missing:
        raise NotebookFormatError(f"cell {missing[0]} has no source")
    pieces = []
    for index in sorted(new_sources, key=lambda k: spans[k][0], reverse=True):
        start, end = spans[index]
        pieces.append((start, end, render_source(text[start:end], new_sources[index], ascii_only)))
    for start, end, new in pieces:
        text = text[:start] + new + text[end:]
    return text
