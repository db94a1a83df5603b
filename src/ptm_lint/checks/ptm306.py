"""PTM306 model-load-in-loop: a model loaded per loop iteration or per request (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import shown_id

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub == "unknown" and ref.model is None:
        return
    if ref.in_loop:
        yield Hit(f"{shown_id(ref)} is loaded inside a loop: every iteration re-reads (and may re-download) it; "
                  f"load it once before the loop")
    elif ref.hot_path:
        yield Hit(f"{shown_id(ref)} is loaded in {ref.hot_path}, so it is loaded again for every call; load it once "
                  f"(at start-up, in __init__, or behind functools.cache)")
