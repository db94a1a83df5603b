"""What the human-readable reports (Markdown job summary, HTML report) show, computed once.

`build_overview` turns a Report into plain records: totals by level and rule, one row per model
(ids, revisions, pin classes, license when known, where used), the findings with their model and
rule links, and the layered dependency graph project → files → models → revisions. The
renderers only lay these out; escaping is theirs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..check.rulebook import RuleMeta
from ..core import LEVELS, PINS, Finding, Reference, Report
from ..core import where as core_where
from .findings_json import finding_sort_key, is_fixable, summary
from .inventory import model_key

# Worst first: what a model row shows first when its references disagree.
PIN_ORDER = ("unknown", "mutable", "weak", "library", "local", "immutable")
assert set(PIN_ORDER) == set(PINS)
UNRESOLVED = "unresolved"  # key of the row that collects references whose id is not known
NO_MODEL = ""  # findings that belong to no model (file-level findings)


_SURROGATE = re.compile("[\ud800-\udfff]")


def writable(text: str) -> str:
    """Lone surrogates (from undecodable file names) made visible, so the text encodes as UTF-8."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def rule_help_uri(rule_id: str) -> str:
    return f"https://github.com/ptm-lint/ptm-lint/blob/main/docs/rules/{rule_id}.md"


where = core_where  # `path:line[:col]`, notebooks `path:cell N:line[:col]` (core.where)


@dataclass
class Use:
    path: str
    cell: int | None
    line: int
    column: int
    role: str
    api: str
    revision: str | None
    pin: str

    @property
    def where(self) -> str:
        return where(self.path, self.cell, self.line)


@dataclass
class ModelRow:
    key: str  # "hub:id", UNRESOLVED: stable, used by filters and graph links
    hub: str
    ident: str  # canonical id when known, else the id as written, else "(unresolved)"
    written: list[str] = field(default_factory=list)  # ids as written that differ from ident
    revisions: list[str | None] = field(default_factory=list)  # None: no revision given
    pins: list[str] = field(default_factory=list)  # worst first
    roles: list[str] = field(default_factory=list)
    license: str | None = None
    lock: str | None = None  # locked | drifted | not locked | unresolved (None: the project has no lock)
    uses: list[Use] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {level: 0 for level in LEVELS})

    @property
    def worst(self) -> str | None:
        return next((level for level in LEVELS if self.counts[level]), None)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pin(self) -> str:
        return self.pins[0] if self.pins else "unknown"


@dataclass
class FindingRow:
    finding: Finding
    model_key: str  # ModelRow.key, or NO_MODEL
    model_label: str  # what to show in a "model" column ("" when none)
    help_uri: str
    fixable: bool

    @property
    def where(self) -> str:
        f = self.finding
        return where(f.path, f.cell, f.line, f.column)


@dataclass
class RuleRow:
    id: str
    name: str
    level: str  # the rule's default level
    summary: str
    help_uri: str
    counts: dict[str, int]  # unsuppressed findings by level (a finding may differ from the default)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class GraphNode:
    id: str
    kind: str  # project | file | model | revision
    label: str
    title: str  # full text for tooltips
    layer: int
    css: str = ""  # level-* for models, pin-* for revisions
    model_key: str | None = None
    weight: int = 1  # references through this node


@dataclass
class GraphEdge:
    source: str
    target: str
    count: int = 1


@dataclass
class Graph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]

    def layer(self, n: int) -> list[GraphNode]:
        return [node for node in self.nodes if node.layer == n]


@dataclass
class Overview:
    project: str
    tool_version: str
    totals: dict[str, Any]  # findings_json.summary() plus references / models / files
    rules: list[RuleRow]  # rules with findings (suppressed ones included; total may be 0), by id
    models: list[ModelRow]  # worst first, then hub and id
    findings: list[FindingRow]  # findings_json order, suppressed included
    errors: list[tuple[str, str]]  # (where, message)
    notes: list[str]
    graph: Graph
    locked: bool = False  # the project has a model lock: rows carry their lock status

    @property
    def active(self) -> list[FindingRow]:
        return [row for row in self.findings if not row.finding.suppressed]


def _license(meta: Any) -> str | None:
    if meta is None:
        return None
    if isinstance(meta, str):
        return meta
    if isinstance(meta, Mapping):
        return meta.get("license") or meta.get("license_name")
    return getattr(meta, "license", None) or getattr(meta, "license_name", None)


def _metadata(report: Report, metadata: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # Accepts {canonical id: ModelMeta | {"license": ...} | "license"}; a Report that carries
    # hub metadata itself (an optional `metadata` attribute) is used when none is passed.
    if metadata is not None:
        return metadata
    return getattr(report, "metadata", None) or {}


def _lookup_license(metadata: Mapping[Any, Any], ref: Reference, ident: str) -> str | None:
    # The metadata stage keys records by (hub, canonical, revision), revision None = default branch.
    for key in ((ref.hub, ref.canonical, ref.revision), (ref.hub, ref.canonical, None), ident, ref.model):
        try:
            found = _license(metadata.get(key))
        except TypeError:  # an unhashable key shape
            found = None
        if found:
            return found
    return None


def short_revision(revision: str) -> str:
    """A 40-hex commit sha shortened for a graph label (the full one stays in the tooltip)."""
    if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
        return revision[:12] + "\u2026"
    return revision


def _key(ref: Reference) -> str:
    key = model_key(ref)
    return UNRESOLVED if key is None else f"{key[0]}:{key[1]}"


def _models(report: Report, metadata: Mapping[str, Any]) -> dict[str, ModelRow]:
    rows: dict[str, ModelRow] = {}
    for ref in report.references:
        key = _key(ref)
        if key == UNRESOLVED:
            row = rows.setdefault(key, ModelRow(key, "unknown", "(unresolved id)"))
        else:
            ident = ref.canonical or ref.model or ""
            row = rows.setdefault(key, ModelRow(key, ref.hub, ident))
            if ref.model and ref.model != ident and ref.model not in row.written:
                row.written.append(ref.model)
            if row.license is None:
                row.license = _lookup_license(metadata, ref, ident)
        if ref.revision not in row.revisions:
            row.revisions.append(ref.revision)
        if ref.pin not in row.pins:
            row.pins.append(ref.pin)
        if ref.role not in row.roles:
            row.roles.append(ref.role)
        row.uses.append(Use(ref.path, ref.cell, ref.line, ref.column, ref.role, ref.api,
                            ref.revision, ref.pin))
    for row in rows.values():
        row.pins.sort(key=PIN_ORDER.index)
        row.uses.sort(key=lambda u: (u.path, -1 if u.cell is None else u.cell, u.line, u.column))
    return rows


def _finding_model(f: Finding, refs: tuple[Reference, ...], rows: Mapping[str, ModelRow],
                   by_written: Mapping[str, str]) -> tuple[str, str]:
    if f.reference is not None and 0 <= f.reference < len(refs):
        key = _key(refs[f.reference])
        row = rows.get(key)
        if row is not None:
            return key, (f.model or row.ident) if key == UNRESOLVED else row.ident
    if f.model:
        key = by_written.get(f.model, NO_MODEL)
        return key, rows[key].ident if key in rows else f.model
    return NO_MODEL, ""


def layered_graph(report: Report, models: list[ModelRow]) -> Graph:
    """Layered graph: project (0) → files (1) → models (2) → revisions (3), from the references."""
    project = PurePath(report.root).name or report.root
    nodes: list[GraphNode] = [GraphNode("p", "project", project, report.root, 0)]
    edges: list[GraphEdge] = []
    files = sorted({u.path for row in models for u in row.uses})
    file_ids = {path: f"f{i}" for i, path in enumerate(files)}
    file_refs = Counter(u.path for row in models for u in row.uses)
    for path in files:
        nodes.append(GraphNode(file_ids[path], "file", path, path, 1, weight=file_refs[path]))
        edges.append(GraphEdge("p", file_ids[path], file_refs[path]))
    for m_index, row in enumerate(models):
        mid = f"m{m_index}"
        level = row.worst or "clean"
        title = f"{row.ident} ({row.hub})" + (f", written {', '.join(row.written)}" if row.written else "")
        nodes.append(GraphNode(mid, "model", row.ident, title, 2, f"level-{level}", row.key, len(row.uses)))
        for path, n in sorted(Counter(u.path for u in row.uses).items()):
            edges.append(GraphEdge(file_ids[path], mid, n))
        by_revision: dict[str | None, list[Use]] = defaultdict(list)
        for use in row.uses:
            by_revision[use.revision].append(use)
        for r_index, revision in enumerate(row.revisions):
            uses = by_revision[revision]
            pin = sorted({u.pin for u in uses}, key=PIN_ORDER.index)[0]
            label = revision if revision is not None else "(no revision)"
            rid = f"{mid}r{r_index}"
            nodes.append(GraphNode(rid, "revision", short_revision(label), f"{label}: pin {pin}", 3, f"pin-{pin}",
                                   row.key, len(uses)))
            edges.append(GraphEdge(mid, rid, len(uses)))
    return Graph(nodes, edges)


def layered_graph_from_networkx(report: Report, models: list[ModelRow],
                                metadata: Mapping[Any, Any] | None) -> Graph | None:
    """The same layered view, read off the project's dependency graph (ptm_lint.graph.build).

    Files, repos (model / dataset / local nodes reached file → call site → repo) and revisions
    (repo → revision) come from the networkx graph; call sites whose id is unknown are collected
    in the "(unresolved id)" model like everywhere else in the reports. None when the graph
    module is unavailable, so the caller falls back to `layered_graph`.
    """
    try:
        from ..graph.build import build_graph
    except ImportError:
        return None
    try:
        meta = metadata if metadata and all(isinstance(k, tuple) for k in metadata) else None
        g = build_graph(report, PurePath(report.root).name or None, meta)
    except Exception:  # noqa: BLE001 - the report must not fail because the graph stage did
        return None
    refs = report.references
    rows = {row.key: row for row in models}
    order = {row.key: i for i, row in enumerate(models)}

    def out(node: str, kind: str) -> list[str]:
        return [v for _, v, k in g.out_edges(node, keys=True) if k == kind]

    project = next((n for n, d in g.nodes(data=True) if d.get("kind") == "project"), None)
    if project is None:
        return None
    nodes = [GraphNode("p", "project", PurePath(report.root).name or report.root, report.root, 0)]
    edges: list[GraphEdge] = []
    files = sorted((n for n in out(project, "contains") if g.nodes[n].get("kind") == "file"),
                   key=lambda n: str(g.nodes[n].get("path", n)))
    file_ids: dict[str, str] = {}
    repo_key_of: dict[str, str] = {}  # repo / UNRESOLVED -> row key
    file_repo: Counter[tuple[str, str]] = Counter()
    repo_revision: Counter[tuple[str, str]] = Counter()
    for i, fnode in enumerate(files):
        file_ids[fnode] = f"f{i}"
        calls = [c for c in out(fnode, "contains") if g.nodes[c].get("kind") == "callsite"]
        path = str(g.nodes[fnode].get("path", fnode))
        nodes.append(GraphNode(f"f{i}", "file", path, path, 1, weight=len(calls)))
        edges.append(GraphEdge("p", f"f{i}", len(calls)))
        for call in calls:
            index = g.nodes[call].get("reference")
            key = _key(refs[index]) if isinstance(index, int) and 0 <= index < len(refs) else UNRESOLVED
            targets = out(call, "loads") or [UNRESOLVED]
            for repo in targets:
                repo_key_of.setdefault(repo, key if repo != UNRESOLVED else UNRESOLVED)
                file_repo[(fnode, repo)] += 1
                for rev in out(call, "at_revision"):
                    repo_revision[(repo, rev)] += 1

    def repo_order(repo: str) -> tuple[Any, ...]:
        key = repo_key_of[repo]
        return (order.get(key, len(order)), str(repo))

    repos = sorted(repo_key_of, key=repo_order)
    for m_index, repo in enumerate(repos):
        key = repo_key_of[repo]
        row = rows.get(key)
        mid = f"m{m_index}"
        if repo == UNRESOLVED:
            label, title = "(unresolved id)", "model ids that cannot be resolved statically"
        else:
            data = g.nodes[repo]
            label = str(data.get("label", repo))
            title = f"{label} ({data.get('kind', 'model')}, {data.get('hub', 'local')})"
            if data.get("license"):
                title += f", license {data['license']}"
        level = (row.worst if row else None) or "clean"
        weight = sum(n for (f, r), n in file_repo.items() if r == repo)
        nodes.append(GraphNode(mid, "model", label, title, 2, f"level-{level}", key, weight))
        for fnode in files:
            if file_repo.get((fnode, repo)):
                edges.append(GraphEdge(file_ids[fnode], mid, file_repo[(fnode, repo)]))
        if repo == UNRESOLVED:
            continue
        revs = [v for v in out(repo, "has_revision") if repo_revision.get((repo, v))]
        for r_index, rev in enumerate(revs):
            data = g.nodes[rev]
            revision = data.get("revision")
            label = str(revision) if revision is not None else "(no revision)"
            pin = str(data.get("pin", "unknown"))
            nodes.append(GraphNode(f"{mid}r{r_index}", "revision", short_revision(label),
                                   f"{label}: pin {pin}", 3, f"pin-{pin}", key,
                                   repo_revision[(repo, rev)]))
            edges.append(GraphEdge(mid, f"{mid}r{r_index}", repo_revision[(repo, rev)]))
    return Graph(nodes, edges)


LOCK_ORDER = ("drifted", "not-locked", "unresolved", "locked")  # worst first


def _lock_status(rows: Mapping[str, ModelRow], report: Report, lock: Any) -> None:
    """Each row's lock status (lock.check.status_of), the worst over its references."""
    from ..lock.check import status_of

    found: dict[str, set[str]] = defaultdict(set)
    for ref in report.references:
        status = status_of(ref, lock)[0]
        if status != "n/a":
            found[_key(ref)].add(status)
    for key, statuses in found.items():
        if key in rows:
            rows[key].lock = next(s for s in LOCK_ORDER if s in statuses).replace("-", " ")


def build_overview(report: Report, metadata: Mapping[str, Any] | None = None, lock: Any = None) -> Overview:
    """The report's records; `lock` (lock.lockfile.Lock) adds each model's lock status."""
    meta = _metadata(report, metadata)
    rows = _models(report, meta)
    if lock is not None:
        _lock_status(rows, report, lock)
    by_written: dict[str, str] = {}
    for key, row in rows.items():
        if key != UNRESOLVED:
            for name in (row.ident, *row.written):
                by_written.setdefault(name, key)
    findings: list[FindingRow] = []
    for f in sorted(report.findings, key=finding_sort_key):
        key, label = _finding_model(f, report.references, rows, by_written)
        findings.append(FindingRow(f, key, label, rule_help_uri(f.rule), is_fixable(f)))
        if key in rows and not f.suppressed and f.level in rows[key].counts:
            rows[key].counts[f.level] += 1

    rule_meta: dict[str, RuleMeta] = {r.id: r for r in report.rules}
    rule_counts: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for row in findings:
        f = row.finding
        names.setdefault(f.rule, f.name)
        counter = rule_counts[f.rule]  # a rule with only suppressed findings still gets a row
        if not f.suppressed:
            counter[f.level] += 1
    rules = []
    for rule_id in sorted(rule_counts):
        meta_r = rule_meta.get(rule_id)
        counts = {level: rule_counts[rule_id].get(level, 0) for level in LEVELS}
        rules.append(RuleRow(
            rule_id, meta_r.name if meta_r else names.get(rule_id, ""),
            meta_r.level if meta_r else next((lv for lv in LEVELS if counts[lv]), "warning"),
            meta_r.summary if meta_r else "", meta_r.help_uri if meta_r else rule_help_uri(rule_id),
            counts,
        ))

    def model_order(row: ModelRow) -> tuple[Any, ...]:
        worst = LEVELS.index(row.worst) if row.worst else len(LEVELS)
        return (row.key == UNRESOLVED, worst, -row.total, row.hub, row.ident.lower())

    models = sorted(rows.values(), key=model_order)
    totals = summary(report)
    totals.update(
        references=len(report.references),
        models=sum(1 for key in rows if key != UNRESOLVED),
        unresolved=len(rows[UNRESOLVED].uses) if UNRESOLVED in rows else 0,
        files=len({ref.path for ref in report.references}),
        fixable=sum(1 for row in findings if row.fixable and not row.finding.suppressed),
    )
    # The graph reads best in source order: models grouped under the first file that uses them.
    graph_models = sorted(rows.values(), key=lambda r: (r.uses[0].path, r.uses[0].line, r.ident))
    errors = [(e.location(), e.message)
              for e in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message))]
    return Overview(
        project=PurePath(report.root).name or report.root,
        tool_version=report.tool_version,
        totals=totals,
        rules=rules,
        models=models,
        findings=findings,
        errors=errors,
        notes=list(report.notes),
        graph=layered_graph_from_networkx(report, graph_models, meta) or layered_graph(report, graph_models),
        locked=lock is not None,
    )
