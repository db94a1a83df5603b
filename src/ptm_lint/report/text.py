"""Render `ptm-lint check` results as ruff-style terminal text: one short line per finding, each hint once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core import Finding, Report
from .findings_json import finding_sort_key, is_fixable, summary

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_LEVEL_COLOR = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[34m"}
_CYAN = "\x1b[36m"
_GREEN = "\x1b[32m"
_DIM = "\x1b[2m"

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
    cell = f"cell {f.cell + 1}:" if f.cell is not None else ""
    return f"{cell}{f.line}:{f.column}"


def _finding_line(f: Finding, color: bool, unsafe_fixes: bool = False, full: bool = False) -> str:
    path = _paint(escape(f.path), _BOLD, color)
    rule = _paint(f.rule, _BOLD + _LEVEL_COLOR.get(f.level, ""), color)
    fix = " " + _paint("[*]", _CYAN, color) if is_fixable(f, unsafe_fixes) else ""
    # Marked where the eye reads the rule (ruff's `[*]` spot), and dimmed: it fails nothing.
    suppressed = " " + _paint("[suppressed]", _DIM, color) if f.suppressed else ""
    message = escape(f.message if full else split_advice(f.brief)[0])
    return f"{path}:{_where(f)}: {rule}{fix}{suppressed} {message}"


def _details(f: Finding, color: bool) -> Iterable[str]:
    """`--output-format full`: what to do about one finding, under its line (ruff's help:)."""
    if f.fix is not None:
        label = {"safe": "fix", "unsafe": "unsafe fix"}.get(f.fix.applicability, "suggestion")
        yield f"  {_paint('help:', _BOLD + _CYAN, color)} {escape(f.fix.description)} ({label})"


# The hint fix.pins.how_to_pin gives for a Hugging Face id without a known commit (a test keeps the
# two in step): the terminal lists these as one block of `hf download` commands to copy.
_HF_DOWNLOAD = re.compile(r"no commit sha for '[^']*' is known locally: run `(hf download [^`]+)` "
                          r"to cache it, or `ptm-lint check --fix --online`")


def split_advice(message: str) -> tuple[str, str | None]:
    """(what is wrong, what to do) of a rule message written `<problem>; <advice>`: split at the last
    "; " outside brackets and quotes (provenance in parentheses, quoted ids stay whole)."""
    depth, quote, cut = 0, "", -1
    for i, ch in enumerate(message):
        if quote:
            quote = "" if ch == quote else quote
        elif ch == "`" or ch == "'" and (i == 0 or not message[i - 1].isalnum()):  # not an apostrophe
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == ";" and depth == 0 and message.startswith("; ", i):
            cut = i
    if cut <= 0 or not message[cut + 2:].strip():
        return message, None
    return message[:cut], message[cut + 2:]


def _hint_lines(findings: Sequence[Finding], color: bool) -> Iterable[str]:
    """The advice of the findings, each piece once, after them: a rule's advice (the part of its
    messages after the last "; ") once per distinct wording, then each hint once (they name the
    model), the `hf download` commands as one block to copy."""
    advice: dict[tuple[str, str], int] = {}
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        todo = split_advice(f.brief)[1]
        if todo:
            advice[(f.rule, todo)] = advice.get((f.rule, todo), 0) + 1
        if f.hint:
            groups.setdefault(f.hint, []).append(f)
    if not groups and not advice:
        return
    label = _paint("help:", _BOLD + _CYAN, color)
    yield ""
    for (rule, todo), n in sorted(advice.items(), key=lambda item: item[0]):
        yield f"{label} {rule}: {escape(todo)} ({_plural(n, 'finding')})"
    downloads: list[tuple[str, int]] = []
    others: list[str] = []
    for hint, members in groups.items():
        count = _plural(len(members), "finding")
        match = _HF_DOWNLOAD.fullmatch(hint)
        if match:
            downloads.append((match.group(1), len(members)))
        else:
            others.append(f"{label} {escape(hint)} ({count})")
    if downloads:
        yield (f"{label} no commit sha is known locally for {_plural(len(downloads), 'Hugging Face repo')}: "
               "cache them, then run `ptm-lint check --fix` (or run `ptm-lint check --fix --online`):")
        width = max(len(command) for command, _ in downloads)
        for command, n in downloads:
            yield f"  {escape(command):<{width}}  # {_plural(n, 'finding')}"
    yield from others


def _fix_summary(counts: dict, report: Report, color: bool, unsafe_fixes: bool) -> Iterable[str]:
    """ruff's wording: `[*] N fixable with ...`, `N unsafe fixes available with ...`."""
    marker = _paint("[*]", _CYAN, color)
    safe, unsafe = counts["fixable"], counts.get("unsafe_fixable", 0)
    if unsafe_fixes:
        safe, unsafe = safe + unsafe, 0
    command = "ptm-lint --fix --unsafe-fixes" if unsafe_fixes else "ptm-lint --fix"
    more = f"{unsafe} unsafe fix{'' if unsafe == 1 else 'es'} available with `ptm-lint --fix --unsafe-fixes`"
    if report.fixed is None and safe:
        yield f"{marker} {safe} fixable with `{command}`" + (f" ({more})." if unsafe else ".")
    elif unsafe:
        yield f"{more[0].upper()}{more[1:]}."


def _summary_lines(report: Report, color: bool, unsafe_fixes: bool = False) -> Iterable[str]:
    counts = summary(report)
    total = counts["total"]
    if report.fixed is not None and (report.fixed or total):  # after --fix (ruff: "Found 3 errors (2 fixed, 1 remaining).")
        found = report.fixed + total
        yield f"Found {_plural(found, 'finding')} ({report.fixed} fixed, {total} remaining)."
        yield from _fix_summary(counts, report, color, unsafe_fixes)
    elif total:
        parts = [_plural(n, level) for level, n in counts["by_level"].items() if n]
        yield f"Found {_plural(total, 'finding')} ({', '.join(parts)})."
        yield from _fix_summary(counts, report, color, unsafe_fixes)
    elif report.errors:
        yield "No findings."
    else:
        yield _paint("All checks passed!", _GREEN, color)
    if report.errors:
        n_files = counts["files_with_errors"]
        yield f"{_plural(n_files, 'file')} could not be fully analysed (see above)."
    if counts["suppressed"]:
        yield f"{counts['suppressed']} suppressed."
    quiet = set(report.quiet_notes)
    for note in report.notes:
        if note not in quiet:
            yield escape(note)


def render_text(report: Report, *, color: bool = False, show_suppressed: bool = False,
                unsafe_fixes: bool = False, output_format: str = "concise") -> str:
    """One line per finding. `concise` (the default) shortens each to its message and lists every
    hint once after the findings; `full` keeps each finding's whole message and adds its fix."""
    full = output_format == "full"
    shown = [f for f in sorted(report.findings, key=finding_sort_key) if show_suppressed or not f.suppressed]
    lines: list[str] = []
    for f in shown:
        lines.append(_finding_line(f, color, unsafe_fixes, full))
        if full:
            lines.extend(_details(f, color))
    for err in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message)):
        # A skipped file (e.g. an R notebook) is not a failure of the file; say so.
        label = "warning" if err.kind == "skipped" else "error"
        label = _paint(label + ":", _BOLD + _LEVEL_COLOR[label], color)
        path = _paint(escape(err.path), _BOLD, color)
        lines.append(f"{path}:{err.line or 1}:1: {label} {escape(err.message)}")
    if not full:
        lines.extend(_hint_lines([f for f in shown if not f.suppressed], color))
    lines.extend(_summary_lines(report, color, unsafe_fixes))
    return "\n".join(lines) + "\n"
