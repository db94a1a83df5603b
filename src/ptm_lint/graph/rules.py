"""Project-level rules (PTM5xx): they look at every reference of the project at once.

A project check is `(references, ctx) -> Iterable[(index into references, Hit)]`; the engine
(check/engine.py) runs them after the per-reference checks, with the same selection, per-file
ignores and inline suppressions. References in files where a rule is per-file-ignored are not
passed to that rule at all, so an ignored file neither gets findings nor counts as "elsewhere".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

from ..check.rules import Context, Hit
from ..core import Reference
from .keys import (
    describe_revision, ident, is_adapter, lineage, meta_for, repo_key, revision_key, revision_known, where,
)

ProjectCheckFn = Callable[[Sequence[Reference], Context], Iterable[tuple[int, Hit]]]

COMPANION_ROLES = ("tokenizer", "processor", "config")
PIN_STRENGTH = {"immutable": 0, "weak": 1, "library": 2, "mutable": 3}
MAX_LISTED = 3


def _metadata(ctx: Context):
    return getattr(ctx, "metadata", None)


def _scope_key(ref: Reference) -> tuple[str, str]:
    # A notebook is one module namespace: every cell shares `<module>`.
    return ref.path, ref.scope


def _places(refs: Sequence[Reference]) -> str:
    shown = ", ".join(where(r) for r in refs[:MAX_LISTED])
    more = len(refs) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


# -- PTM501 ---------------------------------------------------------------------------------------
def ptm501(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """Same repo loaded at different revisions in different places of the project.

    The reference revision is the most strongly pinned one (then the most used, then the first);
    every reference at another revision is reported, naming the others. When all references of a
    repo are in one function, the difference is left to PTM502 (a tokenizer/model pair) or taken
    as deliberate (comparing two revisions side by side).
    """
    metadata = _metadata(ctx)
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
        if len({_scope_key(references[i]) for i in indices}) < 2:
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
                f"{describe_revision(references[m[0]])} ({_places([references[i] for i in m])})"
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


# -- PTM502 ---------------------------------------------------------------------------------------
_CASING = re.compile(r"(?<![a-z])(un)?cased(?![a-z])")


def _casing_twin(a: str, b: str) -> bool:
    """True when two ids differ only in `cased` vs `uncased` (different vocabularies)."""
    a, b = a.lower(), b.lower()
    if a == b or not (_CASING.search(a) and _CASING.search(b)):
        return False
    return _CASING.sub("cased", a) == _CASING.sub("cased", b)


def ptm502(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """A tokenizer / processor / config and its model in one function, at different revisions.

    Pairs are matched by repo id within one scope (same file, same function). A companion from a
    *different* repo is only reported when the ids differ just by `cased`/`uncased` (a vocabulary
    mismatch); any other cross-repo pairing is assumed deliberate (e.g. the base model's tokenizer
    for a fine-tuned checkpoint) and left alone.
    """
    metadata = _metadata(ctx)
    scopes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, ref in enumerate(references):
        if repo_key(ref) is not None:
            scopes[_scope_key(ref)].append(index)
    for indices in scopes.values():
        models = [i for i in indices if references[i].role == "model"]
        if not models:
            continue
        for index in indices:
            comp = references[index]
            if comp.role not in COMPANION_ROLES:
                continue
            key = repo_key(comp)
            same = [i for i in models if repo_key(references[i]) == key]
            if same:
                if not revision_known(comp):
                    continue
                known = [i for i in same if revision_known(references[i])]
                if not known:
                    continue
                mine = revision_key(comp, metadata)
                if any(revision_key(references[i], metadata) == mine for i in known):
                    continue
                model = references[min(known, key=lambda i: abs(references[i].line - comp.line))]
                pinned = {r.pin == "immutable" for r in (comp, model)}
                why = ("one of them is pinned to a commit and the other is not" if len(pinned) == 2
                       else "they can come from different commits")
                yield index, Hit(
                    f"{comp.role} {ident(comp)!r} is loaded at {describe_revision(comp)}, but the model it goes "
                    f"with ({where(model)}) at {describe_revision(model)}: {why}, so the {comp.role} files may "
                    f"not match the weights; load both at the same revision"
                )
                continue
            twins = [i for i in models if repo_key(references[i]) is not None
                     and references[i].hub == comp.hub and _casing_twin(ident(comp) or "", ident(references[i]) or "")]
            if twins:
                model = references[twins[0]]
                yield index, Hit(
                    f"{comp.role} {ident(comp)!r} and model {ident(model)!r} ({where(model)}) are different "
                    f"repos whose names differ only in cased/uncased: their vocabularies differ, so the model "
                    f"receives token ids it was not trained on; load both from the same repo"
                )


# -- PTM503 ---------------------------------------------------------------------------------------
def ptm503(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """The license of a loaded model does not allow what its base model's license requires.

    Needs hub metadata (license and base_model of each repo along the lineage); silent without it,
    and silent for licenses rules/licenses.toml does not classify.
    """
    metadata = _metadata(ctx)
    if not metadata:
        return
    from . import licenses  # reads rules/licenses.toml: only runs with hub metadata need it

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


PROJECT_CHECKS: Mapping[str, ProjectCheckFn] = MappingProxyType({
    "PTM501": ptm501, "PTM502": ptm502, "PTM503": ptm503,
})
