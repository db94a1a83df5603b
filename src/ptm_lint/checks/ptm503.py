"""PTM503 license-lineage-conflict: a model's licence conflicts with its base model's along the lineage (needs hub metadata; check only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..check.context import Context, Hit
from ..core import Reference
from ..graph.keys import ident, is_adapter, lineage, meta_for, repo_key

SCOPE = "project"


def check(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """The license of a loaded model does not allow what its base model's license requires.

    Needs hub metadata (license and base_model of each repo along the lineage); silent without it,
    and silent for licenses rules/licenses.toml does not classify.
    """
    metadata = ctx.metadata
    if not metadata:
        return
    from ..graph import licenses  # reads rules/licenses.toml: only runs with hub metadata need it

    for index, ref in enumerate(references):
        if ref.role == "dataset" or repo_key(ref) is None:
            continue
        meta = meta_for(ref, metadata)
        if meta is None or meta.status != "ok":
            continue
        mine = licenses.classify(meta.license)
        if mine is None:
            continue
        conflicts = []
        for _child, base, base_meta, depth in lineage(ref.hub, meta, metadata):
            if base_meta is None or base_meta.status != "ok":
                continue
            if licenses.derivative_conflict(base_meta.license, meta.license):
                theirs = licenses.classify(base_meta.license)
                assert theirs is not None
                relation = "adapter" if depth == 1 and (is_adapter(meta) or ref.role == "adapter") else "derivative"
                conflicts.append((base, base_meta.license, theirs, depth, relation))
        if not conflicts:
            continue
        base, base_license, theirs, depth, relation = conflicts[0]
        via = "its base model" if depth == 1 else f"an ancestor {depth} levels up"
        more = f" (and {len(conflicts) - 1} more ancestor{'s' if len(conflicts) > 2 else ''})" if len(conflicts) > 1 else ""
        yield index, Hit(
            f"{ident(ref)!r} is published under {meta.license!r} ({mine.id}), but it is {'an' if relation == 'adapter' else 'a'} "
            f"{relation} of {base!r}, {via}, licensed {base_license!r} ({theirs.description}){more}: the "
            f"base model's terms still apply to you; check whether your use is allowed under {base_license!r}"
        )
