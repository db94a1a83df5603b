"""PTM501 inconsistent-model-revision: the same model loaded at different revisions across the project (check only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..check.context import Context, Hit
from ..core import Reference
from ..graph.keys import describe_revision, ident, repo_key, revision_key, revision_known
from ._common import MAX_LISTED, places, scope_key

SCOPE = "project"
PIN_STRENGTH = {"immutable": 0, "weak": 1, "library": 2, "mutable": 3}


def check(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """Same repo loaded at different revisions in different places of the project.

    The reference revision is the most strongly pinned one (then the most used, then the first);
    every reference at another revision is reported, naming the others. When all references of a
    repo are in one function, the difference is left to PTM502 (a tokenizer/model pair) or taken
    as deliberate (comparing two revisions side by side).
    """
    metadata = ctx.metadata
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, ref in enumerate(references):
        key = repo_key(ref)
        if key is not None and revision_known(ref):
            groups[key].append(index)
    for indices in groups.values():
        by_rev: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index in indices:
            by_rev[revision_key(references[index], metadata)].append(index)
        if len(by_rev) < 2:
            continue
        if len({scope_key(references[i]) for i in indices}) < 2:
            continue

        def rank(item):
            rev, members = item
            strongest = min(PIN_STRENGTH.get(references[i].pin, 9) for i in members)
            return strongest, -len(members), min(members)

        ordered = sorted(by_rev.items(), key=rank)
        baseline = references[ordered[0][1][0]]
        advice = _advice(baseline)
        for rev, members in ordered[1:]:
            others = [m for r, m in ordered if r != rev]
            listed = "; ".join(
                f"{describe_revision(references[m[0]])} ({places([references[i] for i in m])})"
                for m in others[:MAX_LISTED]
            )
            if len(others) > MAX_LISTED:
                listed += f"; and {len(others) - MAX_LISTED} more revisions"
            for index in members:
                ref = references[index]
                what = "dataset" if ref.role == "dataset" else "model"
                yield index, Hit(
                    f"{what} {ident(ref)!r} is loaded at {describe_revision(ref)} here, but elsewhere in the "
                    f"project at {listed}; load one revision everywhere from one shared constant, {advice}"
                )


def _advice(baseline: Reference) -> str:
    if baseline.pin == "immutable":
        return f"e.g. the pinned {'version' if baseline.hub in ('tf_hub', 'kaggle') else 'commit'} " \
               f"{describe_revision(baseline)}"
    if baseline.hub in ("huggingface", "torch_hub"):
        return "pinned to a commit sha"
    if baseline.hub in ("tf_hub", "kaggle"):
        return "with an explicit version"
    return "naming the exact weights"
