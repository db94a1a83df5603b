"""Render `ptm-lint report` as one self-contained HTML file.

The page has everything inline: CSS, a small script for the filters, and the dependency graph as
SVG laid out here in Python (project → files → models → revisions, a layered layout). Opening it
fetches nothing: a Content-Security-Policy meta tag allows only the page's own script and style
(by hash) and `data:` images, so even a bug in escaping could not run injected script.

All data goes through jinja2 with autoescaping on; nothing from the scanned repository is marked
safe. Each finding links to its rule's documentation (RuleMeta.help_uri).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..core import LEVELS, Report
from .overview import PIN_ORDER, Graph, GraphNode, Overview, build_overview, short_revision
from .overview import writable as _writable
from .text import escape as visible

# Graph geometry (px). Labels are drawn in a monospace font, so their width is predictable.
ROW = 24  # vertical distance between revision rows
BOX_H = 19
GAP = 64  # horizontal gap between columns
MARGIN = 16
CHAR_W = 6.9  # width of one character at the label font size
COLUMN_W = (150, 220, 300, 170)  # project, files, models, revisions
MAX_GRAPH_NODES = 1500  # beyond this the revision column is dropped, then the whole graph


@dataclass
class Box:
    node: GraphNode
    x: float
    y: float  # centre
    w: float
    label: str

    @property
    def top(self) -> float:
        return self.y - BOX_H / 2


@dataclass
class Edge:
    d: str
    width: float
    css: str


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box]
    edges: list[Edge]
    columns: list[tuple[float, str]]  # (x, heading)
    note: str | None = None


def _fit(text: str, width: float) -> str:
    chars = max(int((width - 14) / CHAR_W), 4)
    text = visible(text)
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


def _spread(desired: list[float], gap: float, low: float) -> list[float]:
    """Positions as close to `desired` (sorted) as possible, at least `gap` apart, none below low."""
    out: list[float] = []
    for y in desired:
        out.append(max(y, low if not out else out[-1] + gap))
    # Pull back up where the forward pass pushed a run down further than needed.
    for i in range(len(out) - 2, -1, -1):
        out[i] = max(min(out[i], out[i + 1] - gap), desired[i] if i == 0 else out[i - 1] + gap, low)
    return out


def layout_graph(graph: Graph) -> Layout | None:
    note = None
    if len(graph.nodes) > MAX_GRAPH_NODES:
        graph = Graph([n for n in graph.nodes if n.kind != "revision"],
                      [e for e in graph.edges if not e.target.startswith("m") or "r" not in e.target])
        note = "Revisions are left out: the graph is too large to draw them all."
        if len(graph.nodes) > MAX_GRAPH_NODES:
            return None
    layers = [graph.layer(i) for i in range(4)]
    if not layers[2]:
        return None
    depth = 4 if layers[3] else 3
    xs, x = [], MARGIN
    for w in COLUMN_W[:depth]:
        xs.append(x)
        x += w + GAP
    width = x - GAP + MARGIN
    top = MARGIN + 28  # room for column headings
    pos: dict[str, float] = {}
    children: dict[str, list[str]] = {}
    for e in graph.edges:
        children.setdefault(e.source, []).append(e.target)

    # Rows are handed out model by model in source order: a model's revisions get consecutive
    # rows and the model sits at their mean (a model without revisions takes a row itself), with
    # a little space between models. Files and the project then sit at the mean of their children.
    y = top + BOX_H / 2
    leaf_ids = {n.id for n in layers[depth - 1]} if depth == 4 else set()
    for node in layers[2]:
        kids = [k for k in children.get(node.id, ()) if k in leaf_ids and k not in pos]
        for k in kids:
            pos[k] = y
            y += ROW
        if kids:
            pos[node.id] = (pos[kids[0]] + pos[kids[-1]]) / 2
        else:
            pos[node.id] = y
            y += ROW
        y += ROW * 0.25
    for layer in range(1, -1, -1):
        nodes = layers[layer]
        desired = []
        for node in nodes:
            kids = [pos[k] for k in children.get(node.id, ()) if k in pos]
            desired.append(sum(kids) / len(kids) if kids else top)
        order = sorted(range(len(nodes)), key=lambda i: (desired[i], i))
        placed = _spread([desired[i] for i in order], ROW, top + BOX_H / 2)
        for i, y in zip(order, placed):
            pos[nodes[i].id] = y
    height = max(pos.values()) + BOX_H / 2 + MARGIN

    boxes = []
    for layer in range(depth):
        for node in layers[layer]:
            w = COLUMN_W[layer]
            boxes.append(Box(node, xs[layer], pos[node.id], w, _fit(node.label, w)))
    by_id = {b.node.id: b for b in boxes}
    edges = []
    for e in graph.edges:
        a, b = by_id.get(e.source), by_id.get(e.target)
        if a is None or b is None:
            continue
        x1, y1, x2, y2 = a.x + a.w, a.y, b.x, b.y
        mid = (x1 + x2) / 2
        d = f"M{x1:.1f} {y1:.1f}C{mid:.1f} {y1:.1f} {mid:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
        width_px = min(1.2 + 0.6 * (e.count - 1), 4.0)
        edges.append(Edge(d, round(width_px, 1), b.node.css or "plain"))
    headings = ["Project", "Files", "Models", "Revisions"][:depth]
    return Layout(round(width), round(height), boxes, edges, list(zip(xs, headings)), note)


# ---------------------------------------------------------------- page
def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ptm_lint", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                            default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["visible"] = lambda s: visible(str(s))
    return env


def _asset(name: str) -> str:
    env = _environment()
    source, _, _ = env.loader.get_source(env, name)
    return source.strip("\n")


def render_html(report: Report, *, metadata: Mapping[str, Any] | None = None,
                read_source=None, lock: Any = None) -> str:
    """The report page. `read_source(path)` (optional) lets findings show their source line; `lock` (the
    project's model lock) adds each model's lock status."""
    from markupsafe import Markup

    ov = build_overview(report, metadata, lock)
    script, style = _asset("report.js.j2"), _asset("report.css.j2")
    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(script)}; "
        f"style-src {_csp_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    groups_model: dict[str, list] = {}
    groups_rule: dict[str, list] = {}
    for row in ov.findings:
        groups_model.setdefault(row.model_key, []).append(row)
        groups_rule.setdefault(row.finding.rule, []).append(row)
    snippets = _snippets(ov, read_source)
    return _writable(_environment().get_template("report.html.j2").render(
        ov=ov,
        groups_model=groups_model,
        groups_rule=groups_rule,
        snippets_by_id=lambda f: snippets.get(id(f)),
        totals=ov.totals,
        levels=LEVELS,
        pins=PIN_ORDER,
        layout=layout_graph(ov.graph),
        csp=csp,
        # Our own static assets (not data): inserted verbatim so their CSP hashes match.
        script=Markup(script),
        style=Markup(style),
        box_h=BOX_H,
        short_revision=short_revision,
    ))


def _snippets(ov: Overview, read_source) -> dict[int, str]:
    """id(finding) -> its first flagged source line (plain .py files only)."""
    if read_source is None:
        return {}
    try:
        from ..scan.secrets import mask_secrets
    except ImportError:  # no masking available: show no source rather than risk a token
        return {}
    out: dict[int, str] = {}
    lines_by_path: dict[str, list[str] | None] = {}
    for row in ov.findings:
        f = row.finding
        # File-level findings (no reference) point at text, such as a token, rather than at a call.
        if f.cell is not None or f.path.endswith(".ipynb") or f.reference is None:
            continue
        if f.path not in lines_by_path:
            text = read_source(f.path)
            lines_by_path[f.path] = text.splitlines() if text is not None else None
        lines = lines_by_path[f.path]
        if lines and 1 <= f.line <= len(lines):
            line = mask_secrets(lines[f.line - 1].strip())
            out[id(f)] = line if len(line) <= 200 else line[:199] + "\u2026"
    return out
