"""Identity of repos and revisions, and metadata look-ups, shared by the graph and the PTM5xx rules.

Metadata is optional everywhere: a `Mapping[(hub, canonical, revision), ModelMeta]` (revision None
= the default branch), as produced by the hub-metadata stage. Without it, revisions are compared
by what the code says; with it, two spellings that resolve to the same commit are the same revision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core import Reference
from ..resolve.classify import SHA40, hf_canonical

if TYPE_CHECKING:
    from ..hub.model import ModelMeta

MetaKey = tuple[str, str, "str | None"]
Metadata = Mapping[tuple[str, str, "str | None"], "ModelMeta"]

# Hubs whose references name a remote artifact that can be compared across the project.
REMOTE_HUBS = frozenset({"huggingface", "modelscope", "torch_hub", "tf_hub", "kaggle", "url"})
# The default branch of every Hugging Face repo is `main`: no revision and "main" load the same commit.
HF_DEFAULT_BRANCH = "main"
# What "no revision" means per hub (ModelScope's SDK defaults to `master`).
DEFAULT_BRANCHES = {"huggingface": HF_DEFAULT_BRANCH, "modelscope": "master"}


def ident(ref: Reference) -> str | None:
    """The repo / model identity (canonical id, else the id as written), like inventory.model_key."""
    return ref.canonical or ref.model


def node_ident(ref: Reference) -> str | None:
    """The identity used in graph node ids: the canonical id, or `<library>:<name>` for a library alias
    without one (torchvision "resnet50" and timm "resnet50" are different weights)."""
    if ref.canonical or ref.model is None:
        return ref.canonical
    return f"{ref.library}:{ref.model}" if ref.library else ref.model


def repo_key(ref: Reference) -> tuple[str, str, str] | None:
    """(repo type, hub, identity) for a remote reference; None for local paths and unknown ids.

    Datasets are a separate namespace on the Hub, so a dataset and a model of the same name differ.
    """
    name = ident(ref)
    if name is None or ref.hub not in REMOTE_HUBS:
        return None
    kind = "dataset" if ref.role == "dataset" else "model"
    if ref.canonical is None:  # a library alias: the same name in two libraries is two models
        return kind, ref.hub, node_ident(ref) or name
    # Hub ids are case-insensitive on Hugging Face.
    return kind, ref.hub, name.lower() if ref.hub == "huggingface" else name


def revision_known(ref: Reference) -> bool:
    return ref.pin != "unknown"


def meta_for(ref: Reference, metadata: Metadata | None) -> ModelMeta | None:
    """The metadata record of the (repo, revision) a reference loads, if the mapping has one."""
    if not metadata or ref.canonical is None:
        return None
    meta = metadata.get((ref.hub, ref.canonical, ref.revision))
    if meta is None and ref.hub == "huggingface" and ref.revision == HF_DEFAULT_BRANCH:
        meta = metadata.get((ref.hub, ref.canonical, None))
    if meta is None:
        return None
    wanted = "dataset" if ref.role == "dataset" else "model"
    if getattr(meta, "repo_type", "model") not in (wanted, None):
        return None
    return meta


def revision_key(ref: Reference, metadata: Metadata | None = None) -> tuple[str, str]:
    """What a reference's revision denotes, for comparing two references to one repo.

    ("sha", <commit>) when the commit is known (a 40-hex revision, or metadata resolved it),
    ("default", "") for the default branch, else ("ref", <revision as written>).
    """
    meta = meta_for(ref, metadata)
    if meta is not None and getattr(meta, "status", "ok") == "ok" and meta.sha:
        return "sha", meta.sha.lower()
    rev = ref.revision
    if rev is not None and ref.hub in ("huggingface", "modelscope", "torch_hub") and SHA40.fullmatch(rev.lower()):
        return "sha", rev.lower()
    if rev is None or rev == DEFAULT_BRANCHES.get(ref.hub):
        return "default", ""
    return "ref", rev


def describe_revision(ref: Reference) -> str:
    if ref.revision is None:
        return "the default branch" if ref.hub in ("huggingface", "modelscope", "torch_hub") else "the latest version"
    rev = ref.revision
    if SHA40.fullmatch(rev):
        return repr(rev[:12] + "…")
    return repr(rev)


def where(ref: Reference) -> str:
    """path:line for messages; notebook cells 1-based, as the text and GitHub reporters show them."""
    if ref.cell is not None:
        return f"{ref.path}:cell {ref.cell + 1}:{ref.line}"
    return f"{ref.path}:{ref.line}"


def is_adapter(meta: ModelMeta | None) -> bool:
    if meta is None:
        return False
    tags = {t.lower() for t in (meta.tags or ())}
    return (meta.library_name or "").lower() == "peft" or "peft" in tags or "adapter" in tags \
        or any(t.startswith("base_model:adapter:") for t in tags)


def base_ids(meta: ModelMeta) -> tuple[str, ...]:
    out: list[str] = []
    for base in meta.base_models or ():
        base = base.strip()
        if base and base not in out:
            out.append(base)
    return tuple(out)


def lookup_base(hub: str, base: str, metadata: Metadata | None) -> tuple[str, ModelMeta | None]:
    """(canonical id, metadata at its default branch) of a base model named on a model card."""
    canonical = hf_canonical(base) if hub == "huggingface" else base
    if not metadata:
        return canonical, None
    meta = metadata.get((hub, canonical, None)) or metadata.get((hub, base, None))
    return canonical, meta


def lineage(hub: str, meta: ModelMeta, metadata: Metadata | None,
            limit: int = 32) -> Iterator[tuple[str, str, ModelMeta | None, int]]:
    """Every ancestor of a model, breadth-first: (child canonical, ancestor canonical, its metadata, depth).

    Cycles and repeated ancestors are visited once; at most `limit` ancestors.
    """
    seen = {meta.repo_id}
    frontier = [(meta.repo_id, meta, 1)]
    count = 0
    while frontier and count < limit:
        child, child_meta, depth = frontier.pop(0)
        for base in base_ids(child_meta):
            canonical, base_meta = lookup_base(hub, base, metadata)
            if canonical in seen:
                continue
            seen.add(canonical)
            count += 1
            yield child, canonical, base_meta, depth
            if base_meta is not None:
                frontier.append((canonical, base_meta, depth + 1))


@dataclass(frozen=True, slots=True)
class RepoRef:
    """The part of a Reference the metadata look-up reads: a base model at its default branch."""

    canonical: str
    model: str | None = None
    hub: str = "huggingface"
    role: str = "model"
    revision: str | None = None
    pin: str = "mutable"


def expand_lineage(metadata: Metadata | None, lookup: Callable[[list[RepoRef]], Metadata],
                   max_depth: int = 4, max_repos: int = 64) -> dict:
    """`metadata` plus the records of every Hugging Face base model along the lineage (default branch).

    `lookup(refs)` returns metadata keyed like `metadata` (hub.resolver.lookup_all(...).by_key); it
    is called once per generation of ancestors, at most `max_depth` times and for at most
    `max_repos` repos in all.
    """
    out = dict(metadata or {})
    asked: set[str] = set()
    frontier = [m for (hub, _, _), m in out.items() if hub == "huggingface"]
    for _ in range(max_depth):
        wanted: list[RepoRef] = []
        for meta in frontier:
            for base in base_ids(meta):
                canonical = hf_canonical(base)
                if ("huggingface", canonical, None) in out or canonical in asked or len(asked) >= max_repos:
                    continue
                asked.add(canonical)
                wanted.append(RepoRef(canonical, model=base))
        if not wanted:
            break
        found = lookup(wanted) or {}
        frontier = [m for k, m in found.items() if k not in out]
        out.update(found)
    return out
