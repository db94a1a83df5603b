"""PTM108 unpinned-modelscope-revision: a ModelScope load at the master branch (warning) or a tag (note) (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference

SCOPE = "reference"


def _keyword(ref: Reference) -> str:
    if ref.role == "pipeline":
        return "model_revision="
    return "version=" if ref.api.endswith("MsDataset.load") else "revision="


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "modelscope" or ref.pin not in ("mutable", "weak"):
        return
    what = "dataset" if ref.role == "dataset" else "model"
    name = repr(ref.canonical or ref.model)
    if ref.revision is None:
        yield Hit(f"ModelScope {what} {name} is loaded from the 'master' branch (no {_keyword(ref)}), "
                  f"which its owner can change at any time; pin {_keyword(ref)} to the commit id you tested "
                  f"(or at least a release tag)")
    elif ref.pin == "mutable":
        yield Hit(f"ModelScope {what} {name}: {_keyword(ref)}{ref.revision!r} is a branch, which moves "
                  f"with every push; pin the commit id you tested (or at least a release tag)")
    else:
        yield Hit(f"ModelScope {what} {name} is pinned to tag {ref.revision!r}, which can be deleted "
                  f"and re-created; pin the commit id if your modelscope client accepts it", level="note")
