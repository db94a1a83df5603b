"""PTM403 gated-model: the model is gated: every user and CI needs accepted conditions and a token (needs hub metadata; check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None:
        return
    name = repo_name(ref, meta)
    if meta.status == "gated":
        yield Hit(f"{name} is gated and could not be read without access: every user (and CI) must accept "
                  f"its conditions on the Hub and authenticate with a token that has access")
    elif meta.status == "ok" and meta.gated not in (None, False, "false", "False"):
        how = "after manual approval by its authors" if meta.gated == "manual" else "after accepting its conditions"
        yield Hit(f"{name} is gated: it can only be downloaded {how}, with a token (HF_TOKEN) of an account "
                  f"that has access; fresh machines and CI fail without one")
