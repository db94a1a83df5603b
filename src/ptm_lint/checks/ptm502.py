"""PTM502 mismatched-tokenizer-revision: a tokenizer/processor and its model from different revisions or vocabularies in one scope (check only)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..check.context import Context, Hit
from ..core import Reference
from ..graph.keys import describe_revision, ident, repo_key, revision_key, revision_known, where
from ._common import scope_key

SCOPE = "project"
COMPANION_ROLES = ("tokenizer", "processor", "config")
_CASING = re.compile(r"(?<![a-z])(un)?cased(?![a-z])")


def check(references: Sequence[Reference], ctx: Context) -> Iterable[tuple[int, Hit]]:
    """A tokenizer / processor / config and its model in one function, at different revisions.

    Pairs are matched by repo id within one scope (same file, same function). A companion from a
    *different* repo is only reported when the ids differ just by `cased`/`uncased` (a vocabulary
    mismatch); any other cross-repo pairing is assumed deliberate (e.g. the base model's tokenizer
    for a fine-tuned checkpoint) and left alone.
    """
    metadata = ctx.metadata
    scopes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, ref in enumerate(references):
        if repo_key(ref) is not None:
            scopes[scope_key(ref)].append(index)
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


def _casing_twin(a: str, b: str) -> bool:
    """True when two ids differ only in `cased` vs `uncased` (different vocabularies)."""
    a, b = a.lower(), b.lower()
    if a == b or not (_CASING.search(a) and _CASING.search(b)):
        return False
    return _CASING.sub("cased", a) == _CASING.sub("cased", b)
