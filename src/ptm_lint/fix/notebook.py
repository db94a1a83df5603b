"""Rewrite notebook cell sources in place: only the changed cells' `source` values change.

The notebook's JSON text is not re-serialised. The byte range of each changed cell's `source`
value is found by walking the raw JSON (ptm_lint/notebook.py, shared with the SARIF reporter), and
only that range is replaced, in the style the file already uses (a string, or an array of lines
laid out like the original array; `\\u` hex escapes only when the file uses them). Outputs, metadata, key order, indentation and the final
newline stay byte-for-byte as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from ..notebook import NotebookFormatError, items, source_spans

__all__ = ["NotebookFormatError", "render_source", "replace_sources"]


def _dump(value: str, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def render_source(original: str, new_source: str, ascii_only: bool) -> str:
    """The JSON text for `new_source`, laid out like the `original` JSON value."""
    if original.startswith('"'):
        return _dump(new_source, ascii_only)
    lines = new_source.splitlines(keepends=True)
    parts = items(original, 0)
    if not parts:
        return json.dumps(lines, ensure_ascii=ascii_only)
    lead = original[1 : parts[0][0]]
    tail = original[parts[-1][1] : -1]
    sep = original[parts[0][1] : parts[1][0]] if len(parts) >= 2 else "," + lead
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
