"""PTM407 revision-behind-default-branch: the pinned commit is behind main (needs hub metadata; check only)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or ref.revision is None or ref.pin not in ("immutable", "weak"):
        return
    if not meta.sha or not meta.default_sha or meta.sha == meta.default_sha:
        return
    rev = ref.revision[:12] if re.fullmatch(r"[0-9a-f]{40}", ref.revision) else repr(ref.revision)
    head = meta.default_sha[:12]
    if meta.source == "hf-cache":
        seen = f" on {meta.default_date[:10]}" if meta.default_date else ""
        yield Hit(f"pinned revision {rev} of {repo_name(ref, meta)} is not the head of main as last seen in the "
                  f"local Hugging Face cache{seen} (main was at {head}); review what changed and move the pin "
                  f"if you want it")
        return
    if meta.commits_behind:
        how = f"{meta.commits_behind} commit{'s' if meta.commits_behind != 1 else ''} behind main"
    elif meta.on_default_branch is False:
        how = "not in main's history (another branch, or main was rewritten)"
    else:
        how = "behind main"
    when = []
    if meta.sha_date:
        when.append(f"pinned commit from {meta.sha_date[:10]}")
    if meta.default_date:
        when.append(f"main last changed {meta.default_date[:10]}")
    extra = f" ({'; '.join(when)})" if when else ""
    yield Hit(f"pinned revision {rev} of {repo_name(ref, meta)} is {how}, now at {head}{extra}; review what "
              f"changed and move the pin if you want it")
