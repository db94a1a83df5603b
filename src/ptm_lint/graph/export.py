"""Render the dependency graph as JSON (networkx node-link data), Graphviz DOT, Mermaid or GraphML.

Every writer is deterministic (nodes and edges in insertion order) and escapes whatever the
scanned code put into ids and labels: nothing from the repo can break out of a string.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("json", "dot", "mermaid", "graphml")

# Characters XML 1.0 does not allow at all (GraphML is XML).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def to_json_data(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """networkx node-link data with the edge list under "edges" (node_link_graph(data, edges="edges"))."""
    import networkx as nx

    if "edges" in inspect.signature(nx.node_link_data).parameters:
        data = nx.node_link_data(graph, edges="edges")
    else:  # networkx < 3.4 has no `edges` argument and always writes "links"
        data = nx.node_link_data(graph)
        data["edges"] = data.pop("links")
    return _jsonable(data)


def render_json(graph: nx.MultiDiGraph) -> str:
    return json.dumps(to_json_data(graph), indent=2, ensure_ascii=False) + "\n"


# -- DOT ------------------------------------------------------------------------------------------
DOT_STYLE = {
    "project": {"shape": "folder", "style": "filled", "fillcolor": "#e8e8e8"},
    "file": {"shape": "note", "style": "filled", "fillcolor": "#f5f5f5"},
    "callsite": {"shape": "box", "style": "rounded"},
    "model": {"shape": "box3d", "style": "filled", "fillcolor": "#dbe9ff"},
    "dataset": {"shape": "cylinder", "style": "filled", "fillcolor": "#e3f6df"},
    "local": {"shape": "tab", "style": "filled", "fillcolor": "#fff6d5"},
    "revision": {"shape": "ellipse", "style": "filled", "fillcolor": "#f0e6ff"},
    "library": {"shape": "hexagon", "style": "filled", "fillcolor": "#ffe4d6"},
}


def dot_quote(value: Any) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) \
        if isinstance(value, (dict, list)) else str(value).lower() if isinstance(value, bool) else str(value)
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    text = _CONTROL.sub(" ", text)
    return f'"{text}"'


def _dot_attrs(attrs: dict[str, Any]) -> str:
    parts = [f"{key}={dot_quote(value)}" for key, value in attrs.items()
             if value is not None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key)]
    return f" [{', '.join(parts)}]" if parts else ""


def render_dot(graph: nx.MultiDiGraph) -> str:
    name = graph.graph.get("project", "ptm-lint")
    lines = [f"digraph {dot_quote(name)} {{", '  graph [rankdir="LR", fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize="10"];', '  edge [fontname="Helvetica", fontsize="9"];']
    for node, data in graph.nodes(data=True):
        attrs = {**DOT_STYLE.get(data.get("kind", ""), {}), **data}
        lines.append(f"  {dot_quote(node)}{_dot_attrs(attrs)};")
    for u, v, data in graph.edges(data=True):
        attrs = {"label": data.get("kind"), **data}
        lines.append(f"  {dot_quote(u)} -> {dot_quote(v)}{_dot_attrs(attrs)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- Mermaid --------------------------------------------------------------------------------------
# Shapes by kind: open and close delimiters around a quoted label.
MERMAID_SHAPES = {
    "project": ("[[", "]]"),
    "file": ("[", "]"),
    "callsite": ("(", ")"),
    "model": ("([", "])"),
    "dataset": ("[(", ")]"),
    "local": ("[", "]"),
    "revision": ("{{", "}}"),
    "library": ("[/", "/]"),
}
MERMAID_CLASSES = {
    "project": "fill:#e8e8e8,stroke:#555",
    "file": "fill:#f5f5f5,stroke:#888",
    "callsite": "fill:#ffffff,stroke:#888",
    "model": "fill:#dbe9ff,stroke:#3465a4",
    "dataset": "fill:#e3f6df,stroke:#4e9a06",
    "local": "fill:#fff6d5,stroke:#c4a000",
    "revision": "fill:#f0e6ff,stroke:#75507b",
    "library": "fill:#ffe4d6,stroke:#ce5c00",
}
# Mermaid entity codes (`#name;` / `#NNN;`) for everything that could end the quoted label, start
# an entity or a markdown string, or be read as HTML. Brackets and parentheses are safe inside quotes.
_MERMAID_ESCAPES = {
    "#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "|": "#124;",
    ";": "#59;",
}
_MERMAID_RESERVED = frozenset({"end", "graph", "flowchart", "subgraph", "class", "classDef", "style",
                               "linkStyle", "click", "direction", "default", "call", "href"})


def mermaid_label(text: Any, limit: int = 120) -> str:
    """A label for a Mermaid quoted string: entity-escaped, one line, at most `limit` characters."""
    raw = " ".join(_CONTROL.sub(" ", str(text)).split())
    if len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in raw)


def mermaid_ids(nodes) -> dict[str, str]:
    """Node id → Mermaid id made of [A-Za-z0-9_], unique, never a keyword."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for node in nodes:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", str(node)).strip("_")[:60] or "node"
        if base[0].isdigit() or base.lower() in {w.lower() for w in _MERMAID_RESERVED}:
            base = "n_" + base
        candidate, n = base, 2
        while candidate.lower() in used:
            candidate = f"{base}_{n}"
            n += 1
        used.add(candidate.lower())
        out[node] = candidate
    return out


def render_mermaid(graph: nx.MultiDiGraph) -> str:
    ids = mermaid_ids(graph.nodes)
    lines = ["flowchart LR"]
    by_kind: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind", "")
        opening, closing = MERMAID_SHAPES.get(kind, ("[", "]"))
        lines.append(f'    {ids[node]}{opening}"{mermaid_label(data.get("label", node))}"{closing}')
        if kind in MERMAID_CLASSES:
            by_kind.setdefault(kind, []).append(ids[node])
    for u, v, data in graph.edges(data=True):
        kind = data.get("kind", "")
        arrow = "-.->" if kind in ("pairs_with", "base_model", "adapter_of", "trained_on") else "-->"
        lines.append(f'    {ids[u]} {arrow}|"{mermaid_label(kind)}"| {ids[v]}')
    for kind, style in MERMAID_CLASSES.items():
        if kind in by_kind:
            lines.append(f"    classDef {kind}Node {style}")
            lines.append(f"    class {','.join(by_kind[kind])} {kind}Node")
    return "\n".join(lines) + "\n"


# -- GraphML --------------------------------------------------------------------------------------
def _graphml_value(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return _XML_INVALID.sub("\ufffd", value)
    return _XML_INVALID.sub("\ufffd", json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True))


def graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with only scalar, XML-safe attribute values (GraphML cannot hold None, dicts or lists)."""
    import networkx as nx

    out = nx.MultiDiGraph(**{k: _graphml_value(v) for k, v in graph.graph.items() if v is not None})
    relabel = {node: _XML_INVALID.sub("\ufffd", str(node)) for node in graph.nodes}
    for node, data in graph.nodes(data=True):
        out.add_node(relabel[node], **{k: _graphml_value(v) for k, v in data.items() if v is not None})
    for u, v, key, data in graph.edges(keys=True, data=True):
        out.add_edge(relabel[u], relabel[v], key=key, **{k: _graphml_value(v2) for k, v2 in data.items()
                                                          if v2 is not None})
    return out


def render_graphml(graph: nx.MultiDiGraph) -> str:
    import networkx as nx

    body = "\n".join(nx.generate_graphml(graphml_graph(graph), encoding="utf-8", prettyprint=True))
    return "<?xml version='1.0' encoding='utf-8'?>\n" + body + "\n"


RENDERERS: dict[str, Callable[[Any], str]] = {
    "json": render_json, "dot": render_dot, "mermaid": render_mermaid, "graphml": render_graphml,
}


def render(graph: nx.MultiDiGraph, fmt: str) -> str:
    try:
        return RENDERERS[fmt](graph)
    except KeyError:
        raise ValueError(f"unknown graph format {fmt!r} (one of {', '.join(FORMATS)})") from None
