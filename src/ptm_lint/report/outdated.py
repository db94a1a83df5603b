"""`ptm-lint outdated`: the `pip list --outdated` of models.

One row per model reference: the revision the code pins, the commit it resolves to, the default branch's
current commit (from the Hub with --online, else from the caches), and whether main moved since.
torch.hub (GitHub refs) and TF Hub / Kaggle handles are listed with what the code says; their current
versions are not looked up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..hub.model import ModelMeta

SCHEMA = "ptm-lint/outdated/1"
LISTED_HUBS = ("huggingface", "torch_hub", "tf_hub", "kaggle")
STATUS_TEXT = {
    "not_found": "not found on the hub",
    "gated": "gated (no access)",
    "private": "private",
    "disabled": "disabled by the hub",
    "revision_not_found": "pinned revision not found",
}


@dataclass(frozen=True)
class Row:
    reference: int
    path: str
    cell: int | None
    line: int
    hub: str
    model: str
    revision: str | None  # as the code pins it (None: the default branch)
    pinned_sha: str | None  # the commit the pin resolves to
    current_sha: str | None  # the default branch's head
    moved: bool | None  # None: unknown
    commits_behind: int | None
    status: str  # current | moved | unpinned | unknown | untracked | <hub status>
    detail: str  # the STATUS column, in words
    source: str | None  # hf-cache | ptm-cache | hub

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference, "path": self.path, "cell": self.cell, "line": self.line, "hub": self.hub,
            "model": self.model, "revision": self.revision, "pinned_sha": self.pinned_sha,
            "current_sha": self.current_sha, "moved": self.moved, "commits_behind": self.commits_behind,
            "status": self.status, "detail": self.detail, "source": self.source,
        }


def _row(index: int, ref: Any, meta: ModelMeta | None) -> Row:
    model = ref.canonical or ref.model
    base = dict(reference=index, path=ref.path, cell=ref.cell, line=ref.line, hub=ref.hub, model=model,
                revision=ref.revision, pinned_sha=None, current_sha=None, moved=None, commits_behind=None,
                source=None)
    if ref.hub != "huggingface":
        what = {"torch_hub": "GitHub refs are not looked up", "tf_hub": "TF Hub versions are not looked up",
                "kaggle": "Kaggle versions are not looked up"}.get(ref.hub, "not looked up")
        return Row(**base, status="untracked", detail=what)
    if meta is None:
        return Row(**base, status="unknown", detail="not in any cache (use --online)")
    base.update(source=meta.source, current_sha=meta.default_sha)
    if meta.status != "ok":
        return Row(**base, status=meta.status, detail=STATUS_TEXT.get(meta.status, meta.status))
    if ref.revision is None or ref.pin in ("mutable", "library"):
        detail = "unpinned: follows main" if ref.revision is None else f"follows {ref.revision!r}"
        if ref.pin == "library":
            detail = "pinned by the library version"
        return Row(**{**base, "pinned_sha": meta.sha}, status="unpinned", detail=detail)
    base.update(pinned_sha=meta.sha)
    if not meta.sha or not meta.default_sha:
        return Row(**base, status="unknown", detail="main's current commit is not known")
    if meta.sha == meta.default_sha:
        return Row(**{**base, "moved": False, "commits_behind": 0}, status="current", detail="up to date")
    if meta.source == "hf-cache":
        seen = f" on {meta.default_date[:10]}" if meta.default_date else ""
        detail = f"main moved (as last seen locally{seen})"
    elif meta.commits_behind:
        detail = f"main moved: {meta.commits_behind} commit{'s' if meta.commits_behind != 1 else ''} ahead"
    elif meta.on_default_branch is False:
        detail = "main moved: the pin is not in main's history"
    else:
        detail = "main moved"
    if meta.default_date and meta.source != "hf-cache":
        detail += f", last change {meta.default_date[:10]}"
    return Row(**{**base, "moved": True, "commits_behind": meta.commits_behind}, status="moved", detail=detail)


def outdated_rows(references: Sequence[Any], metadata: Any) -> list[Row]:
    """Rows for every model reference; `metadata` is a MetadataResult (or anything with .get(ref))."""
    rows = []
    for index, ref in enumerate(references):
        if ref.hub not in LISTED_HUBS or not (ref.canonical or ref.model):
            continue
        rows.append(_row(index, ref, metadata.get(ref) if metadata is not None else None))
    return rows


def _short(value: str | None) -> str:
    if value is None:
        return "-"
    return value[:12] if len(value) == 40 and all(c in "0123456789abcdef" for c in value) else value


def render_text(rows: Sequence[Row], notes: Sequence[str] = ()) -> str:
    from .text import escape

    header = ("MODEL", "PINNED", "RESOLVES TO", "MAIN NOW", "STATUS", "WHERE")
    table = [header]
    for r in rows:
        where = f"{r.path}{f':cell {r.cell}' if r.cell is not None else ''}:{r.line}"
        table.append((escape(r.model), escape(_short(r.revision)), _short(r.pinned_sha), _short(r.current_sha),
                      escape(r.detail), escape(where)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(row)).rstrip()
             for row in table]
    if not rows:
        lines = ["No model references found."]
    moved = sum(1 for r in rows if r.status == "moved")
    if rows:
        lines.append("")
        lines.append(f"{moved} of {len(rows)} reference{'s' if len(rows) != 1 else ''} pinned behind main."
                     if moved else "No pinned reference is behind main.")
    lines.extend(escape(n) for n in notes)
    return "\n".join(lines) + "\n"


def render_json(rows: Sequence[Row], notes: Sequence[str] = (), tool_version: str = "0.1.0") -> str:
    doc: Mapping[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "ptm-lint", "version": tool_version},
        "references": [r.to_json() for r in rows],
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"
