"""PTM204 torch-hub-remote-code: torch.hub runs the repo's hubconf.py at a ref that can move (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import option, shown_id

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "torch_hub":
        return
    trust = option(ref, "trust_repo")
    skip = option(ref, "skip_validation")
    pinned = ref.pin == "immutable"
    if pinned and trust is not True and skip is not True:
        return
    repo = ref.canonical or shown_id(ref)
    if trust is True and not pinned:
        yield Hit(f"torch.hub imports and runs hubconf.py from {repo!r} with trust_repo=True and no commit pin: "
                  f"whatever the repo's branch holds at download time runs on your machine; pin "
                  f"':<commit sha>' and review it", level="error")
    elif skip is True:
        yield Hit(f"torch.hub runs code from {repo!r} with skip_validation=True, so a fork's commit is not "
                  f"rejected; pin ':<commit sha>' of the upstream repo", level="warning")
    else:
        yield Hit(f"torch.hub imports and runs hubconf.py from {repo!r} at a ref that can move; pin "
                  f"':<commit sha>' and review that code", level="warning")
