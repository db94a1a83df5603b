"""Build the project's model dependency graph (project → file → call site → model → revision; docs/graph.md).

project → file → call site → model / dataset / local artifact → revision; call site → library;
model → base model / adapter base and model → training dataset (from hub metadata);
tokenizer / processor / config / adapter call site → model call site in one scope (pairs_with).

Every node has a stable string id and `kind` and `label` attributes; every edge has a `kind`
(also used as the edge key, so one relation between two nodes is stored once). Attribute values
are str / int / bool, except callsite `options` (a dict); None values are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core import Finding, Reference, Report
from . import licenses
from .keys import (
    base_ids, ident, is_adapter, lineage, lookup_base, meta_for, node_ident, repo_key, revision_key,
    revision_known,
)

if TYPE_CHECKING:
    import networkx as nx

    from ..discover.project import Project
    from ..hub.model import ModelMeta
    from ..pipeline import ScanResult

SCHEMA = "ptm-lint/graph/1"
NODE_KINDS = ("project", "file", "callsite", "model", "dataset", "local", "revision", "library")
EDGE_KINDS = (
    "contains",      # project → file, file → callsite
    "loads",         # callsite → model | dataset | local
    "at_revision",   # callsite → revision
    "has_revision",  # model | dataset → revision
    "uses_library",  # callsite → library (the Python library whose API does the loading)
    "depends_on",    # project → library (declared in the project's requirements)
    "pairs_with",    # tokenizer / processor / config / adapter callsite → model callsite, one scope
    "base_model",    # model → the model it was derived from (card `base_model`)
    "adapter_of",    # adapter model → the base model it applies to
    "trained_on",    # model → dataset (card `datasets`)
)
COMPANION_ROLES = ("tokenizer", "processor", "config", "adapter")


def node_id_project(name: str) -> str:
    return f"project:{name}"


def node_id_file(path: str) -> str:
    return f"file:{path}"


def node_id_call(ref: Reference) -> str:
    cell = f"cell{ref.cell}:" if ref.cell is not None else ""
    return f"call:{ref.path}:{cell}{ref.line}:{ref.column}"


def node_id_repo(ref_or_kind: Reference | str, hub: str | None = None, name: str | None = None) -> str:
    """model:<hub>:<id>, dataset:<hub>:<id> or local:<path>."""
    if isinstance(ref_or_kind, Reference):
        ref = ref_or_kind
        if ref.hub == "local":
            return f"local:{ref.model}"
        kind = "dataset" if ref.role == "dataset" else "model"
        return f"{kind}:{ref.hub}:{node_ident(ref)}"
    return f"{ref_or_kind}:{hub}:{name}"


def node_id_revision(ref: Reference) -> str:
    prefix = "revision:dataset:" if ref.role == "dataset" else "revision:"
    return f"{prefix}{ref.hub}:{node_ident(ref)}@{ref.revision if ref.revision is not None else 'default'}"


def node_id_library(name: str) -> str:
    return f"library:{name}"


def _short_rev(rev: str | None) -> str:
    if rev is None:
        return "default"
    return rev[:12] if len(rev) == 40 else rev


def _short_api(api: str) -> str:
    parts = api.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else api


def _clean(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None and v != ()}


def _project_of(source) -> tuple[str | None, Sequence[Reference], Sequence[Finding]]:
    if isinstance(source, Report):
        return source.root, source.references, source.findings
    refs = getattr(source, "references", None)
    if refs is not None:  # ScanResult
        return str(getattr(source, "root", "")) or None, refs, ()
    return None, tuple(source), ()


def build_graph(source: ScanResult | Report | Sequence[Reference], project_name: str | None = None,
                metadata: Mapping[tuple[str, str, str | None], ModelMeta] | None = None, *,
                project: Project | None = None) -> nx.MultiDiGraph:
    """The dependency graph of a scan result, a report (its unsuppressed findings are attached to
    their call sites) or a plain sequence of references.

    `metadata` (optional) adds licenses, commits, base models and training datasets; `project`
    (optional) adds the declared version range of each loading library.
    """
    import networkx as nx

    root, references, findings = _project_of(source)
    if metadata is None:
        metadata = getattr(source, "metadata", None)
    if project_name is None:
        project_name = (project.name if project is not None and project.name else None) \
            or (root.rstrip("/").rsplit("/", 1)[-1] if root else "project")
    graph = nx.MultiDiGraph(schema=SCHEMA, tool=f"ptm-lint {__version__}", project=project_name)
    proj = node_id_project(project_name)
    graph.add_node(proj, kind="project", label=project_name)

    by_ref: dict[int, list[str]] = defaultdict(list)
    for f in findings:
        if f.reference is not None and not f.suppressed and f.rule not in by_ref[f.reference]:
            by_ref[f.reference].append(f.rule)

    def edge(u: str, v: str, kind: str, **attrs: Any) -> None:
        if graph.has_edge(u, v, key=kind):
            graph.edges[u, v, kind].update(_clean(attrs))
        else:
            graph.add_edge(u, v, key=kind, kind=kind, **_clean(attrs))

    def repo_node(nid: str, kind: str, hub: str, name: str, meta: ModelMeta | None, **extra: Any) -> None:
        attrs = _clean({"kind": kind, "label": name, "hub": hub, "name": name, **extra})
        if meta is not None:
            lic_class = licenses.classify(meta.license)
            attrs.update(_clean({
                "license": meta.license, "license_class": lic_class.id if lic_class else None,
                "status": meta.status, "gated": str(meta.gated).lower() if meta.gated is not None else None, "pipeline_tag": meta.pipeline_tag,
                "library_name": meta.library_name, "repo_id": meta.repo_id if meta.repo_id != name else None,
                "default_sha": meta.default_sha,
            }))
        if nid in graph:
            for key, value in attrs.items():
                graph.nodes[nid].setdefault(key, value)
        else:
            graph.add_node(nid, **attrs)

    files_seen: set[str] = set()
    model_metas: dict[str, tuple[str, ModelMeta, Reference | None]] = {}
    for index, ref in enumerate(references):
        fid = node_id_file(ref.path)
        if ref.path not in files_seen:
            files_seen.add(ref.path)
            graph.add_node(fid, kind="file", label=ref.path, path=ref.path,
                           notebook=ref.path.endswith(".ipynb"))
            edge(proj, fid, "contains")
        cid = node_id_call(ref)
        where = f"{ref.path}:{f'cell {ref.cell + 1}:' if ref.cell is not None else ''}{ref.line}"
        graph.add_node(cid, **_clean({
            "kind": "callsite", "label": f"{_short_api(ref.api)} ({where})", "reference": index,
            "path": ref.path, "cell": ref.cell, "line": ref.line, "column": ref.column,
            "end_line": ref.end_line, "end_column": ref.end_column, "scope": ref.scope, "api": ref.api,
            "role": ref.role, "hub": ref.hub, "model": ref.model, "canonical": ref.canonical,
            "revision": ref.revision, "pin": ref.pin, "resolution": ref.resolution,
            "options": dict(ref.options) or None, "findings": ",".join(by_ref.get(index, ())) or None,
        }))
        edge(fid, cid, "contains")
        if ref.library:
            lid = node_id_library(ref.library)
            if lid not in graph:
                declared = project.specifier(ref.library) if project is not None else None
                graph.add_node(lid, **_clean({
                    "kind": "library", "label": ref.library, "name": ref.library,
                    "declared": str(declared) if declared is not None else None,
                }))
                if project is not None and project.declared(ref.library):
                    edge(proj, lid, "depends_on", specifier=str(declared) if declared is not None else "")
            edge(cid, lid, "uses_library", api=ref.api)
        if ref.hub == "local" and ref.model:
            nid = node_id_repo(ref)
            if nid not in graph:
                graph.add_node(nid, kind="local", label=ref.model, path=ref.model)
            edge(cid, nid, "loads", role=ref.role)
            continue
        if repo_key(ref) is None:
            continue  # the id is not known statically: the call site stands alone
        name = node_ident(ref) or ident(ref)
        assert name is not None
        kind = "dataset" if ref.role == "dataset" else "model"
        rid = node_id_repo(ref)
        meta = meta_for(ref, metadata)
        repo_node(rid, kind, ref.hub, name, meta, referenced=True)
        if meta is not None and kind == "model" and rid not in model_metas:
            model_metas[rid] = (ref.hub, meta, ref)
        edge(cid, rid, "loads", role=ref.role)
        if not revision_known(ref):
            continue
        vid = node_id_revision(ref)
        if vid not in graph:
            rkey = revision_key(ref, metadata)
            graph.add_node(vid, **_clean({
                "kind": "revision", "label": f"{name}@{_short_rev(ref.revision)}", "revision": ref.revision,
                "default": ref.revision is None, "pin": ref.pin,
                "sha": rkey[1] if rkey[0] == "sha" else None,
                "status": meta.status if meta is not None else None,
            }))
        edge(rid, vid, "has_revision")
        edge(cid, vid, "at_revision")

    if metadata:
        _lineage_edges(graph, model_metas, metadata, edge, repo_node)
    _pair_edges(graph, references, metadata)
    return graph


def _lineage_edges(graph, model_metas, metadata, edge, repo_node) -> None:
    todo = list(model_metas.items())
    for rid, (hub, meta, ref) in todo:
        adapter = is_adapter(meta) or (ref is not None and ref.role == "adapter")
        for base in base_ids(meta):
            canonical, base_meta = lookup_base(hub, base, metadata)
            bid = node_id_repo("model", hub, canonical)
            repo_node(bid, "model", hub, canonical, base_meta)
            graph.nodes[bid].setdefault("referenced", False)
            edge(rid, bid, "adapter_of" if adapter else "base_model", source="metadata")
        for dataset in meta.datasets or ():
            did = node_id_repo("dataset", hub, dataset)
            repo_node(did, "dataset", hub, dataset, None)
            graph.nodes[did].setdefault("referenced", False)
            edge(rid, did, "trained_on", source="metadata")
    # Ancestors beyond the first hop, each visited once.
    for rid, (hub, meta, _ref) in todo:
        for child, base, base_meta, depth in lineage(hub, meta, metadata):
            if depth == 1:
                continue
            cid = node_id_repo("model", hub, child)
            bid = node_id_repo("model", hub, base)
            if cid not in graph:
                continue
            repo_node(bid, "model", hub, base, base_meta)
            graph.nodes[bid].setdefault("referenced", False)
            child_meta = lookup_base(hub, child, metadata)[1]
            edge(cid, bid, "adapter_of" if is_adapter(child_meta) else "base_model", source="metadata")


def _pair_edges(graph, references: Sequence[Reference], metadata) -> None:
    scopes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, ref in enumerate(references):
        scopes[(ref.path, ref.scope)].append(index)
    for indices in scopes.values():
        models = [i for i in indices if references[i].role == "model"]
        for index in indices:
            comp = references[index]
            if comp.role not in COMPANION_ROLES:
                continue
            for m in _partners(comp, [references[i] for i in models], models):
                model = references[m]
                if m == index:
                    continue
                same_repo = repo_key(comp) is not None and repo_key(comp) == repo_key(model)
                attrs: dict[str, Any] = {"relation": comp.role, "same_repo": same_repo}
                if same_repo and revision_known(comp) and revision_known(model):
                    attrs["same_revision"] = revision_key(comp, metadata) == revision_key(model, metadata)
                graph.add_edge(node_id_call(comp), node_id_call(model), key="pairs_with", kind="pairs_with",
                               **attrs)


def _partners(comp: Reference, models: Sequence[Reference], indices: Sequence[int]) -> Iterable[int]:
    """The model call sites a companion goes with: the same repo if any, else (a single model, or an
    adapter) every model in the scope."""
    key = repo_key(comp)
    same = [i for i, m in zip(indices, models) if key is not None and repo_key(m) == key]
    if same:
        return same
    if comp.role == "adapter" or len(models) == 1:
        return list(indices)
    return []
