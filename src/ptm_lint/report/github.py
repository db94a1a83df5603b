"""Render `ptm-lint check` results as GitHub Actions workflow commands (inline PR annotations)."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..core import Finding, Report, cell_label
from .findings_json import finding_sort_key

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
# Controls other than CR/LF (which the runner's own %-escaping carries) are made visible so scanned
# data cannot smuggle terminal escape sequences or bidi tricks into the job log.
_UNSAFE = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _visible(text: str) -> str:
    return _UNSAFE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) <= 0xFF else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def escape_data(text: str) -> str:
    """The command value escaping of @actions/core (toolkit command.ts escapeData)."""
    return _visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally escape the `:` and `,` that delimit them (escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, props: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return (
        f"::{name} {rendered}::{escape_data(message)}"
        if rendered
        else f"::{name}::{escape_data(message)}"
    )


def _position(
    f: Finding, read_source: Callable[[str], str | None] | None, cache: dict
) -> tuple[dict[str, object], str]:
    """Annotation position properties, and a prefix for the message when lines are cell-relative."""
    line, col, end_line, end_col = f.line, f.column, f.end_line, f.end_column
    prefix = ""
    if f.cell is not None:
        # Annotations point into the .ipynb as stored (JSON); map the cell position when the
        # file text is available, otherwise name the cell in the message and omit the lines.
        located = None
        if read_source is not None:
            from .sarif import Sources

            sources = cache.setdefault("sources", Sources(read_source))
            located = sources.locate(f)
        if located is None or located.raw_line is None:
            return {}, f"{cell_label(f.cell)}, line {f.line}: "
        s = located.span
        line, col, end_line, end_col = s.line, s.column, s.end_line, s.end_column
        prefix = f"{cell_label(f.cell)}, line {f.line}: "
    line, end_line = max(line, 1), max(end_line, line, 1)
    # The toolkit documents col/endColumn as valid only when the annotation is on a single line.
    single = end_line == line
    props: dict[str, object] = {
        "line": line,
        "col": max(col, 1) if single else None,
        "endLine": end_line,
        "endColumn": max(end_col, col, 1) if single else None,
    }
    return props, prefix


def render_github(report: Report, *, read_source: Callable[[str], str | None] | None = None) -> str:
    lines: list[str] = []
    cache: dict = {}
    for f in sorted(report.findings, key=finding_sort_key):
        if f.suppressed:
            continue
        position, prefix = _position(f, read_source, cache)
        props: dict[str, object] = {
            "file": f.path,
            **position,
            "title": f"{f.rule} ({f.name})" if f.name else f.rule,
        }
        lines.append(_command(_COMMAND.get(f.level, "warning"), props, prefix + f.message))
    for err in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message)):
        if err.cell is None:
            lines.append(_command("warning", {"file": err.path, "line": err.line}, err.message))
            continue
        # A cell's line is not a line of the .ipynb as stored: name it in the message, as for findings.
        where = cell_label(err.cell) + (f", line {err.line}" if err.line else "")
        lines.append(_command("warning", {"file": err.path}, f"{where}: {err.message}"))
    return "\n".join(lines) + "\n" if lines else ""
