"""Render `ptm-lint check` results as GitHub-flavoured Markdown for a job summary.

`ptm-lint check . --format markdown --exit-zero >> "$GITHUB_STEP_SUMMARY"` shows totals by rule
and level, the models (id, revision, pin class, license when known, where used), a Mermaid
dependency graph and the findings. GitHub rejects a step summary over 1 MiB, so the output is
kept under `max_bytes` by dropping the least severe findings and model rows, with a note.

Everything that comes from the scanned repository is escaped: table cells cannot be split
(`|` → `\\|`), no raw HTML gets through (`<` → `&lt;`), Markdown punctuation is backslash-escaped,
`@name` cannot mention anyone, and code spans use a backtick fence longer than any run inside.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..core import LEVELS, Report
from .overview import Graph, ModelRow, Overview, build_overview
from .overview import writable as _writable
from .text import escape as visible

MAX_SUMMARY_BYTES = 1024 * 1024  # GitHub's limit for one step's summary (1 MiB)
MAX_MESSAGE = 600  # characters of one finding message in the table
MAX_USES = 3  # "where used" locations shown per model before "+N more"
# Mermaid's own defaults (maxEdges 500, maxTextSize 50,000) with margin: larger graphs are
# reduced to files → models, then left out with a note.
MAX_GRAPH_EDGES = 400
MAX_GRAPH_CHARS = 40_000

LEVEL_ICON = {"error": "\u274c", "warning": "\u26a0\ufe0f", "note": "\u2139\ufe0f"}  # ❌ ⚠️ ℹ️

# Inline Markdown that could start formatting, links, code or a table cell; `<`, `>` and `&`
# become entities instead (no raw HTML, no autolinks in angle brackets).
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=\w)")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029]")


def _one_line(text: str) -> str:
    return visible(_LINE_BREAKS.sub(" ", text))


def md_text(text: Any, limit: int | None = None) -> str:
    """Plain text for a Markdown table cell or paragraph: nothing in it is markup."""
    s = _one_line(str(text))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_PUNCT.sub(r"\\\1", s)
    # A zero-width space after `@` keeps GitHub from turning `@org` into a mention or team link.
    return _MENTION.sub("@\u200b", s)


def md_code(text: Any, limit: int | None = None) -> str:
    """A code span inside a table cell: `|` escaped for the table, fence longer than any run."""
    s = _one_line(str(text))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    s = s.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_link(label: str, url: str) -> str:
    """[label](url) for our own URLs (rule docs); the label is escaped like text."""
    return f"[{md_text(label)}]({url.replace(' ', '%20').replace(')', '%29')})"


# ---------------------------------------------------------------- Mermaid
def mermaid_label(text: str, limit: int = 60) -> str:
    s = _one_line(text)
    if len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    # Mermaid entity codes (#34; ...): no quote can end the label, no HTML gets into it.
    return "".join(f"#{ord(ch)};" if ch in '"#&<>`\\' else ch for ch in s)


_MERMAID_CLASSES = {
    "level-error": "fill:#fde2e1,stroke:#cf222e,color:#1f2328",
    "level-warning": "fill:#fff4d6,stroke:#bf8700,color:#1f2328",
    "level-note": "fill:#ddf4ff,stroke:#0969da,color:#1f2328",
    "level-clean": "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
}


def render_mermaid(graph: Graph, *, revisions: bool = True) -> tuple[str, int]:
    """Mermaid flowchart text and its number of edges."""
    keep = {n.id for n in graph.nodes if revisions or n.kind != "revision"}
    lines = ["flowchart LR"]
    used_classes: dict[str, list[str]] = {}
    for node in graph.nodes:
        if node.id not in keep:
            continue
        label = mermaid_label(node.label)
        shape = {"project": ('[["', '"]]'), "file": ('["', '"]'), "model": ('("', '")'),
                 "revision": ('>"', '"]')}[node.kind]
        lines.append(f"  {node.id}{shape[0]}{label}{shape[1]}")
        if node.css in _MERMAID_CLASSES:
            used_classes.setdefault(node.css, []).append(node.id)
    n_edges = 0
    for edge in graph.edges:
        if edge.source in keep and edge.target in keep:
            lines.append(f"  {edge.source} --> {edge.target}")
            n_edges += 1
    for css, ids in used_classes.items():
        name = css.replace("-", "_")
        lines.append(f"  classDef {name} {_MERMAID_CLASSES[css]}")
        lines.append(f"  class {','.join(ids)} {name}")
    return "\n".join(lines), n_edges


def mermaid_for(graph: Graph) -> tuple[str | None, str | None]:
    """The graph to embed, or None with a note saying why it was reduced or left out."""
    text, edges = render_mermaid(graph)
    if edges <= MAX_GRAPH_EDGES and len(text) <= MAX_GRAPH_CHARS:
        return text, None
    text, edges = render_mermaid(graph, revisions=False)
    if edges <= MAX_GRAPH_EDGES and len(text) <= MAX_GRAPH_CHARS:
        return text, "Revisions are left out of the graph to keep it within Mermaid's limits."
    return None, (
        f"The dependency graph has {edges} edges, too many to draw here; "
        "`ptm-lint report` draws it in an HTML file."
    )


# ---------------------------------------------------------------- template
@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ptm_lint", "templates"),
        autoescape=False,  # Markdown: every value goes through md_text / md_code explicitly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=md_text, code=md_code)
    env.globals.update(md_link=md_link, icon=LEVEL_ICON, levels=LEVELS, max_uses=MAX_USES,
                       max_message=MAX_MESSAGE)
    return env.get_template("summary.md.j2")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _revision_text(row: ModelRow) -> str:
    parts = [md_code(r) if r is not None else "\u2014" for r in row.revisions]
    return ", ".join(parts) if parts else "\u2014"


def _render(ov: Overview, *, n_findings: int, n_models: int, graph: str | None,
            graph_note: str | None, truncated: bool) -> str:
    active = ov.active
    # Keep the most severe findings when some must go, show them in file order.
    chosen = sorted(range(len(active)), key=lambda i: (LEVELS.index(active[i].finding.level), i))
    shown = [active[i] for i in sorted(chosen[:n_findings])]
    return _template().render(
        ov=ov, totals=ov.totals, plural=_plural, findings=shown, n_active=len(active),
        models=ov.models[:n_models], revisions=_revision_text, graph=graph,
        graph_note=graph_note, truncated=truncated,
    )


def render_markdown(report: Report, *, max_bytes: int = MAX_SUMMARY_BYTES,
                    metadata: Mapping[str, Any] | None = None, lock: Any = None) -> str:
    ov = build_overview(report, metadata, lock)
    graph, graph_note = mermaid_for(ov.graph)
    n_find, n_models = len(ov.active), len(ov.models)

    def size(text: str) -> int:
        return len(text.encode("utf-8", "surrogatepass"))

    out = _render(ov, n_findings=n_find, n_models=n_models, graph=graph, graph_note=graph_note,
                  truncated=False)
    if size(out) <= max_bytes:
        return _writable(out)
    # Too big: first drop the graph, then find the largest share of rows that fits.
    graph, graph_note = None, "The dependency graph is left out to stay under the size limit."

    def attempt(share: float) -> str:
        return _render(ov, n_findings=int(n_find * share), n_models=max(int(n_models * share), 0),
                       graph=graph, graph_note=graph_note, truncated=True)

    lo, hi = 0.0, 1.0
    best = attempt(0.0)
    if size(best) > max_bytes:  # even the totals alone do not fit: a minimal note
        return "## ptm-lint\n\nThe summary is too large to show; see the job's other outputs.\n"
    for _ in range(20):
        mid = (lo + hi) / 2
        text = attempt(mid)
        if size(text) <= max_bytes:
            lo, best = mid, text
        else:
            hi = mid
    return _writable(best)
