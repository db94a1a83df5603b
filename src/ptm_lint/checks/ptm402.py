"""PTM402 revision-not-found: the pinned revision does not exist in the repo (needs hub metadata; check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "revision_not_found" or ref.revision is None:
        return
    yield Hit(f"revision {ref.revision!r} does not exist in {repo_name(ref, meta)}: the load fails. The tag or "
              f"branch was deleted, or the commit was removed by a history rewrite; pin an existing commit sha")
