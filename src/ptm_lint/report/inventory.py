"""Render the inventory (every model reference) as the JSON contract or a readable table."""

from __future__ import annotations

from typing import Any

from ..core import Reference, Report, where
from .text import escape

SCHEMA = "ptm-lint/inventory/1"


def model_key(ref: Reference) -> tuple[str, str] | None:
    """References to the same model share this key; None when the id is unknown."""
    ident = ref.canonical or ref.model
    if ident is None:
        return None
    return ref.hub, ident


def models(references: tuple[Reference, ...]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for index, whole in enumerate(references):
        for ref in whole.loaded():  # each candidate of a call whose callers disagree
            key = model_key(ref)
            if key is None:
                continue
            entry = grouped.setdefault(key, {"hub": key[0], "canonical": key[1], "revisions": [], "references": []})
            if ref.revision is not None and ref.revision not in entry["revisions"]:
                entry["revisions"].append(ref.revision)
            if index not in entry["references"]:
                entry["references"].append(index)
    return sorted(grouped.values(), key=lambda m: (m["hub"], m["canonical"]))


def inventory_json(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "ptm-lint", "version": report.tool_version},
        "references": [ref.to_json() for ref in report.references],
        "models": models(report.references),
        "errors": [err.to_json() for err in report.errors],
    }


def render_json(report: Report) -> str:
    from .findings_json import dumps  # lone surrogates (undecodable file names) stay valid JSON

    return dumps(inventory_json(report))


def _where(path: str, cell: int | None, line: int, column: int) -> str:
    return where(escape(path), cell, line, column)  # notebooks: ruff's `path:cell N:line:col`


def render_text(report: Report) -> str:
    # Paths, ids and messages come from the scanned repo: control characters are made visible.
    lines: list[str] = []
    for ref in report.references:
        ident = escape(ref.model) if ref.model is not None else "<unknown>"
        rev = f"@{escape(ref.revision)}" if ref.revision else ""
        lines.append(
            f"{_where(ref.path, ref.cell, ref.line, ref.column)}: {ident}{rev} "
            f"[{ref.hub}, {ref.role}, pin={ref.pin}, {ref.resolution}] {ref.api}"
        )
        for cand in ref.candidates or ():
            # The models a helper loads, one per caller (or branch), under the call that loads them.
            c_ident = escape(cand.model) if cand.model is not None else "<unknown>"
            c_rev = f"@{escape(cand.revision)}" if cand.revision else ""
            lines.append(f"    candidate {c_ident}{c_rev} [pin={cand.pin}] from {_where(cand.path, cand.cell, cand.line, 1)}")
    for err in report.errors:
        lines.append(f"{where(escape(err.path), err.cell, err.line or 1, 1)}: error: {escape(err.message)}")
    n_models = len(models(report.references))
    lines.append(
        f"{len(report.references)} model reference{'s' if len(report.references) != 1 else ''}, "
        f"{n_models} distinct model{'s' if n_models != 1 else ''}"
        + (f", {len(report.errors)} file error{'s' if len(report.errors) != 1 else ''}" if report.errors else "")
    )
    return "\n".join(lines) + "\n"
