"""Render `ptm-lint check` results as the findings JSON contract (ptm-lint/findings/1)."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from ..core import LEVELS, Finding, Report

SCHEMA = "ptm-lint/findings/1"


def finding_sort_key(f: Finding) -> tuple[Any, ...]:
    """Path, cell, line, column, rule: the order every reporter uses (deterministic output)."""
    return (f.path, -1 if f.cell is None else f.cell, f.line, f.column, f.rule, f.message)


def is_fixable(f: Finding, unsafe: bool = False) -> bool:
    """`ptm-lint --fix` applies only safe fixes (ruff's convention for the `[*]` marker); with
    `--unsafe-fixes` unsafe ones too."""
    if f.fix is None or not f.fix.edits:
        return False
    return f.fix.applicability == "safe" or (unsafe and f.fix.applicability == "unsafe")


def summary(report: Report) -> dict[str, Any]:
    """Counts over unsuppressed findings (what fails a build); suppressed ones are counted apart."""
    active = [f for f in report.findings if not f.suppressed]
    by_level = Counter(f.level for f in active)
    by_rule = Counter(f.rule for f in active)
    return {
        "total": len(active),
        # Every level is present (zero included) so consumers need no `.get` defaults.
        "by_level": {level: by_level.get(level, 0) for level in LEVELS},
        "by_rule": dict(sorted(by_rule.items())),
        "fixable": sum(1 for f in active if is_fixable(f)),
        "unsafe_fixable": sum(1 for f in active if is_fixable(f, True) and not is_fixable(f)),
        "suppressed": len(report.findings) - len(active),
        "files_with_errors": len({e.path for e in report.errors}),
    }


def findings_json(report: Report) -> dict[str, Any]:
    # Suppressed findings are included (flagged `suppressed: true`): consumers filter.
    return {
        "schema": SCHEMA,
        "tool": {"name": "ptm-lint", "version": report.tool_version},
        "findings": [f.to_json() for f in sorted(report.findings, key=finding_sort_key)],
        "references": [ref.to_json() for ref in report.references],
        "errors": [err.to_json() for err in report.errors],
        "summary": summary(report),
        "notes": list(report.notes),
    }


# Lone surrogates (undecodable file names) cannot be encoded at all; C1 controls, bidi controls and
# line/paragraph separators are valid but would act on a terminal or editor showing the file.
# A string: `re` compiles it on first use, so the text renderer (which imports this module) never does.
_SURROGATE = "[\ud800-\udfff\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def dumps(doc: Any) -> str:
    """JSON text that is always writable as UTF-8 and safe to display.

    A path decoded with surrogateescape may hold lone surrogates, which cannot be encoded; these
    and the invisible controls above only occur inside JSON strings, where their \\u escape keeps
    the document valid and the decoded value exactly the same.
    """
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return re.sub(_SURROGATE, lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def render_json(report: Report) -> str:
    return dumps(findings_json(report))
