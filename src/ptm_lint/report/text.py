"""Render `ptm-lint check` results as ruff-style terminal text, one line per finding."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core import Finding, Report, cell_label, where
from .findings_json import finding_sort_key, is_fixable, summary

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_LEVEL_COLOR = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[34m"}
_CYAN = "\x1b[36m"
_GREEN = "\x1b[32m"

# Anything that could move the cursor, start an escape sequence, break the one-line-per-finding
# layout or reorder text visually (Trojan-Source bidi controls): C0/C1 controls, DEL, line/paragraph
# separators, bidi embeddings/overrides/isolates, and lone surrogates (undecodable file names).
# A string: `re` compiles it on first use, so a run with nothing to print never does.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """Make scanned data safe to print: control characters become visible escapes."""

    def repl(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in _NAMED:
            return _NAMED[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return re.sub(_UNSAFE, repl, text)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def _where(f: Finding) -> str:
    # ruff's notebook style: `nb.ipynb:cell 3:2:5:`; cells are shown 1-based like ruff and
    # Jupyter front-ends, while JSON/SARIF keep the 0-based index of the contract.
    cell = f"{cell_label(f.cell)}:" if f.cell is not None else ""
    return f"{cell}{f.line}:{f.column}"


def _finding_line(f: Finding, color: bool, unsafe_fixes: bool = False) -> str:
    path = _paint(escape(f.path), _BOLD, color)
    rule = _paint(f.rule, _BOLD + _LEVEL_COLOR.get(f.level, ""), color)
    fix = " " + _paint("[*]", _CYAN, color) if is_fixable(f, unsafe_fixes) else ""
    suppressed = " (suppressed)" if f.suppressed else ""
    return f"{path}:{_where(f)}: {rule}{fix} {escape(f.message)}{suppressed}"


def _summary_lines(report: Report, color: bool, unsafe_fixes: bool = False) -> Iterable[str]:
    counts = summary(report)
    total = counts["total"]
    if total:
        parts = [_plural(n, level) for level, n in counts["by_level"].items() if n]
        yield f"Found {_plural(total, 'finding')} ({', '.join(parts)})."
        marker = _paint("[*]", _CYAN, color)
        unsafe = counts.get("unsafe_fixable", 0)
        if unsafe_fixes and counts["fixable"] + unsafe:
            yield f"{marker} {counts['fixable'] + unsafe} fixable with `ptm-lint --fix --unsafe-fixes`."
        elif counts["fixable"]:
            more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
            yield f"{marker} {counts['fixable']} fixable with `ptm-lint --fix`{more}."
        elif unsafe:
            yield f"No safe fixes; {unsafe} with `ptm-lint --fix --unsafe-fixes`."
    elif report.errors:
        yield "No findings."
    else:
        yield _paint("All checks passed!", _GREEN, color)
    if report.errors:
        n_files = counts["files_with_errors"]
        yield f"{_plural(n_files, 'file')} could not be fully analysed (see above)."
    if counts["suppressed"]:
        yield f"{counts['suppressed']} suppressed."
    for note in report.notes:
        yield escape(note)


def render_text(report: Report, *, color: bool = False, show_suppressed: bool = False,
                unsafe_fixes: bool = False) -> str:
    lines = [
        _finding_line(f, color, unsafe_fixes)
        for f in sorted(report.findings, key=finding_sort_key)
        if show_suppressed or not f.suppressed
    ]
    for err in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message)):
        # A skipped file (e.g. an R notebook) is not a failure of the file; say so.
        label = "warning" if err.kind == "skipped" else "error"
        label = _paint(label + ":", _BOLD + _LEVEL_COLOR[label], color)
        path = _paint(escape(err.path), _BOLD, color)
        lines.append(f"{where(path, err.cell, err.line or 1, 1)}: {label} {escape(err.message)}")
    lines.extend(_summary_lines(report, color, unsafe_fixes))
    return "\n".join(lines) + "\n"
